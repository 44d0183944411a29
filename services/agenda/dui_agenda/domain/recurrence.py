"""Recurrences and overlaps: RFC 5545 RRULEs validated and normalised (icalendar), expanded with dateutil, and the
overlaps between the occurrences of events that share a participant.

Time: DAILY to YEARLY rules are expanded in Europe/Paris wall-clock time — a weekly activity at 15:00 stays at
15:00 across the daylight-saving changes — and each occurrence is then a UTC instant (a wall-clock time that
does not exist in spring is read with the offset before the gap, an ambiguous one in autumn is its first
passage, RFC 5545 §3.3.5; two occurrences falling on the same instant are one). HOURLY rules count real hours:
they are expanded in UTC, so "every 8 hours" stays 8 hours apart on the nights of the changes, where a
wall-clock expansion would give one instant twice in spring and skip one in autumn. Membership of an
occurrence (`Serie.contient`) is checked against that expansion, in UTC: on 25 October 2026 a daily 02:30
event occurs at 00:30 UTC, not at the second 02:30 (01:30 UTC).

Bounds, because one event's rule is expanded by every agenda, every conflict check and every missed list that
meets it, on the service's event loop:
- a rule whose occurrences come closer than 15 minutes, or closer than the event lasts (it would overlap
  itself), is refused (`recurrence_trop_dense`): `FREQ=HOURLY;BYMINUTE=0,1,…,59` is half a million
  occurrences a year;
- UNTIL lies between 1900 and 2100 like every date of the platform (`recurrence_invalide`), and no occurrence
  is ever produced after 31 December 2100, whatever the rule (a COUNT series is cut there): an UNTIL in the
  year 9999 would overflow and a rule read back from the log is never trusted to be bounded;
- an expansion restarts its rule at the period of its own grid that contains the window (same occurrences
  from there on), instead of walking from the first start: reading 2090 of a series started in 2026 costs the
  window, not 64 years (COUNT series, at most 5000 occurrences, are walked from their start);
- one read or one conflict check expands at most `OCCURRENCES_MAX` occurrences, every event together (a
  `Budget`): beyond, the read is a 422 `trop_d_occurrences` on `au` naming the window.
The checks in `normaliser` run before dateutil expands anything: dateutil looks for the next occurrence period
after period up to the year 9999, so a rule that never matches (30 February) would loop on every read.

A rule stored in the log is read as it is, whatever the rules became: one that no longer parses, or whose
first start does not match it, is read as a single occurrence (its first); the read model never fails on it.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import pairwise
from typing import Any

from dateutil.rrule import DAILY, HOURLY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from icalendar import vRecur

from dui_shared.errors import FieldError, InvalidInput
from dui_shared.observability import get_logger
from dui_shared.timezone import PARIS, to_paris, to_utc

log = get_logger(__name__)

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
# HOURLY rules are expanded in UTC: a filter on the hour or the day would be a UTC hour or day.
SUPPORTED_HOURLY = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYMINUTE"}
FREQUENCES = {"HOURLY": HOURLY, "DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
COUNT_MAX = 5000
INTERVAL_MAX = 1000
ANNEE_MIN, ANNEE_MAX = 1900, 2100
LIMITE = datetime(ANNEE_MAX + 1, 1, 1, tzinfo=UTC)
"""No occurrence starts at or after this instant: the platform's dates end with 2100."""
ECART_MIN = timedelta(minutes=15)
"""The least time between two occurrences of a series (and never less than the event lasts)."""
ECHANTILLON = 500
"""Occurrences whose gaps are checked when a rule is given (plus those around the next two changes of time)."""
OCCURRENCES_MAX = 20_000
"""Occurrences one read or one conflict check may expand, every event together."""
PARCOURS_MAX = COUNT_MAX + OCCURRENCES_MAX
"""Occurrences one expansion may walk through (a COUNT series is walked from its first start)."""
MARGE = timedelta(hours=3)  # wall-clock order and UTC order differ by an hour at most, around the changes
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Creneau = tuple[datetime, datetime]
"""One occurrence: its start and end, UTC."""


def _invalid(rule: str, message: str) -> InvalidInput:
    return InvalidInput.single("recurrence", rule, message)


def _jour(instant: datetime) -> str:
    return f"{to_paris(instant):%d/%m/%Y}"


