"""The habilitations service's operations on the bus: parse, check, call the application or a query, reply."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from dui_habilitations.application import HabilitationsApp
from dui_habilitations.domain.compte import compte_id
from dui_habilitations.domain.matrice import MATRICE_ID
from dui_habilitations.projections import HabilitationsReadModel, JournalAcces
from dui_habilitations.queries import HabilitationsQueries
from dui_shared.contracts.habilitations import PROFESSION
from dui_shared.contracts.habilitations_api import (
    AccesPersonneAOuvrir,
    AccesUrgenceAccorde,
    AccesUrgenceAOuvrir,
    AffectationsADefinir,
    DroitsDemandes,
    FiltreComptes,
    FiltreJournal,
    FiltreUrgences,
    MatriceVue,
    ProfilAEnregistrer,
    RevueAcces,
)
from dui_shared.errors import Forbidden, NotFound, Unavailable
from dui_shared.eventstore import EventStore
from dui_shared.operations import accepted, command_context, created, path_id, to_json
from dui_shared.projection import projection_status, read_at, wait_for_position
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer
from dui_shared.timezone import to_paris

IDENTIFIANT = re.compile(r"[A-Za-z0-9._:@-]{1,64}")


def _identifiant(req: RpcRequest) -> str:
    """A login identifiant from the path; anything else names no account (404)."""
    value = str(req.params.get("identifiant", ""))
    if not IDENTIFIANT.fullmatch(value):
        raise NotFound(f"compte {value[:64]!r} introuvable")
    return value


def _profession(req: RpcRequest) -> str:
    value = str(req.params.get("profession", ""))
    if not PROFESSION.fullmatch(value):
        raise NotFound(f"profession {value[:40]!r} introuvable dans la matrice")
    return value


def register(
    rpc: RpcServer,
    app: HabilitationsApp,
    queries: HabilitationsQueries,
    pool: asyncpg.Pool,
    audit: EventStore,
) -> None:
    """Every operation of the service, named `<what>.<verb>`; the gateway maps each to one REST endpoint
    (`droits.calculer` is its own, internal one, asked on every request)."""

    async def consistent(req: RpcRequest) -> int:
        return await read_at(app.store, pool, HabilitationsReadModel, req.min_position)

    def query(name: str) -> Callable[[Callable[[RpcRequest], Awaitable[Any]]], None]:
        """A read: consistent with the caller's own writes, answered as JSON."""

        def decorate(fn: Callable[[RpcRequest], Awaitable[Any]]) -> None:
            async def handle(req: RpcRequest) -> RpcReply:
                await consistent(req)
                return RpcReply(body=to_json(await fn(req)))

            rpc.operation(name)(handle)

        return decorate

    # -- rights --------------------------------------------------------------------------------------------

    async def calculer_droits(req: RpcRequest) -> RpcReply:
        """What the caller the gateway authenticated may do now (from the log, not the read model)."""
        droits = await app.droits(DroitsDemandes.model_validate(req.body))
        return RpcReply(body=droits.model_dump(mode="json"), position=droits.position or None)

    rpc.operation("droits.calculer")(calculer_droits)
    # the name the gateway calls (dui_gateway/habilitations.py) for now: one of the two is to go

    # -- the matrix ----------------------------------------------------------------------------------------

    @rpc.operation("matrice.lire")
    async def matrice(req: RpcRequest) -> RpcReply:
        current, position = await app.matrice()
        vue = MatriceVue(
            profils=sorted(current.profils.values(), key=lambda p: p.profession), position=position
        )
        return RpcReply(body=vue.model_dump(mode="json"), position=position)

    @rpc.operation("matrice.definir_profil")
    async def definir_profil(req: RpcRequest) -> RpcReply:
        cmd = ProfilAEnregistrer.model_validate(req.body)
        position = await app.definir_profil(str(req.params.get("profession", "")), cmd, command_context(req))
        return accepted(MATRICE_ID, position)

    @rpc.operation("matrice.retirer_profil")
    async def retirer_profil(req: RpcRequest) -> RpcReply:
        return accepted(MATRICE_ID, await app.retirer_profil(_profession(req), command_context(req)))

    # -- accounts ------------------------------------------------------------------------------------------

    @query("comptes.lister")
    async def comptes(req: RpcRequest) -> Any:
        await app.exiger(req.actor, "administration", "seul un profil d'administration consulte les comptes")
        return await queries.comptes(FiltreComptes.model_validate(req.query), req.actor)

    @query("comptes.lire")
    async def compte(req: RpcRequest) -> Any:
        identifiant = _identifiant(req)
        if identifiant != req.actor.id:  # one's own account is always readable
            await app.exiger(
                req.actor, "administration", "seul un profil d'administration consulte les comptes"
            )
        return await queries.compte(identifiant)

    @rpc.operation("comptes.definir_affectations")
    async def definir_affectations(req: RpcRequest) -> RpcReply:
        identifiant = _identifiant(req)
        cmd = AffectationsADefinir.model_validate(req.body)
        position = await app.definir_affectations(identifiant, cmd, command_context(req))
        return accepted(compte_id(identifiant), position)

    # -- emergency accesses --------------------------------------------------------------------------------

    @rpc.operation("urgences.ouvrir")
    async def ouvrir_urgence(req: RpcRequest) -> RpcReply:
        cmd = AccesUrgenceAOuvrir.model_validate(req.body)
        acces_id, fin, position = await app.ouvrir_urgence(cmd, command_context(req))
        body = AccesUrgenceAccorde(
            id=acces_id, dossier_id=cmd.dossier_id, fin=to_paris(fin), position=position
        )
        return RpcReply(
            status=201,
            body=body.model_dump(mode="json"),
            position=position,
            location=f"/acces-urgence/{acces_id}",
        )

    @query("urgences.lister")
    async def urgences(req: RpcRequest) -> Any:
        filtre = FiltreUrgences.model_validate(req.query)
        if filtre.identifiant != req.actor.id:  # one's own accesses are always listed
            await app.exiger(
                req.actor,
                "revue_acces",
                "la liste des accès en urgence est réservée aux profils qui les revoient",
            )
        return await queries.urgences(filtre, req.actor)

    @rpc.operation("urgences.revoir")
    async def revoir_urgence(req: RpcRequest) -> RpcReply:
        acces_id = path_id(req)
        cmd = RevueAcces.model_validate(req.body)
        return accepted(acces_id, await app.revoir_urgence(acces_id, cmd, command_context(req)))

    @rpc.operation("urgences.clore")
    async def clore_urgence(req: RpcRequest) -> RpcReply:
        acces_id = path_id(req)
        return accepted(acces_id, await app.clore_urgence(acces_id, command_context(req)))

    # -- persons -------------------------------------------------------------------------------------------

    @rpc.operation("personnes.ouvrir")
    async def ouvrir_acces_personne(req: RpcRequest) -> RpcReply:
        dossier_id = path_id(req)
        cmd = AccesPersonneAOuvrir.model_validate(req.body)
        position = await app.ouvrir_acces_personne(dossier_id, cmd, command_context(req))
        return created(dossier_id, position, f"/dossiers/{dossier_id}/acces-personnes/{cmd.identifiant}")

    @query("personnes.lister")
    async def acces_personnes(req: RpcRequest) -> Any:
        dossier_id = path_id(req)
        await app.dossier_administre(dossier_id, req.actor, ecriture=False)
        return await queries.acces_personnes(dossier_id)

    @rpc.operation("personnes.retirer")
    async def retirer_acces_personne(req: RpcRequest) -> RpcReply:
        dossier_id = path_id(req)
        position = await app.retirer_acces_personne(dossier_id, _identifiant(req), command_context(req))
        return accepted(dossier_id, position)

    # -- journal -------------------------------------------------------------------------------------------

    @rpc.operation("journal.lister")
    async def journal(req: RpcRequest) -> RpcReply:
        """The accesses to one dossier, newest first, with every trace written before this request."""
        dossier_id = path_id(req)
        filtre = FiltreJournal.model_validate(req.query)
        await consistent(req)
        await app.verifier_journal(dossier_id, req.actor)
        target = await audit.last_sequence()
        if await wait_for_position(audit, pool, JournalAcces, target) is None:
            raise Unavailable("le journal des accès n'a pas encore rattrapé les dernières traces ; réessayez")
        page = await queries.journal(dossier_id, filtre)
        return RpcReply(body=page.model_dump(mode="json"))

    @rpc.operation("habilitations_projections")
    async def habilitations_projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        statuses = [
            (await projection_status(app.store, pool, HabilitationsReadModel.name)).model_dump(),
            (await projection_status(audit, pool, JournalAcces.name)).model_dump(),
        ]
        return RpcReply(body=statuses)
