"""The admission service's composition root: application, bus operations, projections."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from dui_admission import handlers
from dui_admission.application import AdmissionApp
from dui_admission.projections import PROJECTIONS
from dui_admission.queries import AdmissionQueries
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost


@dataclass
class AdmissionService(ServiceHost):
    name = "admission"
    app: AdmissionApp | None = None
    queries: AdmissionQueries | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.app = AdmissionApp(store, registry, referentiel)
        self.queries = AdmissionQueries(pool, referentiel)

    def projections(self) -> list[Projection]:
        return [p() for p in PROJECTIONS]

    def register(self, rpc: RpcServer) -> None:
        assert self.app is not None and self.queries is not None and self.pool is not None
        handlers.register(rpc, self.app, self.queries, self.pool)
