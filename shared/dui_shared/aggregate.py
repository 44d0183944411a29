"""Aggregates are written with the `eventsourcing` library's domain model; this module maps them to the log.

An aggregate's events become envelopes whose `data` is validated against the registered pydantic contract of the
same name, and envelopes read back become the library's event objects again, replayed through `mutate`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from dui_shared.contracts import ContractRegistry, EventData
from dui_shared.envelope import Actor, Envelope
from dui_shared.errors import ConcurrencyConflict, Forbidden, NotFound
from dui_shared.eventstore import EventStore, Expectation, PendingEvent, StoredEvent, event_subject
from dui_shared.observability import current_traceparent

A = TypeVar("A", bound="DuiAggregate")
_EVENT_META = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class DuiAggregate(Aggregate):
    """Base of every aggregate: it belongs to one ESMS (its FINESS is in its subject) and to one service."""

    service: ClassVar[str] = ""
    esms_scoped: ClassVar[bool] = True
    """False for an aggregate held at the OG level that professionals of any ESMS change (the habilitations
    matrix, their own account): who may change it is decided by its service, not by the ESMS they act for."""
    esms: str

    @classmethod
    def aggregate_type(cls) -> str:
        return cls.__name__.lower()

    @property
    def subject(self) -> str:
        return event_subject(self.esms, self.service, self.aggregate_type(), str(self.id))


IDEMPOTENCY_NS = uuid.UUID("0b5c3f4e-9d2a-5b7e-a1c3-7f9e2d4b6a80")


@dataclass(frozen=True)
class CommandContext:
    """Who asks, and the ids that tie the resulting events to the request that caused them."""

    actor: Actor
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None
    idempotency_key: str | None = None

    def derived_id(self, name: str) -> uuid.UUID | None:
        """A stable id for `name` under the client's idempotency key (per actor), or None without a key.

        Ids derived this way make a retried command produce the same aggregates and events, which the
        event store recognises as already appended."""
        if self.idempotency_key is None:
            return None
        return uuid.uuid5(IDEMPOTENCY_NS, f"{self.actor.id}\n{self.idempotency_key}\n{name}")


class AggregateMapper:
    """Turns pending library events into envelopes and stored envelopes back into an aggregate."""

    def __init__(self, registry: ContractRegistry) -> None:
        self.registry = registry

    def to_envelopes(self, aggregate: DuiAggregate, ctx: CommandContext) -> list[PendingEvent]:
        traceparent = current_traceparent()
        pending = []
        for n, event in enumerate(aggregate.collect_events()):
            name = type(event).__name__
            contract = self.registry.contract(f"{aggregate.service}.{name}")
            payload = {k: v for k, v in vars(event).items() if k not in _EVENT_META}
            data = contract.model_validate(payload)
            envelope = Envelope.model_construct(  # fields built here, from a validated contract
                # the n-th event of this decision on this aggregate: a retried request yields the same ids
                id=ctx.derived_id(f"{event.originator_id}:{n}") or uuid.uuid4(),
                type=contract.type_name(),
                source=f"dui/{aggregate.service}",
                subject=str(event.originator_id),
                time=event.timestamp,
                esms=aggregate.esms,
                aggregate_type=aggregate.aggregate_type(),
                aggregate_version=event.originator_version,
                actor=ctx.actor,
                correlation_id=ctx.correlation_id,
                causation_id=ctx.causation_id,
                traceparent=traceparent,
                data=data.model_dump(mode="json"),
            )
            pending.append(PendingEvent(aggregate.subject, envelope))
        return pending

    def replay(self, cls: type[A], stored: Sequence[StoredEvent], start: A | None = None) -> A:
        """The aggregate replayed from `stored`, from scratch or on `start` (its events before `stored`)."""
        aggregate: Any = start
        for item in stored:
            env = item.envelope
            data = self.registry.decode(env)
            event_cls = getattr(cls, env.name)
            kwargs: dict[str, Any] = {name: getattr(data, name) for name in type(data).model_fields}
            kwargs.update(
                originator_id=UUID(env.subject), originator_version=env.aggregate_version, timestamp=env.time
            )
            if env.aggregate_version == 1:
                kwargs["originator_topic"] = get_topic(cls)
            aggregate = event_cls(**kwargs).mutate(aggregate)
        if aggregate is None:
            raise NotFound(f"{cls.__name__} introuvable")
        result: A = aggregate
        return result


class UnitOfWork:
    """One decision: load what it needs, change or create aggregates, then append all their events atomically."""

    def __init__(self, repository: Repository, ctx: CommandContext) -> None:
        self.repository = repository
        self.ctx = ctx
        self._seen: dict[str, tuple[DuiAggregate, Expectation]] = {}  # by subject: two types may share an id
        self._stored_ids: dict[str, dict[UUID, int]] = {}
        self.position = 0

    async def get(self, cls: type[A], aggregate_id: UUID) -> A:
        """Load an aggregate to decide on; one of an ESMS the actor may not act for is not found."""
        aggregate, stored = await self.repository.load_events(cls, aggregate_id)
        last_seq = stored[-1].seq
        if cls.esms_scoped and not self.ctx.actor.may_act_for(aggregate.esms):
            raise NotFound(
                f"{cls.__name__} {aggregate_id} introuvable"
            )  # another ESMS's: not even its existence
        self._seen[aggregate.subject] = (aggregate, Expectation(aggregate.subject, last_seq))
        self._stored_ids[aggregate.subject] = {e.envelope.id: e.seq for e in stored}
        return aggregate

    def replayed(self, aggregate: DuiAggregate) -> int | None:
        """When this very request (same Idempotency-Key) was already applied to the aggregate, the position it
        answered then; None otherwise. Lets a retry answer like the first request instead of deciding again."""
        ids = self._stored_ids.get(aggregate.subject, {})
        position = None
        n = 0
        while (event_id := self.ctx.derived_id(f"{aggregate.id}:{n}")) is not None and event_id in ids:
            position = ids[event_id]
            n += 1
        return position

    def add(self, aggregate: DuiAggregate) -> None:
        """Register a new aggregate; the actor must be allowed to act for its ESMS."""
        if aggregate.esms_scoped and not self.ctx.actor.may_act_for(aggregate.esms):
            raise Forbidden(f"vous n'êtes pas habilité pour l'ESMS {aggregate.esms}")
        self._seen[aggregate.subject] = (aggregate, Expectation(aggregate.subject, 0))

    def guard(self, aggregate: DuiAggregate, by: DuiAggregate) -> None:
        """Append `aggregate`'s events only if `by` (loaded in this unit of work) is still as it was loaded.

        JetStream checks one expected sequence per message; with `over` it may be taken on other subjects. A
        new aggregate trades its own check (its id is fresh) for `by`'s; an existing one can be guarded only
        by an aggregate sharing its id, whose subjects one wildcard then covers."""
        own = self._seen[aggregate.subject][1]
        by_seq = self._seen[by.subject][1].last_seq
        if own.last_seq == 0:
            expectation = Expectation(aggregate.subject, by_seq, over=by.subject)
        elif aggregate.id == by.id and aggregate.esms == by.esms and aggregate.service == by.service:
            both = event_subject(aggregate.esms, aggregate.service, "*", str(aggregate.id))
            expectation = Expectation(aggregate.subject, max(own.last_seq, by_seq), over=both)
        else:
            raise ValueError("an existing aggregate can only be guarded by one with the same id")
        self._seen[aggregate.subject] = (aggregate, expectation)

    def loaded_at(self, aggregate: DuiAggregate) -> int:
        """The stream sequence of the aggregate's last event when it was loaded."""
        return self._seen[aggregate.subject][1].last_seq

    async def commit(self) -> int:
        """Append every pending event; return the stream position of the last one (0 when nothing changed)."""
        events: list[PendingEvent] = []
        expectations: list[Expectation] = []
        for aggregate, expectation in self._seen.values():
            new = self.repository.mapper.to_envelopes(aggregate, self.ctx)
            if new:
                events.extend(new)
                expectations.append(expectation)
        if events:
            self.position = await self.repository.store.append(events, expectations)
            for event in events:
                env = event.envelope
                self.repository.remember(env.aggregate_type, UUID(env.subject), event.subject)
        return self.position