class TropDOccurrences(InvalidInput):
    """A read whose window holds more occurrences than one read may expand: ask for a shorter period."""

    def __init__(self, du: datetime, au: datetime) -> None:
        super().__init__(
            [
                FieldError(
                    "au",
                    "trop_d_occurrences",
                    f"la période du {_jour(du)} au {_jour(au - timedelta(seconds=1))} compte plus de "
                    f"{OCCURRENCES_MAX} occurrences : demandez une période plus courte",
                )
            ]
        )


@dataclass
class Budget:
    """How many more occurrences one read (or one conflict check) may expand, every event together; the window
    [du, au) is the one the read asked for, named when it is exceeded."""

    du: datetime
    au: datetime
    reste: int = OCCURRENCES_MAX

    def prendre(self, n: int = 1) -> None:
        self.reste -= n
        if self.reste < 0:
            raise TropDOccurrences(self.du, self.au)


# -- validation --------------------------------------------------------------------------------------------


def _parts(value: str) -> dict[str, list[Any]]:
    """The rule's parts by name (upper case); ValueError when unreadable or when a part is given twice."""
    names = [p.split("=", 1)[0].strip().upper() for p in value.split(";") if p.strip()]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise ValueError(f"{', '.join(doubles)} donné plusieurs fois (RFC 5545 : une seule fois chacun)")
    recur = vRecur.from_ical(value)
    return {str(k).upper(): list(v) for k, v in recur.items()}


