"""Grids an OG defines itself: a definition is checked, answers are checked against it, then scored and read."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from dui_dossier.domain.grilles import calculer, valider_reponses
from dui_shared.contracts.grille import (
    DefinitionGrille,
    Interpretation,
    ItemGrille,
    OptionReponse,
    RegleScore,
    ResultatGrille,
    TypeReponse,
)
from dui_shared.errors import InvalidInput, Problem
from dui_shared.rpc import validation_problem

# -- a realistic grid ------------------------------------------------------------------------------------

CHUTES = DefinitionGrille(
    code="risque-chute",
    libelle="Évaluation du risque de chute",
    description="Grille interne, à refaire à l'entrée puis tous les six mois ou après toute chute.",
    items=(
        ItemGrille(
            code="chute_annee",
            libelle="Chute au cours des douze derniers mois",
            type=TypeReponse.booleen,
            points_si_oui=2,
        ),
        ItemGrille(
            code="troubles_marche",
            libelle="Troubles de la marche ou de l'équilibre",
            type=TypeReponse.choix,
            options=(
                OptionReponse(valeur="aucun", libelle="Aucun", points=0),
                OptionReponse(valeur="legers", libelle="Légers", points=1),
                OptionReponse(valeur="severes", libelle="Sévères", points=2),
            ),
        ),
        ItemGrille(
            code="nb_medicaments",
            libelle="Nombre de médicaments différents par jour",
            type=TypeReponse.nombre,
            min=0,
            max=30,
            decimales=0,
            coefficient=0.2,
            aide="Chaque médicament compte pour 0,2 point.",
        ),
        ItemGrille(
            code="troubles_cognitifs",
            libelle="Troubles cognitifs connus",
            type=TypeReponse.booleen,
            points_si_oui=1,
        ),
        ItemGrille(
            code="aide_technique",
            libelle="Aide technique à la marche",
            type=TypeReponse.choix,
            options=(
                OptionReponse(valeur="aucune", libelle="Aucune", points=0),
                OptionReponse(valeur="canne", libelle="Canne", points=1),
                OptionReponse(valeur="deambulateur", libelle="Déambulateur", points=1),
                OptionReponse(valeur="fauteuil", libelle="Fauteuil roulant", points=2),
            ),
        ),
        ItemGrille(
            code="date_derniere_chute",
            libelle="Date de la dernière chute",
            type=TypeReponse.date,
            obligatoire=False,
        ),
        ItemGrille(
            code="observations",
            libelle="Observations",
            type=TypeReponse.texte,
            longueur_max=500,
            obligatoire=False,
        ),
    ),
    # scores move in steps of 0.2 (one medication), so 2.8 → 3 and 4.8 → 5 leave no reachable score out
    interpretations=(
        Interpretation(min=0, max=2.8, libelle="risque faible"),
        Interpretation(min=3, max=4.8, libelle="risque modéré"),
        Interpretation(min=5, max=13, libelle="risque élevé", alerte=True),
    ),
)


def chutes(**changes: Any) -> dict[str, Any]:
    """Answers of a person at low risk (0 + 0 + 3 × 0.2 + 0 + 0 = 0.6), changed where the test says."""
    answers: dict[str, Any] = {
        "chute_annee": False,
        "troubles_marche": "aucun",
        "nb_medicaments": 3,
        "troubles_cognitifs": False,
        "aide_technique": "aucune",
    }
    answers.update(changes)
    return answers


# -- builders --------------------------------------------------------------------------------------------


def item(code: str = "q", type: TypeReponse = TypeReponse.booleen, **changes: Any) -> dict[str, Any]:
    """An item as the API receives it (plain JSON), valid unless the test changes it."""
    raw: dict[str, Any] = {"code": code, "libelle": f"Question {code}", "type": type.value}
    if type in (TypeReponse.choix, TypeReponse.choix_multiple) and "options" not in changes:
        raw["options"] = [option("faible", 0), option("moyen", 1), option("fort", 2)]
    raw.update(changes)
    return raw


def option(valeur: str, points: float = 0) -> dict[str, Any]:
    return {"valeur": valeur, "libelle": valeur.capitalize(), "points": points}


def band(low: float, high: float, libelle: str = "plage", alerte: bool = False) -> dict[str, Any]:
    return {"min": low, "max": high, "libelle": libelle, "alerte": alerte}


def definition(*items: dict[str, Any], **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": "grille-maison",
        "libelle": "Grille maison",
        "items": list(items) or [item()],
    }
    raw.update(changes)
    return raw


def grille(*items: dict[str, Any], **changes: Any) -> DefinitionGrille:
    return DefinitionGrille.model_validate(definition(*items, **changes))


def refused(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The (field path, rule) pairs a user gets back for a refused definition."""
    with pytest.raises(ValidationError) as caught:
        DefinitionGrille.model_validate(raw)
    return [(e.field, e.rule) for e in validation_problem(caught.value).errors]


