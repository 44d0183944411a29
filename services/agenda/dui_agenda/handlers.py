"""The agenda service's operations on the bus: parse, call the application or a query, shape the reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg

from dui_agenda.application import AgendaApp
from dui_agenda.domain.recurrence import Conflit
from dui_agenda.projections import PROJECTIONS, AgendaReadModel
from dui_agenda.queries import AgendaQueries, Owner, conflit_vue
from dui_agenda.reactions import AdmissionContacts
from dui_shared.contracts.agenda import IDENTIFIANT
from dui_shared.contracts.agenda_api import (
    AnnulationEvenement,
    EvenementAModifier,
    EvenementAPlanifier,
    FiltreFenetre,
    FiltreInformations,
    FiltreManques,
    InformationATransmettre,
    PlanificationAcceptee,
    RealisationARelever,
)
from dui_shared.errors import Forbidden, InvalidInput
from dui_shared.operations import accepted, command_context, created, path_id
from dui_shared.projection import projection_status, read_after_reactions
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer
from dui_shared.timezone import now_utc


def _owner(req: RpcRequest, kind: Owner) -> str | UUID:
    """Dossiers and candidatures are UUIDs; a professional is an id of the rule of `Participants`
    (RPPS or local: letters, digits and `. _ : @ -`), checked here too: it reaches SQL and iCalendar text."""
    value = str(req.params.get("id", ""))
    if kind == "professionnel":
        if not IDENTIFIANT.fullmatch(value):
            raise InvalidInput.single(
                "professionnel_id",
                "identifiant_invalide",
                "identifiant invalide : lettres, chiffres et . _ : @ - uniquement, 64 caractères au plus",
            )
        return value
    return path_id(req)


def _planification(
    evenement_id: UUID, position: int, conflits: list[Conflit], status: int = 200, location: str | None = None
) -> RpcReply:
    body = PlanificationAcceptee(
        id=evenement_id, position=position, conflits=[conflit_vue(c) for c in conflits]
    )
    return RpcReply(status=status, body=body.model_dump(mode="json"), position=position, location=location)


def register(rpc: RpcServer, app: AgendaApp, queries: AgendaQueries, pool: asyncpg.Pool) -> None:
    """Every operation of the service; the gateway maps each to one REST endpoint."""

    async def consistent(req: RpcRequest) -> int:
        """Reads reflect the caller's write at `min_position`, the agenda's own or the dossier service's
        (an absence declared there): both are in the one agenda read model."""
        return await read_after_reactions(
            app.store, pool, AgendaReadModel, AdmissionContacts, req.min_position
        )

    def query(name: str) -> Callable[[Callable[[RpcRequest], Awaitable[Any]]], None]:
        def decorate(fn: Callable[[RpcRequest], Awaitable[Any]]) -> None:
            async def handle(req: RpcRequest) -> RpcReply:
                await consistent(req)
                return RpcReply(body=await fn(req))

            rpc.operation(name)(handle)

        return decorate

    # -- events ------------------------------------------------------------------------------------------

    @rpc.operation("planifier")
    async def planifier(req: RpcRequest) -> RpcReply:
        cmd = EvenementAPlanifier.model_validate(req.body)
        evenement_id, position, conflits = await app.planifier(cmd, command_context(req))
        return _planification(evenement_id, position, conflits, 201, f"/evenements/{evenement_id}")

    @rpc.operation("modifier")
    async def modifier(req: RpcRequest) -> RpcReply:
        cmd = EvenementAModifier.model_validate(req.body)
        position, conflits = await app.modifier(path_id(req), cmd, command_context(req))
        return _planification(path_id(req), position, conflits)

    @rpc.operation("annuler")
    async def annuler(req: RpcRequest) -> RpcReply:
        cmd = AnnulationEvenement.model_validate(req.body)
        return accepted(path_id(req), await app.annuler(path_id(req), cmd.motif, command_context(req)))

    @rpc.operation("realiser")
    async def realiser(req: RpcRequest) -> RpcReply:
        cmd = RealisationARelever.model_validate(req.body)
        return accepted(path_id(req), await app.realiser(path_id(req), cmd, command_context(req)))

    @query("evenement")
    async def evenement(req: RpcRequest) -> Any:
        vue = await queries.evenement(path_id(req), FiltreFenetre.model_validate(req.query), req.actor)
        return vue.model_dump(mode="json")

    @query("manques")
    async def manques(req: RpcRequest) -> Any:
        page = await queries.manques(FiltreManques.model_validate(req.query), req.actor, now_utc())
        return page.model_dump(mode="json")

    # -- agendas -----------------------------------------------------------------------------------------

    def agenda_operations(kind: Owner) -> None:
        """The agenda of one kind of participant, as JSON and as iCalendar."""

        @query(f"agenda_{kind}")
        async def agenda(req: RpcRequest) -> Any:
            filtre = FiltreFenetre.model_validate(req.query)
            return (await queries.agenda(kind, _owner(req, kind), filtre, req.actor)).model_dump(mode="json")

        @query(f"ics_{kind}")
        async def ics(req: RpcRequest) -> Any:
            return await queries.ics(
                kind, _owner(req, kind), FiltreFenetre.model_validate(req.query), req.actor
            )

    agenda_operations("usager")
    agenda_operations("professionnel")
    agenda_operations("candidature")

    # -- information -------------------------------------------------------------------------------------

    @rpc.operation("transmettre")
    async def transmettre(req: RpcRequest) -> RpcReply:
        cmd = InformationATransmettre.model_validate(req.body)
        information_id, position = await app.transmettre(cmd, command_context(req))
        return created(information_id, position, f"/informations/{information_id}")

    @rpc.operation("marquer_lue")
    async def marquer_lue(req: RpcRequest) -> RpcReply:
        return accepted(path_id(req), await app.marquer_lue(path_id(req), command_context(req)))

    @query("informations")
    async def informations(req: RpcRequest) -> Any:
        page = await queries.informations(FiltreInformations.model_validate(req.query), req.actor)
        return page.model_dump(mode="json")

    @query("information")
    async def information(req: RpcRequest) -> Any:
        return (await queries.information(path_id(req), req.actor)).model_dump(mode="json")

    @rpc.operation("agenda_projections")
    async def agenda_projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        names = [*(p.name for p in PROJECTIONS), AdmissionContacts.name]
        statuses = [(await projection_status(app.store, pool, name)).model_dump() for name in names]
        return RpcReply(body=statuses)
