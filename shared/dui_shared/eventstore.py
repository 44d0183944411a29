"""The event log on NATS JetStream: stream set-up, optimistic appends, atomic batches, fast aggregate reads."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from dui_shared.envelope import Envelope
from dui_shared.errors import ConcurrencyConflict, Unavailable
from dui_shared.observability import get_logger

EVENTS_STREAM = "DUI_EVT"
EVENTS_SUBJECTS = "dui.evt.>"
DEAD_LETTER_STREAM = "DUI_DLQ"
DEAD_LETTER_SUBJECTS = "dui.dlq.>"
AUDIT_STREAM = "DUI_AUDIT"
AUDIT_SUBJECTS = "dui.audit.>"
AUDIT_RETENTION_DAYS = 3 * 366
INTEGRATION_STREAM = "DUI_INT"
INTEGRATION_SUBJECTS = "dui.int.>"
INTEGRATION_DUPLICATE_WINDOW_HOURS = 24

ERR_WRONG_LAST_SEQUENCE = 10071
ERR_BATCH_DUPLICATE_MSG_ID = 10201
MAX_BATCH = 1000
_DIRECT_GET_BATCH = 512
_ONE_MINUTE_NS = 60 * 1_000_000_000

log = get_logger(__name__)


def event_subject(esms: str, service: str, aggregate_type: str, aggregate_id: str) -> str:
    """`dui.evt.<esms_finess>.<service>.<aggregate_type>.<aggregate_id>` (DESIGN.md section 3)."""
    return f"dui.evt.{esms}.{service}.{aggregate_type}.{aggregate_id}"


@dataclass(frozen=True)
class PendingEvent:
    subject: str
    envelope: Envelope


@dataclass(frozen=True)
class StoredEvent:
    """An envelope as read back from the stream, with its position in the log."""

    seq: int
    subject: str
    envelope: Envelope


@dataclass(frozen=True)
class Expectation:
    """The last stream sequence a subject must have for the append to proceed (0: the subject is new).

    With `over`, the sequence checked is the last one among the subjects `over` matches (a wildcard may cover
    several aggregates) instead of the subject's own: a decision can then require another aggregate unchanged."""

    subject: str
    last_seq: int
    over: str | None = None


def stream_config(name: str, subjects: list[str], *, replicas: int = 1) -> dict[str, Any]:
    return {
        "name": name,
        "subjects": subjects,
        "retention": "limits",
        "storage": "file",
        "num_replicas": replicas,
        "discard": "old",
        "max_msgs": -1,
        "max_bytes": -1,
        "max_age": 0,
        "duplicate_window": 2 * _ONE_MINUTE_NS,
        "allow_direct": True,
        "allow_atomic": True,
        "deny_delete": True,
        "deny_purge": True,
    }