def normaliser(texte: str, debut: datetime, duree: timedelta = timedelta(0)) -> str:
    """The rule as it is stored: one RRULE value without the `RRULE:` prefix, UNTIL in UTC (a date or a time
    without zone is read in Paris time), whose first occurrence is `debut`, whose occurrences are at least 15
    minutes and `duree` (the event's) apart. Anything else is a 422 on `recurrence`.

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
        parts = _parts(value)
    except ValueError as exc:
        raise _invalid("recurrence_invalide", f"règle RRULE illisible : {exc}") from None
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
    if freq == "HOURLY" and set(parts) - SUPPORTED_HOURLY:
        raise _invalid(
            "regle_non_supportee",
            "FREQ=HOURLY compte des heures écoulées : seuls INTERVAL, COUNT, UNTIL et BYMINUTE s'y ajoutent "
            "(à heures fixes : FREQ=DAILY;BYHOUR=…)",
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("recurrence_invalide", "COUNT et UNTIL ne peuvent pas être donnés ensemble (RFC 5545)")
    if "COUNT" in parts and not 1 <= int(parts["COUNT"][0]) <= COUNT_MAX:
        raise _invalid("recurrence_invalide", f"COUNT entre 1 et {COUNT_MAX}")
    if "INTERVAL" in parts and not 1 <= int(parts["INTERVAL"][0]) <= INTERVAL_MAX:
        raise _invalid("recurrence_invalide", f"INTERVAL entre 1 et {INTERVAL_MAX}")
    recur = vRecur.from_ical(value)
    if "UNTIL" in parts:
        until = parts["UNTIL"][0]
        if not isinstance(until, date):
            raise _invalid("recurrence_invalide", "UNTIL doit être une date ou un instant")
        if not ANNEE_MIN <= until.year <= ANNEE_MAX:
            raise _invalid("recurrence_invalide", f"UNTIL doit être compris entre {ANNEE_MIN} et {ANNEE_MAX}")
        if not isinstance(until, datetime):  # a day: up to its end, Paris time
            until = datetime.combine(until, time(23, 59, 59))
        for key in list(recur):
            if str(key).upper() == "UNTIL":
                recur[key] = [to_utc(until)]
    text: str = recur.to_ical().decode()
    try:
        regle = _construire(text, debut)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _invalid("recurrence_invalide", f"règle RRULE invalide : {exc}") from None
    if not _matches(parts, freq, regle.debut):
        raise _invalid(
            "debut_hors_recurrence", "le début de l'événement doit être la première occurrence de la règle"
        )
    first = next(iter(regle.rule), None)  # found in the first period: `debut` passes every filter
    if first is None:
        raise _invalid(
            "recurrence_sans_occurrence", "la règle ne produit aucune occurrence (UNTIL avant le début)"
        )
    if first.astimezone(UTC) != debut.astimezone(UTC):
        raise _invalid(
            "debut_hors_recurrence", "le début de l'événement doit être la première occurrence de la règle"
        )
    _verifier_densite(regle, debut, duree)
    return text


def _minutes(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d}"


def _verifier_densite(regle: _Regle, debut: datetime, duree: timedelta) -> None:
    """Refuse a rule whose occurrences come closer than 15 minutes or than the event lasts: its first
    `ECHANTILLON` occurrences, and those around the next two changes of time (a wall-clock rule's gaps shrink
    by an hour there)."""
    ecart_min = max(duree, ECART_MIN)
    budget = Budget(debut, LIMITE, reste=PARCOURS_MAX)
    blocs = [_debuts(regle, debut, LIMITE, budget, nombre=ECHANTILLON)]
    if regle.freq != HOURLY:
        for changement in _changements_d_heure(debut):
            blocs.append(
                _debuts(regle, changement - timedelta(days=2), changement + timedelta(days=2), budget)
            )
    for bloc in blocs:
        for a, b in pairwise(bloc):
            if b - a < ecart_min:
                raise _invalid(
                    "recurrence_trop_dense",
                    f"deux occurrences de la règle ne sont qu'à {_minutes(b - a)} d'intervalle (le "
                    f"{to_paris(a):%d/%m/%Y à %H:%M}) : elles doivent être espacées d'au moins "
                    f"{_minutes(ECART_MIN)} et de la durée de l'événement ({_minutes(duree)})",
                )


def _changements_d_heure(apres: datetime) -> list[datetime]:
    """The next two changes of time in Paris after `apres` (EU rule: last Sundays of March and October,
    01:00 UTC)."""
    out = []
    for year in (apres.year, apres.year + 1):
        for month in (3, 10):
            last = date(year, month, 31)
            last -= timedelta(days=(last.weekday() - 6) % 7)
            instant = datetime(last.year, last.month, last.day, 1, tzinfo=UTC)
            if instant > apres:
                out.append(instant)
    return out[:2]


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


# -- expansion ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regle:
    """A rule ready to expand: the dateutil rule from the first start (in Paris time, UTC for HOURLY), and
    what restarting it later needs."""

    rule: rrule
    freq: int
    interval: int
    compte: bool  # COUNT: occurrences are counted from the first start, it cannot restart
    until: datetime | None
    debut: datetime  # the first start, in the rule's time zone
    tz: tzinfo
    semaine: int  # WKST, 0 = Monday
    defauts: dict[str, Any]  # the BYxxx a rule takes from its DTSTART, given explicitly for a restart

    def _periode(self, d: datetime) -> int:
        """The index of the period (of FREQ) holding the local instant `d`."""
        if self.freq == YEARLY:
            return d.year
        if self.freq == MONTHLY:
            return d.year * 12 + d.month - 1
        if self.freq == WEEKLY:
            return (d.toordinal() - (d.weekday() - self.semaine) % 7) // 7
        if self.freq == DAILY:
            return d.toordinal()
        return int((d - _EPOCH).total_seconds() // 3600)

    def _debut_periode(self, p: int) -> datetime:
        if self.freq == YEARLY:
            return datetime(p, 1, 1, tzinfo=self.tz)
        if self.freq == MONTHLY:
            return datetime(p // 12, p % 12 + 1, 1, tzinfo=self.tz)
        if self.freq == WEEKLY:
            first = self.debut.toordinal() - (self.debut.weekday() - self.semaine) % 7
            start = date.fromordinal(first + 7 * (p - self._periode(self.debut)))
            return datetime.combine(start, time(0), tzinfo=self.tz)
        if self.freq == DAILY:
            return datetime.combine(date.fromordinal(p), time(0), tzinfo=self.tz)
        return _EPOCH + timedelta(hours=p)

    def depuis(self, instant: datetime) -> rrule | None:
        """The rule restarted at a point of its own grid at most `instant` (UTC): the same occurrences from
        `instant` on, without walking through those before. None: nothing before 2101."""
        if self.compte:
            return self.rule
        if self.freq == HOURLY:  # UTC: the hour holding the instant
            x = instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        else:  # Paris midnight of the day holding the instant, less the margin (midnight always exists)
            day = (instant - MARGE).astimezone(self.tz).date()
            x = datetime.combine(day, time(0), tzinfo=self.tz)
        if x <= self.debut:
            return self.rule
        p0, p = self._periode(self.debut), self._periode(x)
        periodes = (p - p0) // self.interval * self.interval
        if p0 + periodes != p:  # no occurrence in x's period: restart at the next period that has some
            if self._periode(LIMITE.astimezone(self.tz)) < p0 + periodes + self.interval:
                return None
            x = self._debut_periode(p0 + periodes + self.interval)
        return self.rule.replace(dtstart=x, **self.defauts)


def _construire(texte: str, debut: datetime) -> _Regle:
    """The rule of `texte` from `debut`; ValueError (or TypeError, OverflowError) if dateutil refuses it."""
    parts = _parts(texte)
    freq = FREQUENCES[str(parts["FREQ"][0]).upper()]
    tz: tzinfo = UTC if freq == HOURLY else PARIS
    start = debut.astimezone(tz)
    until = None
    if "UNTIL" in parts:  # a rule read back from the log is bounded by 2100 whatever it says
        value = parts["UNTIL"][0]
        if not isinstance(value, datetime):
            value = datetime.combine(value, time(23, 59, 59))
        if value.year > ANNEE_MAX:
            until = LIMITE
        elif value.year < ANNEE_MIN:
            until = datetime(ANNEE_MIN, 1, 1, tzinfo=UTC)
        else:
            until = to_utc(value)
        recur = vRecur.from_ical(texte)
        for key in list(recur):
            if str(key).upper() == "UNTIL":
                recur[key] = [until]
        texte = recur.to_ical().decode()
    rule = rrulestr(texte, dtstart=start)
    if not isinstance(rule, rrule):
        raise ValueError("une seule règle RRULE est attendue")
    defauts: dict[str, Any] = {"bysecond": start.second}
    if "BYMINUTE" not in parts:
        defauts["byminute"] = start.minute
    if "BYHOUR" not in parts and freq != HOURLY:
        defauts["byhour"] = start.hour
    if "BYMONTHDAY" not in parts and "BYDAY" not in parts:
        if freq == WEEKLY:
            defauts["byweekday"] = start.weekday()
        elif freq == MONTHLY:
            defauts["bymonthday"] = start.day
        elif freq == YEARLY:
            defauts["bymonthday"] = start.day
            if "BYMONTH" not in parts:
                defauts["bymonth"] = start.month
    wkst = str(parts.get("WKST", ["MO"])[0]).upper()
    return _Regle(
        rule=rule,
        freq=freq,
        interval=int(parts.get("INTERVAL", [1])[0]),
        compte="COUNT" in parts,
        until=until,
        debut=start,
        tz=tz,
        semaine=WEEKDAYS.index(wkst) if wkst in WEEKDAYS else 0,
        defauts=defauts,
    )


@lru_cache(maxsize=4096)
def _regle(texte: str, debut: datetime) -> _Regle | None:
    """The stored rule ready to expand; None (read as a single occurrence) when it no longer parses or its
    first occurrence is not the event's start (UNTIL before it…): the log is read as it is, never trusted to
    be bounded."""
    try:
        regle = _construire(texte, debut)
        parts = _parts(texte)
        freq = str(parts["FREQ"][0]).upper()
        if set(parts) - SUPPORTED or not _matches(parts, freq, regle.debut):
            raise ValueError("règle hors de ce que l'agenda développe")
        first = next(iter(regle.rule), None)  # in the first period: `debut` passes every filter
        if first is None or first.astimezone(UTC) != debut.astimezone(UTC):
            raise ValueError("le début n'est pas la première occurrence de la règle")
        return regle
    except Exception as exc:  # whatever the stored rule is, the event stays readable
        log.warning("agenda.regle_illisible", recurrence=texte, erreur=str(exc))
        return None


def _debuts(
    regle: _Regle, du: datetime, au: datetime, budget: Budget, nombre: int | None = None
) -> list[datetime]:
    """The distinct occurrence starts (UTC, in order) in [du, au), none at or after 2101; the first `nombre`
    at most."""
    au = min(au, LIMITE)
    if du >= au:
        return []
    found: set[datetime] = set()
    walked = 0
    arret = au + MARGE
    try:
        rule = regle.depuis(du)
        if rule is None:
            return []
        for local in rule:
            s = local.astimezone(UTC)
            if s >= arret:
                break
            walked += 1
            if walked > PARCOURS_MAX:
                raise TropDOccurrences(budget.du, budget.au)
            if du <= s < au and s not in found:
                found.add(s)
                budget.prendre()
                if nombre is not None and len(found) >= nombre:
                    break
    except (OverflowError, ValueError) as exc:  # beyond what datetime holds: nothing more
        log.warning("agenda.expansion_interrompue", erreur=str(exc))
    return sorted(found)


@dataclass(frozen=True)
class Serie:
    """An event's occurrences: once (`recurrence` None) or by an RRULE whose first occurrence is `debut`."""

    debut: datetime
    fin: datetime
    recurrence: str | None = None

    @property
    def duree(self) -> timedelta:
        return self.fin - self.debut

    @property
    def _expansion(self) -> _Regle | None:
        return _regle(self.recurrence, self.debut) if self.recurrence is not None else None

    def occurrences(
        self, du: datetime, au: datetime, budget: Budget | None = None, nombre: int | None = None
    ) -> list[Creneau]:
        """The occurrences that overlap [du, au), in order, UTC (the first `nombre` at most); each one is
        taken from `budget` (default: a budget of its own)."""
        budget = budget if budget is not None else Budget(du, au)
        regle = self._expansion
        if regle is None:
            if self.debut < au and self.fin > du:
                budget.prendre()
                return [(self.debut, self.fin)]
            return []
        duree = self.duree
        return [(s, s + duree) for s in _debuts(regle, du - duree, au, budget, nombre) if s + duree > du]

    def contient(self, occurrence: datetime) -> bool:
        """Whether an occurrence of the series starts at this instant (compared in UTC)."""
        regle = self._expansion
        if regle is None:
            return occurrence == self.debut
        if occurrence < self.debut:
            return False
        return occurrence in _debuts(
            regle, occurrence, occurrence + timedelta(seconds=1), Budget(occurrence, occurrence)
        )

    def fin_max(self) -> datetime | None:
        """An upper bound of the end of the last occurrence (None: the series never ends), to select the
        events a window may show without expanding them: exact for COUNT, UNTIL plus the duration otherwise.
        Never fails: the read model computes it from whatever rule the log holds."""
        try:
            regle = self._expansion
            if regle is None:
                return self.fin
            if regle.until is not None:
                return max(min(regle.until, LIMITE) + self.duree, self.fin)
            if regle.compte:
                starts = _debuts(regle, self.debut, LIMITE, Budget(self.debut, LIMITE, reste=PARCOURS_MAX))
                return max(starts[-1] + self.duree, self.fin) if starts else self.fin
            return None
        except Exception as exc:  # unknown end: the event is looked at by every window
            log.warning("agenda.fin_inconnue", recurrence=self.recurrence, erreur=str(exc))
            return None