def broken(definition: DefinitionGrille, reponses: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        valider_reponses(definition, reponses)
    return [(e.field, e.rule) for e in caught.value.errors]


def message(definition: DefinitionGrille, reponses: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as caught:
        valider_reponses(definition, reponses)
    [error] = caught.value.errors
    return error.message


# -- the realistic grid, end to end ----------------------------------------------------------------------


def test_a_fall_risk_grid_is_defined_as_data_and_survives_the_trip_through_an_event() -> None:
    stored = json.loads(json.dumps(CHUTES.model_dump(mode="json")))

    assert DefinitionGrille.model_validate(stored) == CHUTES
    assert DefinitionGrille.model_validate(stored, context={"stored": True}) == CHUTES
    assert stored["items"][2]["coefficient"] == 0.2
    assert stored["regle"] == "somme"


def test_a_person_with_no_fall_and_three_medications_is_at_low_risk() -> None:
    # 0 (no fall) + 0 (walks well) + 3 × 0.2 + 0 + 0 (no aid) = 0.6
    resultat = calculer(CHUTES, chutes())

    assert resultat == ResultatGrille(
        score=0.6, interpretation="risque faible", alerte=False, items_repondus=5, items_total=7
    )


def test_a_fall_last_year_with_a_cane_and_slight_gait_troubles_is_high_risk_and_raises_an_alert() -> None:
    # 2 (fall) + 1 (slight) + 7 × 0.2 + 0 + 1 (cane) = 5.4
    resultat = calculer(
        CHUTES,
        chutes(
            chute_annee=True,
            troubles_marche="legers",
            nb_medicaments=7,
            aide_technique="canne",
            date_derniere_chute="2026-01-14",
            observations="  Chute nocturne en allant aux toilettes. ",
        ),
    )

    assert (resultat.score, resultat.interpretation, resultat.alerte) == (5.4, "risque élevé", True)
    assert (resultat.items_repondus, resultat.items_total) == (7, 7)


@pytest.mark.parametrize(
    ("changes", "score", "interpretation", "alerte"),
    [
        # 0 + 1 (slight) + 4 × 0.2 + 1 (cognitive) + 0 = 2.8: upper bound of "faible", included
        (
            {"troubles_marche": "legers", "nb_medicaments": 4, "troubles_cognitifs": True},
            2.8,
            "risque faible",
            False,
        ),
        # 0 + 0 + 14 × 0.2 + 0 + 0 = 2.8 (14 × 0.2 is 2.8000000000000003 in floating point)
        ({"nb_medicaments": 14}, 2.8, "risque faible", False),
        # 2 (fall) + 0 + 5 × 0.2 + 0 + 0 = 3: lower bound of "modéré", included
        ({"chute_annee": True, "nb_medicaments": 5}, 3, "risque modéré", False),
        # 2 (fall) + 2 (severe) + 4 × 0.2 + 0 + 0 = 4.8: upper bound of "modéré", included
        (
            {"chute_annee": True, "troubles_marche": "severes", "nb_medicaments": 4},
            4.8,
            "risque modéré",
            False,
        ),
        # 2 (fall) + 1 (slight) + 0 × 0.2 + 1 (cognitive) + 1 (walker) = 5: lower bound of "élevé", included
        (
            {
                "chute_annee": True,
                "troubles_marche": "legers",
                "nb_medicaments": 0,
                "troubles_cognitifs": True,
                "aide_technique": "deambulateur",
            },
            5,
            "risque élevé",
            True,
        ),
        # 2 + 2 + 30 × 0.2 + 1 + 2 (wheelchair) = 13: the highest score, upper bound of "élevé", included
        (
            {
                "chute_annee": True,
                "troubles_marche": "severes",
                "nb_medicaments": 30,
                "troubles_cognitifs": True,
                "aide_technique": "fauteuil",
            },
            13,
            "risque élevé",
            True,
        ),
    ],
)
def test_the_fall_risk_score_reads_as_the_band_it_falls_in_bounds_included(
    changes: dict[str, Any], score: float, interpretation: str, alerte: bool
) -> None:
    resultat = calculer(CHUTES, chutes(**changes))

    assert (resultat.score, resultat.interpretation, resultat.alerte) == (score, interpretation, alerte)


def test_an_incomplete_fall_risk_evaluation_names_every_missing_or_wrong_answer_at_once() -> None:
    answers = {
        "chute_annee": "oui",
        "nb_medicaments": 45,
        "aide_technique": "béquilles",
        "poids": 60,
    }

    assert broken(CHUTES, answers) == [
        ("reponses.chute_annee", "hors_domaine"),
        ("reponses.troubles_marche", "reponse_obligatoire"),
        ("reponses.nb_medicaments", "hors_domaine"),
        ("reponses.troubles_cognitifs", "reponse_obligatoire"),
        ("reponses.aide_technique", "hors_domaine"),
        ("reponses.poids", "item_inconnu"),
    ]


def test_a_refused_evaluation_reaches_the_user_as_a_problem_listing_each_item() -> None:
    with pytest.raises(InvalidInput) as caught:
        valider_reponses(CHUTES, chutes(troubles_marche="graves", nb_medicaments=-1))

    body = Problem.from_error(caught.value).to_dict()

    assert body["status"] == 422
    assert body["errors"] == [
        {
            "field": "reponses.troubles_marche",
            "rule": "hors_domaine",
            "message": "valeur attendue parmi : aucun, legers, severes",
        },
        {
            "field": "reponses.nb_medicaments",
            "rule": "hors_domaine",
            "message": "nombre entier attendu entre 0 et 30",
        },
    ]


# -- a definition's rules --------------------------------------------------------------------------------


def test_aggir_is_reserved_for_the_national_grid() -> None:
    assert refused(definition(code="aggir")) == [("code", "code_reserve")]
    assert grille(code="aggir-simplifiee").code == "aggir-simplifiee"


@pytest.mark.parametrize("code", ["A-chutes", "1chutes", "c", "chutes maison", "chûtes", "x" * 41])
def test_a_grid_code_is_a_short_lowercase_identifier(code: str) -> None:
    assert refused(definition(code=code)) == [("code", "string_pattern_mismatch")]


@pytest.mark.parametrize("code", ["Chute", "1chute", "chute-annee", "chute annee", "x" * 41, ""])
def test_an_item_code_is_a_lowercase_identifier_usable_as_an_answer_key(code: str) -> None:
    assert refused(definition(item(code))) == [("items.0.code", "string_pattern_mismatch")]


def test_a_grid_without_items_is_refused() -> None:
    assert refused(definition(items=[])) == [("items", "grille_vide")]


def test_a_grid_has_at_most_200_items() -> None:
    assert len(grille(*[item(f"q{i}") for i in range(200)]).items) == 200
    assert refused(definition(*[item(f"q{i}") for i in range(201)])) == [("items", "too_long")]


def test_two_items_with_the_same_code_are_refused_on_the_second() -> None:
    raw = definition(item("chute"), item("marche"), item("chute", TypeReponse.nombre))

    assert refused(raw) == [("items.2.code", "item_duplique")]


def test_two_options_with_the_same_value_in_one_item_are_refused() -> None:
    raw = definition(
        item("marche", TypeReponse.choix, options=[option("aucun"), option("legers"), option("aucun", 3)])
    )

    assert refused(raw) == [("items.0.options.2.valeur", "option_dupliquee")]


def test_the_same_option_value_in_two_items_is_fine() -> None:
    definition_ = grille(item("a", TypeReponse.choix), item("b", TypeReponse.choix_multiple))

    assert [o.valeur for o in definition_.items[1].options] == ["faible", "moyen", "fort"]


@pytest.mark.parametrize("type_", [TypeReponse.choix, TypeReponse.choix_multiple])
def test_a_choice_item_without_options_is_refused(type_: TypeReponse) -> None:
    assert refused(definition(item("q", type_, options=[]))) == [("items.0.options", "options_requises")]


@pytest.mark.parametrize(
    "type_", [TypeReponse.nombre, TypeReponse.booleen, TypeReponse.texte, TypeReponse.date]
)
def test_options_on_an_item_that_is_not_a_choice_are_refused(type_: TypeReponse) -> None:
    raw = definition(item("n", TypeReponse.nombre), item("q", type_, options=[option("a")]))

    assert refused(raw) == [("items.1.options", "options_interdites")]


def test_a_number_item_whose_minimum_exceeds_its_maximum_is_refused() -> None:
    assert refused(definition(item("q", TypeReponse.nombre, min=10, max=2))) == [
        ("items.0.min", "bornes_incoherentes")
    ]


def test_a_number_item_may_have_a_single_allowed_value_or_open_bounds() -> None:
    definition_ = grille(
        item("fixe", TypeReponse.nombre, min=3, max=3),
        item("plancher", TypeReponse.nombre, min=0),
        item("plafond", TypeReponse.nombre, max=0),
        item("libre", TypeReponse.nombre),
    )

    assert [(i.min, i.max) for i in definition_.items] == [(3, 3), (0, None), (None, 0), (None, None)]


@pytest.mark.parametrize(
    ("type_", "setting", "field"),
    [
        (TypeReponse.texte, {"min": 0}, "min"),
        (TypeReponse.choix, {"max": 5}, "max"),
        (TypeReponse.booleen, {"decimales": 1}, "decimales"),
        (TypeReponse.nombre, {"longueur_max": 10}, "longueur_max"),
        (TypeReponse.choix, {"points_si_oui": 2}, "points_si_oui"),
    ],
)
def test_a_setting_that_does_not_apply_to_the_item_type_is_refused_rather_than_ignored(
    type_: TypeReponse, setting: dict[str, Any], field: str
) -> None:
    assert refused(definition(item("q", type_, **setting))) == [
        (f"items.0.{field}", "parametre_inapplicable")
    ]


@pytest.mark.parametrize("points", [math.nan, math.inf, -math.inf])
def test_points_must_be_finite_numbers(points: float) -> None:
    raw = definition(item("q", TypeReponse.choix, options=[option("a", points)]))

    assert refused(raw) == [("items.0.options.0.points", "finite_number")]


def test_a_negative_coefficient_is_refused_but_negative_points_are_allowed() -> None:
    assert refused(definition(item("q", points_si_oui=1, coefficient=-1))) == [
        ("items.0.coefficient", "greater_than_equal")
    ]
    assert grille(item("q", points_si_oui=-2)).items[0].points_si_oui == -2


def test_an_interpretation_band_whose_minimum_exceeds_its_maximum_is_refused() -> None:
    raw = definition(interpretations=[band(0, 5), band(9, 6)])

    assert refused(raw) == [("interpretations.1.min", "bornes_incoherentes")]


def test_bands_touching_on_a_shared_bound_overlap_since_both_bounds_are_included() -> None:
    raw = definition(interpretations=[band(0, 5, "faible"), band(5, 10, "fort")])

    assert refused(raw) == [("interpretations.1", "interpretations_chevauchantes")]


def test_a_band_inside_a_wider_one_is_refused_even_when_listed_out_of_order() -> None:
    raw = definition(interpretations=[band(20, 30), band(0, 10), band(6, 8), band(11, 19)])

    with pytest.raises(ValidationError) as caught:
        DefinitionGrille.model_validate(raw)
    [error] = validation_problem(caught.value).errors
    assert (error.field, error.rule) == ("interpretations.2", "interpretations_chevauchantes")
    assert error.message == "la plage 6–8 « plage » chevauche la plage 0–10 « plage » (bornes incluses)"


def test_disjoint_bands_may_be_listed_in_any_order_and_leave_gaps() -> None:
    definition_ = grille(interpretations=[band(10.5, 20), band(0, 10), band(30, 40)])

    assert len(definition_.interpretations) == 3


def test_a_questionnaire_without_score_cannot_have_interpretations() -> None:
    raw = definition(item("q", TypeReponse.texte), regle="aucune", interpretations=[band(0, 5)])

    assert refused(raw) == [("interpretations", "interpretations_sans_score")]


def test_a_scored_grid_needs_at_least_one_scored_item() -> None:
    texts = definition(item("nom", TypeReponse.texte), item("le", TypeReponse.date))
    weightless = definition(item("q", points_si_oui=1, coefficient=0))

    assert refused(texts) == [("regle", "score_sans_item")]
    assert refused({**weightless, "regle": "moyenne"}) == [("regle", "score_sans_item")]
    assert grille(item("nom", TypeReponse.texte), regle="aucune").regle == RegleScore.aucune


def test_every_mistake_in_a_definition_is_reported_at_once() -> None:
    raw = definition(
        item("a", TypeReponse.choix, options=[]),
        item("b", TypeReponse.nombre, min=5, max=1, options=[option("x")]),
        item("c", TypeReponse.texte, longueur_max=0),
    )

    assert refused(raw) == [
        ("items.0.options", "options_requises"),
        ("items.1.options", "options_interdites"),
        ("items.1.min", "bornes_incoherentes"),
        ("items.2.longueur_max", "greater_than_equal"),
    ]


def test_cross_item_mistakes_are_reported_together() -> None:
    raw = definition(item("a"), item("a"), interpretations=[band(0, 3), band(2, 4)])

    assert refused(raw) == [
        ("items.1.code", "item_duplique"),
        ("interpretations.1", "interpretations_chevauchantes"),
    ]


def test_definition_messages_are_in_french_and_say_what_to_fix() -> None:
    with pytest.raises(ValidationError) as caught:
        DefinitionGrille.model_validate(definition(item("q", TypeReponse.nombre, min=10, max=2.5)))

    [error] = validation_problem(caught.value).errors
    assert error.message == "le minimum (10) doit être inférieur ou égal au maximum (2,5)"


def test_an_unknown_setting_in_a_definition_is_refused() -> None:
    assert refused(definition(item("q", poids=3))) == [("items.0.poids", "extra_forbidden")]


def test_a_definition_cannot_be_changed_once_built() -> None:
    with pytest.raises(ValidationError):
        CHUTES.libelle = "autre"  # type: ignore[misc]


def test_a_definition_already_in_the_log_is_read_as_it_is_whatever_the_rules_became() -> None:
    raw = definition(
        item("a"),
        item("a", TypeReponse.texte, min=1),
        code="aggir",
        interpretations=[band(0, 5), band(5, 3)],
    )

    stored = DefinitionGrille.model_validate(raw, context={"stored": True})

    assert stored.code == "aggir"
    assert len(stored.items) == 2


# -- answers: choice -------------------------------------------------------------------------------------


def test_a_single_choice_answer_is_one_of_the_option_values() -> None:
    definition_ = grille(item("q", TypeReponse.choix))

    assert valider_reponses(definition_, {"q": "moyen"}) == {"q": "moyen"}


@pytest.mark.parametrize("value", ["tres_fort", "Moyen", 1, ["moyen"], True, {"valeur": "moyen"}])
def test_a_single_choice_outside_the_options_says_which_values_are_expected(value: Any) -> None:
    definition_ = grille(item("q", TypeReponse.choix))

    assert broken(definition_, {"q": value}) == [("reponses.q", "hors_domaine")]
    assert message(definition_, {"q": value}) == "valeur attendue parmi : faible, moyen, fort"


def test_a_multiple_choice_answer_is_stored_sorted_and_without_repeats() -> None:
    definition_ = grille(item("q", TypeReponse.choix_multiple))

    assert valider_reponses(definition_, {"q": ["moyen", "fort", "moyen"]}) == {"q": ["fort", "moyen"]}
    assert valider_reponses(definition_, {"q": ("faible",)}) == {"q": ["faible"]}


def test_a_multiple_choice_with_an_unknown_value_names_it_and_the_expected_values() -> None:
    definition_ = grille(item("q", TypeReponse.choix_multiple))

    assert message(definition_, {"q": ["fort", "extreme"]}) == (
        "valeur inconnue : extreme ; liste de valeurs attendue parmi : faible, moyen, fort"
    )


@pytest.mark.parametrize("value", ["fort", ["fort", 2], [None], {"fort": True}, 3])
def test_a_multiple_choice_must_be_a_list_of_option_values(value: Any) -> None:
    definition_ = grille(item("q", TypeReponse.choix_multiple))

    assert broken(definition_, {"q": value}) == [("reponses.q", "hors_domaine")]
    assert message(definition_, {"q": value}) == "liste de valeurs attendue parmi : faible, moyen, fort"


def test_an_empty_selection_does_not_answer_a_required_multiple_choice() -> None:
    required = grille(item("q", TypeReponse.choix_multiple))
    optional = grille(item("q", TypeReponse.choix_multiple, obligatoire=False), item("b"))

    assert broken(required, {"q": []}) == [("reponses.q", "reponse_obligatoire")]
    assert valider_reponses(optional, {"q": [], "b": True}) == {"b": True}


# -- answers: number -------------------------------------------------------------------------------------


def nombre(**settings: Any) -> DefinitionGrille:
    return grille(item("q", TypeReponse.nombre, **settings))


@pytest.mark.parametrize(("value", "stored"), [(0, 0), (10, 10), (4, 4), (4.0, 4), (2.5, 2.5), (-0.0, 0)])
def test_a_number_within_its_bounds_is_accepted_bounds_included_and_whole_numbers_stored_as_integers(
    value: float, stored: float
) -> None:
    normalised = valider_reponses(nombre(min=0, max=10), {"q": value})

    assert normalised == {"q": stored}
    assert type(normalised["q"]) is type(stored)


@pytest.mark.parametrize("value", [-0.5, 10.01, 11, -1])
def test_a_number_outside_its_bounds_says_what_the_bounds_are(value: float) -> None:
    assert message(nombre(min=0, max=10), {"q": value}) == "nombre attendu entre 0 et 10"


@pytest.mark.parametrize("value", [True, False, "3", [3], math.nan, math.inf, -math.inf, 10**400])
def test_a_boolean_a_string_or_a_non_finite_value_is_not_a_number(value: Any) -> None:
    assert broken(nombre(min=0, max=10), {"q": value}) == [("reponses.q", "hors_domaine")]
    assert broken(nombre(), {"q": value}) == [("reponses.q", "hors_domaine")]


def test_a_blank_string_leaves_an_optional_number_unanswered() -> None:
    assert valider_reponses(nombre(min=0, max=10, obligatoire=False), {"q": " "}) == {}


def test_a_whole_number_item_refuses_decimals() -> None:
    definition_ = nombre(min=0, max=30, decimales=0)

    assert valider_reponses(definition_, {"q": 12.0}) == {"q": 12}
    assert message(definition_, {"q": 12.5}) == "nombre entier attendu entre 0 et 30"


def test_a_number_item_limits_its_decimals() -> None:
    temperature = nombre(min=34, max=42, decimales=1)
    poids = nombre(min=0, max=250, decimales=2)

    assert valider_reponses(temperature, {"q": 37.8}) == {"q": 37.8}
    assert message(temperature, {"q": 37.85}) == "nombre attendu entre 34 et 42, avec au plus 1 décimale"
    assert valider_reponses(poids, {"q": 62.35}) == {"q": 62.35}
    assert message(poids, {"q": 62.355}) == "nombre attendu entre 0 et 250, avec au plus 2 décimales"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"min": 0}, "nombre attendu supérieur ou égal à 0"),
        ({"max": 7.5}, "nombre attendu inférieur ou égal à 7,5"),
        ({"min": 0.5, "max": 1.5}, "nombre attendu entre 0,5 et 1,5"),
        ({}, "nombre attendu"),
    ],
)
def test_the_number_domain_is_described_with_whatever_bounds_the_item_has(
    settings: dict[str, Any], expected: str
) -> None:
    assert message(nombre(**settings), {"q": "beaucoup"}) == expected


