"""The indicators' arithmetic without a database: who counts in each rate from the situations of the persons
accompanied during a period, with and without the write condition; periods and monthly series."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from dui_reporting.indicateurs import Situation, Source, mois, periode, taux, valeur
from dui_shared.contracts.reporting import CodeIndicateur as C
from dui_shared.errors import InvalidInput


def _source(jour: date, type_: str = "admission.AdmissionPrononcee.v1") -> Source:
    return Source(id=uuid.uuid4(), type=type_, position=1, jour=jour)


def _situation(**sources: Source) -> Situation:
    return Situation(personne=uuid.uuid4(), entree=_source(date(2025, 1, 10)), **sources)


def test_rates_count_active_dossiers_among_accompanied_persons_and_the_rest_among_active_ones() -> None:
    ecrit = _source(date(2025, 2, 3), "soins.TransmissionSaisie.v1")
    projet = _source(date(2025, 2, 15), "dossier.ProjetPersonnaliseValide.v1")
    rdv = _source(date(2025, 2, 20), "agenda.EvenementPlanifie.v1")
    ins = _source(date(2025, 2, 1), "dossier.IdentiteQualifiee.v1")
    complet = _situation(ecriture=ecrit, projet=projet, evenement=rdv, ins=ins)
    silencieux = _situation(projet=projet)  # a projet in force but no write this month: not active
    sorti = _situation(ecriture=ecrit, sortie=_source(date(2025, 2, 10), "admission.SortiePrononcee.v1"))
    rates = taux([complet, silencieux, sorti], ecriture_requise=True)

    actifs = rates[C.dossiers_actifs]
    assert [m.personne for m in actifs.denominateur] == [
        complet.personne,
        silencieux.personne,
        sorti.personne,
    ]
    assert [m.personne for m in actifs.numerateur] == [complet.personne, sorti.personne]
    assert actifs.valeur == 0.6667
    assert [s.type for s in actifs.denominateur[2].sources] == [
        "admission.AdmissionPrononcee.v1",
        "admission.SortiePrononcee.v1",
    ]
    assert actifs.numerateur[0].jour == date(2025, 2, 3)  # the day of its first write in the period
    for code, expected in {
        C.dossiers_actifs_projet: [complet.personne],
        C.dossiers_actifs_evenement: [complet.personne],
        C.dossiers_actifs_ins: [complet.personne],
    }.items():
        assert [m.personne for m in rates[code].numerateur] == expected, code
        assert len(rates[code].denominateur) == 2 and rates[code].valeur == 0.5
    member = rates[C.dossiers_actifs_projet].numerateur[0]
    assert (member.jour, [s.type for s in member.sources]) == (
        date(2025, 2, 15),
        ["soins.TransmissionSaisie.v1", "dossier.ProjetPersonnaliseValide.v1"],
    )


def test_without_the_write_condition_every_accompanied_person_has_an_active_dossier() -> None:
    projet = _source(date(2025, 2, 15), "dossier.ProjetPersonnaliseValide.v1")
    persons = [_situation(projet=projet), _situation()]
    rates = taux(persons, ecriture_requise=False)
    assert len(rates[C.dossiers_actifs].numerateur) == 2 and rates[C.dossiers_actifs].valeur == 1.0
    assert rates[C.dossiers_actifs_projet].valeur == 0.5
    member = rates[C.dossiers_actifs_projet].numerateur[0]
    assert [s.type for s in member.sources] == ["dossier.ProjetPersonnaliseValide.v1"]


def test_a_rate_of_nobody_has_no_value() -> None:
    rates = taux([], ecriture_requise=True)
    assert all(t.valeur is None for t in rates.values())
    assert valeur(0, 0) is None and valeur(1, 3) == 0.3333 and valeur(2, 2) == 1.0


def test_a_period_defaults_to_a_month_and_is_checked() -> None:
    today = date(2026, 11, 26)
    assert periode(None, None, today) == (date(2026, 11, 1), date(2026, 11, 30))
    assert periode(date(2024, 2, 10), None, today) == (date(2024, 2, 10), date(2024, 2, 29))
    assert periode(None, date(2025, 3, 15), today) == (date(2025, 3, 1), date(2025, 3, 15))
    assert periode(date(2025, 1, 1), date(2025, 12, 31), today) == (date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(InvalidInput) as backwards:
        periode(date(2025, 2, 1), date(2025, 1, 31), today)
    assert (backwards.value.errors[0].field, backwards.value.rule) == ("au", "fin_avant_debut")
    with pytest.raises(InvalidInput) as too_long:
        periode(date(2000, 1, 1), date(2025, 1, 1), today)
    assert too_long.value.rule == "periode_trop_longue"


def test_a_monthly_series_lists_each_month_with_its_days() -> None:
    today = date(2026, 1, 20)
    series = mois("2024-11", "2025-02", today)
    assert series == [
        ("2024-11", date(2024, 11, 1), date(2024, 11, 30)),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2025-01", date(2025, 1, 1), date(2025, 1, 31)),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
    ]
    defaut = mois(None, None, today)
    assert (len(defaut), defaut[0][0], defaut[-1][0]) == (12, "2025-02", "2026-01")
    with pytest.raises(InvalidInput) as backwards:
        mois("2025-03", "2025-02", today)
    assert backwards.value.rule == "fin_avant_debut"
    with pytest.raises(InvalidInput) as too_long:
        mois("2020-01", "2025-01", today)
    assert too_long.value.rule == "serie_trop_longue"
