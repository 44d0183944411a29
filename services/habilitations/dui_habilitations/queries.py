"""Reads of the habilitations read models: accounts, emergency accesses (their status computed now), persons'
accesses, the dossiers known, and the access journal of a dossier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from dui_habilitations.domain.compte import DossierVise
from dui_habilitations.projections import HabilitationsReadModel
from dui_shared.contracts.habilitations_api import (
    AccesPersonne,
    AccesUrgenceVue,
    CompteVue,
    EntreeJournal,
    FiltreComptes,
    FiltreJournal,
    FiltreUrgences,
    PageComptes,
    PageJournal,
    PageUrgences,
    RevueVue,
)
from dui_shared.envelope import Actor
from dui_shared.errors import InvalidInput, NotFound, Unavailable
from dui_shared.eventstore import EventStore
from dui_shared.operations import scope_esms
from dui_shared.projection import reflects_log
from dui_shared.timezone import paris_midnight, to_paris, to_utc

STATUT = "CASE WHEN clos_le IS NOT NULL THEN 'clos' WHEN fin <= now() THEN 'expire' ELSE 'actif' END"
A_REVOIR = "revu_le IS NULL AND (clos_le IS NOT NULL OR fin <= now())"
"""An emergency access to review: over (closed, or past its end) and not reviewed yet."""


@dataclass(frozen=True)
class UrgenceConnue:
    id: UUID
    identifiant: str
    esms: str


def _borne(value: date | datetime | None, *, lendemain: bool) -> datetime | None:
    """A bound of the journal's period in UTC: an instant as given (without zone: Paris time), a day from its
    Paris midnight (an end day is included: up to the next midnight)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    return paris_midnight(value + timedelta(days=1) if lendemain else value).astimezone(UTC)


def _compte(row: asyncpg.Record) -> CompteVue:
    return CompteVue(
        identifiant=row["identifiant"],
        profession=row["profession"],
        esms=list(row["esms"]),
        nom=row["nom"],
        actif=row["actif"],
    )


def _urgence(row: asyncpg.Record) -> AccesUrgenceVue:
    revue = None
    if row["revu_le"] is not None:
        revue = RevueVue(
            revu_par=row["revu_par"],
            conforme=row["conforme"],
            commentaire=row["commentaire_revue"],
            revu_le=to_paris(row["revu_le"]),
        )
    return AccesUrgenceVue(
        id=row["id"],
        identifiant=row["identifiant"],
        profession=row["profession"],
        dossier_id=row["dossier_id"],
        esms=row["esms"],
        justification=row["justification"],
        debut=to_paris(row["debut"]),
        fin=to_paris(row["fin"]),
        statut=row["statut"],
        revue=revue,
    )


