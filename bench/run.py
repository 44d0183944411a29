"""Throughput and latency figures, side by side in one run: `python -m bench.run [--scale X]` (`make bench`).

Starts its own nats-server and PostgreSQL (or uses NATS_URL / DATABASE_URL), measures

1. raw JetStream publishes with nats-py (one at a time, then pipelined) on a separate `BENCH_RAW` stream;
2. our append path through the admission application (sequential, concurrent, load+decide+append);
3. the `eventsourcing` library's PostgreSQL recorder saving the same events one at a time;
4. a full replay of the admission read model against a raw read of the same messages;
5. the live projection's lag at a paced 500 events/s,
6. the dossier's fiche de synthèse: a read alone, and a write followed by the read that reflects it,
7. what the gateway's security costs per request: a dossier read through the gateway against the same read over
   the bus, and its parts alone (token verification, rights uncached, one access trace, the HTTP stack without
   security; see `bench.securite`),

then prints one table plus the issue's targets. Nothing here asserts on timings: these are figures, not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
import nats
from eventsourcing.application import Application as EsApplication
from eventsourcing.domain import Aggregate as EsAggregate
from eventsourcing.domain import event as es_event
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bench import securite
from dui_admission.application import AdmissionApp
from dui_admission.domain.candidature import Candidature
from dui_admission.projections import AdmissionReadModel
from dui_dossier.application import DossierApp, dossier_id_for
from dui_dossier.insi import InsiSimulateur
from dui_dossier.projections import DossierReadModel
from dui_dossier.queries import DossierQueries
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.admission import AdmissionPrononcee, Decision, Origine, Sexe, TypeAccueil, Usager
from dui_shared.contracts.admission_api import DecisionAPrononcer, NouvelleCandidature
from dui_shared.contracts.dossier import Canal, Contact, RoleEntourage
from dui_shared.contracts.dossier_api import EchangeATracer
from dui_shared.envelope import Actor
from dui_shared.eventstore import EVENTS_STREAM, EventStore, stream_config
from dui_shared.observability import configure
from dui_shared.projection import ProjectionRunner, rebuild, wait_for_position
from dui_shared.referentiel import Referentiel
from dui_shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres, nats_server_binary

ESMS = "690004122"
ACTOR = Actor(id="bench", role="secretariat", og_wide=True)
RAW_STREAM = "BENCH_RAW"
RAW_SUBJECT = "bench.raw"
ADMISSION_FILTER = "dui.evt.*.admission.>"
LIVE_SCHEMA = "bench_admission_live"
WINDOW_RAW = 256
WINDOW_CMD = 64
ROUNDS = 4  # 2a / 3a / 3b alternate in this many rounds
FETCH_BATCH = 512
LAG_RATE = 500
TARGETS = (
    "single-command append ≥ 3× eventsourcing+PostgreSQL; replay ≥ 0.8× raw read; lag p99 < 100 ms; "
    "fiche de synthèse fresh within 1 s of a change"
)
RESULTS = Path(__file__).resolve().parent / "results" / "latest.txt"


# -- results -------------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per operation when measured
    ratio: str = ""
    rate: float | None = None  # overrides count / seconds (e.g. the achieved publish rate of the lag run)

    @property
    def per_second(self) -> float:
        if self.rate is not None:
            return self.rate
        return self.count / self.seconds if self.seconds > 0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of an unsorted sequence."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def render(rows: Sequence[Row]) -> list[str]:
    header = ("measure", "count", "seconds", "rate/s", "p50 ms", "p99 ms", "max ms", "ratio")
    body = []
    for r in rows:
        lat = r.latencies
        ms = (
            [f"{percentile(lat, q) * 1000:.2f}" for q in (0.5, 0.99)] + [f"{max(lat) * 1000:.2f}"]
            if lat
            else ["-", "-", "-"]
        )
        body.append((r.name, str(r.count), f"{r.seconds:.2f}", f"{r.per_second:,.0f}", *ms, r.ratio))
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

    def fmt(line: Sequence[str]) -> str:
        cells = [
            cell.ljust(widths[i]) if i in (0, len(line) - 1) else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(fmt(header))
    return [fmt(header), rule, *(fmt(line) for line in body), rule]


# -- inputs --------------------------------------------------------------------------------------------


def commands(n: int, tag: str) -> list[NouvelleCandidature]:
    return [
        NouvelleCandidature(
            usager=Usager(
                nom_naissance=f"Bench{tag}{i}",
                nom_utilise=None,
                prenoms="Jeanne Marie",
                date_naissance=date(1938, 3, 14),
                sexe=Sexe.F,
                commune_residence="Villeurbanne",
            ),
            esms=[ESMS],
            type_accueil=TypeAccueil.permanent,
            date_entree_souhaitee=date(2027, 1, 4),
            urgence=i % 10 == 0,
            commentaire="demande transmise par le service social de l'hôpital",
        )
        for i in range(n)
    ]


def sample_payload(app: AdmissionApp, ctx: CommandContext) -> bytes:
    """The bytes our append path would publish for one CandidatureRecue: the raw publishes use this size."""
    cmd = commands(1, "sample")[0]
    candidature = Candidature(
        id=uuid.uuid4(),
        demande_id=uuid.uuid4(),
        esms=ESMS,
        usager=cmd.usager,
        type_accueil=cmd.type_accueil,
        recue_le=datetime.now(UTC),
        date_entree_souhaitee=cmd.date_entree_souhaitee,
        origine=Origine.saisie,
        reference_externe=None,
        urgence=cmd.urgence,
        commentaire=cmd.commentaire,
    )
    pending = app.repository.mapper.to_envelopes(candidature, ctx)[0]
    return pending.envelope.model_dump_json().encode()


async def sequential(n: int, op: Callable[[int], Awaitable[Any]]) -> tuple[float, list[float]]:
    latencies = []
    start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        await op(i)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


async def windowed(n: int, window: int, op: Callable[[int], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    for base in range(0, n, window):
        await asyncio.gather(*(op(i) for i in range(base, min(n, base + window))))
    return time.perf_counter() - start


# -- 1. raw JetStream ----------------------------------------------------------------------------------


async def bench_raw_publish(nc: NATS, payload: bytes, n_sync: int, n_pipe: int) -> list[Row]:
    js = nc.jetstream(timeout=10)
    config = stream_config(RAW_STREAM, [f"{RAW_SUBJECT}.>"])
    config.update(deny_delete=False, deny_purge=False, allow_atomic=False)
    with contextlib.suppress(Exception):
        await js.delete_stream(RAW_STREAM)
    store = EventStore(nc, stream=RAW_STREAM)
    await store._ensure(config)

    async def one(i: int) -> None:
        await js.publish(f"{RAW_SUBJECT}.{i % 1000}", payload)

    seconds, lat = await sequential(n_sync, one)
    sync = Row("1a raw js.publish, one at a time", n_sync, seconds, lat)

    start = time.perf_counter()
    for base in range(0, n_pipe, WINDOW_RAW):
        futures = [
            await js.publish_async(f"{RAW_SUBJECT}.{i % 1000}", payload)
            for i in range(base, min(n_pipe, base + WINDOW_RAW))
        ]
        await asyncio.gather(*futures)
    pipe = Row(f"1b raw js.publish_async, {WINDOW_RAW} in flight", n_pipe, time.perf_counter() - start)
    pipe.ratio = f"{pipe.per_second / sync.per_second:.1f}× 1a"
    await js.delete_stream(RAW_STREAM)
    return [sync, pipe]


# -- 2. our append path --------------------------------------------------------------------------------


async def bench_append(
    app: AdmissionApp, ctx: CommandContext, n_conc: int, n_dec: int, seq: Row, created: list[uuid.UUID]
) -> list[Row]:
    conc_cmds = commands(n_conc, "conc")

    async def recevoir_conc(i: int) -> None:
        await app.recevoir_candidature(conc_cmds[i], ctx)

    conc = Row(
        f"2b append: recevoir_candidature, {WINDOW_CMD} in flight",
        n_conc,
        await windowed(n_conc, WINDOW_CMD, recevoir_conc),
    )
    conc.ratio = f"{conc.per_second / seq.per_second:.1f}× 2a"

    decision = DecisionAPrononcer(decision=Decision.acceptee, motif=None)

    async def decider(i: int) -> None:
        await app.prononcer_decision(created[i], decision, ctx)

    n_dec = min(n_dec, len(created))
    seconds, lat = await sequential(n_dec, decider)
    dec = Row("2c load+decide+append: prononcer_decision, one at a time", n_dec, seconds, lat)
    dec.ratio = f"{dec.per_second / seq.per_second:.2f}× 2a"
    return [conc, dec]


# -- 3. eventsourcing + PostgreSQL ---------------------------------------------------------------------


class EsCandidature(EsAggregate):
    """The candidature of the admission service, in plain types, as a user of `eventsourcing` alone writes it."""

    @es_event("CandidatureRecue")
    def __init__(
        self,
        demande_id: str,
        esms: str,
        usager: dict[str, Any],
        type_accueil: str,
        recue_le: str,
        date_entree_souhaitee: str | None,
        origine: str,
        reference_externe: str | None,
        urgence: bool,
        commentaire: str | None,
    ) -> None:
        self.demande_id = demande_id
        self.esms = esms
        self.usager = usager
        self.type_accueil = type_accueil
        self.recue_le = recue_le
        self.statut = "recue"


class EsAdmission(EsApplication[uuid.UUID]):
    name = "BenchAdmission"

    def recevoir(self, fields: dict[str, Any]) -> uuid.UUID:
        candidature = EsCandidature(**fields)
        self.save(candidature)
        return candidature.id


def eventsourcing_env(database_url: str, schema: str) -> dict[str, str]:
    """POSTGRES_* settings from a libpq URL; a Unix-socket directory goes in POSTGRES_HOST (psycopg's `host`)."""
    url = urlsplit(database_url)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or query.get("dbname", "postgres"),
        "POSTGRES_HOST": query.get("host") or url.hostname or "localhost",
        "POSTGRES_PORT": str(query.get("port") or url.port or 5432),
        "POSTGRES_USER": unquote(url.username or query.get("user", "postgres")),
        "POSTGRES_PASSWORD": unquote(url.password or query.get("password", "")),
        "POSTGRES_SCHEMA": schema,
    }


