"""Commands, filters and views of the soins service: the gateway's request and response bodies (OpenAPI schemas).

Instants without a time zone are Paris time; views show instants in Paris time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from dui_shared.contracts.admission_api import Command
from dui_shared.contracts.soins import (
    CategorieDonnees,
    CategorieTransmission,
    ContenuPrescription,
    JourSemaine,
    MotifNonRealisation,
    SourceObservation,
    TypeSoin,
    TypeTransmission,
    heure_pleine,
)

Motif = Field(min_length=1, max_length=2000)
Nom = Field(
    None,
    max_length=200,
    description="nom affiché de l'auteur (son identifiant et son rôle viennent de l'appel)",
)
Texte = Field(None, max_length=10_000)


# -- commands -------------------------------------------------------------------------------------------


class TransmissionASaisir(Command):
    """Free (`texte`) or ciblée (`cible` + `donnees` / `actions` / `resultats`)."""

    type: TypeTransmission = TypeTransmission.libre
    categorie: CategorieTransmission
    categorie_donnees: CategorieDonnees | None = Field(
        None, description="Par défaut : selon la catégorie (`medical` pour ce qui relève du médecin)"
    )
    cible: str | None = Field(None, max_length=200, description="douleur, chute, sommeil, alimentation…")
    donnees: str | None = Texte
    actions: str | None = Texte
    resultats: str | None = Texte
    texte: str | None = Texte
    le: datetime | None = Field(
        None, description="Par défaut : maintenant ; classe la transmission dans son poste"
    )
    unite: str | None = Field(None, max_length=100, description="Par défaut : l'unité de la personne")
    auteur_nom: str | None = Nom


class LecturesAEnregistrer(Command):
    ids: list[UUID] = Field(min_length=1, max_length=200, description="transmissions lues")


class ObservationASaisir(Command):
    texte: str = Field(min_length=1, max_length=20_000)
    motif: str | None = Field(None, max_length=500)
    observee_le: datetime | None = Field(None, description="Par défaut : maintenant")
    source: SourceObservation = SourceObservation.saisie
    source_detail: str | None = Field(
        None, max_length=500, description="requis pour une observation reçue : auteur, document, date"
    )
    auteur_nom: str | None = Nom


class PrescriptionAEmettre(Command):
    contenu: ContenuPrescription
    prescripteur_nom: str | None = Nom


class ModificationPrescription(Command):
    contenu: ContenuPrescription
    motif: str = Motif
    version: int | None = Field(
        None, ge=1, le=10_000, description="la version lue : refusé (409) si une autre a été signée depuis"
    )
    prescripteur_nom: str | None = Nom


class ArretPrescription(Command):
    motif: str = Motif
    prescripteur_nom: str | None = Nom


class UniteAAffecter(Command):
    unite: str = Field(min_length=1, max_length=100)


class SoinAPlanifier(Command):
    type: TypeSoin
    libelle: str = Field(min_length=1, max_length=300)
    heures: list[time] = Field(min_length=1, max_length=24, description="heures de la journée (Paris), HH:MM")
    jours_semaine: list[JourSemaine] = Field(
        default_factory=list, max_length=7, description="vide : tous les jours"
    )
    debut: datetime | None = Field(None, description="Par défaut : maintenant")
    fin: date | None = Field(None, description="dernier jour (inclus)")
    consignes: str | None = Field(None, max_length=2000)

    @field_validator("heures")
    @classmethod
    def _heures(cls, value: list[time]) -> list[time]:
        return [heure_pleine(h) for h in value]


class ArretSoin(Command):
    motif: str = Motif


class StatutActe(StrEnum):
    realise = "realise"
    non_realise = "non_realise"


class ActeATracer(Command):
    """An administration or a care act, done or not, against a planned slot (`prevu_le`) of a prescription or of a
    planned care; without `prevu_le`, an administration "si besoin"."""

    prescription_id: UUID | None = None
    soin_id: UUID | None = None
    prevu_le: datetime | None = Field(None, description="le créneau du plan de soins")
    statut: StatutActe
    realise_le: datetime | None = Field(None, description="Par défaut : maintenant (acte réalisé)")
    motif: MotifNonRealisation | None = Field(None, description="requis pour un acte non réalisé")
    quantite: float | None = Field(None, gt=0, le=10_000)
    commentaire: str | None = Field(None, max_length=2000)
    par_nom: str | None = Nom


# -- filters --------------------------------------------------------------------------------------------


class Page(Command):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=100_000)


class FiltreTransmissions(Page):
    esms: list[str] = Field(default_factory=list)
    unite: str | None = Field(None, max_length=100)
    jour: date | None = Field(None, description="jour du poste (la nuit appartient au jour où elle commence)")
    poste: str | None = Field(None, max_length=40)
    cible: str | None = Field(
        None, max_length=200, description="contient ce texte (sans tenir compte de la casse)"
    )
    categorie: CategorieTransmission | None = None
    dossier_id: UUID | None = None


class FiltreTransmissionsDossier(Page):
    depuis: date | None = None
    jusqu_au: date | None = None
    cible: str | None = Field(None, max_length=200)
    categorie: CategorieTransmission | None = None


class FiltreNonLues(Page):
    esms: list[str] = Field(default_factory=list)
    unite: str | None = Field(None, max_length=100)
    jours: int = Field(3, ge=1, le=31, description="transmissions de ces derniers jours")


class StatutPrescription(StrEnum):
    en_cours = "en_cours"
    terminee = "terminee"
    arretee = "arretee"


class FiltrePrescriptions(Command):
    statut: list[StatutPrescription] = Field(default_factory=list, description="vide : toutes")


class FiltreJour(Command):
    jour: date | None = Field(None, description="Par défaut : aujourd'hui")


class FiltreActes(Command):
    jour: date | None = Field(None, description="Par défaut : aujourd'hui")


class FiltrePlan(Command):
    esms: list[str] = Field(default_factory=list)
    unite: str | None = Field(None, max_length=100)
    jour: date | None = Field(None, description="Par défaut : aujourd'hui")
    dossier_id: UUID | None = None
    tolerance_minutes: int = Field(
        60, ge=0, le=1440, description="au-delà, un créneau sans trace est en retard"
    )


class FiltreRetards(Command):
    esms: list[str] = Field(default_factory=list)
    unite: str | None = Field(None, max_length=100)
    tolerance_minutes: int = Field(60, ge=0, le=1440)
    fenetre_heures: int = Field(24, ge=1, le=72, description="créneaux de ces dernières heures")
    a: datetime | None = Field(None, description="Par défaut : maintenant (« en retard à telle heure »)")


# -- views ----------------------------------------------------------------------------------------------


class Usager(BaseModel):
    dossier_id: UUID
    nom: str
    prenoms: str
    unite: str | None


class TransmissionVue(BaseModel):
    id: UUID
    dossier_id: UUID
    esms: str
    usager: Usager | None
    type: TypeTransmission
    categorie: CategorieTransmission
    categorie_donnees: CategorieDonnees
    cible: str | None
    donnees: str | None
    actions: str | None
    resultats: str | None
    texte: str | None
    le: datetime
    unite: str | None
    poste: str | None
    jour_poste: date
    auteur: str
    profession: str
    auteur_nom: str | None
    lue: bool | None = Field(None, description="lue par le professionnel connecté (listes de non lues)")


class PageTransmissions(BaseModel):
    items: list[TransmissionVue]
    total: int
    limit: int
    offset: int


class LecturesEnregistrees(BaseModel):
    lues: int = Field(description="transmissions marquées lues par cette requête (hors celles déjà lues)")
    position: int


class ObservationVue(BaseModel):
    id: UUID
    dossier_id: UUID
    texte: str
    motif: str | None
    observee_le: datetime
    source: SourceObservation
    source_detail: str | None
    auteur: str
    profession: str
    auteur_nom: str | None
    enregistree_le: datetime


class SignatureVue(BaseModel):
    signataire: str
    signee_le: datetime
    algorithme: str
    empreinte: str


class VersionPrescriptionVue(BaseModel):
    version: int
    contenu: ContenuPrescription
    depuis: datetime | None = Field(description="début de la période que gouverne la version (None : la 1re)")
    motif: str | None
    prescripteur: str
    prescripteur_role: str
    prescripteur_nom: str | None
    le: datetime
    signature: SignatureVue | None


class VersionSignee(BaseModel):
    """The answer to a modification."""

    id: UUID
    version: int = Field(description="la version signée (la version en cours quand rien ne change)")
    position: int


class PrescriptionVue(BaseModel):
    id: UUID
    dossier_id: UUID
    esms: str
    libelle: str
    nature: str
    statut: StatutPrescription
    version: int
    contenu: ContenuPrescription
    prescripteur: str
    prescripteur_nom: str | None
    emise_le: datetime
    modifiee_le: datetime | None
    arretee_le: datetime | None
    motif_arret: str | None
    fin: datetime | None = Field(description="fin de ce qu'elle planifie (None : sans fin)")
    signature: SignatureVue | None


class ActeVue(BaseModel):
    id: UUID
    dossier_id: UUID
    prescription_id: UUID | None
    soin_id: UUID | None
    statut: StatutActe
    prevu_le: datetime | None
    realise_le: datetime | None
    motif: MotifNonRealisation | None
    quantite: float | None
    commentaire: str | None
    par: str
    par_role: str
    par_nom: str | None
    trace_le: datetime


class StatutCreneau(StrEnum):
    a_faire = "a_faire"
    en_retard = "en_retard"
    realise = "realise"
    non_realise = "non_realise"
    absent = "absent"  # the person is away (hospitalisation…) and nothing was traced


class CreneauVue(BaseModel):
    usager: Usager
    origine: str = Field(description="`prescription` ou `soin`")
    prescription_id: UUID | None
    soin_id: UUID | None
    libelle: str
    nature: str
    prevu_le: datetime
    heure_inexistante: time | None = Field(
        None,
        description="l'heure prévue quand l'horloge la saute ce jour-là (passage à l'heure d'été : 02:30) ; "
        "le créneau est alors à la première heure valide qui suit (03:00)",
    )
    version: int | None
    quantite: float | None
    unite_mesure: str | None
    statut: StatutCreneau
    absent: bool
    absence: str | None = Field(description="type de l'absence en cours à cette heure")
    acte: ActeVue | None


class PlanDuJour(BaseModel):
    jour: date
    creneaux: list[CreneauVue]
    si_besoin: list[ActeVue] = Field(description="administrations « si besoin » du jour")
    position: int


class SoinPlanifieVue(BaseModel):
    id: UUID
    type: TypeSoin
    libelle: str
    heures: list[time]
    jours_semaine: list[JourSemaine]
    debut: datetime
    fin: date | None
    consignes: str | None
    arrete_le: datetime | None
    motif_arret: str | None


class PlanSoinsDossier(BaseModel):
    dossier_id: UUID
    unite: str | None
    soins: list[SoinPlanifieVue]
    jour: PlanDuJour


class Retards(BaseModel):
    a: datetime
    tolerance_minutes: int
    creneaux: list[CreneauVue]