class HabilitationsQueries:
    def __init__(self, pool: asyncpg.Pool, store: EventStore) -> None:
        self.pool = pool
        self.store = store

    async def rattraper(self, timeout: float = 2.5) -> bool:
        """Wait until the read model reflects the log as it is now (a dossier opened a moment ago, an access
        opened by another instance). False when it is still behind after `timeout`."""
        return await reflects_log(self.store, self.pool, HabilitationsReadModel, timeout)

    # -- dossiers known --------------------------------------------------------------------------------

    async def _dossier(self, dossier_id: UUID) -> DossierVise | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT id, esms, statut FROM habilitations.dossier_connu WHERE id = $1", dossier_id
            )
        return DossierVise(row["id"], row["esms"], row["statut"] == "archive") if row else None

    async def dossier(self, dossier_id: UUID, *, a_jour: bool = False) -> DossierVise | None:
        """The dossier as the dossier service's events describe it; None when it does not exist, even after
        the read model caught up with the log. `a_jour`: as the log holds it now (a decision on it must not
        miss its archiving a moment ago), else as the read model has it (caught up if it does not know it)."""
        if a_jour and not await self.rattraper():
            raise Unavailable(
                "les habilitations n'ont pas encore pris connaissance des derniers dossiers ; réessayez"
            )
        found = await self._dossier(dossier_id)
        if found is None and not a_jour and await self.rattraper():
            found = await self._dossier(dossier_id)
        return found

    # -- accounts --------------------------------------------------------------------------------------

    async def comptes(self, filtre: FiltreComptes, actor: Actor) -> PageComptes:
        where: list[str] = []
        args: list[Any] = []
        if filtre.esms:
            args.append(filtre.esms)
            where.append(f"${len(args)} = ANY(esms)")
        if not actor.og_wide:
            args.append(list(actor.esms))
            where.append(f"esms && ${len(args)}::text[]")
        if filtre.profession:
            args.append(filtre.profession)
            where.append(f"profession = ${len(args)}")
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM habilitations.compte WHERE {clause}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM habilitations.compte WHERE {clause} ORDER BY identifiant "
                f"LIMIT {filtre.limit} OFFSET {filtre.offset}",
                *args,
            )
        return PageComptes(
            items=[_compte(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def compte(self, identifiant: str) -> CompteVue:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM habilitations.compte WHERE identifiant = $1", identifiant
            )
        if row is None:
            raise NotFound(f"compte {identifiant} introuvable")
        return _compte(row)

    # -- emergency accesses ----------------------------------------------------------------------------

    async def urgences(self, filtre: FiltreUrgences, actor: Actor) -> PageUrgences:
        where: list[str] = []
        args: list[Any] = []
        requested = [filtre.esms] if filtre.esms else []
        if filtre.identifiant != actor.id:
            scope_esms(actor, requested, where, args)
        elif requested:  # one's own accesses, wherever they were opened
            args.append(requested)
            where.append(f"esms = ANY(${len(args)})")
        if filtre.a_revoir is not None:
            where.append(f"{'' if filtre.a_revoir else 'NOT '}({A_REVOIR})")
        if filtre.identifiant:
            args.append(filtre.identifiant)
            where.append(f"identifiant = ${len(args)}")
        if filtre.dossier_id:
            args.append(filtre.dossier_id)
            where.append(f"dossier_id = ${len(args)}")
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM habilitations.urgence WHERE {clause}", *args)
            rows = await conn.fetch(
                f"SELECT *, {STATUT} AS statut FROM habilitations.urgence WHERE {clause} "
                f"ORDER BY debut DESC, id LIMIT {filtre.limit} OFFSET {filtre.offset}",
                *args,
            )
        return PageUrgences(
            items=[_urgence(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def _urgence_connue(self, acces_id: UUID) -> UrgenceConnue | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT id, identifiant, esms FROM habilitations.urgence WHERE id = $1", acces_id
            )
        return UrgenceConnue(row["id"], row["identifiant"], row["esms"]) if row else None

    async def urgence(self, acces_id: UUID, actor: Actor) -> UrgenceConnue:
        """Who opened it and on which ESMS; one of an ESMS the actor may not see is not found."""
        found = await self._urgence_connue(acces_id)
        if found is None and await self.rattraper():
            found = await self._urgence_connue(acces_id)
        if found is None or not actor.may_act_for(found.esms):
            raise NotFound(f"accès en urgence {acces_id} introuvable")
        return found

    # -- persons ---------------------------------------------------------------------------------------

    async def acces_personnes(self, dossier_id: UUID) -> list[AccesPersonne]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM habilitations.acces_personne WHERE dossier_id = $1 ORDER BY identifiant",
                dossier_id,
            )
        return [
            AccesPersonne(
                identifiant=r["identifiant"], dossier_id=r["dossier_id"], esms=r["esms"], qualite=r["qualite"]
            )
            for r in rows
        ]

    # -- journal ---------------------------------------------------------------------------------------

    async def journal(self, dossier_id: UUID, filtre: FiltreJournal) -> PageJournal:
        """The accesses to one dossier, newest first, between Paris days `du` and `au` (both included)."""
        du = _borne(filtre.du, lendemain=False)
        au = _borne(filtre.au, lendemain=True)
        if du and au and au <= du:
            raise InvalidInput.single("au", "fin_avant_debut", "la fin de la période précède son début")
        where = ["dossier_id = $1"]
        args: list[Any] = [dossier_id]
        if du:
            args.append(du)
            where.append(f"instant >= ${len(args)}")
        if au:
            args.append(au)
            where.append(f"instant < ${len(args)}")
        clause = " AND ".join(where)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM journal_acces.acces WHERE {clause}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM journal_acces.acces WHERE {clause} ORDER BY instant DESC, trace_id "
                f"LIMIT {filtre.limit} OFFSET {filtre.offset}",
                *args,
            )
        return PageJournal(
            items=[
                EntreeJournal(
                    instant=to_paris(r["instant"]),
                    identifiant=r["identifiant"],
                    profession=r["profession"],
                    profil=r["profil"],
                    categories=list(r["categories"]),
                    mode=r["mode"],
                    methode=r["methode"],
                    route=r["route"],
                    statut=r["statut"],
                    acces_urgence=r["acces_urgence"],
                )
                for r in rows
            ],
            total=total,
            limit=filtre.limit,
            offset=filtre.offset,
        )