def test_a_number_item_without_bounds_takes_any_finite_number() -> None:
    assert valider_reponses(nombre(), {"q": -1234.5}) == {"q": -1234.5}


# -- answers: yes/no, text, date -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_a_yes_no_answer_is_true_or_false(value: bool) -> None:
    assert valider_reponses(grille(item("q")), {"q": value}) == {"q": value}


@pytest.mark.parametrize("value", [1, 0, "oui", "true", 1.0])
def test_a_number_or_a_word_is_not_a_yes_no_answer(value: Any) -> None:
    assert message(grille(item("q")), {"q": value}) == "oui ou non attendu (true ou false)"


def texte(**settings: Any) -> DefinitionGrille:
    return grille(item("q", TypeReponse.texte, **settings), item("b"))


def test_a_text_answer_is_stored_without_surrounding_blanks() -> None:
    assert valider_reponses(texte(), {"q": "  mange seule \n", "b": True}) == {"q": "mange seule", "b": True}


def test_a_text_longer_than_the_item_allows_says_the_limit_and_the_length_received() -> None:
    definition_ = texte(longueur_max=10)

    assert valider_reponses(definition_, {"q": "x" * 10, "b": True}) == {"q": "x" * 10, "b": True}
    assert message(definition_, {"q": "x" * 11, "b": True}) == (
        "texte attendu, de 10 caractères au plus (11 reçus)"
    )


