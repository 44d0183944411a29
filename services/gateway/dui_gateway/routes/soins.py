"""Soins endpoints: transmissions (per person, per unit and shift, per cible, unread ones), observations
médicales, prescriptions (versions and signatures, modification, stop), the plan de soins (planned care, the plan
of a day with statuses) and the acts traced against it, and what is overdue.

Every write accepts an `Idempotency-Key`: the same request sent again with the same key is applied once. Reads
accept `X-Dui-Min-Position` to reflect the caller's own write (in this service or in the dossier service).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from dui_gateway.deps import BusDep, CurrentActor, IdempotencyKey, MinPosition
from dui_gateway.forward import Forward, body, ids
from dui_gateway.routes.admission import PROBLEMS
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.contracts.soins_api import (
    ActeATracer,
    ActeVue,
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
    ObservationVue,
    PageTransmissions,
    PlanDuJour,
    PlanSoinsDossier,
    PrescriptionAEmettre,
    PrescriptionVue,
    Retards,
    SoinAPlanifier,
    TransmissionASaisir,
    TransmissionVue,
    UniteAAffecter,
    VersionPrescriptionVue,
    VersionSignee,
)

router = APIRouter(tags=["soins"])
FWD = Forward("soins")
D = "/dossiers/{dossier_id}"


def _query(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


# -- transmissions --------------------------------------------------------------------------------------


@router.post(f"{D}/transmissions", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def saisir_transmission(
    request: Request,
    dossier_id: UUID,
    cmd: TransmissionASaisir,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Write a transmission, free or ciblée (DAR); filed under its unit and the shift of its time (Paris)."""
    return await FWD.write(request, bus, actor, "saisir_transmission", key, ids(dossier_id), body(cmd))


