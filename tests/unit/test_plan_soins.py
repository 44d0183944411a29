"""Plan de soins rules: the person's unit, the care the team plans (times of day, weekdays, start and end), the
acts traced against those slots, and the slot arithmetic in Paris time (daylight saving time included)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest

from dui_shared.contracts.soins import JourSemaine, MotifNonRealisation, TypeSoin
from dui_shared.errors import DomainError, Forbidden, InvalidInput, NotFound
from dui_shared.timezone import PARIS, to_utc
from dui_soins.domain.plan_soins import PlanSoins
from dui_soins.domain.planning import creneaux, decalee, fin_du_jour
from dui_soins.domain.prescription import Intervenant
from tests.unit.builders import EHPAD

UNITES = ["Les Lilas", "Les Glycines"]
AS = Intervenant("as-1", "aide_soignant", "Paul")
NOW = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)


def paris(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return to_utc(datetime(2026, month, day, hour, minute, tzinfo=PARIS))


def plan() -> PlanSoins:
    return PlanSoins(id=uuid.uuid4(), dossier_id=uuid.uuid4(), esms=EHPAD)


def events(p: PlanSoins) -> list[str]:
    return [type(e).__name__ for e in p.collect_events()]


def rules(exc: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in exc.errors}


def with_toilette(
    heures: tuple[time, ...] = (time(8, 30),),
    jours: tuple[JourSemaine, ...] = (),
    fin: date | None = date(2026, 10, 15),
) -> tuple[PlanSoins, uuid.UUID]:
    p = plan()
    soin = uuid.uuid4()
    p.planifier(
        soin, TypeSoin.toilette, "Toilette au lavabo", heures, jours, paris(1, 0), fin, None, "infirmier"
    )
    p.collect_events()
    return p, soin


# -- unit --------------------------------------------------------------------------------------------------


def test_the_unit_is_one_of_the_esms_and_set_once_per_change() -> None:
    p = plan()
    p.affecter_unite("Les Lilas", UNITES)
    p.affecter_unite("Les Lilas", UNITES)
    assert events(p) == ["PlanSoinsOuvert", "UniteAffectee"]
    with pytest.raises(InvalidInput) as refused:
        p.affecter_unite("Les Roses", UNITES)
    assert rules(refused.value) == {("unite", "unite_inconnue")}
    p.affecter_unite("Les Glycines", UNITES)
    assert p.unite == "Les Glycines"


# -- planned care ----------------------------------------------------------------------------------------------


def test_planned_care_needs_distinct_hours_and_an_end_after_its_start() -> None:
    p = plan()
    with pytest.raises(InvalidInput) as refused:
        p.planifier(
            uuid.uuid4(),
            TypeSoin.prevention_escarres,
            "Changement de position",
            (time(10), time(10)),
            (JourSemaine.mardi, JourSemaine.mardi),
            paris(10, 0),
            date(2026, 10, 9),
            None,
            "infirmier",
        )
    assert rules(refused.value) == {
        ("heures", "heure_dupliquee"),
        ("jours_semaine", "jour_duplique"),
        ("fin", "fin_avant_debut"),
    }
    with pytest.raises(InvalidInput) as refused:
        p.planifier(uuid.uuid4(), TypeSoin.change, "Change", (), (), paris(10, 0), None, None, "infirmier")
    assert rules(refused.value) == {("heures", "heures_requises")}


def test_only_care_roles_plan_care() -> None:
    with pytest.raises(Forbidden) as refused:
        plan().planifier(
            uuid.uuid4(), TypeSoin.toilette, "T", (time(8),), (), paris(1, 0), None, None, "secretariat"
        )
    assert refused.value.rule == "role_soignant_requis"


def test_planning_the_same_care_again_records_nothing() -> None:
    p = plan()
    soin = uuid.uuid4()
    for _ in range(2):
        p.planifier(
            soin, TypeSoin.toilette, "Toilette", (time(8),), (), paris(1, 0), None, None, "aide_soignant"
        )
    assert events(p) == ["PlanSoinsOuvert", "SoinPlanifie"]


# -- acts ---------------------------------------------------------------------------------------------------


def test_a_care_act_is_traced_on_a_planned_slot_once() -> None:
    p, soin = with_toilette()
    p.realiser(soin, paris(3, 8, 30), paris(3, 8, 45), AS, None, NOW)
    p.realiser(soin, paris(3, 8, 30), paris(3, 8, 50), AS, None, NOW)
    assert events(p) == ["ActeRealise"]
    with pytest.raises(DomainError) as refused:
        p.non_realiser(soin, paris(3, 8, 30), MotifNonRealisation.refus, None, AS, NOW)
    assert (refused.value.status, refused.value.rule) == (409, "acte_deja_trace")
    p.non_realiser(soin, paris(4, 8, 30), MotifNonRealisation.refus, "préfère le soir", AS, NOW)
    assert events(p) == ["ActeNonRealise"]


def test_a_care_act_needs_a_planned_slot_within_its_period() -> None:
    p, soin = with_toilette()
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(3, 9), paris(3, 9), AS, None, NOW)
    assert rules(refused.value) == {("prevu_le", "creneau_hors_plan")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(16, 8, 30), paris(16, 8, 30), AS, None, NOW)
    assert rules(refused.value) == {("prevu_le", "apres_fin_soin")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, None, paris(3, 9), AS, None, NOW)
    assert rules(refused.value) == {("prevu_le", "prevu_le_requis")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(3, 8, 30), NOW.replace(hour=11), AS, None, NOW)
    assert rules(refused.value) == {("realise_le", "dans_le_futur")}


def test_no_act_on_a_stopped_care_after_its_stop_and_an_unknown_one_is_not_found() -> None:
    p, soin = with_toilette(fin=None)
    p.arreter_soin(soin, "plus nécessaire", paris(5, 12), "infirmier")
    p.arreter_soin(soin, "plus nécessaire", paris(5, 13), "infirmier")
    assert events(p) == ["SoinArrete"]
    with pytest.raises(DomainError) as refused:
        p.realiser(soin, paris(6, 8, 30), paris(6, 8, 30), AS, None, NOW)
    assert (refused.value.status, refused.value.rule) == (409, "soin_arrete")
    p.realiser(soin, paris(5, 8, 30), paris(5, 8, 40), AS, None, NOW)  # that morning, before the stop
    assert events(p) == ["ActeRealise"]
    with pytest.raises(NotFound):
        p.realiser(uuid.uuid4(), paris(5, 8, 30), paris(5, 8, 30), AS, None, NOW)


def test_care_acts_are_dated_after_its_start_near_the_slot_and_not_declared_ahead() -> None:
    p, soin = with_toilette(fin=None)
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(3, 8, 30), datetime(1901, 10, 3, 8, 30, tzinfo=UTC), AS, None, NOW)
    assert rules(refused.value) == {("realise_le", "avant_debut_soin")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(3, 8, 30), paris(5, 9), AS, None, NOW)
    assert rules(refused.value) == {("realise_le", "realise_loin_du_creneau")}
    with pytest.raises(InvalidInput) as refused:
        p.non_realiser(soin, paris(30, 8, 30), MotifNonRealisation.refus, None, AS, NOW)  # ten days ahead
    assert rules(refused.value) == {("prevu_le", "dans_le_futur")}
    p.non_realiser(soin, paris(20, 8, 30), MotifNonRealisation.refus, None, AS, paris(20, 8))
    assert events(p) == ["ActeNonRealise"]


def test_weekdays_restrict_the_care_slots() -> None:
    p, soin = with_toilette(jours=(JourSemaine.mercredi, JourSemaine.samedi))
    p.realiser(soin, paris(7, 8, 30), paris(7, 8, 30), AS, None, NOW)  # Wednesday 7 October 2026
    with pytest.raises(InvalidInput) as refused:
        p.realiser(soin, paris(8, 8, 30), paris(8, 8, 30), AS, None, NOW)
    assert rules(refused.value) == {("prevu_le", "creneau_hors_plan")}


# -- slot arithmetic ------------------------------------------------------------------------------------


def test_slots_are_paris_times_of_day_in_summer_and_in_winter() -> None:
    slots = creneaux([time(8)], [], paris(24, 0), None, paris(24, 0), paris(27, 0))
    assert [s.astimezone(PARIS).hour for s, _ in slots] == [8, 8, 8]
    # 25 October 2026: back to winter time, 08:00 Paris is 06:00 UTC before and 07:00 UTC after
    assert [s.hour for s, _ in slots] == [6, 7, 7]


def test_a_time_the_spring_change_skips_is_planned_at_three_once() -> None:
    # 29 March 2026: Paris clocks go from 02:00 to 03:00
    de, a = paris(29, 0, month=3), paris(30, 0, month=3)
    slots = creneaux([time(2, 30), time(3, 30)], [], de, None, de, a)
    assert [(s.astimezone(PARIS).strftime("%H:%M"), heure) for s, heure in slots] == [
        ("03:00", time(2, 30)),  # moved to the first valid time after it, and known as moved
        ("03:30", time(3, 30)),
    ]
    assert [decalee(s, heure) for s, heure in slots] == [True, False]
    slots = creneaux([time(2, 30), time(3)], [], de, None, de, a)
    assert [(s.astimezone(PARIS).strftime("%H:%M"), heure) for s, heure in slots] == [("03:00", time(3))]
    p, soin = plan(), uuid.uuid4()
    p.planifier(
        soin, TypeSoin.change, "Change de nuit", (time(2, 30), time(3, 30)), (), de, None, None, "infirmier"
    )
    p.collect_events()
    p.realiser(
        soin, datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 5, tzinfo=UTC), AS, None, NOW
    )
    p.realiser(
        soin,
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 35, tzinfo=UTC),
        AS,
        None,
        NOW,
    )
    assert events(p) == ["ActeRealise", "ActeRealise"]  # two slots, two acts


def test_a_time_the_autumn_change_goes_through_twice_is_planned_once() -> None:
    # 25 October 2026: Paris clocks go from 03:00 back to 02:00, 02:30 happens at 00:30 and 01:30 UTC
    de, a = paris(25, 0), paris(26, 0)
    slots = creneaux([time(2, 30)], [], de, None, de, a)
    assert [s for s, _ in slots] == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


def test_slots_stay_within_the_start_and_the_end() -> None:
    start = paris(1, 9)
    slots = creneaux([time(8), time(20)], [], start, fin_du_jour(date(2026, 10, 2)), paris(1, 0), paris(5, 0))
    assert [s for s, _ in slots] == [paris(1, 20), paris(2, 8), paris(2, 20)]
