"""The admission service's operations on the bus: parse, call the application or a query, shape the reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from dui_admission.application import AdmissionApp
from dui_admission.projections import PROJECTIONS, AdmissionReadModel
from dui_admission.queries import AdmissionQueries
from dui_shared.contracts.admission_api import (
    ActionSortieATracer,
    AdmissionAPrononcer,
    CommandeAcceptee,
    ContactAPlanifier,
    DecisionAPrononcer,
    EsmsVue,
    FiltreListeAttente,
    FiltreSejours,
    ImportViaTrajectoire,
    NouvelleCandidature,
    SortieAPrononcer,
    VisiteATracer,
)
from dui_shared.errors import Forbidden
from dui_shared.operations import accepted, command_context
from dui_shared.projection import projection_status, read_at
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer

Operation = Callable[[RpcRequest], Awaitable[RpcReply]]


def register(rpc: RpcServer, app: AdmissionApp, queries: AdmissionQueries, pool: asyncpg.Pool) -> None:
    """Every operation of the service; the gateway maps each to one REST endpoint."""

    async def consistent(req: RpcRequest) -> None:
        await read_at(app.store, pool, AdmissionReadModel, req.min_position)

    @rpc.operation("recevoir_candidature")
    async def recevoir_candidature(req: RpcRequest) -> RpcReply:
        demande, position = await app.recevoir_candidature(
            NouvelleCandidature.model_validate(req.body), command_context(req)
        )
        return RpcReply(
            status=201,
            body=demande.model_dump(mode="json"),
            position=position,
            location=f"/demandes/{demande.demande_id}",
        )

    @rpc.operation("importer_viatrajectoire")
    async def importer_viatrajectoire(req: RpcRequest) -> RpcReply:
        rapport, position = await app.importer_viatrajectoire(
            ImportViaTrajectoire.model_validate(req.body), command_context(req)
        )
        return RpcReply(body=rapport.model_dump(mode="json"), position=position)

    @rpc.operation("planifier_contact")
    async def planifier_contact(req: RpcRequest) -> RpcReply:
        cid = UUID(req.params["id"])
        return accepted(
            cid,
            await app.planifier_contact(
                cid, ContactAPlanifier.model_validate(req.body), command_context(req)
            ),
        )

    @rpc.operation("tracer_visite")
    async def tracer_visite(req: RpcRequest) -> RpcReply:
        cid = UUID(req.params["id"])
        return accepted(
            cid, await app.tracer_visite(cid, VisiteATracer.model_validate(req.body), command_context(req))
        )

    @rpc.operation("prononcer_decision")
    async def prononcer_decision(req: RpcRequest) -> RpcReply:
        cid = UUID(req.params["id"])
        cmd = DecisionAPrononcer.model_validate(req.body)
        return accepted(cid, await app.prononcer_decision(cid, cmd, command_context(req)))

    @rpc.operation("admettre")
    async def admettre(req: RpcRequest) -> RpcReply:
        cmd = AdmissionAPrononcer.model_validate(req.body)
        sejour_id, position = await app.admettre(UUID(req.params["id"]), cmd, command_context(req))
        return RpcReply(
            status=201,
            body=CommandeAcceptee(id=sejour_id, position=position).model_dump(mode="json"),
            position=position,
            location=f"/sejours/{sejour_id}",
        )

    @rpc.operation("prononcer_sortie")
    async def prononcer_sortie(req: RpcRequest) -> RpcReply:
        sid = UUID(req.params["id"])
        return accepted(
            sid,
            await app.prononcer_sortie(sid, SortieAPrononcer.model_validate(req.body), command_context(req)),
        )

    @rpc.operation("tracer_action_sortie")
    async def tracer_action_sortie(req: RpcRequest) -> RpcReply:
        sid = UUID(req.params["id"])
        cmd = ActionSortieATracer.model_validate(req.body)
        return accepted(sid, await app.tracer_action_sortie(sid, cmd, command_context(req)))

    @rpc.operation("liste_attente")
    async def liste_attente(req: RpcRequest) -> RpcReply:
        filtre = FiltreListeAttente.model_validate(req.query)
        await consistent(req)
        return RpcReply(body=(await queries.liste_attente(filtre, req.actor)).model_dump(mode="json"))

    @rpc.operation("candidature")
    async def candidature(req: RpcRequest) -> RpcReply:
        await consistent(req)
        vue = await queries.candidature(UUID(req.params["id"]), req.actor)
        return RpcReply(body=vue.model_dump(mode="json"))

    @rpc.operation("demande")
    async def demande(req: RpcRequest) -> RpcReply:
        await consistent(req)
        vues = await queries.demande(UUID(req.params["id"]), req.actor)
        return RpcReply(body=[v.model_dump(mode="json") for v in vues])

    @rpc.operation("sejours")
    async def sejours(req: RpcRequest) -> RpcReply:
        filtre = FiltreSejours.model_validate(req.query)
        await consistent(req)
        return RpcReply(body=(await queries.sejours(filtre, req.actor)).model_dump(mode="json"))

    @rpc.operation("sejour")
    async def sejour(req: RpcRequest) -> RpcReply:
        await consistent(req)
        return RpcReply(
            body=(await queries.sejour(UUID(req.params["id"]), req.actor)).model_dump(mode="json")
        )

    @rpc.operation("projections")
    async def projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        statuses = [(await projection_status(app.store, pool, p.name)).model_dump() for p in PROJECTIONS]
        return RpcReply(body=statuses)

    @rpc.operation("esms")
    async def esms(req: RpcRequest) -> RpcReply:
        visible = [e for e in app.referentiel.esms if req.actor.may_act_for(e.finess)]
        return RpcReply(
            body=[EsmsVue.model_validate(e.model_dump()).model_dump(mode="json") for e in visible]
        )
