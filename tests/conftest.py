"""Session-wide real servers and the running platform (admission service + gateway) for every test tier."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from nats.aio.client import Client as NATS
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from dui_admission.bootstrap import AdmissionService
from dui_agenda.bootstrap import AgendaService
from dui_dossier.bootstrap import DossierService
from dui_shared.config import Settings
from dui_shared.eventstore import EventStore
from dui_shared.runtime.embedded import EmbeddedNats
from dui_soins.bootstrap import SoinsService
from tests.support.servers import nats_server, postgres_server


@pytest.fixture(scope="session", autouse=True)
def spans() -> InMemorySpanExporter:
    """Every span of the session, kept in memory: set before any app is instrumented."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dui")


@pytest.fixture(scope="session")
def nats_fixture(workdir: Path) -> Iterator[tuple[str, EmbeddedNats | None]]:
    with nats_server(workdir) as server:
        yield server


@pytest.fixture(scope="session")
def nats_url(nats_fixture: tuple[str, EmbeddedNats | None]) -> str:
    return nats_fixture[0]


@pytest.fixture(scope="session")
def embedded_nats(nats_fixture: tuple[str, EmbeddedNats | None]) -> EmbeddedNats:
    """The embedded server, for tests that stop and restart it for real."""
    if nats_fixture[1] is None:
        pytest.fail("fault tests need the embedded nats-server: unset NATS_URL and stop Docker to run them")
    return nats_fixture[1]


@pytest.fixture(scope="session")
def database_url(workdir: Path) -> Iterator[str]:
    with postgres_server(workdir) as url:
        yield url


@pytest.fixture(scope="session")
def settings(nats_url: str, database_url: str) -> Settings:
    # the scheduler's own loop stays out of the way: tests drive its rounds with a date of their choosing
    return Settings(
        NATS_URL=nats_url, DATABASE_URL=database_url, DUI_RPC_TIMEOUT=15, DUI_ECHEANCIER_INTERVALLE=3600
    )


@pytest.fixture(scope="session")
async def nc(nats_url: str) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.drain()


@pytest.fixture(scope="session")
async def store(nc: NATS) -> EventStore:
    store = EventStore(nc)
    await store.ensure_streams()
    return store


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=8)
    yield pool
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:  # a failed test left a connection checked out: do not hide its report behind a hang
        pool.terminate()


@pytest.fixture(scope="session")
async def admission_service(settings: Settings, store: EventStore) -> AsyncIterator[AdmissionService]:
    service = await AdmissionService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def dossier_service(settings: Settings, store: EventStore) -> AsyncIterator[DossierService]:
    service = await DossierService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def soins_service(settings: Settings, store: EventStore) -> AsyncIterator[SoinsService]:
    service = await SoinsService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def agenda_service(settings: Settings, store: EventStore) -> AsyncIterator[AgendaService]:
    service = await AgendaService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def gateway(
    settings: Settings,
    admission_service: AdmissionService,
    dossier_service: DossierService,
    soins_service: SoinsService,
    agenda_service: AgendaService,
) -> AsyncIterator[httpx.AsyncClient]:
    """The real gateway app in-process, talking to the real services over real NATS."""
    from dui_gateway.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
