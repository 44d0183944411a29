"""Commands and views of the dossier service: the gateway's request and response bodies (OpenAPI schemas).

Instants without a time zone are Paris time; views show instants in Paris time.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from dui_shared.contracts.admission_api import Command
from dui_shared.contracts.dossier import (
    Canal,
    ExprimePar,
    Justificatif,
    ObjetConsentement,
    OperationInsi,
    ProfessionnelEquipe,
    TypeAbsence,
    TypePrestation,
)
from dui_shared.contracts.identite import MatriculeIns, StatutIdentite, TraitsIdentite

Motif = Field(min_length=1, max_length=2000)


# -- commands -------------------------------------------------------------------------------------------


class TraitsACorriger(Command):
    traits: TraitsIdentite
    motif: str = Motif


class InterrogationInsi(Command):
    """`recherche`: find the INS from the dossier's traits; `verification`: check a matricule already known
    (read from the carte Vitale, received in a document…) against them."""

    operation: OperationInsi = OperationInsi.recherche
    matricule: MatriculeIns | None = Field(None, description="requis pour une vérification")


class ValidationIdentite(Command):
    justificatif: Justificatif
    verifiee_le: datetime | None = Field(None, description="Par défaut : maintenant")


class DouteIdentite(Command):
    motif: str = Motif


class ContactARetirer(Command):
    motif: str | None = Field(None, max_length=2000)


class AffectationEquipe(Command):
    professionnel: ProfessionnelEquipe
    du: date
    au: date | None = None
    referent: bool = False


class FinAffectation(Command):
    au: date


class AbsenceADeclarer(Command):
    type: TypeAbsence
    debut: datetime
    fin_prevue: datetime | None = None
    commentaire: str | None = Field(None, max_length=2000)


class RetourAbsence(Command):
    fin: datetime


class AnnulationAbsence(Command):
    motif: str = Motif


class MesureAPrendre(Command):
    nature: str = Field(min_length=1, max_length=500, description="ce que la mesure restreint")
    justification: str = Field(min_length=1, max_length=5000)
    decidee_par: str = Field(min_length=1, max_length=200, description="médecin coordonnateur, équipe…")
    decidee_le: date
    avis_usager: str | None = Field(None, max_length=5000)
    avis_representant: str | None = Field(None, max_length=5000)
    debut: date | None = Field(None, description="Par défaut : le jour de la décision")
    revision_le: date


class RevisionMesure(Command):
    revisee_le: date
    conclusion: str = Field(min_length=1, max_length=5000)
    avis_usager: str | None = Field(None, max_length=5000)
    avis_representant: str | None = Field(None, max_length=5000)
    prochaine_revision_le: date


class LeveeMesure(Command):
    levee_le: date
    motif: str = Motif


class PrestationAOuvrir(Command):
    type: TypePrestation
    organisme: str | None = Field(None, max_length=200, description="conseil départemental, CAF, MDPH…")
    reference: str | None = Field(None, max_length=100)
    montant_mensuel: float | None = Field(None, ge=0, le=1_000_000)
    debut: date
    fin: date | None = None


class RenouvellementPrestation(Command):
    fin: date | None
    montant_mensuel: float | None = Field(None, ge=0, le=1_000_000)


class CloturePrestation(Command):
    le: date
    motif: str | None = Field(None, max_length=2000)


class EchangeATracer(Command):
    le: datetime
    canal: Canal
    participants: list[str] = Field(min_length=1, max_length=30)
    objet: str = Field(min_length=1, max_length=300)
    resume: str | None = Field(None, max_length=10000)


class ConsentementAExprimer(Command):
    """One consent choice of the person. A person's own account records it as themselves; a professional records
    it on the person's behalf (`professionnel_pour_usager` unless it was the personne de confiance or the
    représentant légal who expressed it)."""

    objet: ObjetConsentement
    choix: bool = Field(description="true : consent donné ; false : refus ou opposition")
    exprime_par: ExprimePar | None = Field(None, description="Par défaut : la qualité de l'appelant")
    commentaire: str | None = Field(None, max_length=2000)
    le: datetime | None = Field(None, description="quand le choix a été exprimé ; par défaut : maintenant")


class ValidationProjet(Command):
    valide_le: date | None = Field(None, description="Par défaut : aujourd'hui")


class RevisionProjet(Command):
    motif: str = Motif


class EvaluationARealiser(Command):
    grille: str = Field(min_length=1, max_length=40, description="`aggir` ou le code d'une grille de l'OG")
    realisee_le: datetime | None = Field(None, description="Par défaut : maintenant")
    evaluateur: str | None = Field(None, max_length=200, description="Par défaut : l'auteur de la requête")
    reponses: dict[str, Any]
    commentaire: str | None = Field(None, max_length=5000)


class AnnulationEvaluation(Command):
    motif: str = Motif


class StatutDossier(StrEnum):
    actif = "actif"
    clos = "clos"
    archive = "archive"


class FiltreDossiers(Command):
    esms: list[str] = Field(default_factory=list)
    statut: list[StatutDossier] = Field(default_factory=lambda: [StatutDossier.actif])
    statut_identite: list[StatutIdentite] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100, description="nom ou prénom")
    sejour_id: UUID | None = Field(None, description="le dossier ouvert à l'admission de ce séjour")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class FiltreEsms(Command):
    esms: list[str] = Field(default_factory=list)


class FiltreEcheances(FiltreEsms):
    jours: int = Field(60, ge=0, le=365, description="fin du droit dans ce nombre de jours au plus")


class FiltreEvaluations(Command):
    grille: str | None = Field(None, pattern=r"^[a-z][a-z0-9_-]{1,39}$")


class FiltrePresences(Command):
    esms: list[str] = Field(default_factory=list)
    mois: str = Field(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$", description="AAAA-MM")


class FiltreComparaison(Command):
    de: int = Field(ge=1, le=10_000)
    a: int = Field(ge=1, le=10_000)


# -- views ----------------------------------------------------------------------------------------------


class Identifie(BaseModel):
    """The id of what the command created or changed, and the log position to read it back."""

    id: UUID
    position: int


class ResultatInsiVue(BaseModel):
    resultat: str
    statut_identite: StatutIdentite
    differences: list[str] = []
    candidats: int = 0
    position: int


class DossierVue(BaseModel):
    id: UUID
    esms: str
    esms_nom: str | None
    sejour_id: UUID
    traits: TraitsIdentite
    statut: StatutDossier
    statut_identite: StatutIdentite
    matricule: MatriculeIns | None
    type_accueil: str
    admis_le: datetime
    sortie_le: datetime | None
    motif_sortie: str | None
    archive_le: datetime | None
    conservation_jusqu_au: date | None
    gir: int | None
    version: int
    mis_a_jour_le: datetime


class ConsentementVue(BaseModel):
    objet: ObjetConsentement
    choix: bool
    exprime_par: ExprimePar
    recueilli_par: str
    commentaire: str | None
    le: datetime


class ConsentementsVue(BaseModel):
    """The current choice for each subject expressed so far, and every choice recorded, newest first."""

    courants: list[ConsentementVue]
    historique: list[ConsentementVue]


class PageDossiers(BaseModel):
    items: list[DossierVue]
    total: int
    limit: int
    offset: int


class Alerte(BaseModel):
    code: str
    message: str


class FicheSynthese(BaseModel):
    """Everything a professional needs on one page, built from the dossier read model."""

    dossier: DossierVue
    identite: dict[str, Any]
    gir: dict[str, Any] | None
    projet_personnalise: dict[str, Any] | None
    personne_de_confiance: dict[str, Any] | None
    entourage: list[dict[str, Any]]
    equipe: list[dict[str, Any]]
    referent: dict[str, Any] | None
    absences_en_cours: list[dict[str, Any]]
    prestations: list[dict[str, Any]]
    mesures_liberte: list[dict[str, Any]]
    evaluations_recentes: list[dict[str, Any]]
    derniers_echanges: list[dict[str, Any]]
    alertes: list[Alerte]
    position: int = Field(description="position du journal que reflète cette fiche")
    sections_masquees: list[str] = Field(
        default_factory=list,
        description="sections vidées parce que le profil de l'appelant n'ouvre pas leur catégorie de données",
    )
