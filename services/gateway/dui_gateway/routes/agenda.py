"""Agenda endpoints: events planned for usagers, professionals and candidates (once or recurring), what became of
each occurrence and who was there, the agendas (JSON and iCalendar), missed events, and information put in an
agenda.

Every write accepts an `Idempotency-Key`: the same request sent again with the same key is applied once. Reads
accept `X-Dui-Min-Position` — the position of an agenda write, or of a dossier write such as an absence.

Ids in paths are checked here before anything reaches the service: a dossier or candidature id is a UUID, a
professional's id follows the rule of `Participants.professionnels` (letters, digits and `. _ : @ -`, 64 at
most; else 422 `identifiant_invalide`), so no NUL reaches PostgreSQL and no quote or line break reaches a
header or the iCalendar text.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator

from dui_gateway.deps import BusDep, CurrentActor, IdempotencyKey, MinPosition, to_response
from dui_gateway.forward import Forward, body
from dui_gateway.requete import correlation
from dui_gateway.routes.admission import PROBLEMS
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.contracts.agenda import identifiant
from dui_shared.contracts.agenda_api import (
    AgendaVue,
    AnnulationEvenement,
    EvenementAModifier,
    EvenementAPlanifier,
    EvenementVue,
    FiltreFenetre,
    FiltreInformations,
    FiltreManques,
    InformationATransmettre,
    InformationVue,
    PageInformations,
    PageManques,
    PlanificationAcceptee,
    RealisationARelever,
)
from dui_shared.rpc import RpcRequest

router = APIRouter(tags=["agenda"])
FWD = Forward("agenda")
E = "/evenements/{evenement_id}"
ProfessionnelId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="RPPS ou identifiant local : lettres, chiffres et . _ : @ - (64 au plus)",
    ),
    AfterValidator(identifiant),
]
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Agenda au format iCalendar (RFC 5545)", "content": {"text/calendar": {}}},
    **PROBLEMS,
}


def _disposition(kind: str, owner: str) -> str:
    """`attachment` with a file name made of safe characters only (RFC 6266: the exact name as
    `filename*` when it differs)."""
    name = f"agenda-{kind}-{owner}.ics"
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if slug == name:
        return f'attachment; filename="{slug}"'
    return f"attachment; filename=\"{slug}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _ics(
    request: Request,
    bus: BusDep,
    actor: CurrentActor,
    kind: str,
    owner: str,
    filtre: FiltreFenetre,
    position: int,
) -> Response:
    """The iCalendar text the service answers, served as `text/calendar`; problems stay problem+json."""
    rpc = RpcRequest(
        actor=actor,
        correlation_id=correlation(request),
        path=request.url.path,
        params={"id": owner},
        query=filtre.model_dump(mode="json"),
        min_position=position,
    )
    reply = await bus.client.call("agenda", f"ics_{kind}", rpc)
    await bus.journal.tracer(request, reply.status)
    if reply.problem is not None:
        return to_response(reply)
    return Response(
        reply.body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": _disposition(kind, owner)},
    )


# -- events -------------------------------------------------------------------------------------------------


@router.post("/evenements", status_code=201, response_model=PlanificationAcceptee, responses=PROBLEMS)
async def planifier(
    request: Request, cmd: EvenementAPlanifier, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Plan a rendez-vous, activity, intervention or contact (once, or recurring by an RRULE); the reply lists
    the other events of the same participants it overlaps (flagged, not refused)."""
    return await FWD.write(request, bus, actor, "planifier", key, body=body(cmd))


