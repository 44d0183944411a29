"""The habilitations service's composition root: application, queries, the default matrix, the read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from dui_habilitations import handlers
from dui_habilitations.application import HabilitationsApp, profils_defaut
from dui_habilitations.projections import PROJECTIONS
from dui_habilitations.queries import HabilitationsQueries
from dui_shared.contracts import registry
from dui_shared.eventstore import AUDIT_STREAM, EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost


@dataclass
class HabilitationsService(ServiceHost):
    name = "habilitations"
    app: HabilitationsApp | None = None
    queries: HabilitationsQueries | None = None
    audit: EventStore | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        s = self.settings
        self.queries = HabilitationsQueries(pool, store)
        self.app = HabilitationsApp(
            store, registry, referentiel, self.queries, duree_urgence=timedelta(hours=s.acces_urgence_heures)
        )
        self.audit = EventStore(store.nc, stream=AUDIT_STREAM, replicas=s.stream_replicas)
        # the OG's matrix, written once whichever instance starts first
        await self.app.initialiser_matrice(profils_defaut(s.habilitations_defaut))

    def projections(self) -> list[Projection]:
        return [p() for p in PROJECTIONS]

    def register(self, rpc: RpcServer) -> None:
        assert self.app is not None and self.queries is not None and self.pool is not None
        assert self.audit is not None
        handlers.register(rpc, self.app, self.queries, self.pool, self.audit)
