"""The agenda service's composition root: application, queries, the read model."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from dui_agenda import handlers
from dui_agenda.application import AgendaApp
from dui_agenda.projections import PROJECTIONS
from dui_agenda.queries import AgendaQueries
from dui_agenda.reactions import AdmissionContacts
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost


@dataclass
class AgendaService(ServiceHost):
    name = "agenda"
    app: AgendaApp | None = None
    queries: AgendaQueries | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.queries = AgendaQueries(pool, store)
        self.app = AgendaApp(store, registry, referentiel, self.queries)

    def projections(self) -> list[Projection]:
        assert self.app is not None
        return [*(p() for p in PROJECTIONS), AdmissionContacts(self.app)]

    def register(self, rpc: RpcServer) -> None:
        assert self.app is not None and self.queries is not None and self.pool is not None
        handlers.register(rpc, self.app, self.queries, self.pool)
