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
from dui_gateway.jetons import charger_professions
from dui_habilitations.bootstrap import HabilitationsService
from dui_oidc.accounts import Accounts
from dui_oidc.server import serve_in_thread
from dui_reporting.bootstrap import ReportingService
from dui_shared.aggregate import CommandContext
from dui_shared.config import Settings
from dui_shared.contracts.habilitations import CategorieDonnees, Niveau
from dui_shared.contracts.habilitations_api import ProfilAEnregistrer
from dui_shared.envelope import Actor
from dui_shared.eventstore import EventStore
from dui_shared.runtime.embedded import EmbeddedNats
from dui_soins.bootstrap import SoinsService
from tests.support.builders import EQUIPE
from tests.support.identites import IdentitesDeTest
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
async def habilitations_service(settings: Settings, store: EventStore) -> AsyncIterator[HabilitationsService]:
    service = await HabilitationsService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def reporting_service(settings: Settings, store: EventStore) -> AsyncIterator[ReportingService]:
    service = await ReportingService(settings).start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
def oidc_accounts() -> Accounts:
    """The local provider's accounts: the demo ones, plus one per identity a test speaks as."""
    return Accounts.load()


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory: pytest.TempPathFactory, oidc_accounts: Accounts) -> Iterator[str]:
    """A real OIDC provider for the whole session, in a thread on a free port (keys in a temporary dir)."""
    keys = tmp_path_factory.mktemp("oidc") / "cles.json"
    with serve_in_thread(keys_file=keys, access_token_lifetime=3600, accounts=oidc_accounts) as issuer:
        yield issuer


@pytest.fixture(scope="session")
def gateway_settings(settings: Settings, oidc_issuer: str) -> Settings:
    """The gateway trusts the session's provider and reads ESMS assignments from its `dui_esms` claim too."""
    return settings.model_copy(
        update={"oidc_issuer": oidc_issuer, "oidc_claim_esms": "dui_esms", "rate_limit": "1000000/minute"}
    )


@pytest.fixture(scope="session")
def identites(oidc_issuer: str, oidc_accounts: Accounts) -> IdentitesDeTest:
    return IdentitesDeTest(oidc_issuer, oidc_accounts, charger_professions(None))


@pytest.fixture(scope="session")
async def ligne_equipe(habilitations_service: HabilitationsService) -> None:
    """The matrix line the functional tests speak with (`builders.EQUIPE`), written like an OG administrator
    would: every category in writing, the administration flags."""
    assert habilitations_service.app is not None
    ligne = ProfilAEnregistrer(
        libelle="Équipe (tests fonctionnels)",
        categories={c: Niveau.ecriture for c in CategorieDonnees},
        administration=True,
        revue_acces=True,
        journal_acces=True,
    )
    admin = Actor(id="adm-tests", role="administrateur_og", og_wide=True)
    await habilitations_service.app.definir_profil(EQUIPE, ligne, CommandContext(actor=admin))


@pytest.fixture(scope="session")
async def gateway(
    gateway_settings: Settings,
    identites: IdentitesDeTest,
    ligne_equipe: None,
    admission_service: AdmissionService,
    dossier_service: DossierService,
    soins_service: SoinsService,
    agenda_service: AgendaService,
    habilitations_service: HabilitationsService,
    reporting_service: ReportingService,
) -> AsyncIterator[httpx.AsyncClient]:
    """The real gateway app in-process, talking to the real services over real NATS; each request carries a
    real token for the identity the test names (tests/support/identites.py)."""
    from dui_gateway.app import create_app

    app = create_app(gateway_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", auth=identites
        ) as client:
            yield client


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
