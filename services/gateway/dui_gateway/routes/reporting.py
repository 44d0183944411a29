"""Reporting endpoints: the ESMS Numérique and Ségur TBB.1 indicators of one ESMS over a period (as of an
instant), their monthly series, the members of one figure with the events that make them, and the reporting
facts.

Open to the profiles with the `revue_acces` flag (direction, DPO, cadre de santé in the default matrix): figures
for the management of the OG, pseudonymous (no name, no INS; a person is an id per ESMS and séjour), limited to
the ESMS the caller may act for. Reads accept `X-Dui-Min-Position` — the position of a write to any service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dui_gateway.deps import BusDep, CurrentActor, MinPosition
from dui_gateway.forward import Forward
from dui_gateway.routes.admission import PROBLEMS
from dui_shared.contracts.reporting import CodeIndicateur
from dui_shared.contracts.reporting_api import (
    DetailIndicateurVue,
    FiltreDetail,
    FiltreFaits,
    FiltreIndicateurs,
    FiltreMensuels,
    IndicateursVue,
    PageFaits,
    SerieMensuelleVue,
)

router = APIRouter(prefix="/reporting", tags=["reporting"])
FWD = Forward("reporting")


@router.get("/indicateurs", response_model=IndicateursVue, responses=PROBLEMS)
async def indicateurs(
    request: Request,
    filtre: Annotated[FiltreIndicateurs, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Every indicator of the ESMS over Paris days `du`…`au` (default: this month), counting only the events
    recorded by `au_sens` (default: now)."""
    return await FWD.read(request, bus, actor, "indicateurs", position, query=filtre.model_dump(mode="json"))


@router.get("/indicateurs/mensuels", response_model=SerieMensuelleVue, responses=PROBLEMS)
async def indicateurs_mensuels(
    request: Request,
    filtre: Annotated[FiltreMensuels, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The indicators of each month `de`…`a` (AAAA-MM; default: the last twelve months), 36 at most."""
    return await FWD.read(
        request, bus, actor, "indicateurs_mensuels", position, query=filtre.model_dump(mode="json")
    )


@router.get("/indicateurs/{code}/detail", response_model=DetailIndicateurVue, responses=PROBLEMS)
async def indicateur_detail(
    request: Request,
    code: CodeIndicateur,
    filtre: Annotated[FiltreDetail, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """One figure and who makes it: the members of its numerator (and denominator), each with the ids, types
    and log positions of the events that make them count."""
    return await FWD.read(
        request,
        bus,
        actor,
        "indicateur_detail",
        position,
        params={"code": code.value},
        query=filtre.model_dump(mode="json"),
    )


@router.get("/faits", response_model=PageFaits, responses=PROBLEMS)
async def faits(
    request: Request,
    filtre: Annotated[FiltreFaits, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """The reporting facts of the ESMS the caller may act for, by type and day, oldest first, paged."""
    return await FWD.read(request, bus, actor, "faits", position, query=filtre.model_dump(mode="json"))
