"""Evaluation grids an organisme gestionnaire defines itself: the definition is data, carried inside events.

Value objects only (not registered events): the dossier service embeds them in its own event contracts. Rules a
definition breaks are reported as pydantic errors whose `loc` names the field (`items.2.options`) and whose
`type` is the rule (`options_requises`), so they reach the user as RFC 9457 field errors like any other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from dui_shared.contracts import Contract

CODE_RESERVE = "aggir"
"""The national AGGIR grid is built in (its algorithm is regulated): no OG grid may take its code."""

LONGUEUR_TEXTE_DEFAUT = 4000
"""Length limit of a `texte` answer when the item sets none, as for other free-text fields of the platform."""

Fini = Annotated[float, Field(allow_inf_nan=False)]
"""A finite number: NaN or infinity would make every score comparison silently false."""


class TypeReponse(StrEnum):
    choix = "choix"  # one option among `options`
    choix_multiple = "choix_multiple"  # zero or more options among `options`
    nombre = "nombre"  # a number within `min`..`max`, with at most `decimales` decimals
    booleen = "booleen"
    texte = "texte"  # free text, at most `longueur_max` characters
    date = "date"  # calendar date, ISO 8601 (AAAA-MM-JJ)


TYPES_NOTES = frozenset(
    {TypeReponse.choix, TypeReponse.choix_multiple, TypeReponse.nombre, TypeReponse.booleen}
)
"""Answer types that carry points; `texte` and `date` are recorded but never scored."""


class RegleScore(StrEnum):
    aucune = "aucune"  # a questionnaire: answers are recorded, nothing is scored
    somme = "somme"  # Σ points × coefficient of the answered items
    moyenne = "moyenne"  # Σ points × coefficient / Σ coefficient of the answered scored items


def nombre_fr(value: float) -> str:
    """A number as a French user reads it: `2`, not `2.0`; `2,5`, not `2.5`."""
    return str(int(value)) if float(value).is_integer() else repr(float(value)).replace(".", ",")


def _fail(title: str, errors: list[tuple[tuple[str | int, ...], str, str, dict[str, Any]]]) -> None:
    """Raise every broken rule at once, each at its own location (pydantic prefixes the parents' path)."""
    if errors:
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(type=PydanticCustomError(rule, message, ctx), loc=loc, input=None)
                for loc, rule, message, ctx in errors
            ],
        )


def _stored(info: ValidationInfo) -> bool:
    # what the log already holds is read as it is, whatever the rules became (as `Contract` does)
    return bool(info.context and info.context.get("stored"))


