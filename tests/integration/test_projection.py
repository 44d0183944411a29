"""Projections on real NATS + PostgreSQL: effectively-once application, rebuild, dead letters, lag."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from dui_admission.application import AdmissionApp
from dui_admission.bootstrap import AdmissionService
from dui_admission.domain.candidature import Candidature
from dui_admission.projections import AdmissionReadModel
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.admission import CandidatureRecue, ContactPlanifie, Decision
from dui_shared.contracts.admission_api import ContactAPlanifier, DecisionAPrononcer
from dui_shared.envelope import Actor
from dui_shared.eventstore import DEAD_LETTER_STREAM, EventStore
from dui_shared.projection import (
    Db,
    LiveProjectionRunning,
    Projection,
    ProjectionRunner,
    handles,
    rebuild,
    wait_for_position,
)
from dui_shared.referentiel import Referentiel
from tests.support.builders import nouvelle_candidature
from tests.unit.builders import candidature_recue

CTX = CommandContext(Actor(id="test", role="secretariat", og_wide=True))


def counting_projection(esms: str) -> Projection:
    """Counts the events of one test's own ESMS subject space: a double application shows as a wrong count."""

    class Compteur(Projection):
        name = f"test_compteur_{esms.lower()}"
        subjects = (f"dui.evt.{esms}.admission.>",)
        tables = "CREATE TABLE IF NOT EXISTS compteur (type text PRIMARY KEY, n integer NOT NULL);"

        @handles(CandidatureRecue)
        async def recue(self, db: Db, event: object, data: CandidatureRecue) -> None:
            await self._count(db, "recue")

        @handles(ContactPlanifie)
        async def contact(self, db: Db, event: object, data: ContactPlanifie) -> None:
            if "poison" in (data.note or ""):
                raise ValueError("note refusée par cette projection")
            await self._count(db, "contact")

        @staticmethod
        async def _count(db: Db, kind: str) -> None:
            await db.execute(
                "INSERT INTO compteur VALUES ($1, 1) ON CONFLICT (type) DO UPDATE SET n = compteur.n + 1",
                kind,
            )

    return Compteur()


async def _write_events(store: EventStore, esms: str, contacts: int) -> Candidature:
    """One candidature of a test-only ESMS subject space, with `contacts` contact events."""
    app = AdmissionApp(store, registry, Referentiel.load(None))
    cmd = nouvelle_candidature("Compte")
    candidature = candidature_recue(esms=esms, usager=cmd.usager, recue_le=datetime.now(UTC))
    uow = app.unit_of_work(CTX)
    uow.add(candidature)
    await uow.commit()
    for i in range(contacts):
        uow = app.unit_of_work(CTX)
        loaded = await uow.get(Candidature, candidature.id)
        loaded.planifier_contact(datetime.now(UTC), "famille", "telephone", f"appel {i}")
        await uow.commit()
    return candidature


async def _run_once(
    projection: Projection, nc: NATS, pool: asyncpg.Pool, batch: int = 512
) -> ProjectionRunner:
    """Start a runner as a restarted process would, apply everything there is, stop it."""
    runner = ProjectionRunner(projection, nc=nc, pool=pool, registry=registry, batch=batch)
    await runner.setup()
    await runner.catch_up()
    await runner.close()
    return runner


