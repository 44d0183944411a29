"""Public integration events: what downstream systems (GEF, RH, EI) receive on the `DUI_INT` stream.

Each contract is a stable, versioned pydantic model published on `dui.int.<domaine>.<evenement>.v<n>`. A change
that breaks a consumer is a new version (a new model, a new subject), published beside the old one for as long as
consumers need it. Domain events stay internal: these are derived from them, carrying only what each consumer
needs — never a name, an INS, a birth date or free text written about the person (docs: examples/subscribers/README.md).

Every event carries:
- `id`: the integration event's id, uuid5(source event id, contract subject): the same source event always gives
  the same id (it is also the `Nats-Msg-Id`), so a consumer can de-duplicate on it;
- `source_event_id` and `source_position`: the domain event it comes from and its position in the log (named by id
  only: whoever may read the log can follow it, nobody else);
- `survenu_le`: when the source event was recorded (UTC); `esms`: the FINESS of the ESMS concerned.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from dui_shared.contracts.admission import MotifSortie, TypeAccueil
from dui_shared.contracts.dossier import TypeAbsence, TypePrestation
from dui_shared.contracts.soins import MotifNonRealisation
from dui_shared.eventstore import INTEGRATION_STREAM as INTEGRATION_STREAM
from dui_shared.eventstore import INTEGRATION_SUBJECTS as INTEGRATION_SUBJECTS

_NAMESPACE = UUID("6f1c3f55-2b7e-4f53-9a4e-0b7c8e1d2a90")


class IntegrationEvent(BaseModel):
    """Base of every integration event; `domaine`, `evenement` and `version` make its subject."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domaine: ClassVar[str]
    evenement: ClassVar[str]
    version: ClassVar[int] = 1

    id: UUID = Field(description="uuid5(source_event_id, sujet) : stable, c'est aussi le Nats-Msg-Id")
    source_event_id: UUID = Field(description="l'événement du journal d'où il est dérivé")
    source_position: int = Field(ge=1, description="sa position dans le journal (DUI_EVT)")
    survenu_le: datetime = Field(description="quand l'événement source a été enregistré (UTC)")
    esms: str = Field(description="FINESS de l'ESMS concerné")

    @classmethod
    def subject(cls) -> str:
        return f"dui.int.{cls.domaine}.{cls.evenement}.v{cls.version}"

    @classmethod
    def derived_id(cls, source_event_id: UUID, qualifier: str = "") -> UUID:
        """The deterministic id of this contract's event derived from a source event (and, when one source event
        gives several of them, a qualifier such as the professional's id)."""
        return uuid.uuid5(_NAMESPACE, f"{source_event_id}|{cls.subject()}|{qualifier}")


# -- GEF: billing --------------------------------------------------------------------------------------------


class GefEvent(IntegrationEvent):
    domaine: ClassVar[str] = "gef"

    sejour_id: UUID = Field(description="le séjour facturé : la seule référence à la personne")


class AdmissionGef(GefEvent):
    """A séjour starts: the billing file opens (admission.AdmissionPrononcee)."""

    evenement: ClassVar[str] = "admission"

    type_accueil: TypeAccueil
    admis_le: datetime
    place: str | None = None


class SortieGef(GefEvent):
    """A séjour ends (admission.SortiePrononcee): billing stops at `sortie_le`; `deces` for the rules that bill
    the days after a death differently."""

    evenement: ClassVar[str] = "sortie"

    sortie_le: datetime
    motif: MotifSortie
    deces: bool


class AbsenceDebutee(GefEvent):
    """The person is away from `debut` (dossier.AbsenceDeclaree): hospitalisation or holidays change the daily
    rate after the thresholds the GEF applies."""

    evenement: ClassVar[str] = "absence_debut"

    absence_id: UUID
    type: TypeAbsence
    debut: datetime
    fin_prevue: datetime | None = None


class AbsenceFinie(GefEvent):
    """The person is back at `fin` (dossier.AbsenceTerminee)."""

    evenement: ClassVar[str] = "absence_fin"

    absence_id: UUID
    fin: datetime


class AbsenceAnnuleeGef(GefEvent):
    """A declared absence did not happen (dossier.AbsenceAnnulee): forget it."""

    evenement: ClassVar[str] = "absence_annulee"

    absence_id: UUID


