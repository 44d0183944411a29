"""The soins service's composition root: application, queries, its read model, its bus operations."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost
from dui_soins import handlers
from dui_soins.application import SoinsApp
from dui_soins.projections import PROJECTIONS
from dui_soins.queries import SoinsQueries


@dataclass
class SoinsService(ServiceHost):
    name = "soins"
    app: SoinsApp | None = None
    queries: SoinsQueries | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.app = SoinsApp(store, registry, referentiel, pool)
        self.queries = SoinsQueries(pool, self.app.dossiers)

    def projections(self) -> list[Projection]:
        return [p() for p in PROJECTIONS]

    def register(self, rpc: RpcServer) -> None:
        assert self.app is not None and self.queries is not None and self.pool is not None
        handlers.register(rpc, self.app, self.queries, self.pool)
