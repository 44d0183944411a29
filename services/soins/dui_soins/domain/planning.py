"""Schedules turned into slots, and instants into shifts: pure functions shared by the aggregates (is this slot
in the plan?) and the read side (the plan of a day, what is overdue).

A schedule is times of day (Paris wall-clock) on some weekdays; a slot is one planned instant (UTC). Days are
Paris calendar days. On the spring change day the clock skips 02:00–03:00: a time of day in that gap is planned at
03:00 (the first valid instant after it), once even if 03:00 is planned too; on the autumn change day 02:00–03:00
happens twice: such a time of day is planned once, at its first occurrence.

The time rules of acts live here too, in one place: the clock skew tolerated, how early a slot can be declared
not done, and how far from its slot an act can be dated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dui_shared.contracts.soins import ContenuPrescription, JourSemaine
from dui_shared.errors import InvalidInput
from dui_shared.referentiel import Poste
from dui_shared.timezone import PARIS, paris_midnight, to_paris

UN_JOUR = timedelta(days=1)
INSTANT = timedelta(microseconds=1)
UNE_MINUTE = timedelta(minutes=1)

AVANCE_TOLEREE = timedelta(minutes=5)
"""Clocks of tablets and servers differ a little: an instant up to this much after now is not in the future."""

AVANCE_CONSTAT = timedelta(hours=1)
"""A planned slot can be declared not done from this long before its time (the round has begun: a refusal at 07:40
of the 08:00 dose), not earlier."""

ECART_MAX_CRENEAU = timedelta(hours=24)
"""An act done on a planned slot is dated (`realise_le`) within this distance of the slot, either side."""


def pas_dans_le_futur(champ: str, quand: datetime, now: datetime, message: str) -> None:
    """What is recorded as having happened is not dated after now (`AVANCE_TOLEREE` of clock skew allowed)."""
    if quand > now + AVANCE_TOLEREE:
        raise InvalidInput.single(champ, "dans_le_futur", message)


def verifier_ecart(prevu_le: datetime | None, realise_le: datetime) -> None:
    """An act done on a slot is dated within `ECART_MAX_CRENEAU` of it (a year typed wrong, a slot mixed up)."""
    if prevu_le is not None and abs(realise_le - prevu_le) > ECART_MAX_CRENEAU:
        heures = int(ECART_MAX_CRENEAU.total_seconds() // 3600)
        raise InvalidInput.single(
            "realise_le",
            "realise_loin_du_creneau",
            f"un acte prévu le {to_paris(prevu_le):%d/%m/%Y à %H:%M} se date à moins de {heures} h de ce créneau",
        )


def verifier_constat(prevu_le: datetime, now: datetime) -> None:
    """A slot is declared not done once its time is near (`AVANCE_CONSTAT`), never days ahead: a slot declared
    not done in advance would never show overdue."""
    if prevu_le > now + AVANCE_CONSTAT:
        minutes = int(AVANCE_CONSTAT.total_seconds() // 60)
        raise InvalidInput.single(
            "prevu_le",
            "dans_le_futur",
            f"un créneau se déclare non réalisé au plus tôt {minutes} minutes avant son heure",
        )


def fin_du_jour(jour: date | None) -> datetime | None:
    """The instant a last day (inclusive) ends: midnight, Paris, the next day; None for no end."""
    return None if jour is None else paris_midnight(jour + UN_JOUR).astimezone(UTC)


def jours_paris(de: datetime, a: datetime) -> Iterator[date]:
    """Every Paris day that overlaps [de, a)."""
    jour = to_paris(de).date()
    last = to_paris(a - INSTANT).date()
    while jour <= last:
        yield jour
        jour += UN_JOUR


def _existe(local: datetime) -> bool:
    """Whether a Paris wall-clock time happens (it does not in the spring gap)."""
    return local.astimezone(UTC).astimezone(PARIS).replace(tzinfo=None) == local.replace(tzinfo=None)


def instant(jour: date, heure: time) -> datetime:
    """The instant (UTC) a Paris time of day falls on `jour`: its first occurrence when the clock goes through it
    twice (autumn); the first valid minute after it when the clock skips it (spring: 02:30 → 03:00)."""
    local = datetime.combine(jour, heure, tzinfo=PARIS)
    while not _existe(local):
        local = (local + UNE_MINUTE).replace(second=0, microsecond=0)
    return local.astimezone(UTC)


def decalee(at: datetime, heure: time) -> bool:
    """Whether the slot `at` of the time of day `heure` was moved, the clock skipping that time that day."""
    return to_paris(at).time().replace(tzinfo=None) != heure


def creneaux(
    heures: Iterable[time],
    jours_semaine: Sequence[JourSemaine],
    debut: datetime,
    fin: datetime | None,
    de: datetime,
    a: datetime,
) -> list[tuple[datetime, time]]:
    """The slots of a schedule in [max(debut, de), min(fin, a)), in time order, with their time of day: one slot
    per instant (a time of day the spring change moves onto another one planned makes no second slot; the one
    really at that time is kept)."""
    start = max(debut, de)
    end = a if fin is None else min(fin, a)
    if start >= end:
        return []
    days = {j.iso for j in jours_semaine}
    heures = sorted(set(heures))
    out: dict[datetime, time] = {}
    for jour in jours_paris(start, end):
        if days and jour.isoweekday() not in days:
            continue
        for heure in heures:
            at = instant(jour, heure)
            if start <= at < end and (at not in out or decalee(at, out[at])):
                out[at] = heure
    return sorted(out.items())


# -- prescriptions ----------------------------------------------------------------------------------------


def fin_prescription(contenu: ContenuPrescription) -> datetime | None:
    """When the content stops applying: the end of its last day (`fin`, or `debut` + `duree_jours` - 1);
    just after its date for a one-off act."""
    if contenu.le is not None and not contenu.prises:
        return contenu.le + INSTANT
    if contenu.fin is not None:
        return fin_du_jour(contenu.fin)
    if contenu.duree_jours is not None and contenu.debut is not None:
        return fin_du_jour(to_paris(contenu.debut).date() + timedelta(days=contenu.duree_jours - 1))
    return None


def debut_prescription(contenu: ContenuPrescription) -> datetime:
    if contenu.le is not None and not contenu.prises:
        return contenu.le
    assert contenu.debut is not None, "le début est fixé à l'émission"
    return contenu.debut


@dataclass(frozen=True)
class Version:
    """One version of a prescription and the period it governs: from `depuis` (None: its own start) until the
    next version's `depuis`."""

    numero: int
    contenu: ContenuPrescription
    depuis: datetime | None


