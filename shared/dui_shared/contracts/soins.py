"""Event contracts of the soins service: transmissions and their reading, observations médicales, prescriptions
(versioned and signed), the plan de soins and the acts traced against both.

Every event about a person carries its `dossier_id` (reporting counts the events of each dossier). Instants are
UTC; the times of day of a schedule (`Prise.heure`, `SoinPlanifie.heures`) and the days it names are Paris
wall-clock: an 08:00 intake is at 08:00 in Paris, summer and winter alike.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

import rfc8785
from pydantic import ConfigDict, Field, field_validator

from dui_shared.contracts import Contract, EventData, registry


class Value(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- vocabularies ---------------------------------------------------------------------------------------


class TypeTransmission(StrEnum):
    libre = "libre"
    ciblee = "ciblee"  # Cible + Données / Actions / Résultats (DAR)


class CategorieTransmission(StrEnum):
    soins = "soins"
    accompagnement = "accompagnement"
    vie_sociale = "vie_sociale"
    nuit = "nuit"
    alimentation = "alimentation"
    elimination = "elimination"
    douleur = "douleur"
    comportement = "comportement"
    famille = "famille"
    administratif = "administratif"
    autre = "autre"


class CategorieDonnees(StrEnum):
    """The data category of a piece of information: what habilitations (profession × ESMS × category) filter on."""

    administratif = "administratif"
    social = "social"
    accompagnement = "accompagnement"
    soins = "soins"
    medical = "medical"
    psychologique = "psychologique"


DONNEES_PAR_CATEGORIE: dict[CategorieTransmission, CategorieDonnees] = {
    CategorieTransmission.soins: CategorieDonnees.soins,
    CategorieTransmission.accompagnement: CategorieDonnees.accompagnement,
    # daily life, activities and family visits are the accompaniment every team member writes; `social` is the
    # person's social situation, rights and resources (chosen explicitly with `categorie_donnees`)
    CategorieTransmission.vie_sociale: CategorieDonnees.accompagnement,
    CategorieTransmission.nuit: CategorieDonnees.soins,
    CategorieTransmission.alimentation: CategorieDonnees.soins,
    CategorieTransmission.elimination: CategorieDonnees.soins,
    CategorieTransmission.douleur: CategorieDonnees.soins,
    CategorieTransmission.comportement: CategorieDonnees.accompagnement,
    CategorieTransmission.famille: CategorieDonnees.accompagnement,
    CategorieTransmission.administratif: CategorieDonnees.administratif,
    CategorieTransmission.autre: CategorieDonnees.accompagnement,
}
"""The data category of a transmission when its author does not say (a physician's note says `medical`)."""


class SourceObservation(StrEnum):
    saisie = "saisie"  # written here by the physician
    recue_professionnel = "recue_professionnel"  # a letter or report from another professional
    dmp = "dmp"
    mssante = "mssante"


class NaturePrescription(StrEnum):
    medicament = "medicament"
    acte = "acte"  # soins infirmiers, kinésithérapie, orthophonie…
    examen = "examen"  # biologie, imagerie…


class TypeActe(StrEnum):
    soins_infirmiers = "soins_infirmiers"
    kinesitherapie = "kinesitherapie"
    orthophonie = "orthophonie"
    ergotherapie = "ergotherapie"
    pedicurie = "pedicurie"
    dietetique = "dietetique"
    biologie = "biologie"
    imagerie = "imagerie"
    consultation = "consultation"
    autre = "autre"


class Voie(StrEnum):
    orale = "orale"
    sublinguale = "sublinguale"
    cutanee = "cutanee"
    transdermique = "transdermique"
    sous_cutanee = "sous_cutanee"
    intramusculaire = "intramusculaire"
    intraveineuse = "intraveineuse"
    inhalee = "inhalee"
    nasale = "nasale"
    ophtalmique = "ophtalmique"
    auriculaire = "auriculaire"
    rectale = "rectale"
    vaginale = "vaginale"
    autre = "autre"


class JourSemaine(StrEnum):
    lundi = "lundi"
    mardi = "mardi"
    mercredi = "mercredi"
    jeudi = "jeudi"
    vendredi = "vendredi"
    samedi = "samedi"
    dimanche = "dimanche"

    @property
    def iso(self) -> int:
        """1 for Monday … 7 for Sunday (`date.isoweekday()`)."""
        return list(JourSemaine).index(self) + 1


class TypeSoin(StrEnum):
    """Care the team plans without a prescription."""

    toilette = "toilette"
    prevention_escarres = "prevention_escarres"
    change = "change"
    aide_repas = "aide_repas"
    hydratation = "hydratation"
    mobilisation = "mobilisation"
    surveillance = "surveillance"
    aide_coucher = "aide_coucher"
    aide_lever = "aide_lever"
    autre = "autre"


class MotifNonRealisation(StrEnum):
    refus = "refus"
    absent = "absent"
    hospitalise = "hospitalise"
    autre = "autre"


# -- schedules and the content of a prescription -----------------------------------------------------------


def heure_pleine(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("une heure de la journée s'entend à l'heure de Paris, sans fuseau")
    if value.second or value.microsecond:
        raise ValueError("une heure de prise se donne à la minute (HH:MM)")
    return value


class Prise(Value):
    """One intake of a schedule: a time of day (Paris) and what is given then."""

    heure: time = Field(description="heure de la journée, HH:MM (heure de Paris)")
    quantite: float | None = Field(None, gt=0, le=10_000, description="1, 0.5, 20…")
    unite: str | None = Field(None, max_length=50, description="comprimé, gélule, mL, UI, goutte…")

    @field_validator("heure")
    @classmethod
    def _heure(cls, value: time) -> time:
        return heure_pleine(value)


class Medicament(Value):
    denomination: str = Field(min_length=1, max_length=300, description="DCI ou nom de spécialité")
    dosage: str | None = Field(None, max_length=100, description="500 mg, 5 mg/mL…")
    forme: str | None = Field(None, max_length=100, description="comprimé, solution buvable…")
    voie: Voie


class ActePrescrit(Value):
    type: TypeActe
    libelle: str = Field(min_length=1, max_length=300, description="pansement, NFS, radio du thorax…")


class SiBesoin(Value):
    """Given when the condition arises, at most `max_par_jour` times a (Paris) day."""

    condition: str = Field(min_length=1, max_length=500, description="si douleur EVA > 3, si T° > 38,5 °C…")
    max_par_jour: int | None = Field(None, ge=1, le=48)
    quantite: float | None = Field(None, gt=0, le=10_000)
    unite: str | None = Field(None, max_length=50)


class ContenuPrescription(Value):
    """What the prescriber signs: a drug, an act or an exam, and when.

    When: a schedule (`prises` at times of day, on some `jours_semaine` or every day) from `debut` to the end of
    `fin` (or for `duree_jours` days), a single date `le` (an exam, a one-off act), and/or `si_besoin`."""

    nature: NaturePrescription
    medicament: Medicament | None = None
    acte: ActePrescrit | None = None
    prises: tuple[Prise, ...] = Field((), max_length=24)
    jours_semaine: tuple[JourSemaine, ...] = Field((), max_length=7, description="vide : tous les jours")
    le: datetime | None = Field(None, description="date et heure d'un acte ou examen ponctuel")
    si_besoin: SiBesoin | None = None
    debut: datetime | None = Field(None, description="Par défaut : au moment de la prescription")
    fin: date | None = Field(None, description="dernier jour (inclus)")
    duree_jours: int | None = Field(None, ge=1, le=3660)
    instructions: str | None = Field(None, max_length=2000, description="au cours du repas, à jeun…")

    @property
    def libelle(self) -> str:
        if self.medicament is not None:
            m = self.medicament
            return " ".join(p for p in (m.denomination, m.dosage, f"({m.voie.value})") if p)
        if self.acte is not None:
            return self.acte.libelle
        return self.nature.value

    def empreinte(self) -> str:
        """SHA-256 (hex) of this content serialised by the JSON Canonicalization Scheme (RFC 8785): keys sorted,
        no white space, UTF-8, numbers as ECMAScript writes them (a quantity of 1 is `1`, never `1.0`), instants
        as their UTC JSON strings. What a signature of the version vouches for; any JCS library recomputes it
        from the JSON of `contenu`."""
        return hashlib.sha256(rfc8785.dumps(self.model_dump(mode="json"))).hexdigest()


# -- events ---------------------------------------------------------------------------------------------


class SoinsEvent(EventData):
    service: ClassVar[str] = "soins"


# -- Transmission ----------------------------------------------------------------------------------------


@registry.register
class TransmissionSaisie(SoinsEvent):
    """A note of the team about a person: free text, or ciblée (cible + données / actions / résultats).

    `poste` is the shift of `le` in the OG's shifts (Paris time) and `jour_poste` the day that shift started (a
    night shift belongs to the evening it began)."""

    dossier_id: UUID
    esms: str
    type: TypeTransmission
    categorie: CategorieTransmission
    categorie_donnees: CategorieDonnees
    cible: str | None = None
    donnees: str | None = None
    actions: str | None = None
    resultats: str | None = None
    texte: str | None = None
    le: datetime
    unite: str | None = None
    poste: str | None = None
    jour_poste: date
    auteur: str
    profession: str
    auteur_nom: str | None = None


# -- SuiviLectures (one per professional, ESMS and shift day) -------------------------------------------


@registry.register
class SuiviLecturesOuvert(SoinsEvent):
    """The first time a professional marks transmissions of an ESMS and of one shift day as read."""

    professionnel: str
    esms: str
    jour_poste: date | None = Field(
        None, description="the shift day of the transmissions it records (None: every day, before the split)"
    )


@registry.register
class TransmissionsLues(SoinsEvent):
    transmission_ids: tuple[UUID, ...]
    lues_le: datetime


# -- Observation -------------------------------------------------------------------------------------------


@registry.register
class ObservationSaisie(SoinsEvent):
    """A physician's observation médicale, written here (`saisie`) or received and recorded with its source."""

    dossier_id: UUID
    esms: str
    texte: str
    motif: str | None = None
    observee_le: datetime
    source: SourceObservation
    source_detail: str | None = None
    auteur: str
    profession: str
    auteur_nom: str | None = None


# -- Prescription ------------------------------------------------------------------------------------------


@registry.register
class PrescriptionEmise(SoinsEvent):
    """Version 1, by an authorised prescriber (`prescripteur` is their RPPS number)."""

    dossier_id: UUID
    esms: str
    version: int
    contenu: ContenuPrescription
    prescripteur: str
    prescripteur_role: str
    prescripteur_nom: str | None = None
    emise_le: datetime


@registry.register
class PrescriptionModifiee(SoinsEvent):
    """Version `version` replaces the previous one from `modifiee_le` on; earlier versions stay readable."""

    dossier_id: UUID
    version: int
    contenu: ContenuPrescription
    motif: str
    prescripteur: str
    prescripteur_role: str
    prescripteur_nom: str | None = None
    modifiee_le: datetime


@registry.register
class PrescriptionArretee(SoinsEvent):
    """Stopped from `arretee_le` on: no act can be traced on it any more."""

    dossier_id: UUID
    motif: str
    prescripteur: str
    prescripteur_role: str
    prescripteur_nom: str | None = None
    arretee_le: datetime


@registry.register
class PrescriptionSignee(SoinsEvent):
    """The prescriber's signature of one version, appended in the same atomic decision as the version itself.

    `empreinte` is the SHA-256 (hex) of the version's `contenu` in the JSON Canonicalization Scheme, RFC 8785
    (see `ContenuPrescription.empreinte`); the documents service traces signatures from this event."""

    dossier_id: UUID
    version: int
    signataire: str
    signee_le: datetime
    algorithme: str = "SHA-256"
    empreinte: str = Field(pattern=r"^[0-9a-f]{64}$")


# -- PlanSoins (one per dossier) ------------------------------------------------------------------------


@registry.register
class PlanSoinsOuvert(SoinsEvent):
    dossier_id: UUID
    esms: str


@registry.register
class UniteAffectee(SoinsEvent):
    """The unit (unité de vie, tournée…) whose care plan and transmissions the person belongs to."""

    dossier_id: UUID
    unite: str


@registry.register
class SoinPlanifie(SoinsEvent):
    """Non-prescribed care the team plans: at `heures` (Paris) on `jours_semaine` (empty: every day), from
    `debut` to the end of `fin`."""

    dossier_id: UUID
    soin_id: UUID
    type: TypeSoin
    libelle: str
    heures: tuple[time, ...]
    jours_semaine: tuple[JourSemaine, ...] = ()
    debut: datetime
    fin: date | None = None
    consignes: str | None = None


@registry.register
class SoinArrete(SoinsEvent):
    dossier_id: UUID
    soin_id: UUID
    motif: str
    arrete_le: datetime


# -- acts (on a Prescription or a PlanSoins) ------------------------------------------------------------


@registry.register
class ActeRealise(SoinsEvent):
    """An administration or a care act done: against a planned slot (`prevu_le`), or "si besoin" (no slot).

    Appended to the prescription's subject (`prescription_id`) or to the plan de soins' (`soin_id`)."""

    dossier_id: UUID
    prescription_id: UUID | None = None
    soin_id: UUID | None = None
    prevu_le: datetime | None = None
    realise_le: datetime
    quantite: float | None = None
    commentaire: str | None = None
    par: str
    par_role: str
    par_nom: str | None = None


@registry.register
class ActeNonRealise(SoinsEvent):
    """A planned slot not done, and why."""

    dossier_id: UUID
    prescription_id: UUID | None = None
    soin_id: UUID | None = None
    prevu_le: datetime
    motif: MotifNonRealisation
    commentaire: str | None = None
    constate_le: datetime
    par: str
    par_role: str
    par_nom: str | None = None
