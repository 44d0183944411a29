"""The prestations scheduler: warns before a prestation sociale ends and again once it has expired.

It survives restarts because it keeps no state of its own: the read model says which prestations are due, and
the dossier aggregate remembers which alerts it already emitted for which end date, so a second scheduler, a
restart in the middle of a round or a stale read model never makes an alert fire twice.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from uuid import UUID

import asyncpg

from dui_dossier.application import DossierApp
from dui_shared.errors import DomainError
from dui_shared.observability import get_logger
from dui_shared.timezone import today_paris

log = get_logger(__name__)

DUE = """
SELECT DISTINCT p.dossier_id FROM dossier.prestation p JOIN dossier.dossier d ON d.id = p.dossier_id
WHERE d.statut = 'actif' AND p.cloturee_le IS NULL AND p.fin IS NOT NULL AND (
    (p.fin < $1 AND (p.alerte IS DISTINCT FROM 'expiree' OR p.alerte_fin IS DISTINCT FROM p.fin))
    OR (p.fin >= $1 AND p.fin <= $2 AND p.alerte_fin IS DISTINCT FROM p.fin))
"""


class Echeancier:
    def __init__(self, app: DossierApp, pool: asyncpg.Pool, delai_jours: int, intervalle: float) -> None:
        self.app = app
        self.pool = pool
        self.delai_jours = delai_jours
        self.intervalle = intervalle

    async def tick(self, today: date | None = None) -> int:
        """One round: signal what is due on `today` (Paris); returns the number of dossiers decided on."""
        today = today or today_paris()
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(DUE, today, today + timedelta(days=self.delai_jours))
        for row in rows:
            dossier_id: UUID = row["dossier_id"]
            try:
                await self.app.signaler_echeances(dossier_id, today, self.delai_jours)
            except DomainError as exc:  # archived meanwhile, log down…: the next round tries again
                log.warning("echeancier.echec", dossier=str(dossier_id), erreur=exc.message)
            except Exception:  # one dossier's failure must not stop the others, nor the next rounds
                log.exception("echeancier.erreur", dossier=str(dossier_id))
        return len(rows)

    async def run(self, first_delay: float = 5.0) -> None:
        await asyncio.sleep(first_delay)  # let the read model set up and catch up first
        while True:
            try:
                await self.tick()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DomainError) as exc:
                log.warning("echeancier.indisponible", erreur=str(exc))
            except Exception:
                log.exception("echeancier.erreur")
            await asyncio.sleep(self.intervalle)