def test_a_text_item_without_a_limit_takes_up_to_4000_characters() -> None:
    assert valider_reponses(texte(), {"q": "x" * 4000, "b": True})["q"] == "x" * 4000
    assert broken(texte(), {"q": "x" * 4001, "b": True}) == [("reponses.q", "hors_domaine")]


def test_a_blank_text_does_not_answer_a_required_text_item() -> None:
    assert broken(texte(), {"q": "   ", "b": True}) == [("reponses.q", "reponse_obligatoire")]


@pytest.mark.parametrize("value", [12, ["texte"], True])
def test_a_text_answer_must_be_a_string(value: Any) -> None:
    assert broken(texte(), {"q": value, "b": True}) == [("reponses.q", "hors_domaine")]


def test_a_text_answer_cannot_carry_a_nul_character() -> None:
    assert message(texte(), {"q": "a\x00b", "b": True}) == "le texte ne peut pas contenir de caractère NUL"


def dates() -> DefinitionGrille:
    return grille(item("q", TypeReponse.date), item("b"))


def test_a_date_answer_is_stored_as_an_iso_date() -> None:
    assert valider_reponses(dates(), {"q": "2026-03-02", "b": True})["q"] == "2026-03-02"
    assert valider_reponses(dates(), {"q": date(2026, 3, 2), "b": True})["q"] == "2026-03-02"


