"""The definitions of the indicators that are a choice, not a fact: set by environment variables, read at start.

The official formulas of ESMS Numérique are not reachable from here: these are documented defaults
(docs/indicateurs.md), each one configurable. They apply when the figures are computed (the read model keeps
everything each choice needs), so changing one needs no rebuild, and the views say which were used."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from dui_shared.contracts.reporting_api import ParametresVue


class NatureEvenement(StrEnum):
    planifie = "planifie"  # an occurrence planned in the period (not cancelled)
    realise = "realise"  # an occurrence recorded as held (realisation `realise`)


class ParametresIndicateurs(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    ecriture_requise: bool = Field(True, alias="DUI_INDICATEURS_ECRITURE_REQUISE")
    """A dossier is active in a period only if it received at least one write then (else: every person
    accompanied during the period has an active dossier)."""
    evenements: Annotated[tuple[NatureEvenement, ...], NoDecode] = Field(
        (NatureEvenement.planifie, NatureEvenement.realise), alias="DUI_INDICATEURS_EVENEMENTS", min_length=1
    )
    """Which agenda occurrences count as "au moins un événement": planned ones, held ones, or both
    (comma-separated: `planifie,realise`)."""
    projet_revision_depassee: bool = Field(True, alias="DUI_INDICATEURS_PROJET_REVISION_DEPASSEE")
    """A validated projet version stays in force until the next one is validated, even past its review date
    (else it ends the day after its `date_prochaine_revision`)."""

    @field_validator("evenements", mode="before")
    @classmethod
    def _liste(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    def vue(self) -> ParametresVue:
        return ParametresVue(
            ecriture_requise=self.ecriture_requise,
            evenements=[e.value for e in self.evenements],
            projet_revision_depassee=self.projet_revision_depassee,
        )
