"""The planned occurrences reporting keeps of an agenda event: the rule read like the agenda reads it (Paris
wall-clock, UTC for HOURLY, UNTIL in UTC), bounded whatever the rule, and never failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from dui_reporting.occurrences import HORIZON, OCCURRENCES_MAX, occurrences
from dui_shared.timezone import PARIS


def test_a_single_event_is_its_start() -> None:
    debut = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
    assert occurrences(debut, None) == [debut]


def test_a_weekly_activity_keeps_its_paris_time_across_the_change_of_time() -> None:
    debut = datetime(2025, 3, 20, 14, 0, tzinfo=UTC)  # 15:00 in Paris (winter time)
    starts = occurrences(debut, "FREQ=WEEKLY;COUNT=3")
    assert [s.astimezone(PARIS).hour for s in starts] == [15, 15, 15]
    assert [s.hour for s in starts] == [14, 14, 13]  # UTC moves by an hour after 30 March


def test_until_is_read_in_utc_and_hourly_rules_in_real_hours() -> None:
    debut = datetime(2025, 10, 25, 22, 0, tzinfo=UTC)
    daily = occurrences(debut, "FREQ=DAILY;UNTIL=20251028T000000Z")
    assert [s.date().isoformat() for s in daily] == ["2025-10-25", "2025-10-26", "2025-10-27"]
    hourly = occurrences(debut, "FREQ=HOURLY;INTERVAL=8;COUNT=4")
    assert [b - a for a, b in pairwise(hourly)] == [timedelta(hours=8)] * 3


def test_an_unbounded_rule_is_kept_over_the_horizon_and_a_dense_one_to_the_maximum() -> None:
    debut = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    weekly = occurrences(debut, "FREQ=WEEKLY")
    assert weekly[-1] - debut < HORIZON and len(weekly) == 157
    hourly = occurrences(debut, "FREQ=HOURLY")
    assert len(hourly) == OCCURRENCES_MAX


def test_a_rule_that_cannot_be_read_is_its_first_occurrence() -> None:
    debut = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert occurrences(debut, "FREQ=SOMETIMES") == [debut]
    assert occurrences(debut, "RRULE:FREQ=DAILY;COUNT=2") == [debut, debut + timedelta(days=1)]
