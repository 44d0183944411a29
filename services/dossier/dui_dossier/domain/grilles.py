"""Answers to an OG-defined evaluation grid: checked against its definition, normalised, then scored.

Pure functions, no I/O: the definition is data (`DefinitionGrille`), so a new grid needs no code change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dui_shared.contracts.grille import (
    LONGUEUR_TEXTE_DEFAUT,
    DefinitionGrille,
    ItemGrille,
    RegleScore,
    ResultatGrille,
    TypeReponse,
    nombre_fr,
)
from dui_shared.errors import FieldError, InvalidInput

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PRECISION = 6
"""Decimals a score is rounded to: 14 × 0.2 must read 2.8 and fall in a band ending at 2.8."""


class _HorsDomaine(Exception):
    """An answer outside its item's domain; the message says what the domain is."""


def valider_reponses(definition: DefinitionGrille, reponses: Mapping[str, Any]) -> dict[str, Any]:
    """The answers normalised to JSON-friendly values, in the grid's item order; unanswered optional items
    are left out.

    Raises InvalidInput with one error per broken item (`reponses.<code>`): `item_inconnu`,
    `reponse_obligatoire` or `hors_domaine`. Normalising is idempotent: normalised answers validate as they are.
    """
    errors: list[FieldError] = []
    normalised: dict[str, Any] = {}
    for item in definition.items:
        value = reponses.get(item.code)
        field = f"reponses.{item.code}"
        if _vide(value):
            if item.obligatoire:
                errors.append(
                    FieldError(field, "reponse_obligatoire", f"réponse obligatoire ({_domaine(item)})")
                )
            continue
        try:
            normalised[item.code] = _normaliser(item, value)
        except _HorsDomaine as exc:
            errors.append(FieldError(field, "hors_domaine", str(exc)))
    for code in reponses:
        if definition.item(code) is None:
            errors.append(
                FieldError(
                    f"reponses.{code}",
                    "item_inconnu",
                    f"la grille « {definition.code} » n'a pas d'item « {code} »",
                )
            )
    if errors:
        raise InvalidInput(errors)
    return normalised


def calculer(definition: DefinitionGrille, reponses: Mapping[str, Any]) -> ResultatGrille:
    """The score of the answers under the grid's rule, and the band it falls in.

    The answers are checked first (raising InvalidInput as `valider_reponses` does), so a score is never
    computed from answers the grid would refuse. The score is None for a questionnaire (`aucune`) and when no
    scored item was answered: an empty evaluation reads as "not evaluated", never as "no risk".
    """
    answers = valider_reponses(definition, reponses)
    score = _score(definition, answers)
    band = (
        None
        if score is None
        else next((b for b in definition.interpretations if b.min <= score <= b.max), None)
    )
    return ResultatGrille(
        score=score,
        interpretation=band.libelle if band else None,
        alerte=band.alerte if band else False,
        items_repondus=len(answers),
        items_total=len(definition.items),
    )


# -- validation ------------------------------------------------------------------------------------------


def _vide(value: Any) -> bool:
    # an empty selection or blank text is no answer: a required item needs a real one ("aucune" is an option)
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value


def _parmi(item: ItemGrille) -> str:
    return ", ".join(option.valeur for option in item.options)


def _domaine(item: ItemGrille) -> str:
    """What an acceptable answer to the item is, in the user's words."""
    match item.type:
        case TypeReponse.choix:
            return f"valeur attendue parmi : {_parmi(item)}"
        case TypeReponse.choix_multiple:
            return f"liste de valeurs attendue parmi : {_parmi(item)}"
        case TypeReponse.nombre:
            kind = "nombre entier" if item.decimales == 0 else "nombre"
            if item.min is not None and item.max is not None:
                text = f"{kind} attendu entre {nombre_fr(item.min)} et {nombre_fr(item.max)}"
            elif item.min is not None:
                text = f"{kind} attendu supérieur ou égal à {nombre_fr(item.min)}"
            elif item.max is not None:
                text = f"{kind} attendu inférieur ou égal à {nombre_fr(item.max)}"
            else:
                text = f"{kind} attendu"
            if item.decimales:
                text += f", avec au plus {item.decimales} décimale{'s' if item.decimales > 1 else ''}"
            return text
        case TypeReponse.booleen:
            return "oui ou non attendu (true ou false)"
        case TypeReponse.texte:
            return f"texte attendu, de {item.longueur_max or LONGUEUR_TEXTE_DEFAUT} caractères au plus"
        case TypeReponse.date:
            return "date attendue au format AAAA-MM-JJ, entre 1900 et 2100"
    raise AssertionError(item.type)  # pragma: no cover - every type is handled above