class Repository:
    """Loads aggregates of one service from their subjects; remembers (type, id) → subject to skip the wildcard."""

    def __init__(self, store: EventStore, mapper: AggregateMapper, service: str) -> None:
        self.store = store
        self.mapper = mapper
        self.service = service
        self._subjects: dict[tuple[str, UUID], str] = {}

    def remember(self, aggregate_type: str, aggregate_id: UUID, subject: str) -> None:
        if len(self._subjects) > 100_000:
            self._subjects.clear()
        self._subjects[(aggregate_type, aggregate_id)] = subject

    async def load(self, cls: type[A], aggregate_id: UUID) -> tuple[A, int]:
        """The aggregate and the stream sequence of its last event."""
        aggregate, stored = await self.load_events(cls, aggregate_id)
        return aggregate, stored[-1].seq

    async def load_events(self, cls: type[A], aggregate_id: UUID) -> tuple[A, list[StoredEvent]]:
        """The aggregate and the stored events it was replayed from."""
        subject = self._subjects.get((cls.aggregate_type(), aggregate_id)) or event_subject(
            "*", self.service, cls.aggregate_type(), str(aggregate_id)
        )
        stored = await self.store.read(subject)
        if not stored:
            raise NotFound(f"{cls.__name__} {aggregate_id} introuvable")
        self.remember(cls.aggregate_type(), aggregate_id, stored[0].subject)
        return self.mapper.replay(cls, stored), stored


