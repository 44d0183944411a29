"""Commands and views of the admission service: the gateway's request and response bodies (OpenAPI schemas)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dui_shared.contracts import Contract
from dui_shared.contracts.admission import (
    ActionSortie,
    Decision,
    MotifSortie,
    StatutVisite,
    TypeAccueil,
    Usager,
)


class Command(Contract):
    model_config = ConfigDict(extra="forbid")


class NouvelleCandidature(Command):
    """A candidature addressed to one or several ESMS of the OG (one candidature per ESMS is created)."""

    usager: Usager
    esms: list[str] = Field(min_length=1, max_length=20, description="FINESS des ESMS demandés")
    type_accueil: TypeAccueil
    date_entree_souhaitee: date | None = None
    urgence: bool = False
    commentaire: str | None = Field(None, max_length=4000)
    recue_le: datetime | None = Field(
        None, description="Par défaut : maintenant. Heure de Paris si sans fuseau."
    )

    @field_validator("esms")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("chaque ESMS ne peut être demandé qu'une fois")
        return value


class ContactAPlanifier(Command):
    planifie_le: datetime
    interlocuteur: Literal["usager", "famille", "representant_legal", "professionnel"] = "usager"
    moyen: Literal["telephone", "visite", "visio", "courrier", "messagerie"] = "telephone"
    note: str | None = Field(None, max_length=4000)


class VisiteATracer(Command):
    le: datetime
    statut: StatutVisite
    compte_rendu: str | None = Field(None, max_length=8000)


class DecisionAPrononcer(Command):
    decision: Decision
    motif: str | None = Field(None, max_length=2000, description="Obligatoire pour un refus")
    prononcee_le: datetime | None = None


class AdmissionAPrononcer(Command):
    admis_le: datetime
    type_accueil: TypeAccueil | None = Field(None, description="Par défaut : celui de la candidature")
    place: str | None = Field(None, max_length=50, description="Chambre, lit ou place attribuée")


class SortieAPrononcer(Command):
    sortie_le: datetime
    motif: MotifSortie
    destination: str | None = Field(None, max_length=300)
    actions: list[ActionSortie] = Field(default_factory=list, max_length=50)


class ActionSortieATracer(Command):
    libelle: str = Field(min_length=1, max_length=300)
    realisee_le: datetime
    commentaire: str | None = Field(None, max_length=2000)


# -- ViaTrajectoire-like import ----------------------------------------------------------------------------


class DossierViaTrajectoire(Contract):
    model_config = ConfigDict(extra="ignore")

    numero_dossier: str = Field(min_length=1, max_length=64)
    date_demande: date
    usager: Usager
    etablissements_demandes: list[str] = Field(min_length=1)
    type_accueil: TypeAccueil
    date_entree_souhaitee: date | None = None
    urgence: bool = False
    commentaire: str | None = Field(None, max_length=4000)


class ImportViaTrajectoire(BaseModel):
    """The file format is documented in docs/viatrajectoire-import.md."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["dui-viatrajectoire/1"]
    exporte_le: datetime
    dossiers: list[dict[str, object]] = Field(max_length=2000)


class RejetImport(BaseModel):
    index: int
    numero_dossier: str | None
    field: str
    rule: str
    message: str


class RapportImport(BaseModel):
    crees: int
    deja_importes: int
    rejets: list[RejetImport]
    candidatures: list[UUID]


class StatutCandidature(StrEnum):
    recue = "recue"
    contact_planifie = "contact_planifie"
    visite_planifiee = "visite_planifiee"
    visite_realisee = "visite_realisee"
    acceptee = "acceptee"
    refusee = "refusee"
    retiree = "retiree"
    admise = "admise"


TriCandidatures = Literal[
    "recue_le",
    "-recue_le",
    "date_entree_souhaitee",
    "-date_entree_souhaitee",
    "nom",
    "-nom",
    "statut",
    "-statut",
    "esms",
    "-esms",
    "mis_a_jour_le",
    "-mis_a_jour_le",
]


class FiltreListeAttente(Contract):
    """Filters of the OG-wide waiting list; dates are Paris calendar days."""

    model_config = ConfigDict(extra="forbid")

    esms: list[str] = Field(default_factory=list)
    statut: list[StatutCandidature] = Field(default_factory=list)
    type_accueil: list[TypeAccueil] = Field(default_factory=list)
    recue_du: date | None = None
    recue_au: date | None = None
    urgence: bool | None = None
    q: str | None = Field(None, max_length=100, description="Recherche sur le nom")
    tri: TriCandidatures = "recue_le"
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class FiltreSejours(Contract):
    model_config = ConfigDict(extra="forbid")

    esms: list[str] = Field(default_factory=list)
    actif: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


# -- views ---------------------------------------------------------------------------------------------------


class DemandeCreee(BaseModel):
    demande_id: UUID
    candidatures: list[UUID]


class CandidatureVue(BaseModel):
    id: UUID
    demande_id: UUID
    esms: str
    esms_nom: str | None = None
    usager: Usager
    type_accueil: TypeAccueil
    statut: str
    origine: str
    reference_externe: str | None
    urgence: bool
    recue_le: datetime
    date_entree_souhaitee: date | None
    contact_planifie_le: datetime | None
    visite_le: datetime | None
    visite_statut: str | None
    decision: str | None
    motif_decision: str | None
    decision_le: datetime | None
    sejour_id: UUID | None
    commentaire: str | None
    version: int
    mis_a_jour_le: datetime


class PageCandidatures(BaseModel):
    items: list[CandidatureVue]
    total: int
    limit: int
    offset: int


class SejourVue(BaseModel):
    id: UUID
    candidature_id: UUID
    esms: str
    usager: Usager
    type_accueil: TypeAccueil
    place: str | None
    admis_le: datetime
    sortie_le: datetime | None
    motif_sortie: str | None
    destination: str | None
    actions_sortie: list[ActionSortie]
    actif: bool
    version: int


class PageSejours(BaseModel):
    items: list[SejourVue]
    total: int
    limit: int
    offset: int


class EsmsVue(BaseModel):
    finess: str
    nom: str
    categorie: str
    commune: str | None = None
    types_accueil: list[TypeAccueil]


class CommandeAcceptee(BaseModel):
    id: UUID
    position: int = Field(
        description="Position du dernier événement écrit (lecture de ses propres écritures)"
    )
