"""The dossiers as the soins service knows them: its own projection of the dossier service's events.

A dossier the projection does not know yet may just have been opened: before answering 404, the lookup lets the
read model catch up with the log as it is now (normally at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, NotFound, Unavailable
from dui_shared.eventstore import EventStore
from dui_shared.projection import reflects_log
from dui_soins.projections import SoinsReadModel


class DossierArchiveError(DomainError):
    title = "Dossier usager : opération impossible"
    rule = "dossier_archive"


@dataclass(frozen=True)
class DossierConnu:
    id: UUID
    esms: str
    nom: str
    prenoms: str
    statut: str
    admis_le: datetime
    sortie_le: datetime | None
    unite: str | None


SQL = """SELECT d.id, d.esms, d.nom, d.prenoms, d.statut, d.admis_le, d.sortie_le, p.unite
         FROM soins.dossier_connu d LEFT JOIN soins.plan_soins p ON p.dossier_id = d.id WHERE d.id = $1"""


class DossiersConnus:
    def __init__(self, store: EventStore, pool: asyncpg.Pool) -> None:
        self.store = store
        self.pool = pool

    async def _fetch(self, dossier_id: UUID) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(SQL, dossier_id)

    async def get(self, dossier_id: UUID, actor: Actor) -> DossierConnu:
        """The dossier if the actor may see it (another ESMS's: not found, its existence is not revealed)."""
        row = await self._fetch(dossier_id)
        if row is None:
            if not await reflects_log(self.store, self.pool, SoinsReadModel, 3.0):
                raise Unavailable("le modèle de lecture des soins est en retard ; réessayez dans un instant")
            row = await self._fetch(dossier_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"dossier {dossier_id} introuvable")
        return DossierConnu(**dict(row))

    async def modifiable(self, dossier_id: UUID, actor: Actor) -> DossierConnu:
        dossier = await self.get(dossier_id, actor)
        if dossier.statut == "archive":
            raise DossierArchiveError(
                "le dossier est archivé : il ne peut plus être modifié, seulement consulté"
            )
        return dossier
