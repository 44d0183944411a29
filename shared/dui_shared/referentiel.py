"""The OG's referential: its ESMS (FINESS, name, category, types d'accueil), read from `DUI_OG_FILE`."""

from __future__ import annotations

import json
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

    @field_validator("finess")
    @classmethod
    def _finess(cls, value: str) -> str:
        problem = finess_problem(value)
        if problem:
            raise ValueError(problem[1])
        return value


class Og(BaseModel):
    nom: str
    finess_juridique: str | None = None


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
