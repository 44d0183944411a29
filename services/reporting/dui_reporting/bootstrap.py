"""The reporting service's composition root: the queries, the read model."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from dui_reporting import handlers
from dui_reporting.integration import IntegrationPublisher
from dui_reporting.parametres import ParametresIndicateurs
from dui_reporting.projections import PROJECTIONS
from dui_reporting.queries import ReportingQueries
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost


@dataclass
class ReportingService(ServiceHost):
    name = "reporting"
    queries: ReportingQueries | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.queries = ReportingQueries(pool, store, referentiel, ParametresIndicateurs())

    def projections(self) -> list[Projection]:
        # the integration publisher runs beside the read model but is never rebuilt with it (see integration.py)
        assert self.nc is not None
        return [*(p() for p in PROJECTIONS), IntegrationPublisher(self.nc)]

    def register(self, rpc: RpcServer) -> None:
        assert self.queries is not None and self.pool is not None
        handlers.register(rpc, self.queries, self.pool)
