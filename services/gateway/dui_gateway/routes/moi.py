"""The caller's own session and rights, and the person's own view of their dossier (seed F19): the usager, their
personne de confiance or représentant légal, logged in with their own account, read a filtered, read-only view —
identity, projet personnalisé, agenda, information sent to them, who accessed the dossier — and record their
consent choices. Nothing the matrix's line for their quality does not open; nothing about other persons."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from dui_gateway.deps import BusDep, CurrentActor, IdempotencyKey, MinPosition
from dui_gateway.forward import Forward, body, ids
from dui_gateway.habilitations import Acces
from dui_gateway.routes.admission import PROBLEMS
from dui_gateway.routes.agenda import sans_autres_usagers
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.contracts.agenda_api import FiltreFenetre
from dui_shared.contracts.dossier_api import ConsentementAExprimer, ConsentementsVue
from dui_shared.contracts.habilitations_api import AccesPersonne, Droits, FiltreJournal, PageJournal

router = APIRouter(tags=["moi"])
M = "/moi/dossiers/{dossier_id}"
DOSSIER, AGENDA, HABILITATIONS = Forward("dossier"), Forward("agenda"), Forward("habilitations")


class MoiVue(BaseModel):
    identifiant: str
    profil: str
    profession: str | None
    nom: str | None
    prenom: str | None
    droits: Droits


def _acces(request: Request) -> Acces:
    acces: Acces = request.state.acces
    return acces


@router.get("/moi", response_model=MoiVue, responses=PROBLEMS)
async def moi(request: Request, actor: CurrentActor) -> MoiVue:
    """Who the token says the caller is, and what they may do here: profile, ESMS, emergency accesses,
    dossiers open to them as a person. What a front end shows or hides follows from this."""
    acces = _acces(request)
    assert acces.droits is not None
    who = acces.identite
    return MoiVue(
        identifiant=who.identifiant,
        profil=who.profil,
        profession=acces.droits.profession,
        nom=who.nom,
        prenom=who.prenom,
        droits=acces.droits,
    )


@router.post("/session/deconnexion", status_code=204, responses=PROBLEMS)
async def deconnexion(request: Request, actor: CurrentActor) -> Response:
    """Log out: the token is refused from now on by every gateway, even if replayed before it expires."""
    await request.app.state.revocations.revoquer(_acces(request).identite.jti)
    return Response(status_code=204)


@router.get("/moi/dossiers", response_model=list[AccesPersonne], responses=PROBLEMS)
async def mes_dossiers(request: Request, actor: CurrentActor) -> list[AccesPersonne]:
    """The dossiers the person's account may read, and in which quality."""
    droits = _acces(request).droits
    return list(droits.personnes) if droits is not None else []


@router.get(f"{M}/identite", responses=PROBLEMS)
async def mon_identite(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await DOSSIER.read(
        request, bus, actor, "identite", position, ids(dossier_id), montrer=_identite_pour_la_personne
    )


def _identite_pour_la_personne(identite: Any) -> Any:
    """Traits, status and each step of the identity's history with who did it (their id and profession): not
    the rights they acted with."""
    if not isinstance(identite, dict):
        return identite

    def step(h: Any) -> Any:
        if isinstance(h, dict) and isinstance(h.get("acteur"), dict):
            return {**h, "acteur": {k: h["acteur"].get(k) for k in ("id", "role")}}
        return h

    return {**identite, "historique": [step(h) for h in identite.get("historique", [])]}


@router.get(f"{M}/projet-personnalise", responses=PROBLEMS)
async def mon_projet(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The projet personnalisé: the version in force and the earlier ones (drafts in progress are not shown)."""
    return await DOSSIER.read(
        request, bus, actor, "projet", position, ids(dossier_id), montrer=_sans_brouillons
    )


def _sans_brouillons(projet: Any) -> Any:
    if isinstance(projet, dict) and isinstance(projet.get("versions"), list):
        versions = [
            v for v in projet["versions"] if not (isinstance(v, dict) and v.get("statut") == "brouillon")
        ]
        return {**projet, "versions": versions, "brouillon": None}
    return projet


@router.get(f"{M}/agenda", responses=PROBLEMS)
async def mon_agenda(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreFenetre, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The person's agenda: their occurrences with the professionals taking part; other persons taking part in
    a shared activity, internal comments and overlaps are not shown."""
    moi_id = str(dossier_id)
    return await AGENDA.read(
        request,
        bus,
        actor,
        "agenda_usager",
        position,
        {"id": moi_id},
        filtre.model_dump(mode="json"),
        montrer=lambda agenda: _agenda_pour(agenda, moi_id),
    )


def _agenda_pour(agenda: Any, dossier_id: str) -> Any:
    agenda = sans_autres_usagers(agenda, dossier_id)
    if not isinstance(agenda, dict):
        return agenda
    occurrences = [{**occ, "conflits": [], "commentaire": None} for occ in agenda.get("occurrences", [])]
    informations = [i for i in agenda.get("informations", []) if i.get("destinataire") == dossier_id]
    return {**agenda, "occurrences": occurrences, "informations": informations}


@router.get(f"{M}/informations", responses=PROBLEMS)
async def mes_informations(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """Information the ESMS sent to the person."""
    query = {"destinataire": str(dossier_id), "type": "usager", "limit": 200, "offset": 0, "esms": []}
    return await AGENDA.read(request, bus, actor, "informations", position, query=query)


@router.get(f"{M}/journal-acces", response_model=PageJournal, responses=PROBLEMS)
async def mon_journal_acces(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreJournal, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Who read or wrote the dossier, when and in which capacity (the person's right of access, RGPD art. 15)."""
    return await HABILITATIONS.read(
        request,
        bus,
        actor,
        "journal.lister",
        position,
        ids(dossier_id),
        filtre.model_dump(mode="json"),
        montrer=lambda page: _sans_autres_personnes(page, actor.id),
    )


def _sans_autres_personnes(page: Any, moi_id: str) -> Any:
    """Professionals are named (that is the point); another person's login is not theirs to see."""
    if not isinstance(page, dict):
        return page
    items = [
        {**e, "identifiant": "autre personne"}
        if e.get("profil") != "professionnel" and e.get("identifiant") != moi_id
        else e
        for e in page.get("items", [])
    ]
    return {**page, "items": items}


@router.get(f"{M}/consentements", response_model=ConsentementsVue, responses=PROBLEMS)
@router.get("/dossiers/{dossier_id}/consentements", response_model=ConsentementsVue, responses=PROBLEMS)
async def consentements(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The person's current choice on each subject (DMP, sharing, personne de confiance…), who expressed it and
    who recorded it, and the history: for the person themselves, or the staff."""
    return await DOSSIER.read(request, bus, actor, "consentements", position, ids(dossier_id))


@router.post(f"{M}/consentements", response_model=CommandeAcceptee, responses=PROBLEMS)
@router.post("/dossiers/{dossier_id}/consentements", response_model=CommandeAcceptee, responses=PROBLEMS)
async def exprimer_consentement(
    request: Request,
    dossier_id: UUID,
    cmd: ConsentementAExprimer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Record a choice: the person (or their représentant légal, personne de confiance) themselves under
    /moi, or a professional on their behalf."""
    return await DOSSIER.write(request, bus, actor, "exprimer_consentement", key, ids(dossier_id), body(cmd))