RETRIES = 12  # writers of one aggregate at the same instant: a nurse, a scheduler, a secretary…


@dataclass(frozen=True)
class Guard:
    """Another aggregate a decision depends on: loaded and checked first, required unchanged when appending
    (e.g. a dossier that must not be archived meanwhile)."""

    cls: type[DuiAggregate]
    id: UUID
    check: Callable[[Any], None]


async def _retrying(attempt: int, conflict: ConcurrencyConflict) -> None:
    """Wait a little before deciding again, or give the conflict up after the last attempt."""
    if attempt == RETRIES - 1:
        raise conflict
    await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # de-synchronise the losers


class Application:
    """The write API of one service: subclasses add one async method per command."""

    service: ClassVar[str] = ""

    def __init__(self, store: EventStore, registry: ContractRegistry) -> None:
        self.store = store
        self.repository = Repository(store, AggregateMapper(registry), self.service)

    def unit_of_work(self, ctx: CommandContext) -> UnitOfWork:
        return UnitOfWork(self.repository, ctx)

    def new_id(self, ctx: CommandContext, operation: str, target: UUID, cmd: BaseModel) -> UUID:
        """Server-chosen id of a new item; stable under the client's Idempotency-Key for the same request."""
        fingerprint = hashlib.sha256(cmd.model_dump_json().encode()).hexdigest()[:32]
        return ctx.derived_id(f"{operation}:{target}:{fingerprint}") or uuid.uuid4()

    async def decide(
        self,
        cls: type[A],
        aggregate_id: UUID,
        ctx: CommandContext,
        decide: Callable[[A], None],
        *,
        guard: Guard | None = None,
    ) -> int:
        """Load, decide, append; decide again on a lost race. Returns the position the client can read at.

        For commands that do not depend on what the client saw (adding a contact, recording an act…): a
        decision that loses a race with another writer of the same aggregate is decided again on the fresh
        state instead of answering 409. A request already applied (same Idempotency-Key) answers as then."""
        for attempt in range(RETRIES):
            uow = self.unit_of_work(ctx)
            by = await self._guarding(uow, guard)
            aggregate = await uow.get(cls, aggregate_id)
            done = uow.replayed(aggregate)
            if done is not None:
                return done
            decide(aggregate)
            if by is not None:
                uow.guard(aggregate, by)
            try:
                position = await uow.commit()
            except ConcurrencyConflict as conflict:
                await _retrying(attempt, conflict)
                continue
            return position or uow.loaded_at(aggregate)
        raise AssertionError("unreachable")

    async def create(self, make: Callable[[], A], ctx: CommandContext, *, guard: Guard) -> int:
        """Append a new aggregate whose creation depends on another one (`guard`), re-checked on a lost race."""
        for attempt in range(RETRIES):
            uow = self.unit_of_work(ctx)
            by = await self._guarding(uow, guard)
            assert by is not None
            aggregate = make()
            uow.add(aggregate)
            uow.guard(aggregate, by)
            try:
                return await uow.commit()
            except ConcurrencyConflict as conflict:
                await _retrying(attempt, conflict)
        raise AssertionError("unreachable")

    @staticmethod
    async def _guarding(uow: UnitOfWork, guard: Guard | None) -> DuiAggregate | None:
        if guard is None:
            return None
        by = await uow.get(guard.cls, guard.id)
        guard.check(by)
        return by

    async def get(self, cls: type[A], aggregate_id: UUID) -> A:
        aggregate, _ = await self.repository.load(cls, aggregate_id)
        return aggregate


__all__ = ["Application", "CommandContext", "DuiAggregate", "EventData", "UnitOfWork"]
