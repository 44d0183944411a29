"""The gateway's FastAPI application and its lifespan (one NATS connection for every service call)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from dui_gateway import authentification, problems
from dui_gateway.deps import Bus
from dui_gateway.limits import BodyLimit, HeadLimit
from dui_gateway.routes import (
    admission,
    agenda,
    dossier,
    exploitation,
    habilitations,
    moi,
    reporting,
    soins,
    tableau_de_bord,
)
from dui_gateway.securite_http import (
    Cors,
    InternalErrorGuard,
    RateLimit,
    SecurityHeaders,
    check_limit,
    check_origins,
    document_edge_answers,
    origin_of,
)
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
        async with AsyncExitStack() as stack:
            stack.push_async_callback(broker.stop)
            client = RpcClient(broker, timeout=settings.rpc_timeout)
            journal = await authentification.ouvrir(app, settings, client, stack)
            app.state.bus = Bus(client, journal)
            yield

    app = FastAPI(title="DUI — passerelle", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    problems.install(app)
    app.include_router(admission.router)
    app.include_router(dossier.router)
    app.include_router(soins.router)
    app.include_router(agenda.router)
    app.include_router(habilitations.router)
    app.include_router(reporting.router)
    app.include_router(moi.router)
    app.include_router(exploitation.router)
    app.include_router(tableau_de_bord.router)

    # --- middleware stack (abuse resistance: dui_gateway.securite_http, dui_gateway.limits) ---
    # Each add_middleware wraps the ones added before it: added innermost first. A request passes, outermost
    # first: SecurityHeaders → access_log → Cors → InternalErrorGuard → RateLimit → HeadLimit → BodyLimit →
    # (FastAPI's exception handlers, routes). An authentication middleware belongs just outside BodyLimit
    # (add it first): inside the rate limit, so floods are refused before tokens are checked.
    # Middlewares are built at the first request: check their settings now, a bad one stops the start.
    check_origins(settings.cors_origins)
    check_limit(settings.rate_limit)
    app.add_middleware(BodyLimit, limit=MAX_MESSAGE - 50_000)
    app.add_middleware(HeadLimit)
    app.add_middleware(RateLimit, limit=settings.rate_limit)
    app.add_middleware(InternalErrorGuard)
    app.add_middleware(Cors, origins=settings.cors_origins)

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

    app.add_middleware(
        SecurityHeaders,
        docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url),
        dashboard_paths=tableau_de_bord.PATHS,
        dashboard_connect=(origin_of(settings.oidc_issuer),),
    )
    document_edge_answers(app)  # 413, 414, 429, 431 in the OpenAPI of every operation
    # --- end of the middleware stack ---

    @app.get("/health", tags=["exploitation"])
    async def health() -> dict[str, str]:
        """Liveness of the gateway process."""
        return {"status": "ok"}

    FastAPIInstrumentor.instrument_app(app)
    return app