@pytest.mark.parametrize(
    "value",
    [
        "02/03/2026",
        "2026-02-30",
        "20260302",
        "2026-W10-1",
        "2026-03-02T10:00:00",
        "1850-01-01",
        "2150-01-01",
        datetime(2026, 3, 2, 10, 0),
        20260302,
    ],
)
def test_a_date_that_is_not_a_calendar_date_between_1900_and_2100_is_refused(value: Any) -> None:
    assert (
        message(dates(), {"q": value, "b": True}) == "date attendue au format AAAA-MM-JJ, entre 1900 et 2100"
    )


# -- answers: presence -----------------------------------------------------------------------------------


def test_a_missing_required_answer_says_what_is_expected() -> None:
    definition_ = grille(item("a", TypeReponse.choix), item("b"))

    with pytest.raises(InvalidInput) as caught:
        valider_reponses(definition_, {"b": None})

    assert [(e.field, e.rule, e.message) for e in caught.value.errors] == [
        (
            "reponses.a",
            "reponse_obligatoire",
            "réponse obligatoire (valeur attendue parmi : faible, moyen, fort)",
        ),
        ("reponses.b", "reponse_obligatoire", "réponse obligatoire (oui ou non attendu (true ou false))"),
    ]


def test_an_optional_item_may_be_left_unanswered_and_is_left_out_of_the_answers() -> None:
    assert valider_reponses(CHUTES, chutes(observations=None)) == chutes()


