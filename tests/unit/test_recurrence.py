"""Recurrences: RRULE validation and normalisation, expansion in Paris wall-clock time (across the daylight-saving
changes; HOURLY rules in real hours), membership of an occurrence, the series' end, the bounds that keep one
rule from holding the service (density, UNTIL, occurrences per read), and the overlaps between events sharing a
participant."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr

from dui_agenda.domain.recurrence import (
    LIMITE,
    OCCURRENCES_MAX,
    Budget,
    Conflit,
    Planning,
    Serie,
    TropDOccurrences,
    chevauchants,
    chevauchements,
    conflits,
    normaliser,
)
from dui_shared.errors import InvalidInput
from dui_shared.timezone import PARIS, to_utc

LUNDI_15H = to_utc(datetime(2026, 10, 19, 15, 0))  # a Monday, in summer time (UTC+2)
HEURE = timedelta(hours=1)


def paris(*args: int) -> datetime:
    return to_utc(datetime(*args))  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def refused(rule: str, debut: datetime = LUNDI_15H, duree: timedelta = timedelta(0)) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        normaliser(rule, debut, duree)
    [error] = caught.value.errors
    return error.field, error.rule


def serie(rule: str | None, debut: datetime = LUNDI_15H, duree: timedelta = HEURE) -> Serie:
    return Serie(debut, debut + duree, normaliser(rule, debut, duree) if rule else None)


def starts(slots: list[tuple[datetime, datetime]]) -> list[str]:
    return [s.astimezone(PARIS).strftime("%d/%m %H:%M%z") for s, _ in slots]


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
        ("FREQ=HOURLY;BYMINUTE=0,30", "FREQ=HOURLY;BYMINUTE=0,30"),  # every half hour: dense, not too dense
        ("FREQ=WEEKLY;UNTIL=21001231", "FREQ=WEEKLY;UNTIL=21001231T225959Z"),  # the platform's last day
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
        # RFC 5545: each part once — the second FREQ used to win silently
        ("FREQ=WEEKLY;FREQ=DAILY", "recurrence_invalide"),
        ("FREQ=WEEKLY;COUNT=3;COUNT=5", "recurrence_invalide"),
        ("FREQ=WEEKLY;BYDAY=MO;byday=MO", "recurrence_invalide"),
        # UNTIL within the platform's dates: the year 9999 overflowed after the write, the year 1 before it
        ("FREQ=WEEKLY;UNTIL=99991231T235959Z", "recurrence_invalide"),
        ("FREQ=WEEKLY;UNTIL=00010101T000000", "recurrence_invalide"),
        ("FREQ=WEEKLY;UNTIL=21010101", "recurrence_invalide"),
        ("FREQ=WEEKLY;UNTIL=18991231T235959Z", "recurrence_invalide"),
        # HOURLY counts real hours (UTC): a filter on the hour or the day would be a UTC one
        ("FREQ=HOURLY;BYHOUR=15", "regle_non_supportee"),
        ("FREQ=HOURLY;BYDAY=MO", "regle_non_supportee"),
        ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", "regle_non_supportee"),
        # occurrences closer than 15 minutes
        (f"FREQ=HOURLY;BYMINUTE={','.join(str(m) for m in range(60))}", "recurrence_trop_dense"),
        ("FREQ=DAILY;BYHOUR=15,16;BYMINUTE=0,10", "recurrence_trop_dense"),
    ],
)
def test_an_invalid_rule_is_a_422_on_recurrence_naming_the_rule(rule: str, expected: str) -> None:
    assert refused(rule) == ("recurrence", expected)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_rule_that_never_matches_is_refused(rule: str) -> None:
    """dateutil would look for its first occurrence period after period until the year 9999, on every read."""
    assert refused(rule, paris(2026, 2, 28, 10, 0)) == ("recurrence", "debut_hors_recurrence")


def test_occurrences_may_not_overlap_each_other() -> None:
    """A series whose occurrences come closer than the event lasts would overlap itself."""
    assert refused("FREQ=HOURLY;INTERVAL=2", duree=timedelta(hours=3)) == (
        "recurrence",
        "recurrence_trop_dense",
    )
    assert refused("FREQ=DAILY", duree=timedelta(hours=25)) == ("recurrence", "recurrence_trop_dense")
    # touching is not overlapping
    assert normaliser("FREQ=HOURLY;INTERVAL=2", LUNDI_15H, timedelta(hours=2)) == "FREQ=HOURLY;INTERVAL=2"
    assert normaliser("FREQ=HOURLY;BYMINUTE=0,15,30,45", LUNDI_15H, timedelta(minutes=15))


def test_a_rule_that_overlaps_itself_only_on_the_night_of_the_spring_change_is_refused() -> None:
    """At 01:00 and 03:00 Paris time, 2 hours apart, except on 28 March 2027 when 03:00 comes one hour after
    01:00: an event of 1 h 30 would overlap itself that night, a year after its start."""
    debut = paris(2026, 4, 1, 1, 0)
    with pytest.raises(InvalidInput) as caught:
        normaliser("FREQ=DAILY;BYHOUR=1,3", debut, timedelta(minutes=90))
    [error] = caught.value.errors
    assert (error.field, error.rule) == ("recurrence", "recurrence_trop_dense")
    assert "28/03/2027" in error.message
    assert normaliser("FREQ=DAILY;BYHOUR=1,3", debut, timedelta(minutes=60)) == "FREQ=DAILY;BYHOUR=1,3"


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


# -- the changes of time of 2026: 29 March (02:00 → 03:00) and 25 October (03:00 → 02:00) -------------------


def test_a_daily_event_at_2h30_occurs_once_on_the_autumn_night_at_the_first_2h30() -> None:
    daily = serie("FREQ=DAILY", paris(2026, 10, 1, 2, 30), timedelta(minutes=30))
    nuit = daily.occurrences(utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 4, 0))
    assert nuit == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 0))]  # 02:30 summer time
    assert daily.contient(utc(2026, 10, 25, 0, 30))
    assert not daily.contient(utc(2026, 10, 25, 1, 30))  # the second 02:30 (winter time) is no occurrence
    assert starts(daily.occurrences(utc(2026, 10, 25, 12, 0), utc(2026, 10, 27, 0, 0))) == [
        "26/10 02:30+0100"
    ]


def test_a_daily_event_at_2h30_occurs_at_3h30_on_the_spring_night() -> None:
    """02:30 does not exist on 29 March 2026: RFC 5545 reads it with the offset before the gap."""
    daily = serie("FREQ=DAILY", paris(2026, 3, 1, 2, 30), timedelta(minutes=30))
    nuit = daily.occurrences(utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 4, 0))
    assert starts(nuit) == ["29/03 03:30+0200"]
    assert daily.contient(utc(2026, 3, 29, 1, 30))
    assert not daily.contient(utc(2026, 3, 29, 0, 30))


def test_an_hourly_rule_counts_real_hours_across_the_spring_change() -> None:
    """Expanded in wall-clock time it gave 03:00 twice (as 01:00 UTC) and no 01:00 UTC hour apart."""
    hourly = serie("FREQ=HOURLY", paris(2026, 3, 28, 22, 0), timedelta(minutes=30))
    nuit = hourly.occurrences(utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 3, 0))
    assert starts(nuit) == ["29/03 00:00+0100", "29/03 01:00+0100", "29/03 03:00+0200", "29/03 04:00+0200"]
    assert [e - s for s, e in nuit] == [timedelta(minutes=30)] * 4


def test_an_hourly_rule_counts_real_hours_across_the_autumn_change() -> None:
    """Expanded in wall-clock time it skipped the second 02:00 (01:00 UTC)."""
    hourly = serie("FREQ=HOURLY", paris(2026, 10, 24, 22, 0), timedelta(minutes=30))
    nuit = hourly.occurrences(utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 3, 0))
    assert starts(nuit) == ["25/10 01:00+0200", "25/10 02:00+0200", "25/10 02:00+0100", "25/10 03:00+0100"]
    assert hourly.contient(utc(2026, 10, 25, 1, 0))
    every_8_hours = serie("FREQ=HOURLY;INTERVAL=8", paris(2026, 10, 24, 22, 0))
    assert starts(every_8_hours.occurrences(utc(2026, 10, 24, 0, 0), utc(2026, 10, 26, 0, 0))) == [
        "24/10 22:00+0200",
        "25/10 05:00+0100",  # 8 hours after, not 06:00
        "25/10 13:00+0100",
        "25/10 21:00+0100",
    ]


# -- bounds -------------------------------------------------------------------------------------------------


def test_a_series_read_decades_after_its_start_expands_the_window_only() -> None:
    """Walking from its start would go through 2 million occurrences: more than any read may."""
    quarter = serie("FREQ=HOURLY;BYMINUTE=0,15,30,45", paris(2026, 1, 1, 0, 0), timedelta(minutes=15))
    day = quarter.occurrences(paris(2090, 6, 5, 0, 0), paris(2090, 6, 6, 0, 0))
    assert len(day) == 96
    assert starts(day)[:2] == ["05/06 00:00+0200", "05/06 00:15+0200"]
    assert quarter.contient(paris(2090, 6, 5, 10, 45))
    assert not quarter.contient(paris(2090, 6, 5, 10, 50))


def _reference(s: Serie, jusqu_a: datetime) -> list[datetime]:
    """Every start from the first on (dateutil, as RFC 5545 defines them), distinct, UTC, up to `jusqu_a`."""
    assert s.recurrence is not None
    hourly = "FREQ=HOURLY" in s.recurrence
    found = set()
    for o in rrulestr(s.recurrence, dtstart=s.debut.astimezone(UTC if hourly else PARIS)):
        start = o.astimezone(UTC)
        if start >= jusqu_a + timedelta(hours=3):
            break
        found.add(start)
    return sorted(found)


@pytest.mark.parametrize(
    ("rule", "debut"),
    [
        ("FREQ=DAILY", paris(2026, 3, 1, 2, 30)),
        ("FREQ=DAILY;INTERVAL=3", paris(2026, 1, 1, 23, 30)),
        ("FREQ=DAILY;BYDAY=MO,TU;BYMONTH=3,10", paris(2026, 3, 2, 2, 30)),
        ("FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,30", paris(2026, 3, 1, 1, 0)),
        ("FREQ=WEEKLY;BYDAY=MO,TH;INTERVAL=2", LUNDI_15H),
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=3;BYDAY=SU,SA", paris(2026, 10, 24, 10, 0)),
        ("FREQ=MONTHLY;BYDAY=3MO", LUNDI_15H),
        ("FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=3", paris(2026, 10, 30, 9, 0)),
        ("FREQ=MONTHLY;BYMONTHDAY=31", paris(2026, 1, 31, 8, 0)),
        ("FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-1", paris(2026, 1, 31, 10, 0)),
        ("FREQ=YEARLY", paris(2026, 10, 25, 2, 30)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", paris(2028, 2, 29, 10, 0)),
        ("FREQ=YEARLY;BYDAY=20MO", paris(2026, 5, 18, 10, 0)),
        ("FREQ=HOURLY;INTERVAL=7", paris(2026, 3, 28, 23, 0)),
        ("FREQ=HOURLY;BYMINUTE=0,30", paris(2026, 10, 24, 12, 0)),
    ],
)
def test_a_window_shows_the_occurrences_of_the_whole_series_expanded_from_its_start(
    rule: str, debut: datetime
) -> None:
    """Expansions restart the rule near the window: they must show exactly what the whole series has there."""
    duree = timedelta(minutes=25)
    s = serie(rule, debut, duree)
    reference = _reference(s, debut + timedelta(days=3 * 365 + 50))
    draw = random.Random(rule)
    for _ in range(40):
        du = debut + timedelta(hours=draw.randint(-48, 24 * 365 * 3))
        au = du + timedelta(hours=draw.randint(1, 24 * 45))
        near = reference[bisect_right(reference, du - duree) : bisect_left(reference, au)]
        expected = [(x, x + duree) for x in near]
        assert s.occurrences(du, au) == expected, (du, au)


def test_no_read_expands_more_occurrences_than_its_budget() -> None:
    quarter = serie("FREQ=HOURLY;BYMINUTE=0,15,30,45", paris(2026, 1, 1, 0, 0), timedelta(minutes=15))
    year = (paris(2026, 1, 1, 0, 0), paris(2027, 1, 1, 0, 0))  # 35 040 occurrences
    with pytest.raises(TropDOccurrences) as caught:
        quarter.occurrences(*year)
    [error] = caught.value.errors
    assert (error.field, error.rule) == ("au", "trop_d_occurrences")
    assert "du 01/01/2026 au 31/12/2026" in error.message
    # one budget for every event a read expands: each half of the limit passes alone, not both
    five_months = (paris(2026, 1, 1, 0, 0), paris(2026, 1, 1, 0, 0) + timedelta(days=150))  # 14 400 each
    assert len(quarter.occurrences(*five_months)) < OCCURRENCES_MAX
    budget = Budget(*five_months)
    quarter.occurrences(*five_months, budget)
    with pytest.raises(TropDOccurrences):
        quarter.occurrences(*five_months, budget)


def test_no_occurrence_after_2100_even_for_a_count() -> None:
    yearly = serie("FREQ=YEARLY;COUNT=200")
    slots = yearly.occurrences(paris(2026, 1, 1, 0, 0), LIMITE + timedelta(days=3650))
    assert (len(slots), slots[-1][0]) == (75, paris(2100, 10, 19, 15, 0))
    assert yearly.fin_max() == paris(2100, 10, 19, 16, 0)


def test_a_rule_stored_in_the_log_is_read_as_it_is_and_never_fails() -> None:
    """An older log may hold rules refused today: the read model and the reads must not fail on them."""
    far = Serie(LUNDI_15H, LUNDI_15H + HEURE, "FREQ=WEEKLY;UNTIL=99991231T235959Z")
    assert far.fin_max() == LIMITE + HEURE
    december = far.occurrences(paris(2100, 12, 1, 0, 0), paris(2101, 3, 1, 0, 0))
    assert starts(december) == [
        "06/12 15:00+0100",
        "13/12 15:00+0100",
        "20/12 15:00+0100",
        "27/12 15:00+0100",
    ]
    assert far.contient(paris(2100, 12, 27, 15, 0))
    for rule in (
        "FREQ=WEEKLY;UNTIL=00010101T000000",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=MINUTELY",
        "n'importe quoi",
    ):
        stored = Serie(LUNDI_15H, LUNDI_15H + HEURE, rule)  # read as its first occurrence
        assert stored.fin_max() == LUNDI_15H + HEURE, rule
        assert stored.occurrences(paris(2026, 1, 1, 0, 0), paris(2027, 1, 1, 0, 0)) == [
            (LUNDI_15H, LUNDI_15H + HEURE)
        ], rule
        assert stored.contient(LUNDI_15H) and not stored.contient(LUNDI_15H + timedelta(weeks=1)), rule


def test_merged_overlaps_are_those_found_by_comparing_every_pair() -> None:
    week = (paris(2026, 10, 19, 0, 0), paris(2026, 10, 26, 0, 0))
    theirs = serie("FREQ=HOURLY;BYMINUTE=0,15,30,45", LUNDI_15H, timedelta(minutes=15)).occurrences(*week)
    mine = serie(
        "FREQ=DAILY;BYHOUR=9,15;BYMINUTE=10", LUNDI_15H + timedelta(minutes=10), timedelta(minutes=50)
    )
    slots = mine.occurrences(*week)
    every_pair = {j for m in slots for j, t in enumerate(theirs) if t[0] < m[1] and m[0] < t[1]}
    assert chevauchements(slots, theirs) == every_pair
    assert len(every_pair) == 4 * (2 * 7 - 1)  # 15:10-16:00 the first day, then twice a day
    [conflit] = conflits(
        planning("moi", mine, "professionnel:ide"),
        [
            planning(
                "eux", Serie(LUNDI_15H, LUNDI_15H + timedelta(minutes=15), theirs_rule()), "professionnel:ide"
            )
        ],
        *week,
    )
    assert conflit.occurrences == len(every_pair)


def theirs_rule() -> str:
    return normaliser("FREQ=HOURLY;BYMINUTE=0,15,30,45", LUNDI_15H, timedelta(minutes=15))