def es_fields(cmd: NouvelleCandidature) -> dict[str, Any]:
    return {
        "demande_id": str(uuid.uuid4()),
        "esms": cmd.esms[0],
        "usager": cmd.usager.model_dump(mode="json"),
        "type_accueil": cmd.type_accueil.value,
        "recue_le": datetime.now(UTC).isoformat(),
        "date_entree_souhaitee": cmd.date_entree_souhaitee.isoformat() if cmd.date_entree_souhaitee else None,
        "origine": "saisie",
        "reference_externe": None,
        "urgence": cmd.urgence,
        "commentaire": cmd.commentaire,
    }


def es_open(database_url: str, schema: str, pgoptions: str) -> tuple[EsAdmission, str]:
    """A connected application (tables created, one save done) and its session's effective synchronous_commit."""
    previous = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = pgoptions  # read by libpq, hence by psycopg; asyncpg ignores it
    try:
        app = EsAdmission(env=eventsourcing_env(database_url, schema))
        app.recevoir(es_fields(commands(1, "warmup")[0]))
        datastore: Any = getattr(app.recorder, "datastore")  # noqa: B009 - PostgresRecorder only
        with datastore.transaction(commit=False) as curs:
            curs.execute("SHOW synchronous_commit")
            return app, str(curs.fetchone()["synchronous_commit"])
    finally:
        if previous is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = previous


