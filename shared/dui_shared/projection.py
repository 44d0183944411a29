"""Projections: a durable JetStream consumer feeding one PostgreSQL schema, position stored in the same transaction.

Write one by subclassing `Projection`, naming its subjects and tables, and decorating one method per contract:

    class AdmissionReadModel(Projection):
        name = "admission"                              # the schema, and the consumer `proj_admission`
        subjects = ("dui.evt.*.admission.>",)
        tables = "CREATE TABLE IF NOT EXISTS candidature (...)"

        @handles(CandidatureRecue)
        async def recue(self, db: Db, event: StoredEvent, data: CandidatureRecue) -> None:
            await db.execute("INSERT INTO candidature ...", ...)

Tables are unqualified: the runner sets `search_path` to the projection's schema, so the same code fills the live
schema and a fresh one being rebuilt from sequence 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
import zlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import asyncpg
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import metrics
from pydantic import BaseModel, ValidationError

from dui_shared.contracts import ContractRegistry, EventData, MalformedEvent, UnknownEventType
from dui_shared.envelope import Envelope
from dui_shared.errors import InvalidInput, Unavailable
from dui_shared.eventstore import EVENTS_STREAM, EventStore, StoredEvent
from dui_shared.observability import context_from, get_logger, tracer

log = get_logger(__name__)
_tracer = tracer(__name__)
_meter = metrics.get_meter(__name__)

D = TypeVar("D", bound=EventData)
Handler = Callable[[Any, "Db", StoredEvent, Any], Awaitable[None]]

_POSITION_DDL = """
CREATE TABLE IF NOT EXISTS projection_position (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_position (position) VALUES (0) ON CONFLICT DO NOTHING;
"""


def handles(contract: type[D]) -> Callable[[Callable[[Any, Db, StoredEvent, D], Awaitable[None]]], Handler]:
    """Mark a projection method as the handler of one event contract."""

    def decorate(fn: Callable[[Any, Db, StoredEvent, D], Awaitable[None]]) -> Handler:
        fn.__dui_handles__ = contract  # type: ignore[attr-defined]
        return fn

    return decorate


class Db:
    """What a handler writes through: the transaction's connection, search_path set to the target schema.

    Writes are queued and sent at the end of the batch, runs of the same statement as one `executemany`
    (one round trip instead of one per event); a read flushes the queue first, so handlers see their writes.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._queue: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(self, sql: str, *args: Any) -> None:
        self._queue.append((sql, args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        await self.flush()
        return await self.conn.fetchrow(sql, *args)

    async def flush(self) -> None:
        queue, self._queue = self._queue, []
        start = 0
        while start < len(queue):
            sql = queue[start][0]
            end = start
            while end < len(queue) and queue[end][0] == sql:
                end += 1
            if end - start == 1:
                await self.conn.execute(sql, *queue[start][1])
            else:
                await self.conn.executemany(sql, [args for _, args in queue[start:end]])
            start = end


class Projection:
    name: ClassVar[str]
    subjects: ClassVar[tuple[str, ...]]
    tables: ClassVar[str]
    stream: ClassVar[str] = EVENTS_STREAM
    """The JetStream stream it consumes: the event log, or another one (the audit stream)."""
    _handlers: ClassVar[dict[type[EventData], Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                contract = getattr(attr, "__dui_handles__", None)
                if contract is not None:
                    cls._handlers[contract] = attr

    async def apply(self, db: Db, event: StoredEvent, data: EventData) -> None:
        handler = self._handlers.get(type(data))
        if handler is not None:
            await handler(self, db, event, data)


class Poison(Exception):
    """An event this projection can never apply: parked on the dead-letter subject with this reason."""


_POISON_SQL = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


def _transient(exc: BaseException) -> bool:
    """Worth retrying: the event is fine, the database or the bus is not (down, locked, cancelled, full…).

    Only data errors (21xxx cardinality, 22xxx data, 23xxx integrity, 54xxx program limits such as an index row
    too long) and the handler's own exceptions make an event poison; any other PostgreSQL
    error — a lock or statement timeout, a deadlock, a full disk, a read-only server, even a missing table —
    is retried, so the projection stalls visibly instead of skipping events.
    """
    if isinstance(exc, asyncpg.PostgresError):
        return not isinstance(exc, _POISON_SQL) and not str(getattr(exc, "sqlstate", "")).startswith(
            ("21", "54")
        )
    # Unavailable: a reacting projection's append to the event log timed out, nothing was lost
    return isinstance(
        exc, (OSError, asyncio.TimeoutError, asyncpg.InterfaceError, nats.errors.Error, Unavailable)
    )


class _Puller:
    """Pull requests for one durable consumer, answered on one inbox through a callback.

    nats-py's `fetch` awaits each message with its own timeout, which costs more than applying it; here a
    callback collects messages into a list. Messages that arrive after a fetch returned (the rest of a long
    poll) are kept for the next fetch, in order: none is skipped, which matters because acknowledging the last
    message of a batch acknowledges all before it.
    """

    def __init__(self, nc: NATS, stream: str, consumer: str) -> None:
        self.nc = nc
        self.api = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.inbox = nc.new_inbox()
        self._ready: list[Msg] = []
        self._ended = asyncio.Event()  # a pull request ended (no more messages, expired, …)
        self._arrived = asyncio.Event()
        self._want = 0
        self._sub: Any = None

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(self.inbox, cb=self._on_msg)

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def _on_msg(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status is None:
            self._ready.append(msg)
            self._arrived.set()
            if len(self._ready) >= self._want:  # a request filled up gets no closing status
                self._ended.set()
        elif status != "100":  # 100 is a heartbeat; 404, 408, 409 end a request
            self._ended.set()

    async def _request(self, body: dict[str, Any]) -> None:
        self._want = int(body["batch"])
        self._ended.clear()
        self._arrived.clear()
        await self.nc.publish(self.api, json.dumps(body).encode(), reply=self.inbox)

    async def fetch(self, batch: int, timeout: float, *, wait: bool = True) -> list[Msg]:
        if not self._ready:
            # what is there now, without waiting…
            await self._request({"batch": batch, "no_wait": True})
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that lands as the wait
            # ends, and a runner being stopped would then loop forever (CPython gh-86296)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._ended.wait()
        if not self._ready and wait:
            # …else wait for the first new message (the rest of this request comes later, kept in order)
            await self._request({"batch": batch, "expires": int(timeout * 1e9)})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout + 0.5):
                    await self._arrived.wait()
        taken, self._ready = self._ready[:batch], self._ready[batch:]
        return taken


_RUNNERS: weakref.WeakSet[ProjectionRunner] = weakref.WeakSet()


def _observe_lag(_: Any) -> Iterator[metrics.Observation]:
    for runner in list(_RUNNERS):
        if runner.active:
            yield metrics.Observation(runner.lag, {"projection": runner.schema})


_meter.create_observable_gauge(
    "dui.projection.lag",
    callbacks=[_observe_lag],
    unit="{event}",
    description="events in the log not yet applied by the projection",
)


class ProjectionRunner:
    """Drives one projection into one schema. Only one runner per schema is active (PostgreSQL advisory lock)."""

    def __init__(
        self,
        projection: Projection,
        *,
        nc: NATS,
        pool: asyncpg.Pool,
        registry: ContractRegistry,
        schema: str | None = None,
        stream: str | None = None,
        batch: int = 512,
        trace: bool = True,
    ) -> None:
        self.projection = projection
        self.nc = nc
        self.js = nc.jetstream()
        self.pool = pool
        self.registry = registry
        self.schema = schema or projection.name
        self.consumer = f"proj_{self.schema}"
        self.stream = stream or projection.stream
        self.batch = batch
        # one span per applied event, child of the request that caused it; off for rebuilds
        self.trace = trace
        self.position = 0
        self.lag = 0
        self.applied = 0
        self.parked = 0
        self.active = False
        self._advanced = asyncio.Condition()
        self._lock_conn: asyncpg.Connection | None = None
        self._puller: _Puller | None = None
        self._last_lag_log = 0.0
        self.after_commit: Callable[[int], Awaitable[None]] | None = None  # test hook: between commit and ack
        _RUNNERS.add(self)

    # -- set-up ----------------------------------------------------------------------------------------

    async def setup(self) -> None:
        """Create the schema and tables if needed, and take the single-runner lock for this schema."""
        self._lock_conn = await self.pool.acquire()
        try:
            key = lock_key(self.schema)
            while not await self._lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                log.info("projection.standby", projection=self.schema)
                await asyncio.sleep(2)
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                await conn.execute(f'SET LOCAL search_path TO "{self.schema}"')
                await conn.execute(_POSITION_DDL)
                if self.projection.tables.strip():
                    await conn.execute(self.projection.tables)
                self.position = await conn.fetchval("SELECT position FROM projection_position")
            await self._reset_consumer()
        except BaseException:
            await self.close()  # gives the lock back, so a standby can take over
            raise
        self.active = True

    async def _reset_consumer(self) -> None:
        """(Re)create the durable consumer just after the position stored with the read model."""
        if self._puller is not None:
            await self._puller.stop()
            self._puller = None
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self.js.delete_consumer(self.stream, self.consumer)
        config = ConsumerConfig(
            durable_name=self.consumer,
            filter_subjects=list(self.projection.subjects),
            ack_policy=AckPolicy.ALL,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self.position + 1,
            max_ack_pending=self.batch * 4,
            ack_wait=60,
            inactive_threshold=7 * 24 * 3600,
        )
        await self.js.add_consumer(self.stream, config)
        self._puller = _Puller(self.nc, self.stream, self.consumer)
        await self._puller.start()

    async def close(self) -> None:
        self.active = False
        if self._puller is not None:
            await self._puller.stop()
            self._puller = None
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                await self.pool.release(self._lock_conn)
            self._lock_conn = None

    # -- running ---------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Apply events forever (after `setup`, which may wait for another instance to stop); transient
        failures, in set-up too, back off and resume from the stored position."""
        backoff = 0.1
        while True:
            try:
                if not self.active:
                    await self.setup()
                await self.step(timeout=1.0)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not _transient(exc):
                    log.exception("projection.failed", projection=self.schema)
                else:
                    log.warning("projection.retry", projection=self.schema, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if self.active:
                    with contextlib.suppress(Exception):
                        await self._restart_from_position()

    async def _restart_from_position(self) -> None:
        async with self.pool.acquire() as conn:
            self.position = await conn.fetchval(f'SELECT position FROM "{self.schema}".projection_position')
        await self._reset_consumer()

    async def catch_up(
        self, until: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Apply until the projection has seen everything up to `until` (default: the log's end now)."""
        target = until if until is not None else await self._stream_last_seq()
        while self.position < target:
            got = await self.step(timeout=2.0, wait=False)
            if progress:
                progress(self.position, target)
            if got == 0 and self.lag == 0:
                # nothing more for this filter: the remaining sequences belong to other subjects
                self.position = max(self.position, target)
                break

    async def _stream_last_seq(self) -> int:
        info = await self.js.stream_info(self.stream)
        return int(info.state.last_seq)

    async def step(self, timeout: float, *, wait: bool = True) -> int:
        """Fetch one batch (waiting up to `timeout` for one if `wait`), apply it in one transaction with the new
        position, then acknowledge it."""
        assert self._puller is not None, "setup() first"
        msgs = await self._puller.fetch(self.batch, timeout=timeout, wait=wait)
        if not msgs:
            self.lag = 0
            return 0
        last = await self._apply_batch(msgs)
        if self.after_commit is not None:
            await self.after_commit(last)
        await msgs[-1].ack()
        meta = msgs[-1].metadata
        self.lag = meta.num_pending
        self._log_lag(meta.timestamp)
        return len(msgs)

    async def _apply_batch(self, msgs: list[Msg]) -> int:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                last, applied = await self._apply_in(conn, msgs, park=False)
        except Poison:
            # fall back to one transaction per event so only the poison event is parked
            last, applied = self.position, 0
            for msg in msgs:
                async with self.pool.acquire() as conn, conn.transaction():
                    last, one = await self._apply_in(conn, [msg], park=True)
                applied += one
        # only now is the batch committed: readers woken here find its rows
        self.position = max(self.position, last)
        self.applied += applied
        async with self._advanced:
            self._advanced.notify_all()
        return last

    async def _apply_in(self, conn: asyncpg.Connection, msgs: list[Msg], *, park: bool) -> tuple[int, int]:
        """Apply what is new in `msgs` and store the new position; return (position, events applied)."""
        await conn.execute(f'SET LOCAL search_path TO "{self.schema}"')
        position = await conn.fetchval("SELECT position FROM projection_position FOR UPDATE")
        db = Db(conn)
        applied = 0
        last = position
        for msg in msgs:
            seq = msg.metadata.sequence.stream
            if seq <= position:
                continue  # redelivered after a crash between commit and ack: already applied
            try:
                await self._apply_one(db, msg, seq, alone=park)
                applied += 1
            except Poison as reason:
                if not park:
                    raise
                await self._park(msg, seq, str(reason))
            last = seq
        try:
            await db.flush()
        except Exception as exc:
            if _transient(exc):
                raise
            raise Poison(f"{type(exc).__name__}: {exc}") from exc
        if last > position:
            await conn.execute("UPDATE projection_position SET position = $1, updated_at = now()", last)
        return last, applied

    async def _apply_one(self, db: Db, msg: Msg, seq: int, *, alone: bool) -> None:
        try:
            envelope = Envelope.model_validate_json(msg.data)
            data = self.registry.decode(envelope)
        except (ValidationError, ValueError, UnknownEventType, MalformedEvent) as exc:
            raise Poison(f"{type(exc).__name__}: {exc}") from exc
        stored = StoredEvent(seq, msg.subject, envelope)
        span = (
            _tracer.start_as_current_span(
                f"projection {self.schema} apply {envelope.name}",
                context=context_from({"traceparent": envelope.traceparent} if envelope.traceparent else None),
                attributes={
                    "dui.event.id": str(envelope.id),
                    "dui.event.type": envelope.type,
                    "messaging.message.sequence": seq,
                },
            )
            if self.trace
            else contextlib.nullcontext()
        )
        with span:
            try:
                if alone:  # a failing handler must not abort the position update: savepoint, flushed inside
                    async with db.conn.transaction():
                        await self.projection.apply(db, stored, data)
                        await db.flush()
                else:
                    await self.projection.apply(db, stored, data)
            except Exception as exc:
                if _transient(exc):
                    raise
                raise Poison(f"{type(exc).__name__}: {exc}") from exc

    async def _park(self, msg: Msg, seq: int, reason: str) -> None:
        headers = {
            "Nats-Msg-Id": f"{self.consumer}-{seq}",
            "Dui-Reason": reason[:1000],
            "Dui-Projection": self.schema,
            "Dui-Original-Subject": msg.subject,
            "Dui-Original-Sequence": str(seq),
        }
        await self.js.publish(f"dui.dlq.{self.schema}", msg.data, headers=headers)
        self.parked += 1
        log.error("projection.parked", projection=self.schema, seq=seq, reason=reason)

    def _log_lag(self, event_time: datetime) -> None:
        """While behind, say so every 5 s: events still to apply, and how old the last applied one is."""
        now = time.monotonic()
        if self.lag and now - self._last_lag_log > 5:
            self._last_lag_log = now
            behind = (datetime.now(UTC) - event_time).total_seconds()
            log.info(
                "projection.lag",
                projection=self.schema,
                lag=self.lag,
                position=self.position,
                last_event_age_s=round(behind, 3),
            )

    async def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Wait until this runner applied the log up to `position` (read-your-own-writes)."""
        async with self._advanced:
            try:
                async with asyncio.timeout(timeout):
                    await self._advanced.wait_for(lambda: self.position >= position)
            except TimeoutError:
                return False
        return True


class ProjectionHealth(BaseModel):
    projection: str
    position: int
    retard: int | None  # events of its subjects not yet applied; None when its consumer does not exist


async def projection_status(store: EventStore, pool: asyncpg.Pool, schema: str) -> ProjectionHealth:
    """Position and lag of a projection, whichever process runs it: from PostgreSQL and the consumer's state."""
    position = await stored_position(pool, schema)
    try:
        info = await store.js.consumer_info(store.stream, f"proj_{schema}")
    except nats.js.errors.NotFoundError:
        return ProjectionHealth(projection=schema, position=position, retard=None)
    return ProjectionHealth(
        projection=schema, position=position, retard=info.num_pending + info.num_ack_pending
    )


async def stored_position(pool: asyncpg.Pool, schema: str) -> int:
    try:
        async with pool.acquire() as conn:
            value = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
    except asyncpg.UndefinedTableError:
        raise Unavailable(
            "le modèle de lecture est en cours de création ; réessayez dans un instant"
        ) from None
    return int(value or 0)


async def wait_for_position(
    store: EventStore, pool: asyncpg.Pool, projection: type[Projection], position: int, timeout: float = 5.0
) -> int | None:
    """Wait until the read model reflects log `position`; return the position it reflects, None on timeout.

    Reflected means every event of the projection's subjects up to `position` is applied: a position taken from
    another service's write is reached as soon as no event of ours lies between the stored position and it.
    Polls PostgreSQL, so it works whichever process runs the projection."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        stored = await stored_position(pool, projection.name)
        if stored >= position:
            return stored
        pending = [await store.next_sequence(subject, stored + 1) for subject in projection.subjects]
        if all(seq is None or seq > position for seq in pending):
            return position
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)  # quick when the projection is just behind, light when it is stalled


async def reflects_log(
    store: EventStore, pool: asyncpg.Pool, projection: type[Projection], timeout: float
) -> bool:
    """Wait until the read model reflects the log as it is now (an id it does not know may just have been
    written elsewhere); False when it is still behind after `timeout`."""
    target = await store.last_sequence()
    return await wait_for_position(store, pool, projection, target, timeout) is not None


async def read_at(
    store: EventStore,
    pool: asyncpg.Pool,
    projection: type[Projection],
    min_position: int,
    timeout: float = 5.0,
) -> int:
    """A read that must reflect the caller's own write at `min_position` (0: no wait); the position it reflects.

    Never answers stale data silently: an unknown position is a 422, a read model still behind after 5 s a 503."""
    if min_position and min_position > await store.last_sequence():
        raise InvalidInput.single(
            "X-Dui-Min-Position", "position_inconnue", "cette position n'existe pas encore dans le journal"
        )
    reached = await wait_for_position(store, pool, projection, min_position, timeout)
    if reached is None:
        raise Unavailable("la lecture n'a pas encore rattrapé votre écriture ; réessayez dans un instant")
    return reached


def subject_matches(subject: str, pattern: str) -> bool:
    """NATS subject matching: `*` is one token, `>` the rest."""
    tokens, wanted = subject.split("."), pattern.split(".")
    for i, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > i
        if i >= len(tokens) or token not in ("*", tokens[i]):
            return False
    return len(tokens) == len(wanted)


async def read_after_reactions(
    store: EventStore,
    pool: asyncpg.Pool,
    projection: type[Projection],
    reactions: type[Projection],
    min_position: int,
) -> int:
    """`read_at`, for a service that reacts to another's events: when the caller's write at `min_position` is one
    of those (an admission, a contact planned…), its reactions pass that position first, then the read model
    catches up with what they appended — so the caller reads what its write caused here too."""
    if min_position:
        subject = await store.subject_at(min_position)
        if subject is not None and any(subject_matches(subject, f) for f in reactions.subjects):
            await read_at(store, pool, reactions, min_position, timeout=2.5)
            return await read_at(store, pool, projection, await store.last_sequence(), timeout=2.5)
    return await read_at(store, pool, projection, min_position)


class LiveProjectionRunning(Exception):
    """The swap needs the live runner stopped: it holds the schema's lock."""


def lock_key(schema: str) -> int:
    return zlib.crc32(schema.encode())


async def _replay_into(
    projection: Projection,
    schema: str,
    *,
    nc: NATS,
    pool: asyncpg.Pool,
    registry: ContractRegistry,
    progress: Callable[[int, int], None] | None,
) -> None:
    runner = ProjectionRunner(projection, nc=nc, pool=pool, registry=registry, schema=schema, trace=False)
    await runner.setup()
    try:
        await runner.catch_up(progress=progress)
    finally:
        await runner.close()
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_consumer(runner.stream, runner.consumer)


async def rebuild(
    projection: Projection,
    *,
    nc: NATS,
    pool: asyncpg.Pool,
    registry: ContractRegistry,
    swap: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Replay the whole log from sequence 1 into a fresh schema, then (if `swap`) make it the live one.

    The live read model keeps serving during the replay. The swap takes the live runner's lock, so the live
    projection must be stopped by then (else `LiveProjectionRunning`); restarted, it resumes from the rebuilt
    schema's position. Returns the schema that holds the rebuilt read model.
    """
    fresh = f"{projection.name}__rebuild"
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{fresh}" CASCADE')
    await _replay_into(projection, fresh, nc=nc, pool=pool, registry=registry, progress=progress)
    if not swap:
        return fresh
    async with pool.acquire() as lock:
        if not await lock.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(projection.name)):
            raise LiveProjectionRunning(
                f"la projection {projection.name} tourne encore : arrêtez-la pour basculer"
            )
        try:
            # events appended during the replay, then the swap, under the live lock
            await _replay_into(projection, fresh, nc=nc, pool=pool, registry=registry, progress=progress)
            old = f"{projection.name}__old"
            async with lock.transaction():
                await lock.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
                if await lock.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", projection.name):
                    await lock.execute(f'ALTER SCHEMA "{projection.name}" RENAME TO "{old}"')
                await lock.execute(f'ALTER SCHEMA "{fresh}" RENAME TO "{projection.name}"')
                await lock.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
        finally:
            await lock.execute("SELECT pg_advisory_unlock($1)", lock_key(projection.name))
    return projection.name
