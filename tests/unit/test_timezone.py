"""Times typed without a zone are Paris wall-clock times; they are stored in UTC and shown back in Paris time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dui_shared.timezone import PARIS, now_utc, to_paris, to_utc


def test_a_winter_time_typed_without_zone_is_read_as_paris_time_one_hour_ahead_of_utc() -> None:
    stored = to_utc(datetime(2026, 1, 15, 9, 0))

    assert stored == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_a_summer_time_typed_without_zone_is_read_as_paris_time_two_hours_ahead_of_utc() -> None:
    stored = to_utc(datetime(2026, 7, 15, 9, 0))

    assert stored == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_a_time_given_with_its_own_zone_keeps_its_instant() -> None:
    new_york = timezone(timedelta(hours=-5))

    assert to_utc(datetime(2026, 1, 15, 9, 0, tzinfo=new_york)) == datetime(2026, 1, 15, 14, 0, tzinfo=UTC)


def test_a_stored_winter_instant_is_shown_in_paris_with_a_plus_one_offset() -> None:
    shown = to_paris(datetime(2026, 12, 1, 13, 30, tzinfo=UTC))

    assert shown.isoformat() == "2026-12-01T14:30:00+01:00"


def test_a_stored_summer_instant_is_shown_in_paris_with_a_plus_two_offset() -> None:
    shown = to_paris(datetime(2026, 7, 15, 7, 0, tzinfo=UTC))

    assert shown.isoformat() == "2026-07-15T09:00:00+02:00"


def test_what_the_user_typed_is_what_the_user_sees_again_after_storage() -> None:
    for typed in (datetime(2026, 1, 15, 9, 0), datetime(2026, 7, 15, 9, 0)):
        assert to_paris(to_utc(typed)).replace(tzinfo=None) == typed


def test_the_same_wall_clock_time_is_a_different_utc_instant_across_the_spring_change() -> None:
    # Summer time starts on 29 March 2026 at 02:00 in Paris.
    before = to_utc(datetime(2026, 3, 28, 12, 0))
    after = to_utc(datetime(2026, 3, 29, 12, 0))

    assert after - before == timedelta(hours=23)


def test_now_is_an_aware_utc_instant() -> None:
    now = now_utc()

    assert now.tzinfo is UTC
    assert to_paris(now).tzinfo == PARIS
