"""AGGIR grid answers and GIR result: value objects embedded in dossier events (not events themselves).

The grid is the national AGGIR grid of the Code de l'action sociale et des familles, annexe 2-1 (variables and
sub-variables) and annexe 2-2 (algorithm). The computation lives in `dui_dossier.domain.aggir`; see
docs/aggir.md for the sources and the Syndicat national de gérontologie clinique's licensing restriction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias

from pydantic import ConfigDict, Field

from dui_shared.contracts import Contract


class Modalite(StrEnum):
    """A: does it alone; B: does it partly; C: does not do it (annexe 2-1)."""

    A = "A"
    B = "B"
    C = "C"


class Adverbes(Contract):
    """The four questions of the 2008 guide: True when the person does it that way alone, without human help.

    Kept as answered (rather than only the letter) so that a reviewer sees *why* an activity was coded B.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    spontanement: bool
    totalement: bool
    correctement: bool
    habituellement: bool


Reponse: TypeAlias = Modalite | Adverbes
"""An activity is entered either as its letter or as its four adverbs."""


class Coherence(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")

    communication: Reponse
    comportement: Reponse


class Orientation(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")

    temps: Reponse
    espace: Reponse


class Toilette(Contract):
    """Haut: face, trunk, arms, hands, shaving, hair; bas: intimate parts, legs, feet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    haut: Reponse
    bas: Reponse


class Habillage(Contract):
    """Haut: clothes put on by the arms or head; moyen: fastenings; bas: clothes put on by the legs, shoes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    haut: Reponse
    moyen: Reponse
    bas: Reponse


class Alimentation(Contract):
    """Se servir: cut the meat, open a yoghurt, peel a fruit, fill a glass; manger: bring to the mouth, swallow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    se_servir: Reponse
    manger: Reponse


class Elimination(Contract):
    """The hygiene of elimination, not continence (incontinence is a medical diagnosis)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urinaire: Reponse
    fecale: Reponse


class ReponsesAggir(Contract):
    """One AGGIR evaluation: the 10 discriminant variables (required) and the 7 illustrative ones (optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coherence: Coherence
    orientation: Orientation
    toilette: Toilette
    habillage: Habillage
    alimentation: Alimentation
    elimination: Elimination
    transferts: Reponse
    deplacements_interieur: Reponse
    deplacements_exterieur: Reponse
    alerter: Reponse  # "communication à distance" in annexe 2-2's tables

    # Illustrative variables: they describe the help needed at home but never enter the GIR.
    gestion: Reponse | None = None
    cuisine: Reponse | None = None
    menage: Reponse | None = None
    transports: Reponse | None = None
    achats: Reponse | None = None
    suivi_traitement: Reponse | None = None
    activites_temps_libre: Reponse | None = None


class ResultatAggir(Contract):
    """The GIR and how it was reached, so that the classification can be explained and audited later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gir: int = Field(ge=1, le=6)
    rang: int = Field(ge=1, le=13)
    groupe: str = Field(pattern=r"^[A-H]$")  # the annexe 2-2 group whose sum gave the rank
    modalites: dict[str, Modalite]  # each discriminant variable after combining its sub-variables
    code_cisis: str = Field(pattern=r"^MED-3(39|4[0-4])$")  # JDV_GIR_CISIS: GIR 1..6 = MED-339..MED-344


def reponses_uniformes(letter: str = "A", **variables: Any) -> dict[str, Any]:
    """AGGIR answers (JSON) with every discriminant (sub-)variable coded `letter`, then `variables` replaced:
    the shortest way to describe a person in demo data and tests."""
    body: dict[str, Any] = {
        "coherence": {"communication": letter, "comportement": letter},
        "orientation": {"temps": letter, "espace": letter},
        "toilette": {"haut": letter, "bas": letter},
        "habillage": {"haut": letter, "moyen": letter, "bas": letter},
        "alimentation": {"se_servir": letter, "manger": letter},
        "elimination": {"urinaire": letter, "fecale": letter},
        "transferts": letter,
        "deplacements_interieur": letter,
        "deplacements_exterieur": letter,
        "alerter": letter,
    }
    body.update(variables)
    return body