@dataclass(frozen=True)
class Creneau:
    prevu_le: datetime
    version: int
    quantite: float | None
    unite: str | None
    heure: time | None = None  # the intake's time of day (None: a one-off date)


def periode(
    versions: Sequence[Version], index: int, arretee_le: datetime | None
) -> tuple[datetime, datetime | None]:
    """The period version `index` (in `versions`, ordered) governs: [start, end), end None = open."""
    v = versions[index]
    start = debut_prescription(v.contenu)
    if v.depuis is not None:
        start = max(start, v.depuis)
    ends = [e for e in (fin_prescription(v.contenu), arretee_le) if e is not None]
    if index + 1 < len(versions):
        nxt = versions[index + 1].depuis
        assert nxt is not None
        ends.append(nxt)
    return start, min(ends) if ends else None


def creneaux_prescription(
    versions: Sequence[Version], arretee_le: datetime | None, de: datetime, a: datetime
) -> list[Creneau]:
    """The planned administrations in [de, a): each version's schedule over the period it governs."""
    out: list[Creneau] = []
    for index, v in enumerate(versions):
        start, end = periode(versions, index, arretee_le)
        c = v.contenu
        if c.prises:
            prises = {p.heure: p for p in c.prises}
            for at, heure in creneaux(prises, c.jours_semaine, start, end, de, a):
                out.append(Creneau(at, v.numero, prises[heure].quantite, prises[heure].unite, heure))
        elif c.le is not None and de <= c.le < a and start <= c.le and (end is None or c.le < end):
            out.append(Creneau(c.le, v.numero, None, None))
    return sorted(out, key=lambda s: s.prevu_le)


def fin_couverture(versions: Sequence[Version], arretee_le: datetime | None) -> datetime | None:
    """The last instant any version still plans something (None: open-ended)."""
    ends = [periode(versions, i, arretee_le)[1] for i in range(len(versions))]
    return None if any(e is None for e in ends) else max(e for e in ends if e is not None)


# -- shifts -----------------------------------------------------------------------------------------------


def poste_de(le: datetime, postes: Sequence[Poste]) -> tuple[str | None, date]:
    """The shift an instant falls in (Paris time) and the day that shift started: a night shift from 21:00 to
    07:00 belongs to the evening it began. (None, the day) when the OG's shifts leave that time uncovered."""
    paris = to_paris(le)
    t, jour = paris.time().replace(tzinfo=None), paris.date()
    for poste in postes:
        if poste.debut < poste.fin:
            if poste.debut <= t < poste.fin:
                return poste.code, jour
        elif poste.debut > poste.fin:  # over midnight
            if t >= poste.debut:
                return poste.code, jour
            if t < poste.fin:
                return poste.code, jour - UN_JOUR
        else:  # debut == fin: the whole day
            return poste.code, jour if t >= poste.debut else jour - UN_JOUR
    return None, jour
