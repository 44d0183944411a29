"""Event contracts of the dossier service: the dossier usager, its projet personnalisé, evaluations and grids.

Public: reporting counts them (INS qualifications for TBB.1, validated projets personnalisés, GIR changes) and the
GEF subscribes to absences and prestations. Dates a person lives by (prestation end, review dates) are `date`s;
instants are UTC `datetime`s, shown in Paris time by the read side.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from dui_shared.contracts import Contract, EventData, registry
from dui_shared.contracts.admission import MotifSortie, TypeAccueil
from dui_shared.contracts.grille import DefinitionGrille
from dui_shared.contracts.identite import MatriculeIns, StatutIdentite, TraitsIdentite


class Value(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- identity -------------------------------------------------------------------------------------------


class Justificatif(StrEnum):
    """Identity documents; only those of high trust (référentiel INS) allow validation."""

    carte_identite = "carte_identite"
    passeport = "passeport"
    titre_sejour = "titre_sejour"
    livret_famille = "livret_famille"
    extrait_acte_naissance = "extrait_acte_naissance"

    @property
    def haut_niveau_confiance(self) -> bool:
        return self in (Justificatif.carte_identite, Justificatif.passeport, Justificatif.titre_sejour)


class OperationInsi(StrEnum):
    recherche = "recherche"
    verification = "verification"


# -- entourage, team --------------------------------------------------------------------------------------


class RoleEntourage(StrEnum):
    personne_de_confiance = "personne_de_confiance"
    representant_legal = "representant_legal"
    contact_urgence = "contact_urgence"
    famille = "famille"
    aidant = "aidant"
    medecin_traitant = "medecin_traitant"
    professionnel = "professionnel"


class Contact(Value):
    """Someone around the person: family, trusted person, legal representative, or an outside professional."""

    nom: str = Field(min_length=1, max_length=100)
    prenom: str | None = Field(None, max_length=100)
    roles: tuple[RoleEntourage, ...] = Field(min_length=1, max_length=7)
    lien: str | None = Field(None, max_length=100, description="lien avec la personne (fille, voisin…)")
    profession: str | None = Field(None, max_length=100)
    rpps: str | None = Field(None, description="numéro RPPS (11 chiffres) d'un professionnel de santé")
    adresse_mssante: str | None = Field(None, max_length=254)
    telephone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    adresse: str | None = Field(None, max_length=300)
    consentement_contact: bool = Field(
        False, description="la personne (ou son représentant) accepte que ce contact soit sollicité"
    )
    commentaire: str | None = Field(None, max_length=1000)


class ProfessionnelEquipe(Value):
    id: str = Field(min_length=1, max_length=64, description="identifiant du professionnel (RPPS ou local)")
    nom: str = Field(min_length=1, max_length=200)
    profession: str = Field(min_length=1, max_length=100)


# -- presences ----------------------------------------------------------------------------------------------


class TypeAbsence(StrEnum):
    hospitalisation = "hospitalisation"
    vacances = "vacances"
    convenance_personnelle = "convenance_personnelle"
    sejour_famille = "sejour_famille"
    autre = "autre"


# -- prestations ---------------------------------------------------------------------------------------------


class TypePrestation(StrEnum):
    apa = "apa"
    aide_sociale_hebergement = "aide_sociale_hebergement"
    apl = "apl"
    als = "als"
    aah = "aah"
    pch = "pch"
    mdph_orientation = "mdph_orientation"
    autre = "autre"


class Canal(StrEnum):
    entretien = "entretien"
    telephone = "telephone"
    courrier = "courrier"
    email = "email"
    mssante = "mssante"
    visioconference = "visioconference"
    reunion = "reunion"


# -- consent choices --------------------------------------------------------------------------------------


class ObjetConsentement(StrEnum):
    """What the person consents to (or refuses): each has one current choice, the history is kept."""

    consultation_personne_de_confiance = "consultation_personne_de_confiance"  # may consult the dossier
    alimentation_dmp = "alimentation_dmp"  # false: the person opposes the feeding of their DMP
    partage_hors_esms = "partage_hors_esms"  # sharing with professionals outside the ESMS
    contact_entourage = "contact_entourage"  # the ESMS may contact their family and close contacts
    droit_image = "droit_image"


class ExprimePar(StrEnum):
    """Who expressed the choice: the person, their personne de confiance or représentant légal (themselves, with
    their own account), or a professional recording what the person said."""

    usager = "usager"
    personne_de_confiance = "personne_de_confiance"
    representant_legal = "representant_legal"
    professionnel_pour_usager = "professionnel_pour_usager"


# -- projet personnalisé -----------------------------------------------------------------------------------


class ActionProjet(Value):
    libelle: str = Field(min_length=1, max_length=500)
    responsable: str | None = Field(None, max_length=200)
    echeance: date | None = None


class StatutObjectif(StrEnum):
    en_cours = "en_cours"
    atteint = "atteint"
    partiellement_atteint = "partiellement_atteint"
    abandonne = "abandonne"


class Objectif(Value):
    code: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        description="identifiant stable de l'objectif d'une version à l'autre (pour comparer les versions)",
    )
    libelle: str = Field(min_length=1, max_length=500)
    domaine: str = Field(min_length=1, max_length=100, description="autonomie, santé, vie sociale, habitat…")
    actions: tuple[ActionProjet, ...] = Field((), max_length=50)
    statut: StatutObjectif = StatutObjectif.en_cours


class Participation(Value):
    usager_present: bool
    representant_present: bool = False
    modalite: str = Field("entretien", max_length=200, description="entretien, réunion de synthèse…")


class ContenuProjet(Value):
    objectifs: tuple[Objectif, ...] = Field((), max_length=50)

    @field_validator("objectifs")
    @classmethod
    def _codes_uniques(cls, value: tuple[Objectif, ...], info: ValidationInfo) -> tuple[Objectif, ...]:
        codes = [o.code for o in value]
        if len(set(codes)) != len(codes) and not (info.context and info.context.get("stored")):
            raise PydanticCustomError(
                "objectif_duplique", "chaque objectif a son propre code (il sert à comparer les versions)"
            )
        return value

    responsable: ProfessionnelEquipe | None = None
    participation: Participation | None = None
    expression_usager: str | None = Field(None, max_length=5000, description="attentes et souhaits exprimés")
    expression_entourage: str | None = Field(None, max_length=5000)
    date_prochaine_revision: date | None = None


class DossierEvent(EventData):
    service: ClassVar[str] = "dossier"


# -- DossierUsager ---------------------------------------------------------------------------------------


@registry.register
class DossierOuvert(DossierEvent):
    """Opened from the admission service's `AdmissionPrononcee` (the causation id is that event's id)."""

    sejour_id: UUID
    esms: str
    traits: TraitsIdentite
    type_accueil: TypeAccueil
    admis_le: datetime


@registry.register
class DossierClos(DossierEvent):
    """The séjour ended (`SortiePrononcee`); the dossier can still be completed until it is archived."""

    sortie_le: datetime
    motif: MotifSortie
    destination: str | None = None


@registry.register
class DossierArchive(DossierEvent):
    archive_le: datetime
    conservation_jusqu_au: date


@registry.register
class TraitsIdentiteCorriges(DossierEvent):
    traits: TraitsIdentite
    motif: str
    statut: StatutIdentite


@registry.register
class InsRecuperee(DossierEvent):
    """The INSi téléservice returned (search) or confirmed (verification) the matricule and its traits."""

    operation: OperationInsi
    matricule: MatriculeIns
    traits: TraitsIdentite
    statut: StatutIdentite


@registry.register
class IdentiteValidee(DossierEvent):
    """An identity document of high trust was checked against the traits."""

    justificatif: Justificatif
    verifiee_le: datetime
    statut: StatutIdentite


@registry.register
class IdentiteQualifiee(DossierEvent):
    """INS récupérée (or verified) by INSi and identity validated: the INS may be used and shared."""

    matricule: MatriculeIns
    qualifiee_le: datetime


@registry.register
class IdentiteDouteuse(DossierEvent):
    """A doubt on the identity: back to provisoire, the INS must not be used until re-qualified."""

    motif: str


@registry.register
class EntourageAjoute(DossierEvent):
    contact_id: UUID
    contact: Contact


@registry.register
class EntourageModifie(DossierEvent):
    contact_id: UUID
    contact: Contact


@registry.register
class EntourageRetire(DossierEvent):
    contact_id: UUID
    motif: str | None = None


@registry.register
class MembreEquipeAffecte(DossierEvent):
    membre_id: UUID
    professionnel: ProfessionnelEquipe
    du: date
    au: date | None = None


@registry.register
class MembreEquipeRetire(DossierEvent):
    membre_id: UUID
    au: date


@registry.register
class ReferentDesigne(DossierEvent):
    """One référent at a time: the previous one (if any) stays in the team without the role."""

    membre_id: UUID
    precedent: UUID | None = None


@registry.register
class AbsenceDeclaree(DossierEvent):
    absence_id: UUID
    type: TypeAbsence
    debut: datetime
    fin_prevue: datetime | None = None
    commentaire: str | None = None


@registry.register
class AbsenceTerminee(DossierEvent):
    """The person is back (or the end is now known)."""

    absence_id: UUID
    fin: datetime


@registry.register
class AbsenceAnnulee(DossierEvent):
    absence_id: UUID
    motif: str


@registry.register
class MesureLibertePrise(DossierEvent):
    mesure_id: UUID
    nature: str
    justification: str
    decidee_par: str
    decidee_le: date
    avis_usager: str | None = None
    avis_representant: str | None = None
    debut: date
    revision_le: date


@registry.register
class MesureLiberteRevisee(DossierEvent):
    mesure_id: UUID
    revisee_le: date
    conclusion: str
    avis_usager: str | None = None
    avis_representant: str | None = None
    prochaine_revision_le: date


@registry.register
class MesureLiberteLevee(DossierEvent):
    mesure_id: UUID
    levee_le: date
    motif: str


@registry.register
class PrestationOuverte(DossierEvent):
    prestation_id: UUID
    type: TypePrestation
    organisme: str | None = None
    reference: str | None = None
    montant_mensuel: float | None = None
    debut: date
    fin: date | None = None


@registry.register
class PrestationRenouvelee(DossierEvent):
    prestation_id: UUID
    fin: date | None
    montant_mensuel: float | None = None


@registry.register
class PrestationCloturee(DossierEvent):
    prestation_id: UUID
    le: date
    motif: str | None = None


@registry.register
class PrestationBientotExpiree(DossierEvent):
    """Emitted once per prestation and end date by the scheduler, `delai_jours` before the end."""

    prestation_id: UUID
    type: TypePrestation
    fin: date
    delai_jours: int


@registry.register
class PrestationExpiree(DossierEvent):
    """Emitted once per prestation and end date, the day after the end, unless it was renewed or closed."""

    prestation_id: UUID
    type: TypePrestation
    fin: date


@registry.register
class EchangeTrace(DossierEvent):
    echange_id: UUID
    le: datetime
    canal: Canal
    participants: tuple[str, ...]
    objet: str
    resume: str | None = None


@registry.register
class ConsentementRecueilli(DossierEvent):
    """One of the person's consent choices (seed F19): the new current choice for `objet`, the previous ones kept
    as its history. `recueilli_par` is who recorded it (the person's own account, or a professional)."""

    objet: ObjetConsentement
    choix: bool
    exprime_par: ExprimePar
    recueilli_par: str = Field(min_length=1, max_length=64)
    commentaire: str | None = Field(None, max_length=2000)
    le: datetime


# -- ProjetPersonnalise ---------------------------------------------------------------------------------


@registry.register
class ProjetPersonnaliseInitie(DossierEvent):
    """Creates the dossier's projet personnalisé with version 1 as a draft."""

    dossier_id: UUID
    esms: str
    contenu: ContenuProjet


@registry.register
class VersionProjetModifiee(DossierEvent):
    version: int
    contenu: ContenuProjet


@registry.register
class ProjetPersonnaliseValide(DossierEvent):
    version: int
    valide_le: date
    date_prochaine_revision: date
    remplace: int | None = None


@registry.register
class RevisionProjetOuverte(DossierEvent):
    """A new draft version starts from the version in force, which stays in force until the draft is validated."""

    version: int
    depuis: int
    motif: str


# -- Evaluation -----------------------------------------------------------------------------------------------


@registry.register
class EvaluationRealisee(DossierEvent):
    """One filled grid: AGGIR (`grille="aggir"`, with its GIR) or a grid the OG defined."""

    dossier_id: UUID
    esms: str
    grille: str
    grille_version: int
    grille_libelle: str
    realisee_le: datetime
    evaluateur: str
    reponses: dict[str, Any]
    score: float | None = None
    gir: int | None = None
    interpretation: str | None = None
    alerte: bool = False
    detail: dict[str, Any] = Field(default_factory=dict)
    commentaire: str | None = None


@registry.register
class EvaluationAnnulee(DossierEvent):
    motif: str


# -- GrilleEvaluation (OG level) -------------------------------------------------------------------------


@registry.register
class GrilleDefinie(DossierEvent):
    esms: str
    definition: DefinitionGrille


@registry.register
class GrilleRevisee(DossierEvent):
    version: int
    definition: DefinitionGrille