@router.get("/evenements/manques", response_model=PageManques, responses=PROBLEMS)
async def manques(
    request: Request,
    filtre: Annotated[FiltreManques, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Occurrences over with nothing recorded, or recorded not done, per ESMS, person or professional."""
    return await FWD.read(request, bus, actor, "manques", position, query=filtre.model_dump(mode="json"))


@router.get(E, response_model=EvenementVue, responses=PROBLEMS)
async def lire_evenement(
    request: Request,
    evenement_id: uuid.UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The event, its realisations and presences, its occurrences over `du`…`au` and what overlaps them."""
    return await FWD.read(
        request, bus, actor, "evenement", position, {"id": str(evenement_id)}, filtre.model_dump(mode="json")
    )


@router.put(E, response_model=PlanificationAcceptee, responses=PROBLEMS)
async def modifier(
    request: Request,
    evenement_id: uuid.UUID,
    cmd: EvenementAModifier,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Move or change the event (every field); the reply lists what it now overlaps."""
    return await FWD.write(request, bus, actor, "modifier", key, {"id": str(evenement_id)}, body(cmd))


@router.post(f"{E}/annulation", response_model=CommandeAcceptee, responses=PROBLEMS)
async def annuler(
    request: Request,
    evenement_id: uuid.UUID,
    cmd: AnnulationEvenement,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Cancel the whole event (every occurrence of a series); what was realised stays recorded."""
    return await FWD.write(request, bus, actor, "annuler", key, {"id": str(evenement_id)}, body(cmd))


@router.post(f"{E}/realisations", response_model=CommandeAcceptee, responses=PROBLEMS)
async def realiser(
    request: Request,
    evenement_id: uuid.UUID,
    cmd: RealisationARelever,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Record what became of one occurrence (done, not done, cancelled) and who was present or absent."""
    return await FWD.write(request, bus, actor, "realiser", key, {"id": str(evenement_id)}, body(cmd))


# -- agendas ------------------------------------------------------------------------------------------------
# the `.ics` routes come first: `{id}` alone would also match `<id>.ics`


@router.get("/agendas/usagers/{dossier_id}.ics", response_class=Response, responses=ICS_RESPONSE)
async def ics_usager(
    request: Request,
    dossier_id: uuid.UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> Response:
    """The person's agenda as iCalendar (RRULE kept, Europe/Paris times, cancelled occurrences as EXDATE)."""
    return await _ics(request, bus, actor, "usager", str(dossier_id), filtre, position)


@router.get("/agendas/usagers/{dossier_id}", response_model=AgendaVue, responses=PROBLEMS)
async def agenda_usager(
    request: Request,
    dossier_id: uuid.UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The person's agenda over Paris days `du`…`au` (default: 30 days from today): occurrences with their
    status, presences (an absence declared in the dossier shows them absent), overlaps, and information."""
    params = {"id": str(dossier_id)}
    urgence = getattr(request.state, "acces", None) is not None and request.state.acces.acces_urgence
    return await FWD.read(
        request,
        bus,
        actor,
        "agenda_usager",
        position,
        params,
        filtre.model_dump(mode="json"),
        # through an emergency access, this person only: not the others of the ESMS taking part
        montrer=(lambda agenda: sans_autres_usagers(agenda, str(dossier_id))) if urgence else None,
    )


def sans_autres_usagers(agenda: Any, dossier_id: str) -> Any:
    """A person's agenda without the other persons taking part in shared activities."""
    if not isinstance(agenda, dict):
        return agenda
    occurrences = [
        {
            **occ,
            "participants": [
                p
                for p in occ.get("participants", [])
                if p.get("type") != "usager" or p.get("id") == dossier_id
            ],
        }
        for occ in agenda.get("occurrences", [])
    ]
    return {**agenda, "occurrences": occurrences}


@router.get("/agendas/professionnels/{professionnel_id}.ics", response_class=Response, responses=ICS_RESPONSE)
async def ics_professionnel(
    request: Request,
    professionnel_id: ProfessionnelId,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> Response:
    """A professional's agenda as iCalendar, limited to the ESMS the caller may see."""
    return await _ics(request, bus, actor, "professionnel", professionnel_id, filtre, position)


@router.get("/agendas/professionnels/{professionnel_id}", response_model=AgendaVue, responses=PROBLEMS)
async def agenda_professionnel(
    request: Request,
    professionnel_id: ProfessionnelId,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """A professional's agenda over `du`…`au`, limited to the ESMS the caller may see."""
    params = {"id": professionnel_id}
    return await FWD.read(
        request, bus, actor, "agenda_professionnel", position, params, filtre.model_dump(mode="json")
    )


@router.get("/agendas/candidatures/{candidature_id}.ics", response_class=Response, responses=ICS_RESPONSE)
async def ics_candidature(
    request: Request,
    candidature_id: uuid.UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> Response:
    return await _ics(request, bus, actor, "candidature", str(candidature_id), filtre, position)


@router.get("/agendas/candidatures/{candidature_id}", response_model=AgendaVue, responses=PROBLEMS)
async def agenda_candidature(
    request: Request,
    candidature_id: uuid.UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The contacts planned with a candidate (default: a year back, a year ahead)."""
    params = {"id": str(candidature_id)}
    return await FWD.read(
        request, bus, actor, "agenda_candidature", position, params, filtre.model_dump(mode="json")
    )


# -- information --------------------------------------------------------------------------------------------


@router.post("/informations", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def transmettre(
    request: Request, cmd: InformationATransmettre, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Put a message or a reminder in a professional's or a person's agenda."""
    return await FWD.write(request, bus, actor, "transmettre", key, body=body(cmd))


@router.get("/informations", response_model=PageInformations, responses=PROBLEMS)
async def informations(
    request: Request,
    filtre: Annotated[FiltreInformations, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Information of the ESMS the caller may see, per recipient (`destinataire=`), unread ones (`non_lues=`)."""
    return await FWD.read(request, bus, actor, "informations", position, query=filtre.model_dump(mode="json"))


@router.get("/informations/{information_id}", response_model=InformationVue, responses=PROBLEMS)
async def lire_information(
    request: Request, information_id: uuid.UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "information", position, {"id": str(information_id)})


@router.post("/informations/{information_id}/lecture", response_model=CommandeAcceptee, responses=PROBLEMS)
async def marquer_lue(
    request: Request, information_id: uuid.UUID, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Its recipient read it (a professional marks their own; a person's is marked by a professional)."""
    return await FWD.write(request, bus, actor, "marquer_lue", key, {"id": str(information_id)})