def _normaliser(item: ItemGrille, value: Any) -> Any:
    match item.type:
        case TypeReponse.choix:
            if not isinstance(value, str) or value not in {o.valeur for o in item.options}:
                raise _HorsDomaine(_domaine(item))
            return value
        case TypeReponse.choix_multiple:
            # a lone string is iterable too: "canne" is not the list ["c", "a", ...]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise _HorsDomaine(_domaine(item))
            unknown = [v for v in value if v not in {o.valeur for o in item.options}]
            if unknown:
                raise _HorsDomaine(f"valeur inconnue : {', '.join(unknown)} ; {_domaine(item)}")
            return sorted(set(value))  # a selection is a set: choosing twice does not count twice
        case TypeReponse.nombre:
            return _nombre(item, value)
        case TypeReponse.booleen:
            if not isinstance(value, bool):  # 0 and 1 are numbers, not answers to a yes/no question
                raise _HorsDomaine(_domaine(item))
            return value
        case TypeReponse.texte:
            limit = item.longueur_max or LONGUEUR_TEXTE_DEFAUT
            if not isinstance(value, str):
                raise _HorsDomaine(_domaine(item))
            text = value.strip()
            if len(text) > limit:
                raise _HorsDomaine(f"{_domaine(item)} ({len(text)} reçus)")
            if "\x00" in text:  # PostgreSQL refuses it, as in every contract
                raise _HorsDomaine("le texte ne peut pas contenir de caractère NUL")
            return text
        case TypeReponse.date:
            return _date(item, value)
    raise AssertionError(item.type)  # pragma: no cover - every type is handled above


def _nombre(item: ItemGrille, value: Any) -> int | float:
    # bool is a subclass of int: True must not read as 1
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _HorsDomaine(_domaine(item))
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float is outside any sensible domain
        raise _HorsDomaine(_domaine(item)) from None
    if not math.isfinite(number):
        raise _HorsDomaine(_domaine(item))
    if (item.min is not None and number < item.min) or (item.max is not None and number > item.max):
        raise _HorsDomaine(_domaine(item))
    if item.decimales is not None:
        scaled = number * 10**item.decimales
        if not math.isclose(scaled, round(scaled), rel_tol=0, abs_tol=1e-9 * max(1.0, abs(scaled))):
            raise _HorsDomaine(_domaine(item))
    # one spelling per value: 3.0 is stored as 3, so answers compare and display the same
    return int(number) if number.is_integer() else number


def _date(item: ItemGrille, value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _HorsDomaine(_domaine(item)) from None
    else:
        raise _HorsDomaine(_domaine(item))
    if not 1900 <= day.year <= 2100:
        raise _HorsDomaine(_domaine(item))
    return day.isoformat()


# -- scoring ---------------------------------------------------------------------------------------------


def _points(item: ItemGrille, answer: Any) -> float:
    """The item's raw points for its normalised answer, before its coefficient."""
    match item.type:
        case TypeReponse.choix:
            return next(o.points for o in item.options if o.valeur == answer)
        case TypeReponse.choix_multiple:
            return math.fsum(o.points for o in item.options if o.valeur in answer)
        case TypeReponse.nombre:
            return float(answer)
        case TypeReponse.booleen:
            return item.points_si_oui if answer else 0.0
    return 0.0  # texte and date are recorded, never scored


def _score(definition: DefinitionGrille, answers: Mapping[str, Any]) -> float | None:
    if definition.regle == RegleScore.aucune:
        return None
    scored = [(item, answers[item.code]) for item in definition.items if item.note and item.code in answers]
    if not scored:
        return None
    total = math.fsum(_points(item, answer) * item.coefficient for item, answer in scored)
    if definition.regle == RegleScore.moyenne:
        # coefficients weigh the mean; with the default weight of 1 it is the plain mean
        total /= math.fsum(item.coefficient for item, _ in scored)
    return round(total, _PRECISION) + 0.0  # + 0.0 turns -0.0 into 0.0
