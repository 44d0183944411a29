"""Recurrences: RRULE validation and normalisation, expansion in Paris wall-clock time (across the daylight-saving
changes), membership of an occurrence, the series' end, and the overlaps between events sharing a participant."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from dui_agenda.domain.recurrence import Conflit, Planning, Serie, chevauchants, conflits, normaliser
from dui_shared.errors import InvalidInput
from dui_shared.timezone import PARIS, to_utc

LUNDI_15H = to_utc(datetime(2026, 10, 19, 15, 0))  # a Monday, in summer time (UTC+2)
HEURE = timedelta(hours=1)


def paris(*args: int) -> datetime:
    return to_utc(datetime(*args))  # type: ignore[arg-type]


def refused(rule: str, debut: datetime = LUNDI_15H) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        normaliser(rule, debut)
    [error] = caught.value.errors
    return error.field, error.rule


def serie(rule: str | None, debut: datetime = LUNDI_15H, duree: timedelta = HEURE) -> Serie:
    return Serie(debut, debut + duree, normaliser(rule, debut) if rule else None)


# -- validation and normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "stored"),
    [
        ("FREQ=WEEKLY", "FREQ=WEEKLY"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("freq=weekly;byday=mo,th", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("FREQ=DAILY;INTERVAL=2;COUNT=10", "FREQ=DAILY;COUNT=10;INTERVAL=2"),
        ("FREQ=MONTHLY;BYDAY=3MO", "FREQ=MONTHLY;BYDAY=3MO"),  # the third Monday of the month
        ("FREQ=MONTHLY;BYDAY=-2MO", "FREQ=MONTHLY;BYDAY=-2MO"),  # the last but one
        ("FREQ=MONTHLY;BYMONTHDAY=19", "FREQ=MONTHLY;BYMONTHDAY=19"),
        ("FREQ=YEARLY;BYMONTH=10;BYDAY=3MO", "FREQ=YEARLY;BYDAY=3MO;BYMONTH=10"),
        ("FREQ=HOURLY;INTERVAL=8", "FREQ=HOURLY;INTERVAL=8"),
        ("FREQ=DAILY;BYHOUR=9,15", "FREQ=DAILY;BYHOUR=9,15"),
    ],
)
def test_a_valid_rule_is_stored_in_its_canonical_form(rule: str, stored: str) -> None:
    assert normaliser(rule, LUNDI_15H) == stored


def test_until_is_stored_in_utc_a_day_or_a_time_without_zone_being_paris_time() -> None:
    # a day: up to its end in Paris (winter time, UTC+1)
    assert normaliser("FREQ=WEEKLY;UNTIL=20261231", LUNDI_15H) == "FREQ=WEEKLY;UNTIL=20261231T225959Z"
    assert normaliser("FREQ=WEEKLY;UNTIL=20261102T150000", LUNDI_15H) == "FREQ=WEEKLY;UNTIL=20261102T140000Z"
    assert normaliser("FREQ=WEEKLY;UNTIL=20261102T140000Z", LUNDI_15H) == "FREQ=WEEKLY;UNTIL=20261102T140000Z"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("", "recurrence_invalide"),
        ("n'importe quoi", "recurrence_invalide"),
        ("BYDAY=MO", "recurrence_invalide"),  # no FREQ
        ("FREQ=SOMETIMES", "recurrence_invalide"),
        ("FREQ=WEEKLY;BYDAY=XX", "recurrence_invalide"),
        ("FREQ=WEEKLY;INTERVAL=0", "recurrence_invalide"),
        ("FREQ=WEEKLY;COUNT=0", "recurrence_invalide"),
        ("FREQ=WEEKLY;COUNT=100000", "recurrence_invalide"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "recurrence_invalide"),  # RFC 5545: one or the other
        ("FREQ=WEEKLY\nEXDATE:20261026T150000", "recurrence_invalide"),
        ("DTSTART:20261019T150000\nRRULE:FREQ=WEEKLY", "recurrence_invalide"),
        ("FREQ=MINUTELY", "frequence_non_supportee"),
        ("FREQ=SECONDLY", "frequence_non_supportee"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1", "regle_non_supportee"),
        ("FREQ=YEARLY;BYWEEKNO=43", "regle_non_supportee"),
        ("FREQ=WEEKLY;X-DUI=1", "regle_non_supportee"),
        ("FREQ=WEEKLY;BYDAY=TU", "debut_hors_recurrence"),  # the start is a Monday
        ("FREQ=DAILY;BYHOUR=9", "debut_hors_recurrence"),  # the start is at 15:00
        ("FREQ=MONTHLY;BYDAY=1MO", "debut_hors_recurrence"),  # 19 October is the third Monday
        ("FREQ=WEEKLY;BYDAY=2MO", "debut_hors_recurrence"),  # an ordinal weekday needs a month or a year
        ("FREQ=WEEKLY;UNTIL=20261001", "recurrence_sans_occurrence"),
    ],
)
def test_an_invalid_rule_is_a_422_on_recurrence_naming_the_rule(rule: str, expected: str) -> None:
    assert refused(rule) == ("recurrence", expected)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_rule_that_never_matches_is_refused_at_once(rule: str) -> None:
    """dateutil would look for its first occurrence period after period until the year 9999."""
    started = time.perf_counter()
    assert refused(rule, paris(2026, 2, 28, 10, 0)) == ("recurrence", "debut_hors_recurrence")
    assert time.perf_counter() - started < 0.1


# -- expansion ----------------------------------------------------------------------------------------------


def test_a_weekly_activity_stays_at_15h_paris_time_across_the_autumn_change() -> None:
    weekly = serie("FREQ=WEEKLY;BYDAY=MO")
    slots = weekly.occurrences(paris(2026, 10, 18, 0, 0), paris(2026, 11, 3, 0, 0))
    assert [s.astimezone(PARIS).strftime("%d/%m %H:%M") for s, _ in slots] == [
        "19/10 15:00",
        "26/10 15:00",  # the day after the change (25 October): 15:00 still
        "02/11 15:00",
    ]
    assert [s.astimezone(UTC).hour for s, _ in slots] == [13, 14, 14]
    assert all(e - s == HEURE for s, e in slots)


def test_a_weekly_activity_stays_at_15h_paris_time_across_the_spring_change() -> None:
    weekly = serie("FREQ=WEEKLY", paris(2027, 3, 22, 15, 0))
    slots = weekly.occurrences(paris(2027, 3, 22, 0, 0), paris(2027, 4, 1, 0, 0))
    assert [s.astimezone(PARIS).hour for s, _ in slots] == [15, 15]
    assert [s.astimezone(UTC).hour for s, _ in slots] == [14, 13]


def test_expansion_is_bounded_by_the_window_even_for_an_unbounded_rule() -> None:
    daily = serie("FREQ=DAILY")
    assert daily.fin_max() is None
    slots = daily.occurrences(paris(2030, 1, 1, 0, 0), paris(2030, 1, 8, 0, 0))
    assert len(slots) == 7
    assert daily.occurrences(paris(2026, 1, 1, 0, 0), paris(2026, 2, 1, 0, 0)) == []  # before its start


def test_an_occurrence_overlapping_the_window_start_is_in_the_window() -> None:
    evening = serie(None, paris(2026, 10, 19, 23, 0), timedelta(hours=2))
    assert evening.occurrences(paris(2026, 10, 20, 0, 0), paris(2026, 10, 21, 0, 0)) == [
        (paris(2026, 10, 19, 23, 0), paris(2026, 10, 20, 1, 0))
    ]
    assert evening.occurrences(paris(2026, 10, 20, 1, 0), paris(2026, 10, 21, 0, 0)) == []


def test_count_and_until_end_the_series() -> None:
    counted = serie("FREQ=WEEKLY;COUNT=3")
    assert len(counted.occurrences(paris(2026, 1, 1, 0, 0), paris(2028, 1, 1, 0, 0))) == 3
    assert counted.fin_max() == paris(2026, 11, 2, 16, 0)
    until = serie("FREQ=WEEKLY;UNTIL=20261102")
    assert len(until.occurrences(paris(2026, 1, 1, 0, 0), paris(2028, 1, 1, 0, 0))) == 3
    fin_max = until.fin_max()
    assert fin_max is not None and fin_max >= paris(2026, 11, 2, 16, 0)


def test_an_occurrence_belongs_to_the_series_only_at_its_planned_start() -> None:
    weekly = serie("FREQ=WEEKLY;COUNT=4")
    assert weekly.contient(paris(2026, 10, 19, 15, 0))
    assert weekly.contient(paris(2026, 11, 9, 15, 0))
    assert not weekly.contient(paris(2026, 11, 16, 15, 0))  # after COUNT
    assert not weekly.contient(paris(2026, 10, 26, 14, 0))  # 14:00 Paris, not 15:00
    assert not weekly.contient(paris(2026, 10, 12, 15, 0))  # before its start
    once = serie(None)
    assert once.contient(LUNDI_15H)
    assert not once.contient(LUNDI_15H + timedelta(days=7))


# -- overlaps -----------------------------------------------------------------------------------------------


def planning(eid: str, s: Serie, *participants: str, exclues: tuple[datetime, ...] = ()) -> Planning:
    return Planning(eid, f"événement {eid}", s, frozenset(participants), frozenset(exclues))


WINDOW = (paris(2026, 10, 1, 0, 0), paris(2027, 10, 1, 0, 0))


def test_overlapping_slots_of_sorted_occurrences() -> None:
    theirs = [(paris(2026, 10, 19, h, 0), paris(2026, 10, 19, h + 1, 0)) for h in (9, 14, 16)]
    mine = (paris(2026, 10, 19, 14, 30), paris(2026, 10, 19, 16, 0))
    assert chevauchants(mine, theirs, HEURE) == [theirs[1]]  # ends at 16:00: touching is not overlapping


def test_an_event_conflicts_with_another_of_a_shared_participant_at_any_occurrence() -> None:
    weekly = planning("activite", serie("FREQ=WEEKLY"), "usager:u1", "professionnel:anim")
    kine = planning(
        "kine", serie(None, paris(2026, 11, 9, 15, 30), timedelta(minutes=30)), "usager:u1", "professionnel:k"
    )
    [conflit] = conflits(kine, [weekly, kine], *WINDOW)
    assert conflit == Conflit(
        "activite",
        "événement activite",
        paris(2026, 11, 9, 15, 0),
        paris(2026, 11, 9, 16, 0),
        1,
        ("usager:u1",),
    )
    # seen from the series: the one occurrence it overlaps
    [inverse] = conflits(weekly, [kine], *WINDOW)
    assert (inverse.evenement_id, inverse.debut, inverse.occurrences) == (
        "kine",
        paris(2026, 11, 9, 15, 30),
        1,
    )


def test_no_conflict_without_a_shared_participant_nor_with_a_cancelled_occurrence() -> None:
    weekly = planning("activite", serie("FREQ=WEEKLY"), "usager:u1")
    other_person = planning("autre", serie(None), "usager:u2")
    assert conflits(weekly, [other_person], *WINDOW) == []
    kine = planning("kine", serie(None, paris(2026, 10, 26, 15, 0)), "usager:u1")
    cancelled = planning("activite", serie("FREQ=WEEKLY"), "usager:u1", exclues=(paris(2026, 10, 26, 15, 0),))
    assert conflits(kine, [cancelled], *WINDOW) == []
    assert len(conflits(kine, [weekly], *WINDOW)) == 1


def test_two_series_conflict_on_every_overlapping_occurrence() -> None:
    mondays = planning("lundis", serie("FREQ=WEEKLY;COUNT=10"), "professionnel:ide")
    every_other = planning(
        "quinzaine", serie("FREQ=WEEKLY;INTERVAL=2", paris(2026, 10, 19, 15, 30)), "professionnel:ide"
    )
    [conflit] = conflits(mondays, [every_other], *WINDOW)
    assert conflit.occurrences == 5
    assert conflit.participants == ("professionnel:ide",)