def es_save(app: EsAdmission, cmds: Sequence[NouvelleCandidature]) -> tuple[float, list[float]]:
    latencies = []
    start = time.perf_counter()
    for cmd in cmds:
        fields = es_fields(cmd)
        t = time.perf_counter()
        app.recevoir(fields)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


async def bench_single_command(
    app: AdmissionApp, ctx: CommandContext, database_url: str, pool: asyncpg.Pool, n: int, raw_sync: Row
) -> tuple[list[Row], list[uuid.UUID]]:
    """2a, 3a and 3b, one command at a time, interleaved in rounds so that background load hits all three alike.

    `eventsourcing` is synchronous (psycopg): it runs in a worker thread so the event loop stays responsive.
    """
    variants = (("3a", "bench_es_default", ""), ("3b", "bench_es_async_commit", "-c synchronous_commit=off"))
    async with pool.acquire() as conn:
        for _, schema, _ in variants:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.execute(f'CREATE SCHEMA "{schema}"')
    opened = [await asyncio.to_thread(es_open, database_url, schema, opts) for _, schema, opts in variants]
    ours_cmds, es_cmds = commands(n, "seq"), commands(n, "es")
    created: list[uuid.UUID] = []
    totals = [0.0, 0.0, 0.0]
    latencies: list[list[float]] = [[], [], []]

    async def recevoir_at(base: int, i: int) -> None:
        demande, _ = await app.recevoir_candidature(ours_cmds[base + i], ctx)
        created.extend(demande.candidatures)

    try:
        chunk = max(1, math.ceil(n / ROUNDS))
        for base in range(0, n, chunk):
            size = min(chunk, n - base)
            seconds, lat = await sequential(size, functools.partial(recevoir_at, base))
            totals[0] += seconds
            latencies[0] += lat
            for k, (es_app, _) in enumerate(opened, start=1):
                seconds, lat = await asyncio.to_thread(es_save, es_app, es_cmds[base : base + size])
                totals[k] += seconds
                latencies[k] += lat
    finally:
        for es_app, _ in opened:
            es_app.close()
        async with pool.acquire() as conn:
            for _, schema, _ in variants:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    ours = Row("2a append: recevoir_candidature, one at a time", n, totals[0], latencies[0])
    es = [
        Row(
            f"{label} eventsourcing+PostgreSQL: save(), synchronous_commit={sync}", n, totals[k], latencies[k]
        )
        for k, ((label, _, _), (_, sync)) in enumerate(zip(variants, opened, strict=True), start=1)
    ]
    ours.ratio = (
        f"{ours.per_second / raw_sync.per_second:.2f}× 1a; {ours.per_second / es[0].per_second:.2f}× 3a; "
        f"{ours.per_second / es[1].per_second:.2f}× 3b"
    )
    return [ours, *es], created


