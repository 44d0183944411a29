"""Event contracts of the habilitations service: the OG's matrix (profession × data category), each account's
ESMS assignments, emergency accesses (break-the-glass) and the persons' own accesses; plus the access trace the
gateway writes for every read or write of a dossier's data (on its own stream, `dui.audit.>`).

A professional's rights are a function of three things: the profile of their profession in the matrix (a level
per data category and a few flags), the ESMS they are assigned to (or the whole OG for an OG-level profile), and
the emergency accesses they opened. A person (usager, personne de confiance, représentant légal) reads only the
dossiers their account was linked to, through the profile of their quality.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from dui_shared.contracts import EventData, registry
from dui_shared.contracts.soins import CategorieDonnees

__all__ = ["CategorieDonnees"]

PROFESSION = re.compile(r"[a-z][a-z0-9_]{1,39}")
"""A profession code of the matrix: lower-case ASCII words joined by `_` (`aide_soignant`, `medecin`)."""


def profession(value: str) -> str:
    if not PROFESSION.fullmatch(value):
        raise PydanticCustomError(
            "profession_invalide", "code de profession : minuscules, chiffres et _ (2 à 40 caractères)"
        )
    return value


Profession = Annotated[str, AfterValidator(profession)]


class Niveau(StrEnum):
    """What a profile may do with one data category."""

    aucun = "aucun"
    lecture = "lecture"
    ecriture = "ecriture"  # implies lecture


class Portee(StrEnum):
    """Where a profile applies: the ESMS the account is assigned to, the whole OG, or the dossiers a person's
    account is linked to."""

    esms = "esms"
    og = "og"
    personne = "personne"


class QualitePersonne(StrEnum):
    usager = "usager"
    personne_de_confiance = "personne_de_confiance"
    representant_legal = "representant_legal"


class ProfilHabilitation(BaseModel):
    """One line of the matrix: what a profession may read or write, by data category, and its flags."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profession: Profession
    libelle: str = Field(min_length=1, max_length=120)
    portee: Portee = Portee.esms
    categories: dict[CategorieDonnees, Niveau] = Field(
        default_factory=dict, description="niveau par catégorie de données ; absente = aucun"
    )
    acces_urgence: bool = Field(False, description="peut ouvrir un dossier hors de ses ESMS en urgence")
    administration: bool = Field(False, description="gère la matrice, les affectations et les grilles")
    revue_acces: bool = Field(False, description="revoit les accès en urgence")
    journal_acces: bool = Field(False, description="consulte le journal des accès aux dossiers")

    def niveau(self, categorie: CategorieDonnees | str) -> Niveau:
        return self.categories.get(CategorieDonnees(categorie), Niveau.aucun)

    def peut_lire(self, categorie: CategorieDonnees | str) -> bool:
        return self.niveau(categorie) is not Niveau.aucun

    def peut_ecrire(self, categorie: CategorieDonnees | str) -> bool:
        return self.niveau(categorie) is Niveau.ecriture


class HabilitationEvent(EventData):
    service: ClassVar[str] = "habilitation"


@registry.register
class MatriceInitialisee(HabilitationEvent):
    """The matrix the OG starts from (the shipped default), written once by the service on its first start;
    `esms` is the OG's subject token (its FINESS juridique, or `og`)."""

    esms: str
    profils: list[ProfilHabilitation]


@registry.register
class ProfilDefini(HabilitationEvent):
    """A profession's line created or replaced by the OG administrator."""

    profil: ProfilHabilitation


@registry.register
class ProfilRetire(HabilitationEvent):
    profession: Profession


@registry.register
class CompteOuvert(HabilitationEvent):
    """The first thing recorded about a login identifiant (its assignments, an emergency access it opened, a
    person's access to a dossier) opens its account, at the OG level (`esms`: the OG's subject token)."""

    identifiant: str = Field(min_length=1, max_length=64)
    esms: str


@registry.register
class AffectationsDefinies(HabilitationEvent):
    """The whole set of ESMS an account is assigned to (replaces the previous one); `profession` overrides the
    profession read from the token (a PSC médecin working here as médecin coordonnateur)."""

    identifiant: str = Field(min_length=1, max_length=64)
    profession: Profession | None = None
    esms: list[str] = Field(default_factory=list, max_length=200)
    nom: str | None = Field(None, max_length=200)
    actif: bool = True


@registry.register
class AccesUrgenceOuvert(HabilitationEvent):
    """Break-the-glass: a professional outside the dossier's ESMS opens it for a limited time, with a reason."""

    acces_id: UUID
    identifiant: str = Field(min_length=1, max_length=64)
    profession: str
    dossier_id: UUID
    esms: str
    justification: str = Field(min_length=20, max_length=2000)
    debut: datetime
    fin: datetime


@registry.register
class AccesUrgenceRevu(HabilitationEvent):
    acces_id: UUID
    revu_par: str
    conforme: bool
    commentaire: str | None = Field(None, max_length=2000)
    revu_le: datetime


@registry.register
class AccesUrgenceClos(HabilitationEvent):
    """Closed before its end by the professional who opened it."""

    acces_id: UUID
    clos_le: datetime


@registry.register
class AccesPersonneOuvert(HabilitationEvent):
    """A person's account may read one dossier's filtered view, in a quality (usager, personne de confiance…)."""

    identifiant: str = Field(min_length=1, max_length=64)
    dossier_id: UUID
    esms: str
    qualite: QualitePersonne


@registry.register
class AccesPersonneRetire(HabilitationEvent):
    identifiant: str = Field(min_length=1, max_length=64)
    dossier_id: UUID


class AuditEvent(EventData):
    service: ClassVar[str] = "audit"


class ModeAcces(StrEnum):
    lecture = "lecture"
    ecriture = "ecriture"


@registry.register
class AccesTrace(AuditEvent):
    """One request that read or wrote data of one or more dossiers (or candidatures), allowed or refused.

    Written by the gateway on the audit stream before the answer leaves it: a read that could not be traced is
    not answered. Ids are the request's, so a retried publish is stored once."""

    requete_id: str = Field(max_length=128)
    trace_id: str | None = Field(None, max_length=64)
    identifiant: str
    profession: str | None
    profil: str = Field(description="professionnel, usager, personne_de_confiance, representant_legal")
    methode: str
    route: str = Field(description="le modèle de chemin de l'opération, ex. /dossiers/{dossier_id}/synthese")
    chemin: str = Field(max_length=2000)
    categories: list[str]
    mode: ModeAcces
    statut: int
    dossiers: list[UUID] = Field(default_factory=list)
    candidatures: list[UUID] = Field(default_factory=list)
    acces_urgence: UUID | None = None
    instant: datetime
