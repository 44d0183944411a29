"""The reporting vocabulary: pseudonymous person ids and fact ids derived from the log, the catalogue of facts
and indicators, the as-of instant of a request, and the definitions read from the environment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from dui_reporting.parametres import NatureEvenement, ParametresIndicateurs
from dui_shared.contracts.reporting import (
    FAITS_A_VENIR,
    INDICATEURS,
    SOURCES_FAITS,
    CodeIndicateur,
    Nature,
    TypeFait,
    fait_id,
    personne_id,
)
from dui_shared.contracts.reporting_api import FiltreIndicateurs, FiltreMensuels

EHPAD, FAM = "690004122", "2A0002319"


def test_a_person_is_one_pseudonymous_id_per_esms_and_sejour() -> None:
    sejour = uuid.uuid4()
    assert personne_id(EHPAD, sejour) == personne_id(EHPAD, str(sejour))
    assert personne_id(EHPAD, sejour) != personne_id(FAM, sejour)  # a transfer: another ESMS, another id
    assert personne_id(EHPAD, sejour) != personne_id(EHPAD, uuid.uuid4())


def test_a_fact_id_derives_from_its_source_event_its_type_and_for_a_fact_per_person_the_person() -> None:
    source, p = uuid.uuid4(), uuid.uuid4()
    assert fait_id(source, TypeFait.entree) == fait_id(str(source), TypeFait.entree)
    assert fait_id(source, TypeFait.evaluation_realisee) != fait_id(source, TypeFait.gir_evolue)
    assert fait_id(source, TypeFait.evenement_realise, p) != fait_id(source, TypeFait.evenement_realise)


def test_every_fact_has_its_source_and_every_count_its_facts() -> None:
    assert set(SOURCES_FAITS) == set(TypeFait)
    for key, a_venir in FAITS_A_VENIR.items():
        assert SOURCES_FAITS[a_venir.type] == key
    assert list(INDICATEURS) == list(CodeIndicateur)
    for definition in INDICATEURS.values():
        assert bool(definition.faits) == (definition.nature is Nature.nombre), definition.code


def test_as_of_a_day_means_the_end_of_that_day_in_paris_and_an_instant_without_zone_is_paris_time() -> None:
    day = FiltreIndicateurs.model_validate({"esms": EHPAD, "au_sens": "2025-03-31"})
    assert day.au_sens == datetime(2025, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)  # summer time
    instant = FiltreIndicateurs.model_validate({"esms": EHPAD, "au_sens": "2025-01-15T10:00:00"})
    assert instant.au_sens == datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
    assert FiltreIndicateurs.model_validate({"esms": EHPAD}).au_sens is None
    with pytest.raises(ValidationError):
        FiltreMensuels.model_validate({"esms": EHPAD, "de": "2025-13"})
    with pytest.raises(ValidationError):
        FiltreIndicateurs.model_validate({"esms": EHPAD, "au_sens": "3025-01-01"})


def test_the_definitions_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaut = ParametresIndicateurs()
    assert (defaut.ecriture_requise, defaut.evenements, defaut.projet_revision_depassee) == (
        True,
        (NatureEvenement.planifie, NatureEvenement.realise),
        True,
    )
    monkeypatch.setenv("DUI_INDICATEURS_ECRITURE_REQUISE", "false")
    monkeypatch.setenv("DUI_INDICATEURS_EVENEMENTS", "realise")
    monkeypatch.setenv("DUI_INDICATEURS_PROJET_REVISION_DEPASSEE", "0")
    lus = ParametresIndicateurs()
    assert lus.vue().model_dump() == {
        "ecriture_requise": False,
        "evenements": ["realise"],
        "projet_revision_depassee": False,
    }
    monkeypatch.setenv("DUI_INDICATEURS_EVENEMENTS", "planifie,ailleurs")
    with pytest.raises(ValidationError):
        ParametresIndicateurs()
    monkeypatch.setenv("DUI_INDICATEURS_EVENEMENTS", "")
    with pytest.raises(ValidationError):
        ParametresIndicateurs()
