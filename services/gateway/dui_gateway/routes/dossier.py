"""Dossier usager endpoints: identity and INS, entourage, team, absences and presences, mesures de liberté,
prestations, exchanges, projet personnalisé, evaluations and grids, fiche de synthèse, archive.

Every write accepts an `Idempotency-Key`: the same request sent again with the same key is applied once.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dui_gateway.deps import BusDep, CurrentActor, IdempotencyKey, MinPosition
from dui_gateway.forward import Forward, body, ids
from dui_gateway.habilitations import filtrer_synthese
from dui_gateway.routes.admission import PROBLEMS
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.contracts.dossier import Contact, ContenuProjet
from dui_shared.contracts.dossier_api import (
    AbsenceADeclarer,
    AffectationEquipe,
    AnnulationAbsence,
    AnnulationEvaluation,
    CloturePrestation,
    ContactARetirer,
    DossierVue,
    DouteIdentite,
    EchangeATracer,
    EvaluationARealiser,
    FicheSynthese,
    FiltreComparaison,
    FiltreDossiers,
    FiltreEcheances,
    FiltreEsms,
    FiltrePresences,
    FinAffectation,
    InterrogationInsi,
    LeveeMesure,
    MesureAPrendre,
    PageDossiers,
    PrestationAOuvrir,
    RenouvellementPrestation,
    ResultatInsiVue,
    RetourAbsence,
    RevisionMesure,
    RevisionProjet,
    TraitsACorriger,
    ValidationIdentite,
    ValidationProjet,
)
from dui_shared.contracts.grille import DefinitionGrille

router = APIRouter(tags=["dossier"])
FWD = Forward("dossier")
Items = list[dict[str, Any]]
D = "/dossiers/{dossier_id}"


# -- dossiers -------------------------------------------------------------------------------------------


@router.get("/dossiers", response_model=PageDossiers, responses=PROBLEMS)
async def lister_dossiers(
    request: Request,
    filtre: Annotated[FiltreDossiers, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Dossiers of the ESMS the caller may see; active ones by default (archived dossiers leave this list)."""
    return await FWD.read(request, bus, actor, "dossiers", position, query=filtre.model_dump(mode="json"))


@router.get(D, response_model=DossierVue, responses=PROBLEMS)
async def lire_dossier(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "dossier", position, ids(dossier_id))


