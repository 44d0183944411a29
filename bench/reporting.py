"""The reporting read model over a generated log of a million events: `python -m bench.reporting [--events N]`
(`make bench-reporting`).

Starts its own nats-server and PostgreSQL like `bench.run` (or uses NATS_URL / DATABASE_URL), then

R1. generates a log of N domain events (default 1 000 000) — 3 ESMS, their persons over 24 months: admissions,
    dossiers (opened, identity qualified, projet personnalisé validated, AGGIR evaluations, absences), soins
    (transmissions, acts), agenda (weekly group activities and monthly rendez-vous, planned and held), sorties —
    published straight to JetStream with pipelined `publish_async` (not through the services: too slow), each
    envelope built from the services' own contracts (one of each type checked through the registry);
R2. rebuilds the reporting read model from the whole log (`dui_shared.projection.rebuild`, swap into `reporting`):
    events/s, wall time, the process's memory peak (`ru_maxrss`);
R3. one ESMS's indicators for one month and month by month over 12 months (`ReportingQueries`), 50 calls each;
R4. appends 10 000 more events with the live projection running and times until it reflects the last one,

then prints one table in `bench.run`'s format and writes it to bench/results/reporting.txt. Figures, not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import nats
from nats.aio.client import Client as NATS

from bench.run import Row, render, servers
from dui_dossier.application import dossier_id_for, projet_id_for
from dui_reporting.parametres import ParametresIndicateurs
from dui_reporting.projections.faits import ReportingReadModel
from dui_reporting.queries import ReportingQueries
from dui_shared.contracts import EventData, registry
from dui_shared.contracts.admission import (
    AdmissionPrononcee,
    CandidatureAdmise,
    CandidatureRecue,
    Decision,
    DecisionPrononcee,
    MotifSortie,
    Sexe,
    SortiePrononcee,
    TypeAccueil,
    Usager,
)
from dui_shared.contracts.agenda import EvenementPlanifie, EvenementRealise, Participants, StatutRealisation
from dui_shared.contracts.dossier import (
    AbsenceDeclaree,
    AbsenceTerminee,
    ContenuProjet,
    DossierOuvert,
    EvaluationRealisee,
    IdentiteQualifiee,
    Objectif,
    ProjetPersonnaliseInitie,
    ProjetPersonnaliseValide,
    TypeAbsence,
)
from dui_shared.contracts.identite import MatriculeIns, TraitsIdentite
from dui_shared.contracts.reporting_api import FiltreIndicateurs, FiltreMensuels
from dui_shared.contracts.soins import (
    ActeRealise,
    CategorieDonnees,
    CategorieTransmission,
    TransmissionSaisie,
    TypeTransmission,
)
from dui_shared.envelope import Actor, Envelope
from dui_shared.eventstore import EventStore, event_subject
from dui_shared.observability import configure
from dui_shared.projection import ProjectionRunner, rebuild
from dui_shared.referentiel import Referentiel

RESULTS = Path(__file__).resolve().parent / "results" / "reporting.txt"
DEFAULT_EVENTS = 1_000_000
INCREMENT = 10_000
WINDOW = 512  # publish acks in flight
QUERY_CALLS = 50
START = date(2024, 11, 1)
MONTHS = 24
DAYS = (date(2026, 11, 1) - START).days  # 730: the 24 months
GROUP = 10  # persons per weekly group activity
GROUPS_FROM = 30  # the day they are planned, for the persons admitted before
DIRECTION = Actor(id="bench-direction", role="direction", og_wide=True)


def _utc(day: date, seconds: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _template(contract: type[EventData], **fields: Any) -> dict[str, Any]:
    """A contract built (and validated) once; its JSON form is then copied with per-event values."""
    return contract.model_validate(fields, context={"stored": True}).model_dump(mode="json")


# -- the generated log ------------------------------------------------------------------------------------


@dataclass
class Person:
    esms: str
    index: int
    admis: int  # day index of the admission
    sortie: int | None  # day index of the sortie, if any
    deces: bool
    sejour: uuid.UUID = field(default_factory=uuid.uuid4)
    candidature: uuid.UUID = field(default_factory=uuid.uuid4)
    plan: uuid.UUID = field(default_factory=uuid.uuid4)
    fill: float = 0.0  # fractional soins events owed

    @property
    def dossier(self) -> uuid.UUID:
        return dossier_id_for(self.sejour)

    def present(self, day: int) -> bool:
        return self.admis <= day and (self.sortie is None or day <= self.sortie)


Pending = tuple[float, str, bytes, str]  # (seconds in the day, subject, payload, type)


class Generator:
    """Day after day, the events of 3 ESMS, each event an envelope as the services would append it."""

    def __init__(self, esms: list[str], persons_per_esms: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.esms = esms
        self.persons: list[Person] = []
        for e in esms:
            for i in range(persons_per_esms):
                early = i < persons_per_esms * 0.7
                admis = self.rng.randrange(0, 30) if early else self.rng.randrange(30, DAYS - 30)
                sortie = admis + self.rng.randrange(90, 600) if self.rng.random() < 0.15 else None
                if sortie is not None and sortie >= DAYS:
                    sortie = None
                self.persons.append(Person(e, i, admis, sortie, self.rng.random() < 0.6))
        # weekly group activities, planned on day 30 for the persons admitted in the first month
        self.groups: list[tuple[str, uuid.UUID, list[Person], int]] = []  # esms, id, persons, hour
        for e in esms:
            premiers = [p for p in self.persons if p.esms == e and p.admis < 30]
            for g in range(0, len(premiers), GROUP):
                self.groups.append((e, uuid.uuid4(), premiers[g : g + GROUP], 14 + (g // GROUP) % 4))
        self.versions: dict[str, int] = collections.defaultdict(int)
        self.fill_rate = 0.0
        self.checked: set[str] = set()
        self.actors = {
            e: {
                "soignant": {"id": f"ide-{e}", "role": "infirmier", "esms": [e], "og_wide": False},
                "secretariat": {"id": f"sec-{e}", "role": "secretariat", "esms": [e], "og_wide": False},
                "cadre": {"id": f"cds-{e}", "role": "cadre_sante", "esms": [e], "og_wide": False},
            }
            for e in esms
        }
        self.systeme = {"id": "dui-dossier", "role": "systeme", "esms": [], "og_wide": True}
        self._templates()

    def _templates(self) -> None:
        usager = Usager(
            nom_naissance="BENCH", prenoms="Jeanne Marie", date_naissance=date(1938, 3, 14), sexe=Sexe.F
        )
        traits = TraitsIdentite(
            nom_naissance="BENCH", prenoms="Jeanne Marie", date_naissance=date(1938, 3, 14), sexe=Sexe.F
        )
        t0 = _utc(START, 0)
        some = uuid.uuid4()
        self.t: dict[type[EventData], dict[str, Any]] = {
            CandidatureRecue: _template(
                CandidatureRecue,
                demande_id=some,
                esms="x",
                usager=usager,
                type_accueil=TypeAccueil.permanent,
                recue_le=t0,
            ),
            DecisionPrononcee: _template(DecisionPrononcee, decision=Decision.acceptee, prononcee_le=t0),
            CandidatureAdmise: _template(CandidatureAdmise, sejour_id=some, admis_le=t0),
            AdmissionPrononcee: _template(
                AdmissionPrononcee,
                candidature_id=some,
                esms="x",
                usager=usager,
                type_accueil=TypeAccueil.permanent,
                admis_le=t0,
            ),
            DossierOuvert: _template(
                DossierOuvert,
                sejour_id=some,
                esms="x",
                traits=traits,
                type_accueil=TypeAccueil.permanent,
                admis_le=t0,
            ),
            ProjetPersonnaliseInitie: _template(
                ProjetPersonnaliseInitie,
                dossier_id=some,
                esms="x",
                contenu=ContenuProjet(
                    objectifs=(
                        Objectif(code="autonomie", libelle="Maintenir la marche", domaine="autonomie"),
                    )
                ),
            ),
            ProjetPersonnaliseValide: _template(
                ProjetPersonnaliseValide, version=1, valide_le=START, date_prochaine_revision=START
            ),
            IdentiteQualifiee: _template(
                IdentiteQualifiee,
                matricule=MatriculeIns.model_validate(
                    {"valeur": "238032A004005", "oid": "1.2.250.1.213.1.4.10"}, context={"stored": True}
                ),
                qualifiee_le=t0,
            ),
            EvaluationRealisee: _template(
                EvaluationRealisee,
                dossier_id=some,
                esms="x",
                grille="aggir",
                grille_version=1,
                grille_libelle="AGGIR",
                realisee_le=t0,
                evaluateur="ide",
                reponses={},
                gir=4,
            ),
            AbsenceDeclaree: _template(
                AbsenceDeclaree, absence_id=some, type=TypeAbsence.hospitalisation, debut=t0, fin_prevue=t0
            ),
            AbsenceTerminee: _template(AbsenceTerminee, absence_id=some, fin=t0),
            SortiePrononcee: _template(SortiePrononcee, sortie_le=t0, motif=MotifSortie.deces),
            TransmissionSaisie: _template(
                TransmissionSaisie,
                dossier_id=some,
                esms="x",
                type=TypeTransmission.libre,
                categorie=CategorieTransmission.soins,
                categorie_donnees=CategorieDonnees.soins,
                texte="Nuit calme, a bien dormi. Pansement refait, cicatrisation en cours.",
                le=t0,
                jour_poste=START,
                auteur="ide",
                profession="infirmier",
            ),
            ActeRealise: _template(
                ActeRealise,
                dossier_id=some,
                soin_id=some,
                prevu_le=t0,
                realise_le=t0,
                par="as",
                par_role="aide_soignant",
            ),
            EvenementPlanifie: _template(
                EvenementPlanifie,
                esms="x",
                type="activite",
                titre="Atelier mémoire",
                debut=t0,
                fin=t0,
                participants=Participants(usagers=(some,)),
            ),
            EvenementRealise: _template(EvenementRealise, occurrence=t0, statut=StatutRealisation.realise),
        }

    def _event(
        self,
        out: list[Pending],
        seconds: float,
        day: date,
        contract: type[EventData],
        finess: str,
        aggregate_type: str,
        aggregate_id: uuid.UUID,
        actor: dict[str, Any],
        **data: Any,
    ) -> None:
        subject = event_subject(finess, contract.service, aggregate_type, str(aggregate_id))
        self.versions[subject] += 1
        ident = str(uuid.uuid4())
        envelope = {
            "specversion": "1.0",
            "id": ident,
            "type": contract.type_name(),
            "source": f"dui/{contract.service}",
            "subject": str(aggregate_id),
            "time": _iso(_utc(day, seconds)),
            "datacontenttype": "application/json",
            "esms": finess,
            "aggregate_type": aggregate_type,
            "aggregate_version": self.versions[subject],
            "actor": actor,
            "correlation_id": ident,
            "causation_id": None,
            "traceparent": None,
            "data": {**self.t[contract], **data},
        }
        payload = json.dumps(envelope, separators=(",", ":")).encode()
        if contract.type_name() not in self.checked:  # one of each type through the registry, as a projection
            self.checked.add(contract.type_name())
            decoded = registry.decode(Envelope.model_validate_json(payload))
            assert type(decoded) is contract, contract
        out.append((seconds, subject, payload, contract.type_name()))

    def day(self, d: int) -> list[Pending]:
        out: list[Pending] = []
        day = START + timedelta(days=d)
        if d == GROUPS_FROM:
            for esms, ident, members, hour in self.groups:
                debut = _utc(day, hour * 3600 + 86400)
                self._event(
                    out, 7 * 3600, day, EvenementPlanifie, esms, "evenement", ident, self.actors[esms]["cadre"],
                    esms=esms, titre="Atelier mémoire", debut=_iso(debut), fin=_iso(debut + timedelta(hours=1)),
                    recurrence=f"FREQ=WEEKLY;UNTIL={START + timedelta(days=DAYS):%Y%m%d}T000000Z",
                    participants={"usagers": [str(p.dossier) for p in members], "professionnels": [], "candidatures": []},
                )  # fmt: skip
        elif d > GROUPS_FROM and d % 7 == GROUPS_FROM % 7 + 1 and d < DAYS:
            for esms, ident, _members, hour in self.groups:
                occurrence = _utc(day, hour * 3600)
                self._event(
                    out, hour * 3600 + 4000, day, EvenementRealise, esms, "evenement", ident,
                    self.actors[esms]["soignant"], occurrence=_iso(occurrence),
                )  # fmt: skip
        for p in self.persons:
            if p.present(d):
                self._person(out, p, d, day)
        out.sort(key=lambda e: e[0])
        return out

    def _person(self, out: list[Pending], p: Person, d: int, day: date) -> None:
        e, since = p.esms, d - p.admis
        sec, soin, cadre = self.actors[e]["secretariat"], self.actors[e]["soignant"], self.actors[e]["cadre"]
        ev = self._event
        if since == 0:
            now = _iso(_utc(day, 9 * 3600))
            ev(
                out,
                8 * 3600,
                day,
                CandidatureRecue,
                e,
                "candidature",
                p.candidature,
                sec,
                demande_id=str(uuid.uuid4()),
                esms=e,
                recue_le=now,
                usager={**self.t[CandidatureRecue]["usager"], "nom_naissance": f"BENCH{e}{p.index}"},
            )
            ev(
                out,
                9 * 3600,
                day,
                DecisionPrononcee,
                e,
                "candidature",
                p.candidature,
                cadre,
                prononcee_le=now,
            )
            ev(
                out,
                10 * 3600,
                day,
                CandidatureAdmise,
                e,
                "candidature",
                p.candidature,
                sec,
                sejour_id=str(p.sejour),
                admis_le=now,
            )
            ev(
                out,
                10 * 3600 + 0.1,
                day,
                AdmissionPrononcee,
                e,
                "sejour",
                p.sejour,
                sec,
                candidature_id=str(p.candidature),
                esms=e,
                admis_le=now,
                usager={**self.t[AdmissionPrononcee]["usager"], "nom_naissance": f"BENCH{e}{p.index}"},
            )
            ev(
                out,
                10 * 3600 + 1,
                day,
                DossierOuvert,
                e,
                "dossierusager",
                p.dossier,
                self.systeme,
                sejour_id=str(p.sejour),
                esms=e,
                admis_le=now,
            )
            ev(
                out,
                11 * 3600,
                day,
                ProjetPersonnaliseInitie,
                e,
                "projetpersonnalise",
                projet_id_for(p.dossier),
                cadre,
                dossier_id=str(p.dossier),
                esms=e,
            )
            return
        if since == 7 and p.index % 5:
            ev(
                out,
                15 * 3600,
                day,
                IdentiteQualifiee,
                e,
                "dossierusager",
                p.dossier,
                sec,
                qualifiee_le=_iso(_utc(day, 15 * 3600)),
            )
        if since % 365 == 30:
            version = since // 365 + 1
            ev(
                out,
                16 * 3600,
                day,
                ProjetPersonnaliseValide,
                e,
                "projetpersonnalise",
                projet_id_for(p.dossier),
                cadre,
                version=version,
                valide_le=day.isoformat(),
                date_prochaine_revision=(day + timedelta(days=365)).isoformat(),
                remplace=version - 1 if version > 1 else None,
            )
        if since % 182 == 3:
            ev(
                out,
                10 * 3600,
                day,
                EvaluationRealisee,
                e,
                "evaluation",
                uuid.uuid4(),
                soin,
                dossier_id=str(p.dossier),
                esms=e,
                realisee_le=_iso(_utc(day, 10 * 3600)),
                gir=max(1, min(6, 4 - since // 365 + self.rng.choice((-1, 0, 0, 1)))),
            )
        if since % 120 == 60:
            p_abs = uuid.uuid5(p.sejour, f"absence-{since // 120}")
            ev(
                out,
                9 * 3600,
                day,
                AbsenceDeclaree,
                e,
                "dossierusager",
                p.dossier,
                sec,
                absence_id=str(p_abs),
                debut=_iso(_utc(day, 8 * 3600)),
                fin_prevue=_iso(_utc(day, 5 * 86400)),
            )
        if since % 120 == 65:
            p_abs = uuid.uuid5(p.sejour, f"absence-{since // 120}")
            ev(
                out,
                17 * 3600,
                day,
                AbsenceTerminee,
                e,
                "dossierusager",
                p.dossier,
                sec,
                absence_id=str(p_abs),
                fin=_iso(_utc(day, 16 * 3600)),
            )
        if since % 30 == 10:  # a rendez-vous planned in the morning, held in the afternoon
            rdv = uuid.uuid4()
            debut = _utc(day, 15 * 3600)
            ev(
                out,
                8 * 3600,
                day,
                EvenementPlanifie,
                e,
                "evenement",
                rdv,
                sec,
                esms=e,
                type="rendez_vous",
                titre="Consultation",
                debut=_iso(debut),
                fin=_iso(debut + timedelta(minutes=30)),
                participants={"usagers": [str(p.dossier)], "professionnels": [], "candidatures": []},
            )
            ev(out, 16 * 3600, day, EvenementRealise, e, "evenement", rdv, soin, occurrence=_iso(debut))
        if d == p.sortie:
            motif = MotifSortie.deces if p.deces else MotifSortie.retour_domicile
            ev(
                out,
                18 * 3600,
                day,
                SortiePrononcee,
                e,
                "sejour",
                p.sejour,
                sec,
                sortie_le=_iso(_utc(day, 17 * 3600)),
                motif=motif.value,
            )
            return
        p.fill += self.fill_rate
        while p.fill >= 1:  # transmissions and acts, through the day
            p.fill -= 1
            seconds = self.rng.uniform(7 * 3600, 22 * 3600)
            instant = _iso(_utc(day, seconds))
            if self.rng.random() < 0.55:
                ev(
                    out,
                    seconds,
                    day,
                    TransmissionSaisie,
                    e,
                    "transmission",
                    uuid.uuid4(),
                    soin,
                    dossier_id=str(p.dossier),
                    esms=e,
                    le=instant,
                    jour_poste=day.isoformat(),
                )
            else:
                ev(
                    out,
                    seconds,
                    day,
                    ActeRealise,
                    e,
                    "plansoins",
                    p.plan,
                    soin,
                    dossier_id=str(p.dossier),
                    soin_id=str(p.plan),
                    prevu_le=instant,
                    realise_le=instant,
                )

    def structural(self) -> tuple[int, int]:
        """(events without the soins fill, person-days that get a fill) over the 24 months: a dry run."""
        saved, self.fill_rate = self.fill_rate, 0.0
        versions, self.versions = self.versions, collections.defaultdict(int)
        state = self.rng.getstate()
        count = sum(len(self.day(d)) for d in range(DAYS))
        fill_days = sum(
            1 for p in self.persons for d in range(DAYS) if p.present(d) and d != p.admis and d != p.sortie
        )
        self.fill_rate, self.versions = saved, versions
        self.rng.setstate(state)
        return count, fill_days

    def events(self) -> Iterator[Pending]:
        d = 0
        while True:
            yield from self.day(d)
            d += 1


# -- measures -----------------------------------------------------------------------------------------------


def step(title: str) -> None:
    print(f"… {title}", file=sys.stderr, flush=True)


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def publish(nc: NATS, events: Iterator[Pending], n: int, label: str) -> tuple[float, float, int]:
    """Publish `n` events with WINDOW acks in flight; (seconds, seconds spent encoding, last sequence)."""
    js = nc.jetstream(timeout=30, publish_async_max_pending=WINDOW * 4)
    inflight: collections.deque[asyncio.Future[Any]] = collections.deque()
    start = last_report = time.perf_counter()
    encoding = 0.0
    last = 0
    for i in range(n):
        t = time.perf_counter()
        _, subject, payload, type_name = next(events)
        encoding += time.perf_counter() - t
        ident = payload[payload.index(b'"id":"') + 6 :][:36].decode()
        inflight.append(
            await js.publish_async(subject, payload, headers={"Nats-Msg-Id": ident, "Ce-Type": type_name})
        )
        if len(inflight) >= WINDOW:
            last = (await inflight.popleft()).seq
        if time.perf_counter() - last_report > 5:
            last_report = time.perf_counter()
            rate = (i + 1) / (last_report - start)
            print(f"\r{label}: {i + 1}/{n} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    while inflight:
        last = (await inflight.popleft()).seq
    print(f"\r{label}: {n}/{n}", file=sys.stderr, flush=True)
    return time.perf_counter() - start, encoding, last


def progress_printer(label: str) -> Any:
    start = time.perf_counter()
    state = {"at": start}

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - state["at"] > 5 or done >= total:
            state["at"] = now
            rate = done / max(now - start, 1e-9)
            eta = (total - done) / rate if rate else 0
            print(
                f"\r{label}: {done}/{total} ({rate:,.0f}/s, ~{eta:.0f} s left, rss {maxrss_mib():,.0f} MiB)",
                end="",
                file=sys.stderr,
                flush=True,
            )

    return show


async def timed_calls(n: int, call: Any) -> tuple[float, list[float]]:
    latencies = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


async def measure(nats_url: str, database_url: str, n: int, profile: bool) -> tuple[list[Row], list[str]]:
    nc = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=8)
    notes: list[str] = []
    rows: list[Row] = []
    try:
        store = EventStore(nc)
        await store.ensure_streams()
        referentiel = Referentiel.load(None)
        esms = [e.finess for e in referentiel.esms][:3]
        per_esms = max(10, n // 10_000)
        gen = Generator(esms, per_esms)
        fixed, fill_days = gen.structural()
        gen.fill_rate = max(0.0, (n - fixed) / max(fill_days, 1))
        notes.append(
            f"log: {len(esms)} ESMS × {per_esms} persons over {MONTHS} months ({len(gen.groups)} weekly group "
            f"activities); {fixed:,} structural events, then {gen.fill_rate:.2f} soins events per person-day"
        )
        base = await store.last_sequence()

        step(f"R1 generating and publishing {n:,} events")
        events = gen.events()
        seconds, encoding, last = await publish(nc, events, n, "R1 publish")
        r1 = Row(f"R1 generate + js.publish_async ({WINDOW} in flight)", n, seconds)
        r1.ratio = f"of which building envelopes {encoding:.1f} s"
        rows.append(r1)
        rss_gen = maxrss_mib()

        step(f"R2 rebuild of the reporting read model from {last - base:,} events")
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        await rebuild(
            ReportingReadModel(),
            nc=nc,
            pool=pool,
            registry=registry,
            swap=True,
            progress=progress_printer("R2 rebuild"),
        )
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
        print(file=sys.stderr)
        r2 = Row("R2 rebuild(ReportingReadModel), whole log", last - base, seconds)
        r2.ratio = f"{r2.per_second / r1.per_second:.2f}× R1; ru_maxrss {maxrss_mib():,.0f} MiB"
        rows.append(r2)
        async with pool.acquire() as conn:
            await conn.execute("ANALYZE")
            sizes = await conn.fetch(
                """SELECT c.relname AS t, c.reltuples::bigint AS n, pg_total_relation_size(c.oid) AS bytes
                   FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                   WHERE s.nspname = 'reporting' AND c.relkind = 'r' ORDER BY 3 DESC"""
            )
        total = sum(r["bytes"] for r in sizes)
        notes.append(
            f"read model after R2: {total / 2**20:,.0f} MiB — "
            + ", ".join(f"{r['t']} {r['n']:,}" for r in sizes if r["n"] > 0)
        )
        notes.append(f"process ru_maxrss: {rss_gen:,.0f} MiB after R1, {maxrss_mib():,.0f} MiB after R2")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue(), file=sys.stderr)

        step("R3 indicator queries")
        queries = ReportingQueries(pool, store, referentiel, ParametresIndicateurs())
        month = FiltreIndicateurs(esms=esms[0], du=date(2026, 3, 1), au=date(2026, 3, 31))
        year = FiltreMensuels(esms=esms[0], de="2025-11", a="2026-10")
        seconds, lat = await timed_calls(QUERY_CALLS, lambda: queries.indicateurs(DIRECTION, month))
        rows.append(Row(f"R3a indicateurs, 1 ESMS × 1 month ({esms[0]} 2026-03)", QUERY_CALLS, seconds, lat))
        seconds, lat = await timed_calls(QUERY_CALLS, lambda: queries.mensuels(DIRECTION, year))
        rows.append(Row("R3b indicateurs mensuels, 1 ESMS × 12 months", QUERY_CALLS, seconds, lat))

        step(f"R4 {INCREMENT:,} more events with the live projection running")
        runner = ProjectionRunner(ReportingReadModel(), nc=nc, pool=pool, registry=registry, trace=True)
        await runner.setup()
        task = asyncio.create_task(runner.run())
        try:
            start = time.perf_counter()
            published, _, last = await publish(nc, events, INCREMENT, "R4 publish")
            if not await runner.wait_for(last, timeout=600):
                raise RuntimeError("the live projection did not reflect the increment within 600 s")
            seconds = time.perf_counter() - start
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await runner.close()
        r4 = Row("R4 append + live projection reflects them", INCREMENT, seconds)
        r4.ratio = f"publish alone {published:.2f} s; projection done {seconds - published:.2f} s after"
        rows.append(r4)
        return rows, notes
    finally:
        await pool.close()
        await nc.drain()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reporting", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="events in the generated log")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply --events (0.05: a quick run)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the rebuild, top functions on stderr"
    )
    parser.add_argument(
        "--external",
        action="store_true",
        help="allow NATS_URL / DATABASE_URL: the events go into that DUI_EVT (no purge) and the rebuild replaces "
        "its `reporting` schema",
    )
    args = parser.parse_args(argv)
    if not args.external and (os.environ.get("NATS_URL") or os.environ.get("DATABASE_URL")):
        parser.error(
            "NATS_URL / DATABASE_URL set: this bench writes 1M events and swaps `reporting`; add --external"
        )
    n = max(1000, round(args.events * args.scale))
    configure("bench", level="WARNING")
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="dui-bench-reporting-") as tmp,
        servers(Path(tmp)) as (nats, db, srv),
    ):
        rows, notes = asyncio.run(measure(nats, db, n, args.profile))
    lines = [
        f"dui bench reporting — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {n:,} events",
        "servers: " + "; ".join(srv),
        *notes,
        "",
        *render(rows),
        "",
        f"total run time {time.perf_counter() - started:.0f} s",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