async def _counts(pool: asyncpg.Pool, schema: str) -> dict[str, int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(f'SELECT type, n FROM "{schema}".compteur')
    return {r["type"]: r["n"] for r in rows}


async def test_a_projection_killed_between_commit_and_ack_resumes_without_applying_twice(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    esms = f"T{unique}"
    await _write_events(store, esms, contacts=19)
    projection = counting_projection(esms)
    runner = ProjectionRunner(projection, nc=nc, pool=pool, registry=registry, batch=5)
    await runner.setup()

    async def crash(_: int) -> None:
        raise asyncio.CancelledError  # the process dies after the commit, before the acknowledgement

    runner.after_commit = crash
    task = asyncio.create_task(runner.step(timeout=2))
    with pytest.raises(asyncio.CancelledError):
        await task
    await runner.close()
    assert await _counts(pool, projection.name) == {"recue": 1, "contact": 4}

    await _run_once(projection, nc, pool, batch=5)

    assert await _counts(pool, projection.name) == {"recue": 1, "contact": 19}


async def test_lag_tells_how_many_events_are_still_to_apply(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    esms = f"L{unique}"
    await _write_events(store, esms, contacts=11)
    runner = ProjectionRunner(counting_projection(esms), nc=nc, pool=pool, registry=registry, batch=4)
    await runner.setup()
    await runner.step(timeout=2)
    assert runner.lag == 8
    await runner.catch_up()
    assert runner.lag == 0
    assert runner.applied == 12
    await runner.close()


async def test_unknown_malformed_and_failing_events_are_parked_with_their_reason(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    esms = f"P{unique}"
    candidature = await _write_events(store, esms, contacts=1)
    js = nc.jetstream()
    stray = f"dui.evt.{esms}.admission.inconnu.{uuid.uuid4()}"
    await js.publish(stray, b"{not json", headers={"Nats-Msg-Id": f"garbage-{unique}"})
    envelope = (await store.read(candidature.subject))[0].envelope
    stranger = envelope.model_copy(update={"id": uuid.uuid4(), "type": "admission.LitDemenage.v1"})
    await js.publish(stray, stranger.model_dump_json().encode())
    app = AdmissionApp(store, registry, Referentiel.load(None))
    await app.planifier_contact(
        candidature.id, ContactAPlanifier(planifie_le=datetime.now(UTC), note="poison"), CTX
    )  # valid for the log, refused by this projection's handler
    after = await _write_events(store, esms, contacts=2)

    projection = counting_projection(esms)
    runner = await _run_once(projection, nc, pool)

    assert await _counts(pool, projection.name) == {"recue": 2, "contact": 3}
    # past the poison events, up to the last one of this ESMS (other services may append meanwhile)
    assert runner.position >= (await store.read(after.subject))[-1].seq
    dlq = await js.subscribe(f"dui.dlq.{projection.name}", stream=DEAD_LETTER_STREAM, ordered_consumer=True)
    reasons = [(await dlq.next_msg(timeout=2)).headers["Dui-Reason"] for _ in range(3)]
    await dlq.unsubscribe()
    assert reasons[0].startswith("ValidationError")
    assert reasons[1].startswith("UnknownEventType")
    assert "note refusée" in reasons[2]


async def test_a_rebuild_from_sequence_one_gives_the_live_read_model(
    nc: NATS, pool: asyncpg.Pool, admission_service: AdmissionService, unique: str
) -> None:
    app = admission_service.app
    assert app is not None
    demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Rebuild-{unique}"), CTX)
    await app.prononcer_decision(
        demande.candidatures[0], DecisionAPrononcer(decision=Decision.refusee, motif="Liste close"), CTX
    )
    progress: list[tuple[int, int]] = []
    schema = await rebuild(
        AdmissionReadModel(),
        nc=nc,
        pool=pool,
        registry=registry,
        swap=False,
        progress=lambda done, total: progress.append((done, total)),
    )
    async with pool.acquire() as conn:
        rebuilt_position = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
    assert await wait_for_position(app.store, pool, AdmissionReadModel, rebuilt_position) is not None

    async with pool.acquire() as conn:
        for table in ("candidature", "sejour"):
            live = await conn.fetch(f"SELECT * FROM admission.{table} ORDER BY id")
            rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY id')
            assert [dict(r) for r in rebuilt] == [dict(r) for r in live]
            assert len(live) > 0 or table == "sejour"
    assert progress and progress[-1][0] >= rebuilt_position


async def test_a_rebuild_swaps_in_only_once_the_live_runner_has_stopped_and_the_live_one_then_resumes(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    esms = f"S{unique}"
    candidature = await _write_events(store, esms, contacts=3)
    projection = counting_projection(esms)
    live = ProjectionRunner(projection, nc=nc, pool=pool, registry=registry)
    await live.setup()
    await live.catch_up()
    async with pool.acquire() as conn:  # damage the live read model: the rebuild must repair it
        await conn.execute(f'UPDATE "{projection.name}".compteur SET n = 99')

    with pytest.raises(LiveProjectionRunning):
        await rebuild(projection, nc=nc, pool=pool, registry=registry)
    assert await _counts(pool, projection.name) == {"recue": 99, "contact": 99}  # live one untouched

    await live.close()
    await rebuild(projection, nc=nc, pool=pool, registry=registry)
    assert await _counts(pool, projection.name) == {"recue": 1, "contact": 3}

    app = AdmissionApp(store, registry, Referentiel.load(None))
    await app.planifier_contact(candidature.id, ContactAPlanifier(planifie_le=datetime.now(UTC)), CTX)
    await _run_once(projection, nc, pool)
    assert await _counts(pool, projection.name) == {"recue": 1, "contact": 4}


async def test_a_database_timeout_is_retried_and_never_parks_the_event(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, database_url: str, unique: str
) -> None:
    esms = f"W{unique}"
    await _write_events(store, esms, contacts=2)
    projection = counting_projection(esms)
    impatient = await asyncpg.create_pool(
        database_url, min_size=1, max_size=3, server_settings={"lock_timeout": "200ms"}
    )
    runner = ProjectionRunner(projection, nc=nc, pool=impatient, registry=registry)
    await runner.setup()
    try:
        async with pool.acquire() as blocker, blocker.transaction():
            # another session holds the read model's table (a migration, a VACUUM FULL…): the handler times out
            await blocker.execute(f'LOCK TABLE "{projection.name}".compteur IN ACCESS EXCLUSIVE MODE')
            with pytest.raises(asyncpg.exceptions.LockNotAvailableError):
                await runner.step(timeout=2)
        assert runner.parked == 0
        assert runner.position == 0
    finally:
        await runner.close()
        await impatient.close()

    await _run_once(projection, nc, pool)
    assert await _counts(pool, projection.name) == {"recue": 1, "contact": 2}


async def test_a_projection_whose_set_up_fails_keeps_retrying_and_starts_once_it_can(
    nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    esms = f"U{unique}"
    await _write_events(store, esms, contacts=1)
    gate = f"porte_{unique}"
    base = counting_projection(esms)

    class NotReadyYet(type(base)):  # type: ignore[misc]
        tables = base.tables + f"SELECT public.{gate}();"  # fails until the function exists

    projection = NotReadyYet()
    runner = ProjectionRunner(projection, nc=nc, pool=pool, registry=registry)
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(0.3)  # a few failed set-ups
        assert not task.done() and not runner.active
        async with pool.acquire() as conn:
            await conn.execute(f"CREATE FUNCTION public.{gate}() RETURNS void LANGUAGE sql AS ''")
        assert await runner.wait_for(1, timeout=10)
        assert await _counts(pool, projection.name) == {"recue": 1, "contact": 1}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await runner.close()