class EventStore:
    """Appends and reads domain events. One instance per process, shared by every command handler."""

    def __init__(
        self, nc: NATS, *, stream: str = EVENTS_STREAM, replicas: int = 1, timeout: float = 5.0
    ) -> None:
        self.nc = nc
        self.js = nc.jetstream(timeout=timeout)
        self.stream = stream
        self.replicas = replicas
        self.timeout = timeout

    async def ensure_streams(self) -> None:
        """Create or update the event and dead-letter streams; safe to call from every process at start."""
        await self._ensure(stream_config(self.stream, [EVENTS_SUBJECTS], replicas=self.replicas))
        dlq = stream_config(DEAD_LETTER_STREAM, [DEAD_LETTER_SUBJECTS], replicas=self.replicas)
        dlq.update(deny_delete=False, deny_purge=False, allow_atomic=False)
        await self._ensure(dlq)
        # Access traces: their own stream, so their volume (one per read) never slows aggregate reads or the
        # replay of the domain log, and their retention is the access log's (3 years), not the dossier's.
        audit = stream_config(AUDIT_STREAM, [AUDIT_SUBJECTS], replicas=self.replicas)
        audit.update(allow_atomic=False, max_age=AUDIT_RETENTION_DAYS * 24 * 3600 * 1_000_000_000)
        audit["duplicate_window"] = 10 * _ONE_MINUTE_NS
        await self._ensure(audit)
        # Public integration events for downstream systems (GEF, RH, EI): their own stream, so subscribers never
        # see the domain log; a day of de-duplication, so a publisher replaying its source publishes nothing twice.
        integration = stream_config(INTEGRATION_STREAM, [INTEGRATION_SUBJECTS], replicas=self.replicas)
        integration.update(allow_atomic=False)
        integration["duplicate_window"] = INTEGRATION_DUPLICATE_WINDOW_HOURS * 60 * _ONE_MINUTE_NS
        await self._ensure(integration)

    async def _ensure(self, config: dict[str, Any]) -> None:
        name = config["name"]
        reply = await self._api(f"$JS.API.STREAM.CREATE.{name}", config)
        if "error" in reply and reply["error"].get("err_code") == 10058:  # stream name in use: update it
            reply = await self._api(f"$JS.API.STREAM.UPDATE.{name}", config)
        if "error" in reply:
            raise RuntimeError(f"stream {name}: {reply['error']}")

    async def _api(self, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        msg = await self.nc.request(subject, json.dumps(body).encode(), timeout=self.timeout)
        result: dict[str, Any] = json.loads(msg.data)
        return result

    async def last_sequence(self) -> int:
        try:
            info = await self._api(f"$JS.API.STREAM.INFO.{self.stream}", {})
            return int(info["state"]["last_seq"])
        except (TimeoutError, nats.errors.Error, KeyError) as exc:
            raise Unavailable("le journal d'événements ne répond pas") from exc

    # -- appends ---------------------------------------------------------------------------------------

    async def append(self, events: Sequence[PendingEvent], expectations: Sequence[Expectation]) -> int:
        """Publish the events of one decision, all or nothing; return the stream sequence of the last one.

        Each touched subject carries `Nats-Expected-Last-Subject-Sequence` on its first event, and every event
        carries `Nats-Msg-Id` = its id. A retried append (lost ack, reconnect) finds its own events already in the
        stream and succeeds without writing them twice; anyone else's events there make it a conflict.
        """
        if not events:
            raise ValueError("nothing to append")
        if len(events) > MAX_BATCH:
            raise ValueError(f"a decision may append at most {MAX_BATCH} events")
        expected = {e.subject: e.last_seq for e in expectations}
        over = {e.subject: e.over for e in expectations if e.over}
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                if len(events) == 1:
                    return await self._publish_one(events[0], expected, over)
                return await self._publish_batch(events, expected, over)
            except _AlreadyAppended as done:
                return done.seq
            except (
                TimeoutError,
                nats.errors.TimeoutError,
                nats.errors.NoRespondersError,
                nats.errors.ConnectionClosedError,
            ) as exc:
                log.warning("append.retry", attempt=attempt, error=type(exc).__name__)
                if attempt == attempts:
                    raise Unavailable("le journal d'événements n'a pas confirmé l'écriture") from exc
                await asyncio.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def _headers(
        self, event: PendingEvent, expected: dict[str, int], seen: set[str], over: dict[str, str]
    ) -> dict[str, str]:
        env = event.envelope
        headers = {"Nats-Msg-Id": str(env.id), "Ce-Type": env.type}
        if env.traceparent:
            headers["traceparent"] = env.traceparent
        if event.subject not in seen and event.subject in expected:
            headers["Nats-Expected-Last-Subject-Sequence"] = str(expected[event.subject])
            if event.subject in over:
                headers["Nats-Expected-Last-Subject-Sequence-Subject"] = over[event.subject]
        seen.add(event.subject)
        return headers

    async def _publish_one(self, event: PendingEvent, expected: dict[str, int], over: dict[str, str]) -> int:
        headers = self._headers(event, expected, set(), over)
        msg = await self.nc.request(
            event.subject, _encode(event.envelope), headers=headers, timeout=self.timeout
        )
        return await self._check_ack(msg, [event], expected)

    async def _publish_batch(
        self, events: Sequence[PendingEvent], expected: dict[str, int], over: dict[str, str]
    ) -> int:
        batch_id = uuid.uuid4().hex
        seen: set[str] = set()
        last = len(events)
        for n, event in enumerate(events, start=1):
            headers = self._headers(event, expected, seen, over)
            headers["Nats-Batch-Id"] = batch_id
            headers["Nats-Batch-Sequence"] = str(n)
            if n < last:
                await self.nc.publish(event.subject, _encode(event.envelope), headers=headers)
            else:
                headers["Nats-Batch-Commit"] = "1"
                msg = await self.nc.request(
                    event.subject, _encode(event.envelope), headers=headers, timeout=self.timeout
                )
        return await self._check_ack(msg, events, expected)

    async def _check_ack(self, msg: Msg, events: Sequence[PendingEvent], expected: dict[str, int]) -> int:
        if msg.headers and msg.headers.get("Status") == "503":
            raise nats.errors.NoRespondersError()
        ack = json.loads(msg.data)
        error = ack.get("error")
        if not error:
            return int(ack["seq"])
        code = error.get("err_code")
        if code in (ERR_WRONG_LAST_SEQUENCE, ERR_BATCH_DUPLICATE_MSG_ID):
            seq = await self._find_own_events(events, expected)
            if seq is not None:
                raise _AlreadyAppended(seq)
            raise ConcurrencyConflict(
                "le dossier a été modifié par ailleurs depuis sa lecture ; rechargez-le et recommencez"
            )
        raise RuntimeError(f"append refused by JetStream: {error}")

    async def _find_own_events(self, events: Sequence[PendingEvent], expected: dict[str, int]) -> int | None:
        """The stream sequence of our last event if this exact append already landed, else None."""
        ids = {str(e.envelope.id) for e in events}
        found: dict[str, int] = {}
        for subject in {e.subject for e in events}:
            start = expected.get(subject, 0) + 1
            for stored in await self.read(subject, from_seq=start):
                if str(stored.envelope.id) in ids:
                    found[str(stored.envelope.id)] = stored.seq
        if len(found) == len(ids):
            return max(found.values())
        return None

    # -- reads -----------------------------------------------------------------------------------------

    async def read(self, subject_filter: str, *, from_seq: int = 1) -> list[StoredEvent]:
        """Every event whose subject matches, in log order, with batched Direct Get (no consumer is created)."""
        return [
            StoredEvent(seq, subj, Envelope.model_validate_json(data))
            for seq, subj, data in await self.read_raw(subject_filter, from_seq=from_seq)
        ]

    async def read_raw(self, subject_filter: str, *, from_seq: int = 1) -> list[tuple[int, str, bytes]]:
        try:
            return await self._direct_get(subject_filter, from_seq)
        except (
            TimeoutError,
            nats.errors.TimeoutError,
            nats.errors.NoRespondersError,
            nats.errors.ConnectionClosedError,
            _ServerUnavailable,
        ) as exc:
            raise Unavailable("le journal d'événements ne répond pas") from exc

    async def next_sequence(self, subject_filter: str, from_seq: int) -> int | None:
        """The sequence of the first event at or after `from_seq` whose subject matches, or None."""
        headers = await self._get_one({"seq": from_seq, "next_by_subj": subject_filter})
        return int(headers["Nats-Sequence"]) if headers else None

    async def subject_at(self, seq: int) -> str | None:
        """The subject of the event at `seq`, or None when there is none."""
        headers = await self._get_one({"seq": seq})
        return headers["Nats-Subject"] if headers else None

    async def _get_one(self, request: dict[str, Any]) -> dict[str, str] | None:
        try:
            msg = await self.nc.request(
                f"$JS.API.DIRECT.GET.{self.stream}", json.dumps(request).encode(), timeout=self.timeout
            )
        except (
            nats.errors.TimeoutError,
            nats.errors.NoRespondersError,
            nats.errors.ConnectionClosedError,
        ) as exc:
            raise Unavailable("le journal d'événements ne répond pas") from exc
        headers = msg.headers or {}
        if headers.get("Status") == "404":
            return None
        if headers.get("Status"):
            raise Unavailable(f"le journal d'événements ne répond pas ({headers.get('Status')})")
        return dict(headers)

    async def _direct_get(self, subject_filter: str, from_seq: int) -> list[tuple[int, str, bytes]]:
        out: list[tuple[int, str, bytes]] = []
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox)
        try:
            seq = from_seq
            while True:
                request = {"seq": seq, "next_by_subj": subject_filter, "batch": _DIRECT_GET_BATCH}
                await self.nc.publish(
                    f"$JS.API.DIRECT.GET.{self.stream}", json.dumps(request).encode(), reply=inbox
                )
                pending = 0
                while True:
                    msg = await sub.next_msg(timeout=self.timeout)
                    headers = msg.headers or {}
                    status = headers.get("Status")
                    if status == "404":
                        return out
                    if status == "204":  # end of batch
                        pending = int(headers.get("Nats-Num-Pending", "0"))
                        break
                    if status == "503":
                        raise _ServerUnavailable()
                    if status:
                        raise RuntimeError(f"direct get failed: {status} {headers.get('Description')}")
                    seq = int(headers["Nats-Sequence"])
                    out.append((seq, headers["Nats-Subject"], msg.data))
                if pending == 0:
                    return out
                seq += 1
        finally:
            await sub.unsubscribe()


class _ServerUnavailable(Exception):
    pass


class _AlreadyAppended(Exception):
    def __init__(self, seq: int) -> None:
        self.seq = seq


def _encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()
