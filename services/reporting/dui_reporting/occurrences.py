"""The planned occurrences of an agenda event, as the reporting read model keeps them: its RRULE expanded from its
first start, over a bounded horizon.

The agenda service expands its rules at query time (its own `domain/recurrence.py`); reporting needs the days on
which a person has something planned, in SQL, for any period: it stores them when the event is planned or
changed. Same reading of the rule as the agenda's: DAILY to YEARLY in Europe/Paris wall-clock time, HOURLY in
UTC, UNTIL in UTC. Bounded, whatever the rule: the occurrences starting within `HORIZON` of the first one, at
most `OCCURRENCES_MAX` of them; a rule that cannot be read is its first occurrence only (the agenda reads it the
same way), so no event of the log ever fails the projection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from dateutil.rrule import rrule, rrulestr

from dui_shared.observability import get_logger
from dui_shared.timezone import PARIS

HORIZON = timedelta(days=3 * 366)
"""Occurrences are kept over the three years after the first start…"""
OCCURRENCES_MAX = 1100
"""…and 1 100 of them at most (a daily activity over three years)."""
LIMITE = datetime(2101, 1, 1, tzinfo=UTC)

log = get_logger(__name__)


def occurrences(debut: datetime, recurrence: str | None) -> list[datetime]:
    """The UTC starts of the event's occurrences, in order, from `debut` (its first one)."""
    first = debut.astimezone(UTC)
    if not recurrence:
        return [first]
    try:
        return _expand(first, recurrence)
    except Exception as exc:  # anything dateutil refuses: read as the first occurrence only
        log.warning("reporting.recurrence_illisible", recurrence=recurrence, error=repr(exc))
        return [first]


def _expand(first: datetime, recurrence: str) -> list[datetime]:
    text = recurrence.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    freq = next(
        (
            p.split("=", 1)[1].strip().upper()
            for p in text.split(";")
            if p.strip().upper().startswith("FREQ=")
        ),
        "",
    )
    tz: tzinfo = UTC if freq == "HOURLY" else PARIS
    rule = rrulestr(text, dtstart=first.astimezone(tz))
    if not isinstance(rule, rrule):
        return [first]
    end = min(first + HORIZON, LIMITE)
    out: list[datetime] = []
    seen: set[datetime] = set()
    for start in rule:
        instant = start.astimezone(UTC)
        if instant >= end:
            break
        if instant not in seen:
            seen.add(instant)
            out.append(instant)
        if len(out) >= OCCURRENCES_MAX:
            break
    return out or [first]
