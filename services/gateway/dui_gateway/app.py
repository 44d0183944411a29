"""The gateway's FastAPI application and its lifespan (one NATS connection for every service call)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from dui_gateway import problems
from dui_gateway.deps import Bus
from dui_gateway.limits import BodyLimit
from dui_gateway.routes import admission, agenda, dossier, exploitation, soins
from dui_shared.config import Settings
from dui_shared.observability import get_logger
from dui_shared.rpc import MAX_MESSAGE, RpcClient, make_broker

log = get_logger(__name__)

DESCRIPTION = """API REST du Dossier Usager Informatisé. Toutes les erreurs sont au format RFC 9457
(`application/problem+json`) et nomment le champ et la règle en cause. Les écritures renvoient
`X-Dui-Position` ; une lecture qui envoie `X-Dui-Min-Position` reflète au moins cette écriture."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = make_broker(settings.nats_url)
        await broker.connect()
        app.state.bus = Bus(RpcClient(broker, timeout=settings.rpc_timeout))
        try:
            yield
        finally:
            await broker.stop()

    app = FastAPI(title="DUI — passerelle", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    problems.install(app)
    app.include_router(admission.router)
    app.include_router(dossier.router)
    app.include_router(soins.router)
    app.include_router(agenda.router)
    app.include_router(exploitation.router)
    app.add_middleware(BodyLimit, limit=MAX_MESSAGE - 50_000)

    @app.middleware("http")
    async def access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        log.info(
            "http.request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response

    @app.get("/health", tags=["exploitation"])
    async def health() -> dict[str, str]:
        """Liveness of the gateway process."""
        return {"status": "ok"}

    FastAPIInstrumentor.instrument_app(app)
    return app
