"""Reads of the admission read models: the waiting list, demandes, séjours. Rows are scoped to the actor's ESMS."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from dui_shared.contracts.admission_api import (
    CandidatureVue,
    FiltreListeAttente,
    FiltreSejours,
    PageCandidatures,
    PageSejours,
    SejourVue,
)
from dui_shared.envelope import Actor
from dui_shared.errors import NotFound
from dui_shared.operations import scope_esms
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import paris_midnight, to_paris

TRIS = {
    "recue_le": "recue_le",
    "date_entree_souhaitee": "date_entree_souhaitee",
    "nom": "nom_tri",
    "statut": "statut",
    "esms": "esms",
    "mis_a_jour_le": "mis_a_jour_le",
}


class AdmissionQueries:
    def __init__(self, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.pool = pool
        self.referentiel = referentiel

    async def _page(
        self, table: str, where: list[str], args: list[Any], order: str, limit: int, offset: int
    ) -> tuple[int, list[asyncpg.Record]]:
        """The total matching `where` and one page of rows, ties broken by id so pages never overlap."""
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM admission.{table} {clause}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM admission.{table} {clause} ORDER BY {order}, id LIMIT {limit} OFFSET {offset}",
                *args,
            )
        return total, rows

    def _candidature(self, row: asyncpg.Record) -> CandidatureVue:
        values = dict(row)
        values["usager"] = json.loads(values["usager"])
        for key in ("recue_le", "contact_planifie_le", "visite_le", "decision_le", "mis_a_jour_le"):
            if values[key] is not None:
                values[key] = to_paris(values[key])
        esms = self.referentiel.get(values["esms"])
        values["esms_nom"] = esms.nom if esms else None
        return CandidatureVue.model_validate(values)

    async def liste_attente(self, filtre: FiltreListeAttente, actor: Actor) -> PageCandidatures:
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args)
        for column, values in (("statut", filtre.statut), ("type_accueil", filtre.type_accueil)):
            if values:
                args.append([v.value for v in values])
                where.append(f"{column} = ANY(${len(args)})")
        if filtre.recue_du:
            args.append(paris_midnight(filtre.recue_du))
            where.append(f"recue_le >= ${len(args)}")
        if filtre.recue_au:
            args.append(paris_midnight(filtre.recue_au + timedelta(days=1)))
            where.append(f"recue_le < ${len(args)}")
        if filtre.urgence is not None:
            args.append(filtre.urgence)
            where.append(f"urgence = ${len(args)}")
        if filtre.q:
            args.append(f"%{filtre.q.casefold()}%")
            where.append(f"(nom_tri LIKE ${len(args)} OR lower(usager->>'prenoms') LIKE ${len(args)})")
        column = TRIS[filtre.tri.lstrip("-")]
        direction = "DESC" if filtre.tri.startswith("-") else "ASC"
        total, rows = await self._page(
            "candidature", where, args, f"{column} {direction} NULLS LAST", filtre.limit, filtre.offset
        )
        return PageCandidatures(
            items=[self._candidature(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def candidature(self, candidature_id: UUID, actor: Actor) -> CandidatureVue:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM admission.candidature WHERE id = $1", candidature_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"candidature {candidature_id} introuvable")
        return self._candidature(row)

    async def demande(self, demande_id: UUID, actor: Actor) -> list[CandidatureVue]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM admission.candidature WHERE demande_id = $1 ORDER BY esms", demande_id
            )
        visible = [self._candidature(r) for r in rows if actor.may_act_for(r["esms"])]
        if not visible:
            raise NotFound(f"demande {demande_id} introuvable")
        return visible

    @staticmethod
    def _sejour(row: asyncpg.Record) -> SejourVue:
        values = dict(row)
        values["usager"] = json.loads(values["usager"])
        values["actions_sortie"] = json.loads(values["actions_sortie"])
        values["actif"] = values["sortie_le"] is None
        for key in ("admis_le", "sortie_le"):
            if values[key] is not None:
                values[key] = to_paris(values[key])
        return SejourVue.model_validate(values)

    async def sejours(self, filtre: FiltreSejours, actor: Actor) -> PageSejours:
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args)
        if filtre.actif is not None:
            where.append("sortie_le IS NULL" if filtre.actif else "sortie_le IS NOT NULL")
        total, rows = await self._page("sejour", where, args, "admis_le DESC", filtre.limit, filtre.offset)
        return PageSejours(
            items=[self._sejour(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def sejour(self, sejour_id: UUID, actor: Actor) -> SejourVue:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM admission.sejour WHERE id = $1", sejour_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"séjour {sejour_id} introuvable")
        return self._sejour(row)