def test_an_answer_to_an_item_the_grid_does_not_have_is_refused() -> None:
    assert broken(CHUTES, chutes(poids=60, Chute_annee=True)) == [
        ("reponses.poids", "item_inconnu"),
        ("reponses.Chute_annee", "item_inconnu"),
    ]
    with pytest.raises(InvalidInput) as caught:
        valider_reponses(CHUTES, chutes(poids=None))
    assert caught.value.errors[0].message == "la grille « risque-chute » n'a pas d'item « poids »"


def test_normalised_answers_are_plain_json_in_the_grid_order_and_validate_again_unchanged() -> None:
    definition_ = grille(
        item("c", TypeReponse.choix),
        item("m", TypeReponse.choix_multiple),
        item("n", TypeReponse.nombre, decimales=0),
        item("b"),
        item("t", TypeReponse.texte),
        item("d", TypeReponse.date),
    )
    raw = {"d": date(2026, 1, 5), "t": " ok ", "b": False, "n": 3.0, "m": ("fort", "faible"), "c": "fort"}

    normalised = valider_reponses(definition_, raw)

    assert normalised == {
        "c": "fort",
        "m": ["faible", "fort"],
        "n": 3,
        "b": False,
        "t": "ok",
        "d": "2026-01-05",
    }
    assert list(normalised) == ["c", "m", "n", "b", "t", "d"]
    assert json.loads(json.dumps(normalised)) == normalised
    assert valider_reponses(definition_, normalised) == normalised


