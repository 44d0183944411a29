"""The reporting service's operations on the bus: parse, read, shape the reply. Reads only: reporting records
nothing, it derives everything from the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from dui_reporting.projections import PROJECTIONS, ReportingReadModel
from dui_reporting.queries import ReportingQueries
from dui_shared.contracts.reporting import CodeIndicateur
from dui_shared.contracts.reporting_api import FiltreDetail, FiltreFaits, FiltreIndicateurs, FiltreMensuels
from dui_shared.errors import Forbidden, NotFound
from dui_shared.projection import projection_status, read_at
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer


def register(rpc: RpcServer, queries: ReportingQueries, pool: asyncpg.Pool) -> None:
    """Every operation of the service; the gateway maps each to one REST endpoint."""

    async def consistent(req: RpcRequest) -> int:
        """Reads reflect the caller's write at `min_position`, whatever service it went to: the read model
        follows the whole log."""
        return await read_at(queries.store, pool, ReportingReadModel, req.min_position)

    def query(name: str) -> Callable[[Callable[[RpcRequest], Awaitable[Any]]], None]:
        def decorate(fn: Callable[[RpcRequest], Awaitable[Any]]) -> None:
            async def handle(req: RpcRequest) -> RpcReply:
                await consistent(req)
                return RpcReply(body=await fn(req))

            rpc.operation(name)(handle)

        return decorate

    @query("indicateurs")
    async def indicateurs(req: RpcRequest) -> Any:
        vue = await queries.indicateurs(req.actor, FiltreIndicateurs.model_validate(req.query))
        return vue.model_dump(mode="json")

    @query("indicateurs_mensuels")
    async def indicateurs_mensuels(req: RpcRequest) -> Any:
        vue = await queries.mensuels(req.actor, FiltreMensuels.model_validate(req.query))
        return vue.model_dump(mode="json")

    @query("indicateur_detail")
    async def indicateur_detail(req: RpcRequest) -> Any:
        try:
            code = CodeIndicateur(req.params.get("code", ""))
        except ValueError:
            raise NotFound(f"indicateur {req.params.get('code')!r} inconnu") from None
        vue = await queries.detail(req.actor, code, FiltreDetail.model_validate(req.query))
        return vue.model_dump(mode="json")

    @query("faits")
    async def faits(req: RpcRequest) -> Any:
        return (await queries.faits(req.actor, FiltreFaits.model_validate(req.query))).model_dump(mode="json")

    @rpc.operation("reporting_projections")
    async def reporting_projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        statuses = [(await projection_status(queries.store, pool, p.name)).model_dump() for p in PROJECTIONS]
        return RpcReply(body=statuses)