class PrestationOuverteGef(GefEvent):
    """A financial help starts (dossier.PrestationOuverte): APA, aide sociale à l'hébergement, APL…"""

    evenement: ClassVar[str] = "prestation_ouverte"

    prestation_id: UUID
    type: TypePrestation
    organisme: str | None = None
    montant_mensuel: float | None = None
    debut: date
    fin: date | None = None


class PrestationRenouveleeGef(GefEvent):
    """Its end date or amount changes (dossier.PrestationRenouvelee)."""

    evenement: ClassVar[str] = "prestation_renouvelee"

    prestation_id: UUID
    fin: date | None
    montant_mensuel: float | None = None


class PrestationClotureeGef(GefEvent):
    """It stops on `le` (dossier.PrestationCloturee)."""

    evenement: ClassVar[str] = "prestation_cloturee"

    prestation_id: UUID
    le: date


# -- RH: professional activity --------------------------------------------------------------------------------


class RhEvent(IntegrationEvent):
    """One event per fact of activity, with the professional and the Paris day: consumers count and aggregate.
    Nothing about the person cared for."""

    domaine: ClassVar[str] = "rh"

    professionnel: str = Field(description="identifiant du professionnel (RPPS ou local)")
    jour: date = Field(description="jour (heure de Paris) de l'activité")


class NatureActe(StrEnum):
    prescription = "prescription"  # an administration or an act on a prescription
    plan_soins = "plan_soins"  # care planned without a prescription


class ActeTrace(RhEvent):
    """An act traced (soins.ActeRealise: `realise`, or soins.ActeNonRealise: not)."""

    evenement: ClassVar[str] = "acte"

    role: str
    nature: NatureActe
    realise: bool


class TransmissionEcrite(RhEvent):
    """A transmission written (soins.TransmissionSaisie); `jour` is its shift day."""

    evenement: ClassVar[str] = "transmission"

    profession: str
    poste: str | None = None


class InterventionTenue(RhEvent):
    """An agenda occurrence held (agenda.EvenementRealise `realise`), once per professional participant."""

    evenement: ClassVar[str] = "intervention"

    evenement_id: UUID
    type: str = Field(description="rendez_vous, activite, intervention, contact")
    occurrence: datetime


# -- EI: événements indésirables ----------------------------------------------------------------------------


class EiEvent(IntegrationEvent):
    """An adverse event recognised in the domain. The person is named by their dossier id only (the quality team
    opens the dossier in the DUI with its own rights); the source's text is never copied."""

    domaine: ClassVar[str] = "ei"

    dossier_id: UUID
    constate_le: datetime = Field(description="quand le fait a été constaté (selon la source)")
    signale_par: str = Field(description="le professionnel qui l'a tracé")


class ChuteSignalee(EiEvent):
    """A ciblée transmission whose `cible` names a fall (see the mapping in examples/subscribers/README.md)."""

    evenement: ClassVar[str] = "chute"

    transmission_id: UUID


class FugueSignalee(EiEvent):
    """A ciblée transmission whose `cible` names a fugue or a disappearance."""

    evenement: ClassVar[str] = "fugue"

    transmission_id: UUID


class MedicamentNonAdministre(EiEvent):
    """A planned administration of a drug prescription traced not done (soins.ActeNonRealise)."""

    evenement: ClassVar[str] = "medicament_non_administre"

    prescription_id: UUID
    prevu_le: datetime
    motif: MotifNonRealisation


INTEGRATION_EVENTS: tuple[type[IntegrationEvent], ...] = (
    AdmissionGef,
    SortieGef,
    AbsenceDebutee,
    AbsenceFinie,
    AbsenceAnnuleeGef,
    PrestationOuverteGef,
    PrestationRenouveleeGef,
    PrestationClotureeGef,
    ActeTrace,
    TransmissionEcrite,
    InterventionTenue,
    ChuteSignalee,
    FugueSignalee,
    MedicamentNonAdministre,
)
"""Every public integration event, in the order the AsyncAPI document lists them."""

BY_SUBJECT: dict[str, type[IntegrationEvent]] = {c.subject(): c for c in INTEGRATION_EVENTS}