# -- 4. replay vs raw read -----------------------------------------------------------------------------


async def raw_pull_read(nc: NATS) -> tuple[int, float]:
    js = nc.jetstream(timeout=10)
    config = ConsumerConfig(
        filter_subject=ADMISSION_FILTER,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=60,
    )
    start = time.perf_counter()
    sub = await js.pull_subscribe(ADMISSION_FILTER, durable=None, stream=EVENTS_STREAM, config=config)
    info = await sub.consumer_info()
    try:
        total = info.num_pending or 0
        count = 0
        while count < total:
            msgs = await sub.fetch(FETCH_BATCH, timeout=2.0)
            count += len(msgs)
        return count, time.perf_counter() - start
    finally:
        await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(EVENTS_STREAM, info.name)


async def raw_ordered_read(nc: NATS, total: int) -> float:
    js = nc.jetstream(timeout=10)
    done = asyncio.Event()
    count = 0

    async def on_msg(_: Msg) -> None:
        nonlocal count
        count += 1
        if count >= total:
            done.set()

    start = time.perf_counter()
    sub = await js.subscribe(
        ADMISSION_FILTER,
        stream=EVENTS_STREAM,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
        cb=on_msg,
    )
    try:
        await asyncio.wait_for(done.wait(), timeout=120)
        return time.perf_counter() - start
    finally:
        name = (await sub.consumer_info()).name
        await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(EVENTS_STREAM, name)


