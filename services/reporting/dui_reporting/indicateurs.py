"""The indicators' arithmetic, apart from SQL and I/O: periods, and from the situation of each person accompanied
during a period (what the read model says of them, as of an instant) the members of each rate's numerator and
denominator. `queries.py` fetches the situations with SQL; this module decides who counts.

Definitions (docs/indicateurs.md):
- *accompagnée* during [du, au]: admitted on or before `au`, and no exit before `du` (as recorded by the as-of
  instant);
- *dossier actif*: accompanied, and (if `ecriture_requise`) at least one write on the dossier during the period;
- taux de dossiers actifs = dossiers actifs / personnes accompagnées;
- taux de dossiers actifs avec un projet personnalisé = dossiers actifs with a validated projet version in
  force during the period / dossiers actifs;
- taux de dossiers actifs ayant au moins un événement = dossiers actifs with at least one agenda occurrence
  (planned and/or held, as set) during the period / dossiers actifs;
- part des dossiers actifs à l'INS qualifiée = dossiers actifs whose identity is qualified at the end of the
  period / dossiers actifs.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from dui_shared.contracts.reporting import CodeIndicateur
from dui_shared.errors import InvalidInput

PERIODE_MAX_JOURS = 3660
"""A period of ten years at most."""
MOIS_MAX = 36
"""A monthly series of three years at most."""


@dataclass(frozen=True)
class Source:
    """An event that makes a figure: its id, type, log position, and the day it counts for."""

    id: UUID
    type: str
    position: int
    jour: date


@dataclass(frozen=True)
class Situation:
    """One person accompanied during the period, and what makes them count (None: nothing in the period)."""

    personne: UUID
    entree: Source
    sortie: Source | None = None
    ecriture: Source | None = None  # the first write on the dossier in the period
    projet: Source | None = None  # the validation of the projet version in force during the period
    evenement: Source | None = None  # the planning or realisation of the first occurrence in the period
    ins: Source | None = None  # the qualification of the identity, still qualified at the end of the period


@dataclass(frozen=True)
class Membre:
    """One member of a numerator or a denominator: a person (rates) or a fact (counts)."""

    personne: UUID | None
    jour: date
    sources: tuple[Source, ...]
    fait: UUID | None = None


@dataclass(frozen=True)
class Taux:
    numerateur: list[Membre]
    denominateur: list[Membre]

    @property
    def valeur(self) -> float | None:
        return valeur(len(self.numerateur), len(self.denominateur))


def valeur(numerateur: int, denominateur: int) -> float | None:
    return round(numerateur / denominateur, 4) if denominateur else None


def _present(*sources: Source | None) -> tuple[Source, ...]:
    """The sources given, each event once (the admission may also be the period's first write)."""
    out: list[Source] = []
    for s in sources:
        if s is not None and all(s.id != o.id for o in out):
            out.append(s)
    return tuple(out)


def taux(situations: list[Situation], ecriture_requise: bool) -> dict[CodeIndicateur, Taux]:
    """The members of each rate, from the situations of the persons accompanied during the period."""
    accompagnes = [Membre(s.personne, s.entree.jour, _present(s.entree, s.sortie)) for s in situations]
    actifs = [s for s in situations if s.ecriture is not None or not ecriture_requise]

    def actif(s: Situation) -> Membre:
        jour = s.ecriture.jour if s.ecriture is not None else s.entree.jour
        return Membre(s.personne, jour, _present(s.entree, s.ecriture))

    def avec(s: Situation, source: Source) -> Membre:
        return Membre(s.personne, source.jour, _present(s.ecriture, source))

    membres_actifs = [actif(s) for s in actifs]
    return {
        CodeIndicateur.dossiers_actifs: Taux(membres_actifs, accompagnes),
        CodeIndicateur.dossiers_actifs_projet: Taux(
            [avec(s, s.projet) for s in actifs if s.projet is not None], membres_actifs
        ),
        CodeIndicateur.dossiers_actifs_evenement: Taux(
            [avec(s, s.evenement) for s in actifs if s.evenement is not None], membres_actifs
        ),
        CodeIndicateur.dossiers_actifs_ins: Taux(
            [avec(s, s.ins) for s in actifs if s.ins is not None], membres_actifs
        ),
    }


# -- periods --------------------------------------------------------------------------------------------------


def fin_du_mois(jour: date) -> date:
    return jour.replace(day=calendar.monthrange(jour.year, jour.month)[1])


def periode(du: date | None, au: date | None, aujourd_hui: date) -> tuple[date, date]:
    """Paris days `du`…`au`, both included; by default the month of `du`, of `au`, or of today."""
    if du is None:
        du = (au or aujourd_hui).replace(day=1)
    if au is None:
        au = fin_du_mois(du)
    if au < du:
        raise InvalidInput.single("au", "fin_avant_debut", "la fin de la période précède son début")
    if (au - du).days >= PERIODE_MAX_JOURS:
        raise InvalidInput.single(
            "au", "periode_trop_longue", f"une période de {PERIODE_MAX_JOURS} jours au plus"
        )
    return du, au


def _mois(texte: str) -> date:
    return date(int(texte[:4]), int(texte[5:7]), 1)


def _decaler(mois: date, n: int) -> date:
    index = mois.year * 12 + mois.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def mois(de: str | None, a: str | None, aujourd_hui: date) -> list[tuple[str, date, date]]:
    """The months `de`…`a` (AAAA-MM, both included; by default the twelve months up to this one), each as its
    label, first and last day."""
    fin = _mois(a) if a else aujourd_hui.replace(day=1)
    debut = _mois(de) if de else _decaler(fin, -11)
    if fin < debut:
        raise InvalidInput.single("a", "fin_avant_debut", "le dernier mois précède le premier")
    n = (fin.year - debut.year) * 12 + fin.month - debut.month + 1
    if n > MOIS_MAX:
        raise InvalidInput.single("de", "serie_trop_longue", f"{MOIS_MAX} mois au plus")
    out = []
    for i in range(n):
        first = _decaler(debut, i)
        out.append((f"{first:%Y-%m}", first, fin_du_mois(first)))
    return out


def lendemain(jour: date) -> date:
    return jour + timedelta(days=1)