# -- scoring ---------------------------------------------------------------------------------------------


def test_the_sum_adds_each_item_points_times_its_coefficient() -> None:
    definition_ = grille(
        item("c", TypeReponse.choix, coefficient=2),
        item("m", TypeReponse.choix_multiple),
        item("n", TypeReponse.nombre, coefficient=0.5),
        item("oui", points_si_oui=3),
        item("non", points_si_oui=3),
        item("t", TypeReponse.texte),
        item("d", TypeReponse.date),
    )
    answers = {
        "c": "fort",  # 2 points × 2 = 4
        "m": ["moyen", "fort"],  # 1 + 2 = 3
        "n": 7,  # 7 × 0.5 = 3.5
        "oui": True,  # 3
        "non": False,  # 0
        "t": "texte sans points",
        "d": "2026-03-02",
    }

    # 4 + 3 + 3.5 + 3 + 0 = 13.5; text and date never score
    assert calculer(definition_, answers).score == 13.5


def test_an_unanswered_optional_item_adds_nothing_to_the_sum() -> None:
    definition_ = grille(item("a", points_si_oui=2), item("b", points_si_oui=5, obligatoire=False))

    assert calculer(definition_, {"a": True}) == ResultatGrille(
        score=2, interpretation=None, alerte=False, items_repondus=1, items_total=2
    )


def test_negative_points_can_lower_the_score() -> None:
    definition_ = grille(item("risque", points_si_oui=2), item("protection", points_si_oui=-3))

    assert calculer(definition_, {"risque": True, "protection": True}).score == -1


