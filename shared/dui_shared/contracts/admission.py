"""Event contracts of the admission service (candidatures and séjours). Public: other services consume them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field

from dui_shared.contracts import Contract, EventData, registry


class TypeAccueil(StrEnum):
    permanent = "permanent"
    temporaire = "temporaire"
    de_jour = "de_jour"


class Origine(StrEnum):
    saisie = "saisie"
    viatrajectoire = "viatrajectoire"


class Decision(StrEnum):
    acceptee = "acceptee"
    refusee = "refusee"
    retiree = "retiree"


class StatutVisite(StrEnum):
    planifiee = "planifiee"
    realisee = "realisee"


class MotifSortie(StrEnum):
    retour_domicile = "retour_domicile"
    transfert_esms = "transfert_esms"
    hospitalisation = "hospitalisation"
    deces = "deces"
    fin_accompagnement = "fin_accompagnement"
    autre = "autre"


class Sexe(StrEnum):
    F = "F"
    M = "M"
    I = "I"  # noqa: E741 - indéterminé, as in the INS traits


class Usager(Contract):
    """Identity traits as entered at candidature (INS qualification happens later, in the dossier service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nom_naissance: str = Field(min_length=1, max_length=100)
    nom_utilise: str | None = Field(None, max_length=100)
    prenoms: str = Field(min_length=1, max_length=200)
    date_naissance: date
    sexe: Sexe
    commune_residence: str | None = Field(None, max_length=100)


class ActionSortie(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")

    libelle: str = Field(min_length=1, max_length=300)
    realisee_le: datetime
    commentaire: str | None = Field(None, max_length=2000)


class AdmissionEvent(EventData):
    service: ClassVar[str] = "admission"


@registry.register
class CandidatureRecue(AdmissionEvent):
    demande_id: UUID
    esms: str
    usager: Usager
    type_accueil: TypeAccueil
    recue_le: datetime
    date_entree_souhaitee: date | None = None
    origine: Origine = Origine.saisie
    reference_externe: str | None = None
    urgence: bool = False
    commentaire: str | None = None


@registry.register
class ContactPlanifie(AdmissionEvent):
    planifie_le: datetime
    interlocuteur: str
    moyen: str
    note: str | None = None


@registry.register
class VisitePreadmission(AdmissionEvent):
    le: datetime
    statut: StatutVisite
    compte_rendu: str | None = None


@registry.register
class DecisionPrononcee(AdmissionEvent):
    decision: Decision
    prononcee_le: datetime
    motif: str | None = None


@registry.register
class CandidatureAdmise(AdmissionEvent):
    sejour_id: UUID
    admis_le: datetime


@registry.register
class AdmissionPrononcee(AdmissionEvent):
    """Creates the séjour; carries what downstream services need to open the dossier without asking."""

    candidature_id: UUID
    esms: str
    usager: Usager
    type_accueil: TypeAccueil
    admis_le: datetime
    place: str | None = None


@registry.register
class SortiePrononcee(AdmissionEvent):
    sortie_le: datetime
    motif: MotifSortie
    destination: str | None = None
    actions: tuple[ActionSortie, ...] = ()


@registry.register
class ActionSortieTracee(AdmissionEvent):
    action: ActionSortie
