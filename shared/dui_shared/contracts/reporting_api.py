"""Requests and views of the reporting service: the gateway's query parameters and response bodies (OpenAPI).

Periods are Paris calendar days `du`…`au`, both included. `au_sens` is the state of the log the figures are
computed at: only events recorded at or before it count (a day alone means the end of that day, Paris time;
default: now). Views show instants in Paris time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from dui_shared.contracts.admission_api import Command
from dui_shared.contracts.reporting import CodeIndicateur, Fait, Famille, Nature, SourceFait, TypeFait
from dui_shared.timezone import PARIS, to_utc

_JOUR = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOIS = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
Esms = Field(min_length=1, max_length=20, description="FINESS de l'ESMS")
AuSens = Field(
    None,
    description="état du journal pris en compte : seuls les événements enregistrés jusqu'à cet instant "
    "comptent (un jour seul : la fin de ce jour, heure de Paris ; par défaut : maintenant)",
)


def _au_sens(value: Any) -> Any:
    """A day alone is the end of that day in Paris; an instant without a zone is Paris time."""
    if isinstance(value, str) and _JOUR.fullmatch(value.strip()):
        day = dt.date.fromisoformat(value.strip())
        return dt.datetime.combine(day, dt.time(23, 59, 59, 999999), tzinfo=PARIS)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(23, 59, 59, 999999), tzinfo=PARIS)
    return value


class _AuSens(Command):
    """`au_sens`: figures as the log stood at that instant (a day alone: its end, Paris time)."""

    au_sens: dt.datetime | None = AuSens

    @field_validator("au_sens", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> Any:
        return _au_sens(value)

    @field_validator("au_sens", mode="after")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return to_utc(value) if value is not None else None


class FiltrePeriode(_AuSens):
    esms: str = Esms
    du: dt.date | None = Field(None, description="premier jour de la période ; par défaut : le 1er du mois")
    au: dt.date | None = Field(
        None, description="dernier jour (inclus) ; par défaut : la fin du mois de `du`"
    )
    au_sens: dt.datetime | None = AuSens


class FiltreIndicateurs(FiltrePeriode):
    pass


class FiltreDetail(FiltrePeriode):
    limit: int = Field(500, ge=1, le=2000, description="membres listés au plus, pour chaque liste")
    offset: int = Field(0, ge=0, le=1_000_000)


class FiltreMensuels(_AuSens):
    esms: str = Esms
    de: str | None = Field(
        None, pattern=MOIS, description="premier mois AAAA-MM ; par défaut : 11 mois avant `a`"
    )
    a: str | None = Field(
        None, pattern=MOIS, description="dernier mois AAAA-MM (inclus) ; par défaut : ce mois"
    )
    au_sens: dt.datetime | None = AuSens


class FiltreFaits(_AuSens):
    esms: list[str] = Field(default_factory=list, max_length=50)
    type: list[TypeFait] = Field(default_factory=list, max_length=20)
    du: dt.date | None = None
    au: dt.date | None = None
    au_sens: dt.datetime | None = AuSens
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


# -- views ----------------------------------------------------------------------------------------------


class ParametresVue(BaseModel):
    """The definitions the figures were computed with (docs/indicateurs.md; set by environment variables)."""

    ecriture_requise: bool = Field(
        description="DUI_INDICATEURS_ECRITURE_REQUISE : un dossier actif a reçu au moins une écriture dans la période"
    )
    evenements: list[str] = Field(
        description="DUI_INDICATEURS_EVENEMENTS : les événements d'agenda qui comptent (planifie, realise)"
    )
    projet_revision_depassee: bool = Field(
        description="DUI_INDICATEURS_PROJET_REVISION_DEPASSEE : une version reste en vigueur après sa date "
        "de révision, jusqu'à la suivante"
    )


class IndicateurVue(BaseModel):
    code: CodeIndicateur
    libelle: str
    famille: Famille
    nature: Nature
    numerateur: int = Field(description="le nombre compté (pour un taux : son numérateur)")
    denominateur: int | None = Field(None, description="pour un taux : son dénominateur")
    valeur: float | None = Field(
        description="un taux entre 0 et 1 (4 décimales ; null si le dénominateur est nul), ou le nombre"
    )


class IndicateursVue(BaseModel):
    esms: str
    du: dt.date
    au: dt.date
    au_sens: dt.datetime
    parametres: ParametresVue
    indicateurs: list[IndicateurVue]


class MoisVue(BaseModel):
    mois: str = Field(description="AAAA-MM")
    du: dt.date
    au: dt.date
    indicateurs: list[IndicateurVue]


class SerieMensuelleVue(BaseModel):
    esms: str
    de: str
    a: str
    au_sens: dt.datetime
    parametres: ParametresVue
    mois: list[MoisVue]


class MembreVue(BaseModel):
    """One person (rates) or one fact (counts) that makes a figure, with the events it comes from."""

    personne: UUID | None = Field(description="identifiant pseudonyme de la personne dans l'ESMS")
    date: dt.date = Field(
        description="le jour qui l'a fait compter (écriture, validation, occurrence, fait…)"
    )
    fait: UUID | None = Field(None, description="le fait compté (indicateurs de nombre)")
    sources: list[SourceFait]


class DetailIndicateurVue(BaseModel):
    code: CodeIndicateur
    libelle: str
    famille: Famille
    nature: Nature
    esms: str
    du: dt.date
    au: dt.date
    au_sens: dt.datetime
    parametres: ParametresVue
    numerateur: int
    denominateur: int | None
    valeur: float | None
    membres_numerateur: list[MembreVue] = Field(description="page `offset`…`offset + limit` du numérateur")
    membres_denominateur: list[MembreVue] | None = Field(
        description="même page du dénominateur (taux seulement)"
    )
    limit: int
    offset: int


class PageFaits(BaseModel):
    total: int
    limit: int
    offset: int
    faits: list[Fait]
