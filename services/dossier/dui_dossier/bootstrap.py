"""The dossier service's composition root: application, INSi adapter, reactions, scheduler, projections."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg

from dui_dossier import handlers
from dui_dossier.application import DossierApp
from dui_dossier.echeancier import Echeancier
from dui_dossier.insi import InsiSimulateur
from dui_dossier.projections import PROJECTIONS
from dui_dossier.queries import DossierQueries
from dui_dossier.reactions import AdmissionReactions
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcServer
from dui_shared.runtime.host import ServiceHost


@dataclass
class DossierService(ServiceHost):
    name = "dossier"
    app: DossierApp | None = None
    queries: DossierQueries | None = None
    echeancier: Echeancier | None = None

    async def build(self, store: EventStore, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        s = self.settings
        # only the simulator exists here: the real téléservice needs a CPS/CPE card or a certificate
        insi = InsiSimulateur(s.insi_fixture) if s.insi_fixture else InsiSimulateur.demo()
        self.app = DossierApp(
            store,
            registry,
            referentiel,
            insi,
            conservation_annees=s.conservation_annees,
            conservation_deces_annees=s.conservation_deces_annees,
        )
        self.queries = DossierQueries(pool, referentiel)
        self.echeancier = Echeancier(self.app, pool, s.prestation_alerte_jours, s.echeancier_intervalle)

    def projections(self) -> list[Projection]:
        assert self.app is not None
        return [*(p() for p in PROJECTIONS), AdmissionReactions(self.app)]

    def background(self) -> list[Coroutine[Any, Any, None]]:
        assert self.echeancier is not None
        return [self.echeancier.run()]

    def register(self, rpc: RpcServer) -> None:
        assert self.app is not None and self.queries is not None and self.pool is not None
        handlers.register(rpc, self.app, self.queries, self.pool)