async def bench_replay(nc: NATS, pool: asyncpg.Pool) -> list[Row]:
    total, pull_seconds = await raw_pull_read(nc)
    pull = Row(f"4a raw read: pull consumer, fetch({FETCH_BATCH})", total, pull_seconds)
    ordered = Row("4b raw read: ordered push consumer", total, await raw_ordered_read(nc, total))

    start = time.perf_counter()
    schema = await rebuild(AdmissionReadModel(), nc=nc, pool=pool, registry=registry, swap=False)
    replay = Row("4c replay: rebuild(AdmissionReadModel)", total, time.perf_counter() - start)
    async with pool.acquire() as conn:
        rows = await conn.fetchval(f'SELECT count(*) FROM "{schema}".candidature')
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    replay.ratio = (
        f"{replay.per_second / pull.per_second:.2f}× 4a, {replay.per_second / ordered.per_second:.2f}× 4b"
        f" ({rows} rows)"
    )
    return [pull, ordered, replay]


# -- 5. live projection lag ----------------------------------------------------------------------------


async def bench_lag(
    app: AdmissionApp, ctx: CommandContext, nc: NATS, pool: asyncpg.Pool, n: int
) -> tuple[Row, Row]:
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{LIVE_SCHEMA}" CASCADE')
    runner = ProjectionRunner(AdmissionReadModel(), nc=nc, pool=pool, registry=registry, schema=LIVE_SCHEMA)
    await runner.setup()
    start = time.perf_counter()
    await runner.catch_up()
    catch_up = Row(
        "5a live runner: catch_up() before the paced run", runner.applied, time.perf_counter() - start
    )

    commits: list[tuple[float, int]] = []  # (time the batch's transaction had committed, its last sequence)

    committed = asyncio.Event()
    goal = math.inf

    async def after_commit(last: int) -> None:
        commits.append((time.perf_counter(), last))
        if last >= goal:
            committed.set()

    runner.after_commit = after_commit
    task = asyncio.create_task(runner.run())
    acks: list[tuple[float, int]] = []
    failures: list[BaseException] = []
    cmds = commands(n, "lag")

    async def send(i: int) -> None:
        try:
            _, position = await app.recevoir_candidature(cmds[i], ctx)
            acks.append((time.perf_counter(), position))
        except Exception as exc:
            failures.append(exc)

    try:
        inflight = []
        t0 = time.perf_counter()
        for i in range(n):  # open loop: a slow append does not delay the next one
            delay = t0 + i / LAG_RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            inflight.append(asyncio.create_task(send(i)))
        await asyncio.gather(*inflight)
        sent_seconds = time.perf_counter() - t0
        last = max(p for _, p in acks) if acks else 0
        caught = await runner.wait_for(last, timeout=30)
        # wait_for() wakes before the batch's COMMIT has returned: let after_commit record that batch too
        goal = last
        if commits and commits[-1][1] >= goal:
            committed.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(committed.wait(), timeout=5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await runner.close()
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_consumer(EVENTS_STREAM, runner.consumer)
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{LIVE_SCHEMA}" CASCADE')

    positions, times = [], []
    high = 0
    for t, p in commits:
        high = max(high, p)
        positions.append(high)
        times.append(t)
    lags = []
    for ack_time, position in acks:
        k = bisect_left(positions, position)
        if k < len(times):
            lags.append(max(0.0, times[k] - ack_time))
    row = Row(f"5b lag: append ack → projection commit @ {LAG_RATE}/s", len(lags), sent_seconds, lags)
    row.rate = len(acks) / sent_seconds if sent_seconds else 0.0
    notes = [f"{len(commits)} batches, {len(acks) / max(1, len(commits)):.0f} ev/batch"]
    if failures:
        notes.append(f"{len(failures)} failed: {failures[0]!r}"[:80])
    if not caught or len(lags) < len(acks):
        notes.append("projection did not catch up")
    row.ratio = "; ".join(notes)
    return catch_up, row


async def bench_fiche(nc: NATS, pool: asyncpg.Pool, n: int) -> list[Row]:
    """The fiche de synthèse read alone, then a write (an exchange traced) until the fiche that shows it."""
    store = EventStore(nc)
    app = DossierApp(store, registry, Referentiel.load(None), InsiSimulateur.demo())
    queries = DossierQueries(pool, app.referentiel)
    runner = ProjectionRunner(DossierReadModel(), nc=nc, pool=pool, registry=registry)
    await runner.setup()
    task = asyncio.create_task(runner.run())
    ctx = CommandContext(actor=ACTOR)
    try:
        sejour = uuid.uuid4()
        admission = AdmissionPrononcee(
            candidature_id=uuid.uuid4(),
            esms=ESMS,
            usager=Usager(
                nom_naissance="Bench", prenoms="Fiche", date_naissance=date(1940, 1, 1), sexe=Sexe.F
            ),
            type_accueil=TypeAccueil.permanent,
            admis_le=datetime(2026, 1, 1, tzinfo=UTC),
        )
        position = await app.ouvrir(admission, sejour, uuid.uuid4())
        dossier_id = dossier_id_for(sejour)
        for i in range(20):  # a dossier with some history: exchanges, contacts
            await app.ajouter_contact(
                dossier_id, Contact(nom=f"Proche {i}", roles=(RoleEntourage.famille,)), ctx
            )
        _, position = await app.tracer_echange(dossier_id, _echange(0), ctx)

        async def fiche(at: int) -> None:
            reached = await wait_for_position(store, pool, DossierReadModel, at, timeout=10)
            assert reached is not None, "the dossier read model did not catch up"
            await queries.synthese(dossier_id, ACTOR)

        await fiche(position)
        read_seconds, read_lat = await sequential(n, lambda i: fiche(0))

        latencies = []
        start = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            _, at = await app.tracer_echange(dossier_id, _echange(i + 1), ctx)
            await fiche(at)
            latencies.append(time.perf_counter() - t0)
        fresh_seconds = time.perf_counter() - start
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await runner.close()
    return [
        Row("6a fiche de synthèse read (one snapshot, 10 queries)", n, read_seconds, read_lat),
        Row("6b write → fiche de synthèse reflecting it", n, fresh_seconds, latencies, ratio="target < 1 s"),
    ]


def _echange(i: int) -> EchangeATracer:
    return EchangeATracer(
        le=datetime(2026, 2, 1, 10, 0), canal=Canal.telephone, participants=["fille"], objet=f"appel {i}"
    )


# -- 7. the gateway's security per request -------------------------------------------------------------


async def bench_securite(nats_url: str, database_url: str, nc: NATS, pool: asyncpg.Pool, n: int) -> list[Row]:
    """7a–7f one at a time, interleaved in rounds (`bench.securite` sets up the services, provider, gateway)."""
    async with securite.operations(nats_url, database_url, nc, pool, ESMS) as ops:
        totals = [0.0] * len(ops)
        latencies: list[list[float]] = [[] for _ in ops]
        chunk = max(1, math.ceil(n / ROUNDS))
        for base in range(0, n, chunk):
            for k, (_, op) in enumerate(ops):
                seconds, lat = await sequential(min(chunk, n - base), op)
                totals[k] += seconds
                latencies[k] += lat
    rows = [Row(name, n, totals[k], latencies[k]) for k, (name, _) in enumerate(ops)]
    direct, gateway, *parts = (percentile(r.latencies, 0.5) * 1000 for r in rows)
    overhead = gateway - direct
    rows[1].ratio = f"+{overhead:.2f} ms p50 vs 7a ({gateway / direct:.1f}× 7a)"
    for row, ms in zip(rows[2:], parts, strict=True):
        row.ratio = f"{ms / overhead:.0%} of 7b − 7a" if overhead > 0 else ""
    return rows


# -- servers -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[tuple[str, str, list[str]]]:
    """NATS and PostgreSQL URLs: NATS_URL / DATABASE_URL when set, else embedded servers stopped on exit."""
    started: list[Any] = []
    notes = []
    try:
        nats_url = os.environ.get("NATS_URL")
        if nats_url:
            notes.append(f"NATS {nats_url} (NATS_URL)")
        else:
            server = EmbeddedNats(workdir / "nats").start()
            started.append(server)
            nats_url = server.url
            version = subprocess.run(
                [nats_server_binary(), "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            notes.append(f"embedded {version} (JetStream file storage)")
        database_url = os.environ.get("DATABASE_URL")
        if database_url:
            notes.append("PostgreSQL from DATABASE_URL")
        else:
            pg = EmbeddedPostgres(workdir / "pgdata").start()
            started.append(pg)
            database_url = pg.url
            notes.append("embedded PostgreSQL (Unix socket)")
        yield nats_url, database_url, notes
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                server.stop()


# -- main ----------------------------------------------------------------------------------------------


def targets(rows: dict[str, Row]) -> list[str]:
    append = rows["2a"].per_second / rows["3a"].per_second
    raw_best = max(rows["4a"].per_second, rows["4b"].per_second)  # the stricter baseline
    replay = rows["4c"].per_second / raw_best
    lag = rows["5b"]
    p99 = percentile(lag.latencies, 0.99) * 1000 if lag.latencies else math.inf
    fiche = rows["6b"]
    fresh = percentile(fiche.latencies, 0.99) * 1000 if fiche.latencies else math.inf
    direct, gateway, token, trace, http = (
        percentile(rows[k].latencies, 0.5) * 1000 for k in ("7a", "7b", "7c", "7e", "7f")
    )
    overhead = gateway - direct

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    return [
        f"targets (issue): {TARGETS}",
        f"  single-command append vs eventsourcing+PostgreSQL: {append:.2f}× (≥ 3×)      {verdict(append >= 3)}",
        f"  replay vs raw read:                                {replay:.2f}× (≥ 0.8×)    {verdict(replay >= 0.8)}",
        f"  projection lag p99 at {LAG_RATE}/s:                      {p99:.1f} ms (< 100 ms) {verdict(p99 < 100)}",
        f"  write → fiche de synthèse p99:                     {fresh:.1f} ms (< 1000 ms) {verdict(fresh < 1000)}",
        f"  gateway per request, 7b − 7a p50:                  {overhead:.2f} ms         no target"
        f" (HTTP stack alone 7f {http:.2f} ms; token 7c {token:.2f} ms; trace 7e {trace:.2f} ms; rights cached)",
    ]


async def measure(nats_url: str, database_url: str, scale: float) -> list[Row]:
    def n(base: int) -> int:
        return max(1, round(base * scale))

    nc = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=8)
    try:
        store = EventStore(nc)
        await store.ensure_streams()
        app = AdmissionApp(store, registry, Referentiel.load(None))
        ctx = CommandContext(actor=ACTOR)
        step("1 raw JetStream publishes")
        raw = await bench_raw_publish(nc, sample_payload(app, ctx), n(2000), n(20000))
        step("2a/3 one command at a time: ours and eventsourcing + PostgreSQL, interleaved")
        single, created = await bench_single_command(app, ctx, database_url, pool, n(2000), raw[0])
        step("2b/2c concurrent appends, load+decide+append")
        more = await bench_append(app, ctx, n(2000), n(1000), single[0], created)
        step("4 replay vs raw read")
        replay = await bench_replay(nc, pool)
        step(f"5 projection lag at {LAG_RATE}/s")
        catch_up, lag = await bench_lag(app, ctx, nc, pool, n(LAG_RATE * 10))
        step("6 fiche de synthèse")
        fiche = await bench_fiche(nc, pool, n(500))
        step("7 the gateway's security per request (services, OIDC provider and gateway in-process)")
        secu = await bench_securite(nats_url, database_url, nc, pool, n(500))
        return [*raw, single[0], *more, *single[1:], *replay, catch_up, lag, *fiche, *secu]
    finally:
        await pool.close()
        await nc.drain()


def step(title: str) -> None:
    print(f"… {title}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every event count (default 1)")
    args = parser.parse_args(argv)
    configure("bench", level="WARNING")
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="dui-bench-") as tmp,
        servers(Path(tmp)) as (nats_url, db_url, notes),
    ):
        rows = asyncio.run(measure(nats_url, db_url, args.scale))
    by_key = {r.name.split()[0]: r for r in rows}
    lines = [
        f"dui bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, scale {args.scale:g}",
        "servers: " + "; ".join(notes),
        "",
        *render(rows),
        "",
        *targets(by_key),
        f"total run time {time.perf_counter() - started:.0f} s",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