def test_the_mean_is_taken_over_the_answered_scored_items_only() -> None:
    definition_ = grille(
        item("a", TypeReponse.choix),
        item("b", TypeReponse.choix),
        item("c", TypeReponse.choix, obligatoire=False),
        item("t", TypeReponse.texte, obligatoire=False),
        regle="moyenne",
    )

    # (2 + 1) / 2 = 1.5: the unanswered item c and the text item do not count
    resultat = calculer(definition_, {"a": "fort", "b": "moyen", "t": "note"})
    assert (resultat.score, resultat.items_repondus, resultat.items_total) == (1.5, 3, 4)
    # (2 + 1 + 0) / 3 = 1
    assert calculer(definition_, {"a": "fort", "b": "moyen", "c": "faible"}).score == 1


def test_coefficients_weigh_the_mean() -> None:
    definition_ = grille(
        item("douleur", TypeReponse.nombre, min=0, max=10, coefficient=3),
        item("sommeil", TypeReponse.nombre, min=0, max=10),
        item("commentaire_note", TypeReponse.nombre, min=0, max=10, coefficient=0),
        regle="moyenne",
    )

    # (8 × 3 + 4 × 1) / (3 + 1) = 7; a zero-weight item is recorded but not part of the mean
    assert calculer(definition_, {"douleur": 8, "sommeil": 4, "commentaire_note": 10}).score == 7


def test_a_mean_of_thirds_is_rounded_to_six_decimals() -> None:
    definition_ = grille(
        item("a", TypeReponse.choix), item("b", TypeReponse.choix), item("c"), regle="moyenne"
    )

    # (1 + 0 + 0) / 3
    assert calculer(definition_, {"a": "moyen", "b": "faible", "c": False}).score == 0.333333


def test_a_questionnaire_records_answers_without_a_score() -> None:
    definition_ = grille(
        item("habitudes", TypeReponse.texte),
        item("choix_repas", TypeReponse.choix),
        regle="aucune",
    )

    assert calculer(definition_, {"habitudes": "lève tôt", "choix_repas": "fort"}) == ResultatGrille(
        score=None, interpretation=None, alerte=False, items_repondus=2, items_total=2
    )


@pytest.mark.parametrize("regle", ["somme", "moyenne"])
def test_answering_no_scored_item_gives_no_score_rather_than_a_reassuring_zero(regle: str) -> None:
    definition_ = grille(
        item("a", points_si_oui=2, obligatoire=False),
        item("t", TypeReponse.texte, obligatoire=False),
        regle=regle,
        interpretations=[band(0, 1, "risque faible")],
    )

    assert calculer(definition_, {"t": "refus de répondre"}) == ResultatGrille(
        score=None, interpretation=None, alerte=False, items_repondus=1, items_total=2
    )


def test_answers_the_grid_would_refuse_are_never_scored() -> None:
    with pytest.raises(InvalidInput):
        calculer(CHUTES, chutes(nb_medicaments=True))


# -- interpretation --------------------------------------------------------------------------------------


def bandes() -> DefinitionGrille:
    """The score is the number answered: bands 0–10, 10.5–20 and 20.5–30 (alert), bounds included."""
    return grille(
        item("valeur", TypeReponse.nombre, min=-5, max=100, decimales=1),
        interpretations=[
            band(0, 10, "faible"),
            band(20.5, 30, "fort", alerte=True),
            band(10.5, 20, "moyen"),
        ],
    )


@pytest.mark.parametrize(
    ("valeur", "interpretation", "alerte"),
    [
        (0, "faible", False),
        (10, "faible", False),
        (10.5, "moyen", False),
        (15, "moyen", False),
        (20, "moyen", False),
        (20.5, "fort", True),
        (30, "fort", True),
    ],
)
def test_a_score_reads_as_its_band_on_both_inclusive_bounds(
    valeur: float, interpretation: str, alerte: bool
) -> None:
    resultat = calculer(bandes(), {"valeur": valeur})

    assert (resultat.score, resultat.interpretation, resultat.alerte) == (valeur, interpretation, alerte)


@pytest.mark.parametrize("valeur", [-0.1, 10.2, 20.4, 30.1, 100])
def test_a_score_between_or_beyond_the_bands_has_no_interpretation_and_no_alert(valeur: float) -> None:
    resultat = calculer(bandes(), {"valeur": valeur})

    assert (resultat.score, resultat.interpretation, resultat.alerte) == (valeur, None, False)


def test_a_scored_grid_without_bands_gives_a_score_and_no_interpretation() -> None:
    resultat = calculer(grille(item("q", points_si_oui=4)), {"q": True})

    assert (resultat.score, resultat.interpretation, resultat.alerte) == (4, None, False)