@router.get(f"{D}/transmissions", response_model=PageTransmissions, responses=PROBLEMS)
async def transmissions_dossier(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreTransmissionsDossier, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The person's transmissions, newest first (by period, cible, category)."""
    return await FWD.read(
        request, bus, actor, "transmissions_dossier", position, ids(dossier_id), _query(filtre)
    )


@router.get("/transmissions", response_model=PageTransmissions, responses=PROBLEMS)
async def transmissions(
    request: Request,
    filtre: Annotated[FiltreTransmissions, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The transmissions of a day (today by default) per unit and shift — the night belongs to the day it began —,
    or by cible or person; medical ones only for medical roles."""
    return await FWD.read(request, bus, actor, "transmissions", position, query=_query(filtre))


@router.get("/transmissions/non-lues", response_model=PageTransmissions, responses=PROBLEMS)
async def transmissions_non_lues(
    request: Request,
    filtre: Annotated[FiltreNonLues, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """What the connected professional has not read yet: visible to them, written by others, not marked read."""
    return await FWD.read(request, bus, actor, "transmissions_non_lues", position, query=_query(filtre))


@router.post("/transmissions/lectures", response_model=LecturesEnregistrees, responses=PROBLEMS)
async def marquer_lues(
    request: Request, cmd: LecturesAEnregistrer, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Mark transmissions as read by the connected professional (those already read are not counted again)."""
    return await FWD.write(request, bus, actor, "marquer_lues", key, None, body(cmd))


@router.get("/transmissions/{transmission_id}", response_model=TransmissionVue, responses=PROBLEMS)
async def lire_transmission(
    request: Request, transmission_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "transmission", position, ids(transmission_id))


# -- observations ---------------------------------------------------------------------------------------


@router.post(f"{D}/observations", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def saisir_observation(
    request: Request,
    dossier_id: UUID,
    cmd: ObservationASaisir,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """An observation médicale written by a physician (`source=saisie`), or one received from elsewhere recorded
    with its source by a care professional."""
    return await FWD.write(request, bus, actor, "saisir_observation", key, ids(dossier_id), body(cmd))


@router.get(f"{D}/observations", response_model=list[ObservationVue], responses=PROBLEMS)
async def lister_observations(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The person's observations médicales, newest first (medical roles only)."""
    return await FWD.read(request, bus, actor, "observations", position, ids(dossier_id))


@router.get("/observations/{observation_id}", response_model=ObservationVue, responses=PROBLEMS)
async def lire_observation(
    request: Request, observation_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "observation", position, ids(observation_id))


# -- prescriptions --------------------------------------------------------------------------------------


@router.post(f"{D}/prescriptions", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def emettre_prescription(
    request: Request,
    dossier_id: UUID,
    cmd: PrescriptionAEmettre,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Prescribe a drug, an act or an exam (physician with a valid RPPS number); signed as version 1."""
    return await FWD.write(request, bus, actor, "emettre_prescription", key, ids(dossier_id), body(cmd))


@router.get(f"{D}/prescriptions", response_model=list[PrescriptionVue], responses=PROBLEMS)
async def lister_prescriptions(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltrePrescriptions, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The person's prescriptions (en cours, terminées, arrêtées), newest first. Care roles only (403
    `role_soignant_requis`); drug prescriptions only for the roles that give drugs (others see acts and exams)."""
    return await FWD.read(request, bus, actor, "prescriptions", position, ids(dossier_id), _query(filtre))


@router.get("/prescriptions/{prescription_id}", response_model=PrescriptionVue, responses=PROBLEMS)
async def lire_prescription(
    request: Request, prescription_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """One prescription as in force. Care roles only (403 `role_soignant_requis`); a drug prescription for the
    roles that give drugs only (403 `medicaments_reserves`)."""
    return await FWD.read(request, bus, actor, "prescription", position, ids(prescription_id))


@router.get(
    "/prescriptions/{prescription_id}/versions",
    response_model=list[VersionPrescriptionVue],
    responses=PROBLEMS,
)
async def versions_prescription(
    request: Request, prescription_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """Every version, its period, who signed it and the SHA-256 of its content in the JSON Canonicalization
    Scheme (RFC 8785). Readers as for the prescription."""
    return await FWD.read(request, bus, actor, "prescription_versions", position, ids(prescription_id))


@router.post(
    "/prescriptions/{prescription_id}/modification", response_model=VersionSignee, responses=PROBLEMS
)
async def modifier_prescription(
    request: Request,
    prescription_id: UUID,
    cmd: ModificationPrescription,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """A new signed version, governing from now on; the previous ones stay readable."""
    return await FWD.write(request, bus, actor, "modifier_prescription", key, ids(prescription_id), body(cmd))


@router.post("/prescriptions/{prescription_id}/arret", response_model=CommandeAcceptee, responses=PROBLEMS)
async def arreter_prescription(
    request: Request,
    prescription_id: UUID,
    cmd: ArretPrescription,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Stop a prescription now: no act can be traced on it any more."""
    return await FWD.write(request, bus, actor, "arreter_prescription", key, ids(prescription_id), body(cmd))


# -- plan de soins --------------------------------------------------------------------------------------


@router.get(f"{D}/plan-soins", response_model=PlanSoinsDossier, responses=PROBLEMS)
async def plan_soins_dossier(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreJour, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The person's unit, planned care, and plan of a day (today by default) with the status of each slot.
    Care roles only (403 `role_soignant_requis`)."""
    return await FWD.read(
        request, bus, actor, "plan_soins_dossier", position, ids(dossier_id), _query(filtre)
    )


@router.post(f"{D}/plan-soins", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def planifier_soin(
    request: Request,
    dossier_id: UUID,
    cmd: SoinAPlanifier,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Plan a non-prescribed care (toilette, prévention d'escarres…) at times of day, on some weekdays."""
    return await FWD.write(request, bus, actor, "planifier_soin", key, ids(dossier_id), body(cmd))


@router.put(f"{D}/plan-soins/unite", response_model=CommandeAcceptee, responses=PROBLEMS)
async def affecter_unite(
    request: Request,
    dossier_id: UUID,
    cmd: UniteAAffecter,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """The unit (one of the ESMS's) the person's care plan and transmissions belong to."""
    return await FWD.write(request, bus, actor, "affecter_unite", key, ids(dossier_id), body(cmd))


@router.post(f"{D}/plan-soins/{{soin_id}}/arret", response_model=CommandeAcceptee, responses=PROBLEMS)
async def arreter_soin(
    request: Request,
    dossier_id: UUID,
    soin_id: UUID,
    cmd: ArretSoin,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return await FWD.write(
        request, bus, actor, "arreter_soin", key, ids(dossier_id, soin_id=soin_id), body(cmd)
    )


@router.get("/plan-soins", response_model=PlanDuJour, responses=PROBLEMS)
async def plan_soins(
    request: Request,
    filtre: Annotated[FiltrePlan, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The care plan of a unit (or an ESMS, or one person) for a day: every planned slot with its status
    (à faire, en retard, réalisé, non réalisé, absent), and the "si besoin" administrations. Care roles only
    (403 `role_soignant_requis`); drug slots only for the roles that give drugs."""
    return await FWD.read(request, bus, actor, "plan_soins", position, query=_query(filtre))


# -- acts -----------------------------------------------------------------------------------------------


@router.post(f"{D}/actes", response_model=CommandeAcceptee, responses=PROBLEMS)
async def tracer_acte(
    request: Request,
    dossier_id: UUID,
    cmd: ActeATracer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Trace an administration or a care act, done or not (with the reason), on a planned slot; without
    `prevu_le`, an administration "si besoin". The same slot traced again with the same outcome changes
    nothing; `id` is the prescription or the planned care it was traced on. A slot planned before a stop is still
    traced; `realise_le` is not in the future, not before the start, within 24 h of the slot; a slot is declared
    not done at most 1 h ahead."""
    return await FWD.write(request, bus, actor, "tracer_acte", key, ids(dossier_id), body(cmd))


@router.get(f"{D}/actes", response_model=list[ActeVue], responses=PROBLEMS)
async def lister_actes(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreActes, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The acts traced for the person on a day (today by default). Care roles only (403
    `role_soignant_requis`); acts on drug prescriptions only for the roles that give drugs."""
    return await FWD.read(request, bus, actor, "actes", position, ids(dossier_id), _query(filtre))


@router.get("/actes/en-retard", response_model=Retards, responses=PROBLEMS)
async def actes_en_retard(
    request: Request,
    filtre: Annotated[FiltreRetards, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Planned slots past their time plus the tolerance (60 min by default) without a trace, for persons not
    away, per ESMS or unit; oldest first. Care roles only (403 `role_soignant_requis`)."""
    return await FWD.read(request, bus, actor, "actes_en_retard", position, query=_query(filtre))