@router.get(f"{D}/synthese", response_model=FicheSynthese, responses=PROBLEMS)
async def fiche_synthese(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The fiche de synthèse: identity and INS status, GIR, projet personnalisé, entourage, team, absences,
    prestations, mesures, alerts; `position` says which log position it reflects."""
    lisibles = frozenset(actor.lecture or ())
    return await FWD.read(
        request,
        bus,
        actor,
        "synthese",
        position,
        ids(dossier_id),
        montrer=lambda fiche: filtrer_synthese(fiche, lisibles),
    )


@router.post(f"{D}/archivage", response_model=CommandeAcceptee, responses=PROBLEMS)
async def archiver(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Archive the dossier of a person who left: read-only from then on, kept until its retention deadline."""
    return await FWD.write(request, bus, actor, "archiver", key, ids(dossier_id))


# -- identity -------------------------------------------------------------------------------------------


@router.get(f"{D}/identite", responses=PROBLEMS)
async def lire_identite(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """Traits, INS status and matricule, and the history of who did what to the identity."""
    return await FWD.read(request, bus, actor, "identite", position, ids(dossier_id))


@router.put(f"{D}/identite/traits", response_model=CommandeAcceptee, responses=PROBLEMS)
async def corriger_traits(
    request: Request,
    dossier_id: UUID,
    cmd: TraitsACorriger,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Correct the traits of a provisional or validated identity (a validated one goes back to provisoire)."""
    return await FWD.write(request, bus, actor, "corriger_traits", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/identite/insi", response_model=ResultatInsiVue, responses=PROBLEMS)
async def interroger_insi(
    request: Request,
    dossier_id: UUID,
    cmd: InterrogationInsi,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Ask the INSi téléservice for the INS (search by traits) or verify a known matricule; recorded only when
    INSi answers one identity whose traits match."""
    return await FWD.write(request, bus, actor, "interroger_insi", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/identite/validation", response_model=CommandeAcceptee, responses=PROBLEMS)
async def valider_identite(
    request: Request,
    dossier_id: UUID,
    cmd: ValidationIdentite,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Record the check of an identity document of high trust; with an INS récupérée the identity is qualifiée."""
    return await FWD.write(request, bus, actor, "valider_identite", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/identite/doute", response_model=CommandeAcceptee, responses=PROBLEMS)
async def signaler_doute(
    request: Request,
    dossier_id: UUID,
    cmd: DouteIdentite,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """A doubt on the identity: back to provisoire, the INS is set aside."""
    return await FWD.write(request, bus, actor, "signaler_doute", key, ids(dossier_id), body(cmd))


# -- entourage ------------------------------------------------------------------------------------------


@router.get(f"{D}/entourage", response_model=Items, responses=PROBLEMS)
async def lister_entourage(
    request: Request,
    dossier_id: UUID,
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
    tous: bool = False,
) -> JSONResponse:
    """Family, personne de confiance, représentant légal, médecin traitant, other professionals."""
    return await FWD.read(request, bus, actor, "entourage", position, ids(dossier_id), {"tous": tous})


@router.post(f"{D}/entourage", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def ajouter_contact(
    request: Request, dossier_id: UUID, cmd: Contact, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    return await FWD.write(request, bus, actor, "ajouter_contact", key, ids(dossier_id), body(cmd))


@router.put(f"{D}/entourage/{{contact_id}}", response_model=CommandeAcceptee, responses=PROBLEMS)
async def modifier_contact(
    request: Request,
    dossier_id: UUID,
    contact_id: UUID,
    cmd: Contact,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "modifier_contact", key, ids(dossier_id, contact_id=contact_id), body(cmd)
    )


@router.post(f"{D}/entourage/{{contact_id}}/retrait", response_model=CommandeAcceptee, responses=PROBLEMS)
async def retirer_contact(
    request: Request,
    dossier_id: UUID,
    contact_id: UUID,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
    cmd: ContactARetirer | None = None,
) -> JSONResponse:
    payload = body(cmd) if cmd else {}
    return await FWD.write(
        request, bus, actor, "retirer_contact", key, ids(dossier_id, contact_id=contact_id), payload
    )


# -- équipe ---------------------------------------------------------------------------------------------


@router.get(f"{D}/equipe", response_model=Items, responses=PROBLEMS)
async def lister_equipe(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "equipe", position, ids(dossier_id))


@router.post(f"{D}/equipe", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def affecter(
    request: Request,
    dossier_id: UUID,
    cmd: AffectationEquipe,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Assign a professional to the person's team, from a date (to a date); `referent` makes them the référent."""
    return await FWD.write(request, bus, actor, "affecter", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/equipe/{{membre_id}}/referent", response_model=CommandeAcceptee, responses=PROBLEMS)
async def designer_referent(
    request: Request, dossier_id: UUID, membre_id: UUID, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "designer_referent", key, ids(dossier_id, membre_id=membre_id)
    )


@router.post(f"{D}/equipe/{{membre_id}}/fin", response_model=CommandeAcceptee, responses=PROBLEMS)
async def retirer_membre(
    request: Request,
    dossier_id: UUID,
    membre_id: UUID,
    cmd: FinAffectation,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "retirer_membre", key, ids(dossier_id, membre_id=membre_id), body(cmd)
    )


# -- absences and presences -----------------------------------------------------------------------------


@router.get(f"{D}/absences", response_model=Items, responses=PROBLEMS)
async def lister_absences(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "absences", position, ids(dossier_id))


@router.post(f"{D}/absences", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def declarer_absence(
    request: Request,
    dossier_id: UUID,
    cmd: AbsenceADeclarer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Hospitalisation, holidays, convenience absence… with its start and expected end."""
    return await FWD.write(request, bus, actor, "declarer_absence", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/absences/{{absence_id}}/retour", response_model=CommandeAcceptee, responses=PROBLEMS)
async def terminer_absence(
    request: Request,
    dossier_id: UUID,
    absence_id: UUID,
    cmd: RetourAbsence,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "terminer_absence", key, ids(dossier_id, absence_id=absence_id), body(cmd)
    )


@router.post(f"{D}/absences/{{absence_id}}/annulation", response_model=CommandeAcceptee, responses=PROBLEMS)
async def annuler_absence(
    request: Request,
    dossier_id: UUID,
    absence_id: UUID,
    cmd: AnnulationAbsence,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "annuler_absence", key, ids(dossier_id, absence_id=absence_id), body(cmd)
    )


@router.get(f"{D}/presences", response_model=Items, responses=PROBLEMS)
async def presences_dossier(
    request: Request,
    dossier_id: UUID,
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
    annee: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> JSONResponse:
    """Days present and absent per month of one year for this person."""
    return await FWD.read(
        request, bus, actor, "presences_dossier", position, ids(dossier_id), {"annee": annee}
    )


@router.get("/presences", responses=PROBLEMS)
async def presences(
    request: Request,
    filtre: Annotated[FiltrePresences, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Days present and absent (by type) per person for one month (`mois=AAAA-MM`), as of today."""
    return await FWD.read(request, bus, actor, "presences", position, query=filtre.model_dump(mode="json"))


# -- mesures de liberté d'aller et venir ------------------------------------------------------------------


@router.get(f"{D}/mesures-liberte", response_model=Items, responses=PROBLEMS)
async def lister_mesures(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "mesures", position, ids(dossier_id))


@router.get("/mesures-liberte/a-reexaminer", response_model=Items, responses=PROBLEMS)
async def mesures_a_reexaminer(
    request: Request,
    filtre: Annotated[FiltreEsms, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Measures in force whose review date has passed, oldest first."""
    return await FWD.read(
        request, bus, actor, "mesures_a_reexaminer", position, query=filtre.model_dump(mode="json")
    )


@router.post(f"{D}/mesures-liberte", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def prendre_mesure(
    request: Request,
    dossier_id: UUID,
    cmd: MesureAPrendre,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Record an individual measure restricting freedom of movement: justification, decision, opinions, review."""
    return await FWD.write(request, bus, actor, "prendre_mesure", key, ids(dossier_id), body(cmd))


@router.post(
    f"{D}/mesures-liberte/{{mesure_id}}/revision", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def reviser_mesure(
    request: Request,
    dossier_id: UUID,
    mesure_id: UUID,
    cmd: RevisionMesure,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "reviser_mesure", key, ids(dossier_id, mesure_id=mesure_id), body(cmd)
    )


@router.post(f"{D}/mesures-liberte/{{mesure_id}}/levee", response_model=CommandeAcceptee, responses=PROBLEMS)
async def lever_mesure(
    request: Request,
    dossier_id: UUID,
    mesure_id: UUID,
    cmd: LeveeMesure,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "lever_mesure", key, ids(dossier_id, mesure_id=mesure_id), body(cmd)
    )


# -- prestations ----------------------------------------------------------------------------------------


@router.get(f"{D}/prestations", response_model=Items, responses=PROBLEMS)
async def lister_prestations(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "prestations", position, ids(dossier_id))


@router.get("/prestations/echeances", response_model=Items, responses=PROBLEMS)
async def echeances_prestations(
    request: Request,
    filtre: Annotated[FiltreEcheances, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Prestations ending within `jours` days or already ended, in active dossiers."""
    return await FWD.read(
        request, bus, actor, "echeances_prestations", position, query=filtre.model_dump(mode="json")
    )


@router.post(f"{D}/prestations", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def ouvrir_prestation(
    request: Request,
    dossier_id: UUID,
    cmd: PrestationAOuvrir,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """APA, aide sociale à l'hébergement, APL/ALS, AAH, PCH…: the scheduler warns before the end date."""
    return await FWD.write(request, bus, actor, "ouvrir_prestation", key, ids(dossier_id), body(cmd))


@router.post(
    f"{D}/prestations/{{prestation_id}}/renouvellement", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def renouveler_prestation(
    request: Request,
    dossier_id: UUID,
    prestation_id: UUID,
    cmd: RenouvellementPrestation,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request,
        bus,
        actor,
        "renouveler_prestation",
        key,
        ids(dossier_id, prestation_id=prestation_id),
        body(cmd),
    )


@router.post(
    f"{D}/prestations/{{prestation_id}}/cloture", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def cloturer_prestation(
    request: Request,
    dossier_id: UUID,
    prestation_id: UUID,
    cmd: CloturePrestation,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request,
        bus,
        actor,
        "cloturer_prestation",
        key,
        ids(dossier_id, prestation_id=prestation_id),
        body(cmd),
    )


# -- échanges -------------------------------------------------------------------------------------------


@router.get(f"{D}/echanges", response_model=Items, responses=PROBLEMS)
async def lister_echanges(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "echanges", position, ids(dossier_id))


@router.post(f"{D}/echanges", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def tracer_echange(
    request: Request,
    dossier_id: UUID,
    cmd: EchangeATracer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Trace an exchange with the person or a partner: date, channel, participants, summary."""
    return await FWD.write(request, bus, actor, "tracer_echange", key, ids(dossier_id), body(cmd))


# -- projet personnalisé --------------------------------------------------------------------------------

P = f"{D}/projet-personnalise"


@router.get(P, responses=PROBLEMS)
async def lire_projet(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """Every version with its status (brouillon, validee, en_revision, remplacee); which one is in force."""
    return await FWD.read(request, bus, actor, "projet", position, ids(dossier_id))


@router.post(P, status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def initier_projet(
    request: Request,
    dossier_id: UUID,
    cmd: ContenuProjet,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Start the projet personnalisé: version 1, as a draft."""
    return await FWD.write(request, bus, actor, "initier_projet", key, ids(dossier_id), body(cmd))


@router.get(f"{P}/versions/{{version}}", responses=PROBLEMS)
async def lire_version(
    request: Request,
    dossier_id: UUID,
    version: int,
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "projet_version", position, ids(dossier_id, version=version))


@router.put(f"{P}/versions/{{version}}", response_model=CommandeAcceptee, responses=PROBLEMS)
async def modifier_version(
    request: Request,
    dossier_id: UUID,
    version: int,
    cmd: ContenuProjet,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Replace the content of the draft version."""
    return await FWD.write(
        request, bus, actor, "modifier_projet", key, ids(dossier_id, version=version), body(cmd)
    )


@router.post(f"{P}/versions/{{version}}/validation", response_model=CommandeAcceptee, responses=PROBLEMS)
async def valider_version(
    request: Request,
    dossier_id: UUID,
    version: int,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
    cmd: ValidationProjet | None = None,
) -> JSONResponse:
    """Validate the draft: it comes into force and replaces the previous version."""
    payload = body(cmd) if cmd else {}
    return await FWD.write(
        request, bus, actor, "valider_projet", key, ids(dossier_id, version=version), payload
    )


@router.post(f"{P}/revision", status_code=201, responses=PROBLEMS)
async def ouvrir_revision(
    request: Request,
    dossier_id: UUID,
    cmd: RevisionProjet,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Open a review: a new draft from the version in force, which stays in force until the draft is validated."""
    return await FWD.write(request, bus, actor, "ouvrir_revision", key, ids(dossier_id), body(cmd))


@router.get(f"{P}/comparaison", responses=PROBLEMS)
async def comparer_versions(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreComparaison, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """What changed between two versions: objectives added, removed, modified, and other fields."""
    return await FWD.read(
        request,
        bus,
        actor,
        "projet_comparaison",
        position,
        ids(dossier_id),
        filtre.model_dump(mode="json"),
    )


# -- evaluations and grids ------------------------------------------------------------------------------


@router.get(f"{D}/evaluations", response_model=Items, responses=PROBLEMS)
async def lister_evaluations(
    request: Request,
    dossier_id: UUID,
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
    grille: Annotated[str | None, Query(max_length=40)] = None,
) -> JSONResponse:
    """Results over time (most recent first), optionally of one grid (`grille=aggir` for the GIR history)."""
    return await FWD.read(request, bus, actor, "evaluations", position, ids(dossier_id), {"grille": grille})


@router.post(f"{D}/evaluations", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def realiser_evaluation(
    request: Request,
    dossier_id: UUID,
    cmd: EvaluationARealiser,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Fill a grid: `aggir` (the GIR is computed with the official algorithm) or a grid of the OG."""
    return await FWD.write(request, bus, actor, "realiser_evaluation", key, ids(dossier_id), body(cmd))


@router.get("/evaluations/{evaluation_id}", responses=PROBLEMS)
async def lire_evaluation(
    request: Request, evaluation_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "evaluation", position, {"id": str(evaluation_id)})


@router.post("/evaluations/{evaluation_id}/annulation", response_model=CommandeAcceptee, responses=PROBLEMS)
async def annuler_evaluation(
    request: Request,
    evaluation_id: UUID,
    cmd: AnnulationEvaluation,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "annuler_evaluation", key, {"id": str(evaluation_id)}, body(cmd)
    )


@router.get("/grilles", response_model=Items, responses=PROBLEMS)
async def lister_grilles(
    request: Request, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The grids the OG defined (AGGIR is built in and not listed)."""
    return await FWD.read(request, bus, actor, "grilles", position)


@router.get("/grilles/{code}", responses=PROBLEMS)
async def lire_grille(
    request: Request, code: str, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "grille", position, {"code": code})


@router.post("/grilles", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def definir_grille(
    request: Request, cmd: DefinitionGrille, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Define a grid (items, answer types, scoring rule; docs/grilles.md), or revise it when the code exists:
    a new version, past evaluations keep theirs. OG-level roles only."""
    return await bus.call(request, "dossier", "definir_grille", actor, body=body(cmd), idempotency_key=key)
