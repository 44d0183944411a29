"""Recurrences and overlaps: RFC 5545 RRULEs validated and normalised (icalendar), expanded in Europe/Paris
wall-clock time (dateutil), and the overlaps between the occurrences of events that share a participant.

A weekly activity at 15:00 stays at 15:00 Paris time across the daylight-saving changes: the rule is expanded
from the first occurrence's Paris wall-clock time, each occurrence is then stored and compared as a UTC instant.
Expansions are always bounded by a window; an unbounded rule is allowed.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from dateutil.rrule import rrule, rrulestr
from icalendar import vRecur

from dui_shared.errors import InvalidInput
from dui_shared.timezone import PARIS, to_utc

# What the agenda needs; BYSETPOS, BYWEEKNO and BYYEARDAY are refused (see `normaliser`).
SUPPORTED = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "WKST",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
}
FREQUENCES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
COUNT_MAX = 5000
INTERVAL_MAX = 1000
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")

Creneau = tuple[datetime, datetime]
"""One occurrence: its start and end, UTC."""


def _invalid(rule: str, message: str) -> InvalidInput:
    return InvalidInput.single("recurrence", rule, message)


def normaliser(texte: str, debut: datetime) -> str:
    """The rule as it is stored: one RRULE value without the `RRULE:` prefix, UNTIL in UTC (a date or a time
    without zone is read in Paris time), whose first occurrence is `debut`. Anything else is a 422 on
    `recurrence`.

    The checks before dateutil expands anything keep a rule from looping for ever: dateutil searches the next
    occurrence period after period, up to year 9999, and a rule that never matches (30 February) would make
    it do so on every read. A rule whose first occurrence is `debut` always matches."""
    value = texte.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or any(c in value for c in "\r\n:"):
        raise _invalid(
            "recurrence_invalide", "une seule règle RRULE est attendue (FREQ=…;…), sans DTSTART ni EXDATE"
        )
    try:
        recur = vRecur.from_ical(value)
    except ValueError as exc:
        raise _invalid("recurrence_invalide", f"règle RRULE illisible : {exc}") from None
    parts: dict[str, list[Any]] = {str(k).upper(): list(v) for k, v in recur.items()}
    freq = str(parts.get("FREQ", [""])[0]).upper()
    if not freq:
        raise _invalid("recurrence_invalide", "la règle doit donner sa fréquence (FREQ=…)")
    if freq not in FREQUENCES:
        raise _invalid(
            "frequence_non_supportee", "fréquences possibles : HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY"
        )
    unsupported = sorted(set(parts) - SUPPORTED)
    if unsupported:
        raise _invalid(
            "regle_non_supportee",
            f"élément de règle non pris en charge par l'agenda : {', '.join(unsupported)}",
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("recurrence_invalide", "COUNT et UNTIL ne peuvent pas être donnés ensemble (RFC 5545)")
    if "COUNT" in parts and not 1 <= int(parts["COUNT"][0]) <= COUNT_MAX:
        raise _invalid("recurrence_invalide", f"COUNT entre 1 et {COUNT_MAX}")
    if "INTERVAL" in parts and not 1 <= int(parts["INTERVAL"][0]) <= INTERVAL_MAX:
        raise _invalid("recurrence_invalide", f"INTERVAL entre 1 et {INTERVAL_MAX}")
    if "UNTIL" in parts:
        until = parts["UNTIL"][0]
        if not isinstance(until, date):
            raise _invalid("recurrence_invalide", "UNTIL doit être une date ou un instant")
        if not isinstance(until, datetime):  # a day: up to its end, Paris time
            until = datetime.combine(until, time(23, 59, 59))
        for key in list(recur):
            if str(key).upper() == "UNTIL":
                recur[key] = [to_utc(until)]
    text = recur.to_ical().decode()
    start = debut.astimezone(PARIS)
    try:
        rule = rrulestr(text, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise _invalid("recurrence_invalide", f"règle RRULE invalide : {exc}") from None
    if not isinstance(rule, rrule):
        raise _invalid("recurrence_invalide", "une seule règle RRULE est attendue")
    if not _matches(parts, freq, start):
        raise _invalid(
            "debut_hors_recurrence", "le début de l'événement doit être la première occurrence de la règle"
        )
    first = next(iter(rule), None)  # found in the first period: `start` passes every filter
    if first is None:
        raise _invalid(
            "recurrence_sans_occurrence", "la règle ne produit aucune occurrence (UNTIL avant le début)"
        )
    if first != start:
        raise _invalid(
            "debut_hors_recurrence", "le début de l'événement doit être la première occurrence de la règle"
        )
    return text


def _matches(parts: dict[str, list[Any]], freq: str, d: datetime) -> bool:
    """Whether the wall-clock instant `d` passes the rule's BYxxx filters (then it is in the first period)."""

    def ints(key: str) -> list[int]:
        return [int(v) for v in parts.get(key, [])]

    days_in_month = calendar.monthrange(d.year, d.month)[1]
    if ints("BYMONTH") and d.month not in ints("BYMONTH"):
        return False
    if ints("BYMONTHDAY") and not {d.day, d.day - days_in_month - 1} & set(ints("BYMONTHDAY")):
        return False
    if "BYDAY" in parts:
        matched = False
        for spec in parts["BYDAY"]:
            m = _BYDAY.fullmatch(str(spec).upper())
            if m is None:
                return False
            nth, weekday = m.groups()
            if WEEKDAYS.index(weekday) != d.weekday():
                continue
            if nth is None:
                matched = True
                break
            if freq == "MONTHLY" or (freq == "YEARLY" and "BYMONTH" in parts):
                position, length = d.day, days_in_month
            elif freq == "YEARLY":
                position, length = d.timetuple().tm_yday, 366 if calendar.isleap(d.year) else 365
            else:
                return False  # an ordinal weekday only means something in a month or a year (RFC 5545)
            if int(nth) in ((position - 1) // 7 + 1, -((length - position) // 7 + 1)):
                matched = True
                break
        if not matched:
            return False
    return not (
        (ints("BYHOUR") and d.hour not in ints("BYHOUR"))
        or (ints("BYMINUTE") and d.minute not in ints("BYMINUTE"))
    )


@lru_cache(maxsize=4096)
def _rule(texte: str, debut: datetime) -> rrule:
    parsed = rrulestr(texte, dtstart=debut.astimezone(PARIS))
    assert isinstance(parsed, rrule)
    return parsed


@dataclass(frozen=True)
class Serie:
    """An event's occurrences: once (`recurrence` None) or by an RRULE whose first occurrence is `debut`."""

    debut: datetime
    fin: datetime
    recurrence: str | None = None

    @property
    def duree(self) -> timedelta:
        return self.fin - self.debut

    def occurrences(self, du: datetime, au: datetime) -> list[Creneau]:
        """The occurrences that overlap [du, au), in order, UTC."""
        duree = self.duree
        if self.recurrence is None:
            return [(self.debut, self.fin)] if self.debut < au and self.fin > du else []
        rule = _rule(self.recurrence, self.debut)
        starts = rule.between((du - duree).astimezone(PARIS), au.astimezone(PARIS), inc=True)
        out = []
        for start in starts:
            s = start.astimezone(UTC)
            if s < au and s + duree > du:
                out.append((s, s + duree))
        return out

    def contient(self, occurrence: datetime) -> bool:
        """Whether an occurrence of the series starts at this instant."""
        if self.recurrence is None:
            return occurrence == self.debut
        if occurrence < self.debut:
            return False
        at = occurrence.astimezone(PARIS)
        return bool(_rule(self.recurrence, self.debut).between(at, at, inc=True))

    def fin_max(self) -> datetime | None:
        """An upper bound of the end of the last occurrence (None: the series never ends), to select the
        events a window may show without expanding them: exact for COUNT, UNTIL plus the duration otherwise."""
        if self.recurrence is None:
            return self.fin
        parts = {str(k).upper(): v for k, v in vRecur.from_ical(self.recurrence).items()}
        if "UNTIL" in parts:
            return to_utc(parts["UNTIL"][0]) + self.duree
        if "COUNT" in parts:
            last = list(_rule(self.recurrence, self.debut))[-1]
            return last.astimezone(UTC) + self.duree
        return None


def chevauchants(creneau: Creneau, autres: list[Creneau], duree: timedelta) -> list[Creneau]:
    """The slots of `autres` (sorted, all of length `duree`) that overlap `creneau`."""
    starts = [a[0] for a in autres]
    return autres[bisect_right(starts, creneau[0] - duree) : bisect_left(starts, creneau[1])]


@dataclass(frozen=True)
class Planning:
    """What conflict detection needs of an event: its series, its participants, its cancelled occurrences."""

    evenement_id: str
    titre: str
    serie: Serie
    participants: frozenset[str]
    exclues: frozenset[datetime] = field(default_factory=frozenset)

    def creneaux(self, du: datetime, au: datetime) -> list[Creneau]:
        return [c for c in self.serie.occurrences(du, au) if c[0] not in self.exclues]


@dataclass(frozen=True)
class Conflit:
    """Another event of a shared participant whose occurrences overlap: the first overlapping one, and how many."""

    evenement_id: str
    titre: str
    debut: datetime
    fin: datetime
    occurrences: int
    participants: tuple[str, ...]


def conflits(cible: Planning, autres: Iterable[Planning], du: datetime, au: datetime) -> list[Conflit]:
    """The other events sharing a participant with `cible` whose occurrences overlap one of its occurrences
    within [du, au); cancelled occurrences (of either side) never conflict."""
    mine = cible.creneaux(du, au)
    found = []
    for autre in autres:
        communs = cible.participants & autre.participants
        if autre.evenement_id == cible.evenement_id or not communs or not mine:
            continue
        theirs = autre.creneaux(du, au)
        overlapping = sorted({c for m in mine for c in chevauchants(m, theirs, autre.serie.duree)})
        if overlapping:
            first = overlapping[0]
            found.append(
                Conflit(
                    autre.evenement_id,
                    autre.titre,
                    first[0],
                    first[1],
                    len(overlapping),
                    tuple(sorted(communs)),
                )
            )
    return sorted(found, key=lambda c: (c.debut, c.evenement_id))
