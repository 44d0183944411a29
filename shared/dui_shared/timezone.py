"""Instants are stored in UTC and shown in Europe/Paris; naive inputs are read as Paris wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)


def to_paris(value: datetime) -> datetime:
    return to_utc(value).astimezone(PARIS)


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_paris() -> date:
    """The calendar day it is in Paris: the day users live by (due dates, presences, reviews)."""
    return to_paris(now_utc()).date()


def paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS)
