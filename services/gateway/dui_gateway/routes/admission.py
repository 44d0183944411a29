"""Admission endpoints: candidatures and the OG-wide waiting list, admission into a séjour, sortie."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dui_gateway.deps import BusDep, CurrentActor, IdempotencyKey, MinPosition
from dui_gateway.forward import body
from dui_shared.contracts.admission_api import (
    ActionSortieATracer,
    AdmissionAPrononcer,
    CandidatureVue,
    CommandeAcceptee,
    ContactAPlanifier,
    DecisionAPrononcer,
    DemandeCreee,
    EsmsVue,
    FiltreListeAttente,
    FiltreSejours,
    ImportViaTrajectoire,
    NouvelleCandidature,
    PageCandidatures,
    PageSejours,
    RapportImport,
    SejourVue,
    SortieAPrononcer,
    VisiteATracer,
)

router = APIRouter(tags=["admission"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        400: "JSON mal formé",
        401: "Non authentifié",
        403: "Non habilité",
        404: "Introuvable",
        409: "Conflit ou règle métier",
        422: "Requête invalide",
        503: "Service indisponible",
    }.items()
}


@router.get("/esms", response_model=list[EsmsVue], responses=PROBLEMS)
async def lister_esms(request: Request, actor: CurrentActor, bus: BusDep) -> JSONResponse:
    """ESMS of the OG the caller may work for."""
    return await bus.call(request, "admission", "esms", actor)


@router.post("/candidatures", status_code=201, response_model=DemandeCreee, responses=PROBLEMS)
async def recevoir_candidature(
    request: Request, cmd: NouvelleCandidature, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Record a candidature for one or several ESMS of the OG; `Location` points to the demande.
    With an `Idempotency-Key`, sending the same request again creates nothing more."""
    return await bus.call(
        request, "admission", "recevoir_candidature", actor, body=body(cmd), idempotency_key=key
    )


@router.post("/imports/viatrajectoire", response_model=RapportImport, responses=PROBLEMS)
async def importer_viatrajectoire(
    request: Request, fichier: ImportViaTrajectoire, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Import a ViaTrajectoire export (docs/viatrajectoire-import.md); re-importing creates nothing twice."""
    return await bus.call(request, "admission", "importer_viatrajectoire", actor, body=body(fichier))


@router.get("/candidatures", response_model=PageCandidatures, responses=PROBLEMS)
async def liste_attente(
    request: Request,
    filtre: Annotated[FiltreListeAttente, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The OG-wide waiting list: filter by ESMS, status, type d'accueil, dates; sorted and paginated."""
    return await bus.call(
        request,
        "admission",
        "liste_attente",
        actor,
        query=filtre.model_dump(mode="json"),
        min_position=position,
    )


@router.get("/candidatures/{candidature_id}", response_model=CandidatureVue, responses=PROBLEMS)
async def lire_candidature(
    request: Request, candidature_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """One candidature with its contact, visit and decision."""
    return await bus.call(
        request, "admission", "candidature", actor, params={"id": str(candidature_id)}, min_position=position
    )


@router.get("/demandes/{demande_id}", response_model=list[CandidatureVue], responses=PROBLEMS)
async def lire_demande(
    request: Request, demande_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The candidatures created together for several ESMS."""
    return await bus.call(
        request, "admission", "demande", actor, params={"id": str(demande_id)}, min_position=position
    )


@router.post("/candidatures/{candidature_id}/contacts", response_model=CommandeAcceptee, responses=PROBLEMS)
async def planifier_contact(
    request: Request, candidature_id: UUID, cmd: ContactAPlanifier, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Plan the first contact with the person or their family."""
    return await bus.call(
        request, "admission", "planifier_contact", actor, params={"id": str(candidature_id)}, body=body(cmd)
    )


@router.post(
    "/candidatures/{candidature_id}/visites-preadmission", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def tracer_visite(
    request: Request, candidature_id: UUID, cmd: VisiteATracer, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Plan or record the pre-admission visit."""
    return await bus.call(
        request, "admission", "tracer_visite", actor, params={"id": str(candidature_id)}, body=body(cmd)
    )


@router.post("/candidatures/{candidature_id}/decision", response_model=CommandeAcceptee, responses=PROBLEMS)
async def prononcer_decision(
    request: Request, candidature_id: UUID, cmd: DecisionAPrononcer, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Accept, refuse (with a reason) or record the withdrawal of a candidature."""
    return await bus.call(
        request, "admission", "prononcer_decision", actor, params={"id": str(candidature_id)}, body=body(cmd)
    )


@router.post(
    "/candidatures/{candidature_id}/admission",
    status_code=201,
    response_model=CommandeAcceptee,
    responses=PROBLEMS,
)
async def admettre(
    request: Request,
    candidature_id: UUID,
    cmd: AdmissionAPrononcer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Admit an accepted candidature: creates the séjour; `Location` points to it.
    With an `Idempotency-Key`, sending the same request again answers the same séjour."""
    return await bus.call(
        request,
        "admission",
        "admettre",
        actor,
        params={"id": str(candidature_id)},
        body=body(cmd),
        idempotency_key=key,
    )


@router.get("/sejours", response_model=PageSejours, responses=PROBLEMS)
async def lister_sejours(
    request: Request,
    filtre: Annotated[FiltreSejours, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Séjours of the ESMS the caller may see, current or ended."""
    return await bus.call(
        request, "admission", "sejours", actor, query=filtre.model_dump(mode="json"), min_position=position
    )


@router.get("/sejours/{sejour_id}", response_model=SejourVue, responses=PROBLEMS)
async def lire_sejour(
    request: Request, sejour_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """One séjour with its sortie and the actions traced."""
    return await bus.call(
        request, "admission", "sejour", actor, params={"id": str(sejour_id)}, min_position=position
    )


@router.post("/sejours/{sejour_id}/sortie", response_model=CommandeAcceptee, responses=PROBLEMS)
async def prononcer_sortie(
    request: Request, sejour_id: UUID, cmd: SortieAPrononcer, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Record the sortie (décès included): date, motif, destination and the actions already done."""
    return await bus.call(
        request, "admission", "prononcer_sortie", actor, params={"id": str(sejour_id)}, body=body(cmd)
    )


@router.post("/sejours/{sejour_id}/actions-sortie", response_model=CommandeAcceptee, responses=PROBLEMS)
async def tracer_action_sortie(
    request: Request, sejour_id: UUID, cmd: ActionSortieATracer, actor: CurrentActor, bus: BusDep
) -> JSONResponse:
    """Trace an action done after the sortie (family informed, belongings returned…)."""
    return await bus.call(
        request, "admission", "tracer_action_sortie", actor, params={"id": str(sejour_id)}, body=body(cmd)
    )
