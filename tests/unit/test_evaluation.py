"""Evaluations are cancelled once; an OG's grid is revised under the same code, each revision numbered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from dui_dossier.domain.evaluation import Evaluation, GrilleEvaluation
from dui_shared.contracts.grille import (
    DefinitionGrille,
    Interpretation,
    ItemGrille,
    OptionReponse,
    TypeReponse,
)
from dui_shared.errors import InvalidInput
from tests.unit.builders import EHPAD

OG = "690000880"  # FINESS juridique of the organisme gestionnaire


def evaluation() -> Evaluation:
    created = Evaluation(
        id=uuid.uuid4(),
        dossier_id=uuid.uuid4(),
        esms=EHPAD,
        grille="risque-chute",
        grille_version=1,
        grille_libelle="Évaluation du risque de chute",
        realisee_le=datetime(2026, 9, 15, 14, 0, tzinfo=UTC),
        evaluateur="Sophie Bernard, IDE",
        reponses={"chute_annee": True, "troubles_marche": "legers"},
        score=3.0,
        gir=None,
        interpretation="risque modéré",
        alerte=False,
        detail={},
        commentaire=None,
    )
    created.collect_events()
    return created


def definition(**changes: Any) -> DefinitionGrille:
    fields: dict[str, Any] = {
        "code": "risque-chute",
        "libelle": "Évaluation du risque de chute",
        "items": (
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
        ),
        "interpretations": (
            Interpretation(min=0, max=1, libelle="risque faible"),
            Interpretation(min=2, max=4, libelle="risque élevé", alerte=True),
        ),
    }
    fields.update(changes)
    return DefinitionGrille(**fields)


def grille() -> GrilleEvaluation:
    created = GrilleEvaluation(id=uuid.uuid4(), esms=OG, definition=definition())
    created.collect_events()
    return created


def names(aggregate: Evaluation | GrilleEvaluation) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# -- evaluations --------------------------------------------------------------------------------------------


def test_an_evaluation_is_recorded_and_not_cancelled() -> None:
    e = Evaluation(
        id=uuid.uuid4(),
        dossier_id=uuid.uuid4(),
        esms=EHPAD,
        grille="aggir",
        grille_version=1,
        grille_libelle="AGGIR",
        realisee_le=datetime(2026, 9, 15, 14, 0, tzinfo=UTC),
        evaluateur="Dr Lefèvre",
        reponses={},
        score=None,
        gir=4,
        interpretation=None,
        alerte=False,
        detail={},
        commentaire=None,
    )

    assert names(e) == ["EvaluationRealisee"]
    assert not e.annulee
    assert e.grille == "aggir"


def test_an_evaluation_is_cancelled_once() -> None:
    e = evaluation()

    e.annuler("saisie sur le mauvais dossier")
    e.annuler("saisie sur le mauvais dossier")

    recorded = list(e.collect_events())
    assert [type(x).__name__ for x in recorded] == ["EvaluationAnnulee"]
    assert recorded[0].motif == "saisie sur le mauvais dossier"
    assert e.annulee


# -- OG grids --------------------------------------------------------------------------------------------------


def test_a_new_grid_is_number_one() -> None:
    g = GrilleEvaluation(id=uuid.uuid4(), esms=OG, definition=definition())

    assert names(g) == ["GrilleDefinie"]
    assert g.numero == 1
    assert g.definition == definition()


def test_revising_a_grid_bumps_its_number() -> None:
    g = grille()
    revised = definition(description="Ajout d'une consigne de passation.")

    g.reviser(revised)

    recorded = list(g.collect_events())
    assert [type(x).__name__ for x in recorded] == ["GrilleRevisee"]
    assert recorded[0].version == 2
    assert recorded[0].definition == revised
    assert g.numero == 2
    assert g.definition == revised

    g.reviser(definition(libelle="Risque de chute (grille interne)"))

    assert g.numero == 3


def test_the_same_definition_again_changes_nothing() -> None:
    g = grille()
    g.reviser(definition(description="v2"))
    g.collect_events()

    g.reviser(definition(description="v2"))

    assert names(g) == []
    assert g.numero == 2


def test_the_unchanged_definition_does_not_make_a_revision() -> None:
    g = grille()

    g.reviser(definition())

    assert names(g) == []
    assert g.numero == 1


def test_a_grid_s_code_cannot_change() -> None:
    g = grille()

    with pytest.raises(InvalidInput) as refused:
        g.reviser(definition(code="risque-chute-v2"))

    assert [(e.field, e.rule) for e in refused.value.errors] == [("code", "code_immuable")]
    assert refused.value.status == 422
    assert g.numero == 1
    assert g.definition.code == "risque-chute"
    assert names(g) == []