class OptionReponse(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")

    valeur: str = Field(min_length=1, max_length=50, pattern=r"^\S(.*\S)?$", description="Code de l'option")
    libelle: str = Field(min_length=1, max_length=300)
    points: Fini = 0


class ItemGrille(Contract):
    """One question of a grid; which of the optional settings apply depends on its `type`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    libelle: str = Field(min_length=1, max_length=500)
    type: TypeReponse
    options: tuple[OptionReponse, ...] = Field((), max_length=100, description="choix et choix_multiple")
    min: Fini | None = Field(None, description="nombre : borne basse incluse")
    max: Fini | None = Field(None, description="nombre : borne haute incluse")
    decimales: int | None = Field(None, ge=0, le=6, description="nombre : 0 pour un entier")
    longueur_max: int | None = Field(None, ge=1, le=20_000, description="texte")
    obligatoire: bool = True
    points_si_oui: Fini = Field(0, description="booleen : points d'une réponse « oui »")
    coefficient: Fini = Field(1, ge=0, description="Poids de l'item dans le score ; 0 : item non noté")
    aide: str | None = Field(None, max_length=2000)

    @property
    def note(self) -> bool:
        """Whether the item counts in the score (a scored type and a non-zero weight)."""
        return self.type in TYPES_NOTES and self.coefficient > 0

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Self:
        if _stored(info):
            return self
        errors: list[tuple[tuple[str | int, ...], str, str, dict[str, Any]]] = []
        choice = self.type in (TypeReponse.choix, TypeReponse.choix_multiple)
        if choice and not self.options:
            errors.append(
                (("options",), "options_requises", "un item à choix doit proposer au moins une option", {})
            )
        if not choice and self.options:
            errors.append(
                (
                    ("options",),
                    "options_interdites",
                    "seuls les items « choix » et « choix_multiple » ont des options",
                    {},
                )
            )
        seen: set[str] = set()
        for index, option in enumerate(self.options):
            if option.valeur in seen:
                errors.append(
                    (
                        ("options", index, "valeur"),
                        "option_dupliquee",
                        "l'option « {valeur} » est déjà proposée par cet item",
                        {"valeur": option.valeur},
                    )
                )
            seen.add(option.valeur)
        # a setting of another type is a definition mistake, not something to ignore silently
        applicable = {
            "min": TypeReponse.nombre,
            "max": TypeReponse.nombre,
            "decimales": TypeReponse.nombre,
            "longueur_max": TypeReponse.texte,
        }
        for name, owner in applicable.items():
            if getattr(self, name) is not None and self.type != owner:
                errors.append(
                    (
                        (name,),
                        "parametre_inapplicable",
                        "« {parametre} » ne s'applique qu'aux items de type « {type} »",
                        {"parametre": name, "type": owner.value},
                    )
                )
        if self.points_si_oui != 0 and self.type != TypeReponse.booleen:
            errors.append(
                (
                    ("points_si_oui",),
                    "parametre_inapplicable",
                    "« points_si_oui » ne s'applique qu'aux items de type « booleen »",
                    {},
                )
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            errors.append(
                (
                    ("min",),
                    "bornes_incoherentes",
                    "le minimum ({min}) doit être inférieur ou égal au maximum ({max})",
                    {"min": nombre_fr(self.min), "max": nombre_fr(self.max)},
                )
            )
        _fail("ItemGrille", errors)
        return self


class Interpretation(Contract):
    """A band of scores, bounds included, and what it means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: Fini
    max: Fini
    libelle: str = Field(min_length=1, max_length=200, description="Ex. : « risque élevé »")
    alerte: bool = Field(False, description="Signalée dans la fiche de synthèse de la personne")

    @model_validator(mode="after")
    def _ordered(self, info: ValidationInfo) -> Self:
        if not _stored(info) and self.min > self.max:
            _fail(
                "Interpretation",
                [
                    (
                        ("min",),
                        "bornes_incoherentes",
                        "le minimum ({min}) doit être inférieur ou égal au maximum ({max})",
                        {"min": nombre_fr(self.min), "max": nombre_fr(self.max)},
                    )
                ],
            )
        return self


class DefinitionGrille(Contract):
    """A grid as the OG defines it: its items, how they are scored and how a score reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    libelle: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    # at least one item, checked by `_not_empty`: `min_length` would also report "0 items" when every item is wrong
    items: tuple[ItemGrille, ...] = Field(max_length=200, json_schema_extra={"minItems": 1})
    regle: RegleScore = RegleScore.somme
    interpretations: tuple[Interpretation, ...] = Field((), max_length=50)

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, value: str, info: ValidationInfo) -> str:
        if value == CODE_RESERVE and not _stored(info):
            raise PydanticCustomError(
                "code_reserve", "le code « aggir » est réservé à la grille nationale AGGIR"
            )
        return value

    @field_validator("items")
    @classmethod
    def _not_empty(cls, value: tuple[ItemGrille, ...]) -> tuple[ItemGrille, ...]:
        if not value:
            raise PydanticCustomError("grille_vide", "la grille doit comporter au moins un item")
        return value

    def item(self, code: str) -> ItemGrille | None:
        return next((item for item in self.items if item.code == code), None)

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Self:
        if _stored(info):
            return self
        errors: list[tuple[tuple[str | int, ...], str, str, dict[str, Any]]] = []
        seen: set[str] = set()
        for index, item in enumerate(self.items):
            if item.code in seen:
                errors.append(
                    (
                        ("items", index, "code"),
                        "item_duplique",
                        "l'item « {code} » figure déjà dans la grille",
                        {"code": item.code},
                    )
                )
            seen.add(item.code)
        if self.regle != RegleScore.aucune and not any(item.note for item in self.items):
            errors.append(
                (
                    ("regle",),
                    "score_sans_item",
                    "la règle « {regle} » exige au moins un item noté (choix, choix_multiple, nombre ou "
                    "booleen, de coefficient non nul) ; pour un simple questionnaire, choisir « aucune »",
                    {"regle": self.regle.value},
                )
            )
        if self.regle == RegleScore.aucune and self.interpretations:
            errors.append(
                (
                    ("interpretations",),
                    "interpretations_sans_score",
                    "une grille sans score (règle « aucune ») ne peut pas avoir d'interprétations",
                    {},
                )
            )
        # bounds are inclusive on both sides: bands touching at one value overlap
        ordered = sorted(enumerate(self.interpretations), key=lambda pair: (pair[1].min, pair[1].max))
        widest: Interpretation | None = None  # of the bands seen so far, the one reaching highest
        for index, band in ordered:
            before = widest
            if widest is None or band.max > widest.max:
                widest = band
            if before is not None and band.min <= before.max:
                errors.append(
                    (
                        ("interpretations", index),
                        "interpretations_chevauchantes",
                        "la plage {min}–{max} « {libelle} » chevauche la plage {autre_min}–{autre_max} "
                        "« {autre} » (bornes incluses)",
                        {
                            "min": nombre_fr(band.min),
                            "max": nombre_fr(band.max),
                            "libelle": band.libelle,
                            "autre_min": nombre_fr(before.min),
                            "autre_max": nombre_fr(before.max),
                            "autre": before.libelle,
                        },
                    )
                )
        _fail("DefinitionGrille", errors)
        return self


class ResultatGrille(Contract):
    """What a set of answers scores and how it reads; `score` is None when the grid or the answers score nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score: float | None
    interpretation: str | None
    alerte: bool
    items_repondus: int
    items_total: int
