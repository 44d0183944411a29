"""Instants are stored in UTC and shown in Europe/Paris; naive inputs are read as Paris wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime
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
