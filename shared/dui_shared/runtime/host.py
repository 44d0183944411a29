"""What every service process does around its own code: connect, run projections, answer on the bus, stop.

A service subclasses `ServiceHost`, builds its application in `build`, lists its projections, registers its bus
operations, and may add background loops; roles split commands and projections across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import asyncpg
import nats
from faststream.nats import NatsBroker
from nats.aio.client import Client as NATS

from dui_shared.config import Settings
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.observability import get_logger
from dui_shared.projection import Projection, ProjectionRunner
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer, make_broker

Role = Literal["all", "commands", "projections"]
log = get_logger(__name__)


@dataclass
class ServiceHost:
    name: ClassVar[str]
    settings: Settings
    role: Role = "all"
    nc: NATS | None = None
    pool: asyncpg.Pool | None = None
    broker: NatsBroker | None = None
    runners: list[ProjectionRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    # -- what a service provides -------------------------------------------------------------------------

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        """Create the application and its queries."""

    def projections(self) -> list[Projection]:
        return []

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """Loops that run next to the projections (one process per role `projections`)."""
        return []

    def register(self, rpc: RpcServer) -> None:
        """Declare the bus operations."""

    # -- life cycle ----------------------------------------------------------------------------------------

    async def start(self) -> ServiceHost:
        s = self.settings
        self.nc = await nats.connect(
            s.nats_url, name=self.name, max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        store = EventStore(self.nc, replicas=s.stream_replicas)
        await store.ensure_streams()
        self.pool = await asyncpg.create_pool(s.database_url, min_size=2, max_size=10)
        await self.build(store, self.pool, Referentiel.load(s.og_file))
        if self.role in ("all", "projections"):
            for projection in self.projections():
                # set-up happens in the task: a standby instance waits for the lock without blocking the bus
                runner = ProjectionRunner(projection, nc=self.nc, pool=self.pool, registry=registry)
                self.runners.append(runner)
                self.tasks.append(asyncio.create_task(runner.run(), name=f"projection:{runner.schema}"))
            for loop in self.background():
                self.tasks.append(asyncio.create_task(_supervised(loop), name=f"{self.name}:background"))
        if self.role in ("all", "commands"):
            self.broker = make_broker(s.nats_url)
            self.register(RpcServer(self.broker, self.name))
            await self.broker.start()
        log.info(f"{self.name}.started", role=self.role)
        return self

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for runner in self.runners:
            await runner.close()
        if self.broker is not None:
            await self.broker.stop()
        if self.pool is not None:
            await self.pool.close()
        if self.nc is not None:
            await self.nc.drain()
        log.info(f"{self.name}.stopped")


async def _supervised(loop: Coroutine[Any, Any, None]) -> None:
    """A background loop that ends or dies is logged: a silent scheduler is worse than a loud one."""
    try:
        await loop
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("background.failed")
        raise
    else:
        log.error("background.ended")
