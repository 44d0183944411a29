"""Commands and views of the habilitations service: the gateway's request and response bodies (OpenAPI schemas),
and `Droits`, what the gateway asks the service for on each request."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field

from dui_shared.contracts.admission_api import Command
from dui_shared.contracts.habilitations import (
    CategorieDonnees,
    ModeAcces,
    Niveau,
    Portee,
    Profession,
    ProfilHabilitation,
    QualitePersonne,
)

# -- commands -------------------------------------------------------------------------------------------


class ProfilAEnregistrer(Command):
    """A profession's line of the matrix, created or replaced whole (the profession is in the path)."""

    libelle: str = Field(min_length=1, max_length=120)
    portee: Portee = Portee.esms
    categories: dict[CategorieDonnees, Niveau] = Field(default_factory=dict)
    acces_urgence: bool = False
    administration: bool = False
    revue_acces: bool = False
    journal_acces: bool = False


class AffectationsADefinir(Command):
    """The whole set of ESMS (FINESS) an account works in; `profession` overrides the token's."""

    profession: Profession | None = None
    esms: list[str] = Field(default_factory=list, max_length=200)
    nom: str | None = Field(None, max_length=200)
    actif: bool = True


class AccesUrgenceAOuvrir(Command):
    dossier_id: UUID
    justification: str = Field(
        min_length=20, max_length=2000, description="motif de l'urgence, relu lors de la revue des accès"
    )


class RevueAcces(Command):
    conforme: bool
    commentaire: str | None = Field(None, max_length=2000)


class AccesPersonneAOuvrir(Command):
    identifiant: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$", description="identifiant de connexion"
    )
    qualite: QualitePersonne


class FiltreComptes(Command):
    esms: str | None = Field(None, description="comptes affectés à cet ESMS (FINESS)")
    profession: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class FiltreUrgences(Command):
    a_revoir: bool | None = Field(
        None,
        description="true : les accès terminés (échus ou clos) pas encore revus ; false : les autres",
    )
    esms: str | None = Field(None, description="accès à des dossiers de cet ESMS (FINESS)")
    identifiant: str | None = Field(None, max_length=64)
    dossier_id: UUID | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _jour_ou_instant(value: Any) -> Any:
    """`AAAA-MM-JJ` is a calendar day (Paris); anything longer an instant."""
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    return value


JourOuInstant = Annotated[datetime | date, BeforeValidator(_jour_ou_instant)]


class FiltreJournal(Command):
    du: JourOuInstant | None = Field(
        None,
        description="depuis ce jour (heure de Paris, inclus) ou cet instant (sans fuseau : heure de Paris)",
    )
    au: JourOuInstant | None = Field(None, description="jusqu'à ce jour (inclus) ou cet instant (exclu)")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class DroitsDemandes(BaseModel):
    """The caller as the gateway authenticated them (internal operation `droits.calculer`)."""

    identifiant: str = Field(min_length=1, max_length=64)
    profession: str | None = Field(None, max_length=64, description="profession lue dans le jeton")
    profil: str = Field("professionnel", max_length=40)


# -- views ----------------------------------------------------------------------------------------------


class MatriceVue(BaseModel):
    profils: list[ProfilHabilitation]
    position: int


class UrgenceActive(BaseModel):
    acces_id: UUID
    dossier_id: UUID
    esms: str
    fin: datetime


class AccesPersonne(BaseModel):
    identifiant: str
    dossier_id: UUID
    esms: str
    qualite: QualitePersonne


class Droits(BaseModel):
    """What one caller may do now. `profil_habilitation` is None when their profession is not in the matrix (or
    their account is inactive): then they may do nothing but read their own rights."""

    identifiant: str
    profession: str | None
    profil: str
    profil_habilitation: ProfilHabilitation | None
    esms: list[str] = Field(description="ESMS d'affectation (vide pour une portée OG ou personne)")
    urgences: list[UrgenceActive] = Field(default_factory=list)
    personnes: list[AccesPersonne] = Field(default_factory=list)
    position: int


class CompteVue(BaseModel):
    identifiant: str
    profession: str | None
    esms: list[str]
    nom: str | None
    actif: bool


class PageComptes(BaseModel):
    items: list[CompteVue]
    total: int
    limit: int
    offset: int


class StatutUrgence(StrEnum):
    actif = "actif"
    expire = "expire"
    clos = "clos"


class RevueVue(BaseModel):
    revu_par: str
    conforme: bool
    commentaire: str | None
    revu_le: datetime


class AccesUrgenceVue(BaseModel):
    id: UUID
    identifiant: str
    profession: str
    dossier_id: UUID
    esms: str
    justification: str
    debut: datetime
    fin: datetime
    statut: StatutUrgence
    revue: RevueVue | None = None


class PageUrgences(BaseModel):
    items: list[AccesUrgenceVue]
    total: int
    limit: int
    offset: int


class AccesUrgenceAccorde(BaseModel):
    id: UUID
    dossier_id: UUID
    fin: datetime
    position: int


class EntreeJournal(BaseModel):
    """One access to a dossier, as the person, their personne de confiance or the DPO see it."""

    instant: datetime
    identifiant: str
    profession: str | None
    profil: str
    categories: list[str]
    mode: ModeAcces
    methode: str
    route: str
    statut: int
    acces_urgence: UUID | None = None


class PageJournal(BaseModel):
    items: list[EntreeJournal]
    total: int
    limit: int
    offset: int
