"""The admission service's composition root: connections, application, bus operations, projections."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

import asyncpg
import nats
from faststream.nats import NatsBroker
from nats.aio.client import Client as NATS

from dui_admission import handlers
from dui_admission.application import AdmissionApp
from dui_admission.projections import PROJECTIONS
from dui_admission.queries import AdmissionQueries
from dui_shared.config import Settings
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.observability import get_logger
from dui_shared.projection import ProjectionRunner
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer, make_broker

Role = Literal["all", "commands", "projections"]
log = get_logger(__name__)


@dataclass
class AdmissionService:
    settings: Settings
    role: Role = "all"
    nc: NATS | None = None
    pool: asyncpg.Pool | None = None
    broker: NatsBroker | None = None
    app: AdmissionApp | None = None
    runners: list[ProjectionRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> AdmissionService:
        s = self.settings
        self.nc = await nats.connect(
            s.nats_url, name="admission", max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        store = EventStore(self.nc, replicas=s.stream_replicas)
        await store.ensure_streams()
        self.pool = await asyncpg.create_pool(s.database_url, min_size=2, max_size=10)
        referentiel = Referentiel.load(s.og_file)
        self.app = AdmissionApp(store, registry, referentiel)
        if self.role in ("all", "projections"):
            for projection in PROJECTIONS:
                # set-up happens in the task: a standby instance waits for the lock without blocking the bus
                runner = ProjectionRunner(projection(), nc=self.nc, pool=self.pool, registry=registry)
                self.runners.append(runner)
                self.tasks.append(asyncio.create_task(runner.run(), name=f"projection:{runner.schema}"))
        if self.role in ("all", "commands"):
            self.broker = make_broker(s.nats_url)
            rpc = RpcServer(self.broker, "admission")
            handlers.register(rpc, self.app, AdmissionQueries(self.pool, referentiel), self.pool)
            await self.broker.start()
        log.info("admission.started", role=self.role)
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
        log.info("admission.stopped")
