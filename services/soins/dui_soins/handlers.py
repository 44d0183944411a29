"""The soins service's operations on the bus: parse, call the application or a query, shape the reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from dui_shared.contracts.soins_api import (
    ActeATracer,
    ArretPrescription,
    ArretSoin,
    FiltreActes,
    FiltreJour,
    FiltreNonLues,
    FiltrePlan,
    FiltrePrescriptions,
    FiltreRetards,
    FiltreTransmissions,
    FiltreTransmissionsDossier,
    LecturesAEnregistrer,
    LecturesEnregistrees,
    ModificationPrescription,
    ObservationASaisir,
    PrescriptionAEmettre,
    SoinAPlanifier,
    TransmissionASaisir,
    UniteAAffecter,
)
from dui_shared.errors import Forbidden
from dui_shared.operations import accepted, command_context, created, path_id, to_json
from dui_shared.projection import projection_status, read_at
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer
from dui_soins.application import SoinsApp
from dui_soins.projections import PROJECTIONS, SoinsReadModel
from dui_soins.queries import SoinsQueries


def register(rpc: RpcServer, app: SoinsApp, queries: SoinsQueries, pool: asyncpg.Pool) -> None:
    """Every operation of the service; the gateway maps each to one REST endpoint."""

    async def consistent(req: RpcRequest) -> int:
        """Reads reflect the caller's write at `min_position` — theirs in this service, or in the dossier service
        (an absence declared there), since the read model follows both."""
        return await read_at(app.store, pool, SoinsReadModel, req.min_position)

    def query(name: str) -> Callable[[Callable[[RpcRequest, int], Awaitable[Any]]], None]:
        """A read: consistent with the caller's own writes, answered as JSON."""

        def decorate(fn: Callable[[RpcRequest, int], Awaitable[Any]]) -> None:
            async def handle(req: RpcRequest) -> RpcReply:
                position = await consistent(req)
                return RpcReply(body=to_json(await fn(req, position)))

            rpc.operation(name)(handle)

        return decorate

    # -- transmissions ----------------------------------------------------------------------------------

    @rpc.operation("saisir_transmission")
    async def saisir_transmission(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        tid, position = await app.saisir_transmission(
            did, TransmissionASaisir.model_validate(req.body), command_context(req)
        )
        return created(tid, position, f"/transmissions/{tid}")

    @query("transmission")
    async def transmission(req: RpcRequest, _: int) -> Any:
        return await queries.transmission(path_id(req), req.actor)

    @query("transmissions_dossier")
    async def transmissions_dossier(req: RpcRequest, _: int) -> Any:
        filtre = FiltreTransmissionsDossier.model_validate(req.query)
        return await queries.transmissions_dossier(path_id(req), filtre, req.actor)

    @query("transmissions")
    async def transmissions(req: RpcRequest, _: int) -> Any:
        return await queries.transmissions(FiltreTransmissions.model_validate(req.query), req.actor)

    @query("transmissions_non_lues")
    async def transmissions_non_lues(req: RpcRequest, _: int) -> Any:
        return await queries.non_lues(FiltreNonLues.model_validate(req.query), req.actor)

    @rpc.operation("marquer_lues")
    async def marquer_lues(req: RpcRequest) -> RpcReply:
        cmd = LecturesAEnregistrer.model_validate(req.body)
        lues, position = await app.marquer_lues(cmd.ids, command_context(req))
        body = LecturesEnregistrees(lues=lues, position=position)
        return RpcReply(body=body.model_dump(mode="json"), position=position)

    # -- observations -----------------------------------------------------------------------------------

    @rpc.operation("saisir_observation")
    async def saisir_observation(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        oid, position = await app.saisir_observation(
            did, ObservationASaisir.model_validate(req.body), command_context(req)
        )
        return created(oid, position, f"/observations/{oid}")

    @query("observation")
    async def observation(req: RpcRequest, _: int) -> Any:
        return await queries.observation(path_id(req), req.actor)

    @query("observations")
    async def observations(req: RpcRequest, _: int) -> Any:
        return await queries.observations(path_id(req), req.actor)

    # -- prescriptions ----------------------------------------------------------------------------------

    @rpc.operation("emettre_prescription")
    async def emettre_prescription(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        pid, position = await app.emettre_prescription(
            did, PrescriptionAEmettre.model_validate(req.body), command_context(req)
        )
        return created(pid, position, f"/prescriptions/{pid}")

    @query("prescriptions")
    async def prescriptions(req: RpcRequest, _: int) -> Any:
        filtre = FiltrePrescriptions.model_validate(req.query)
        return await queries.prescriptions(path_id(req), filtre, req.actor)

    @query("prescription")
    async def prescription(req: RpcRequest, _: int) -> Any:
        return await queries.prescription(path_id(req), req.actor)

    @query("prescription_versions")
    async def prescription_versions(req: RpcRequest, _: int) -> Any:
        return await queries.versions(path_id(req), req.actor)

    @rpc.operation("modifier_prescription")
    async def modifier_prescription(req: RpcRequest) -> RpcReply:
        pid = path_id(req)
        cmd = ModificationPrescription.model_validate(req.body)
        version, position = await app.modifier_prescription(pid, cmd, command_context(req))
        return RpcReply(
            body={"id": str(pid), "version": version, "position": position},
            position=position,
            location=f"/prescriptions/{pid}/versions",
        )

    @rpc.operation("arreter_prescription")
    async def arreter_prescription(req: RpcRequest) -> RpcReply:
        pid = path_id(req)
        cmd = ArretPrescription.model_validate(req.body)
        return accepted(pid, await app.arreter_prescription(pid, cmd, command_context(req)))

    # -- plan de soins and acts -------------------------------------------------------------------------

    @query("plan_soins_dossier")
    async def plan_soins_dossier(req: RpcRequest, position: int) -> Any:
        filtre = FiltreJour.model_validate(req.query)
        return await queries.plan_dossier(path_id(req), filtre.jour, req.actor, position)

    @query("plan_soins")
    async def plan_soins(req: RpcRequest, position: int) -> Any:
        return await queries.plan(FiltrePlan.model_validate(req.query), req.actor, position)

    @rpc.operation("affecter_unite")
    async def affecter_unite(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        cmd = UniteAAffecter.model_validate(req.body)
        return accepted(did, await app.affecter_unite(did, cmd.unite, command_context(req)))

    @rpc.operation("planifier_soin")
    async def planifier_soin(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        sid, position = await app.planifier_soin(
            did, SoinAPlanifier.model_validate(req.body), command_context(req)
        )
        return created(sid, position, f"/dossiers/{did}/plan-soins")

    @rpc.operation("arreter_soin")
    async def arreter_soin(req: RpcRequest) -> RpcReply:
        did, sid = path_id(req), path_id(req, "soin_id")
        cmd = ArretSoin.model_validate(req.body)
        return accepted(sid, await app.arreter_soin(did, sid, cmd.motif, command_context(req)))

    @rpc.operation("tracer_acte")
    async def tracer_acte(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        ref, position = await app.tracer_acte(did, ActeATracer.model_validate(req.body), command_context(req))
        return accepted(ref, position)

    @query("actes")
    async def actes(req: RpcRequest, _: int) -> Any:
        return await queries.actes(path_id(req), FiltreActes.model_validate(req.query).jour, req.actor)

    @query("actes_en_retard")
    async def actes_en_retard(req: RpcRequest, _: int) -> Any:
        return await queries.retards(FiltreRetards.model_validate(req.query), req.actor)

    # -- operations -------------------------------------------------------------------------------------

    @rpc.operation("soins_projections")
    async def soins_projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        statuses = [(await projection_status(app.store, pool, p.name)).model_dump() for p in PROJECTIONS]
        return RpcReply(body=statuses)