# -- overlaps ----------------------------------------------------------------------------------------------


def chevauchants(
    creneau: Creneau, autres: Sequence[Creneau], duree: timedelta, starts: Sequence[datetime] | None = None
) -> Sequence[Creneau]:
    """The slots of `autres` (sorted, all of length `duree`) that overlap `creneau`; `starts`, their starts
    (built once by the caller when it asks for many slots)."""
    if starts is None:
        starts = [a[0] for a in autres]
    return autres[bisect_right(starts, creneau[0] - duree) : bisect_left(starts, creneau[1])]


def chevauchements(mine: Sequence[Creneau], theirs: Sequence[Creneau]) -> set[int]:
    """The indexes of the slots of `theirs` that overlap a slot of `mine`: both sorted, each of one duration
    (so their ends are sorted too), merged in one pass."""
    found: set[int] = set()
    lo = 0
    for start, end in mine:
        while lo < len(theirs) and theirs[lo][1] <= start:
            lo += 1
        j = lo
        while j < len(theirs) and theirs[j][0] < end:
            found.add(j)
            j += 1
    return found


@dataclass(frozen=True)
class Planning:
    """What conflict detection needs of an event: its series, its participants, its cancelled occurrences."""

    evenement_id: str
    titre: str
    serie: Serie
    participants: frozenset[str]
    exclues: frozenset[datetime] = field(default_factory=frozenset)

    def creneaux(self, du: datetime, au: datetime, budget: Budget | None = None) -> list[Creneau]:
        return [c for c in self.serie.occurrences(du, au, budget) if c[0] not in self.exclues]


@dataclass(frozen=True)
class Conflit:
    """Another event of a shared participant whose occurrences overlap: the first overlapping one, and how many."""

    evenement_id: str
    titre: str
    debut: datetime
    fin: datetime
    occurrences: int
    participants: tuple[str, ...]


def conflits(
    cible: Planning, autres: Iterable[Planning], du: datetime, au: datetime, budget: Budget | None = None
) -> list[Conflit]:
    """The other events sharing a participant with `cible` whose occurrences overlap one of its occurrences
    within [du, au); cancelled occurrences (of either side) never conflict. Each series is expanded once and
    the two sorted lists merged: linear in their occurrences."""
    budget = budget if budget is not None else Budget(du, au)
    mine = cible.creneaux(du, au, budget)
    found = []
    for autre in autres:
        communs = cible.participants & autre.participants
        if autre.evenement_id == cible.evenement_id or not communs or not mine:
            continue
        theirs = autre.creneaux(du, au, budget)
        overlapping = sorted(chevauchements(mine, theirs))
        if overlapping:
            first = theirs[overlapping[0]]
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
