"""The OG's referential: its ESMS (FINESS, name, category, types d'accueil), read from `DUI_OG_FILE`."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from dui_shared.contracts.admission import TypeAccueil
from dui_shared.finess import finess_problem

DEMO_OG_FILE = Path(__file__).resolve().parents[2] / "config" / "og-demo.json"


class Esms(BaseModel):
    finess: str
    nom: str
    categorie: str
    commune: str | None = None
    types_accueil: list[TypeAccueil] = Field(min_length=1)
    unites: list[str] = Field(default_factory=list, description="unités de vie / services (transmissions)")

    @field_validator("finess")
    @classmethod
    def _finess(cls, value: str) -> str:
        problem = finess_problem(value)
        if problem:
            raise ValueError(problem[1])
        return value


class Poste(BaseModel):
    """A shift of the care teams: transmissions are read per shift (the night one ends the next morning)."""

    code: str
    libelle: str
    debut: time
    fin: time


POSTES = [
    Poste(code="matin", libelle="Matin", debut=time(7), fin=time(14)),
    Poste(code="apres_midi", libelle="Après-midi", debut=time(14), fin=time(21)),
    Poste(code="nuit", libelle="Nuit", debut=time(21), fin=time(7)),
]


class Og(BaseModel):
    nom: str
    finess_juridique: str | None = None
    postes: list[Poste] = Field(default_factory=lambda: list(POSTES))


class Referentiel(BaseModel):
    og: Og
    esms: list[Esms] = Field(min_length=1)

    def get(self, finess: str) -> Esms | None:
        return next((e for e in self.esms if e.finess == finess), None)

    @classmethod
    def load(cls, path: Path | None) -> Referentiel:
        """`path`, or the demo OG of the repository when no file is configured."""
        path = path or DEMO_OG_FILE
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
