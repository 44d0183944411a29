"""Rows 7: what the gateway's security costs per request, next to the same read sent straight over the bus.

Everything is real: the dossier and habilitations services run in-process (as tests/conftest.py starts them), a
local OIDC provider serves in a thread and signs the access token, the gateway app runs in-process behind an
`httpx.ASGITransport`. One dossier is read again and again:

- 7a `RpcClient.call("dossier", "dossier", …)` with the actor the gateway would build (the baseline);
- 7b `GET /dossiers/{id}` through the gateway: token verification (JWKS cached, revocation looked up in the
  key-value bucket), rights (cached after the first request), the habilitation decision, the access trace
  published to JetStream and awaited, then the same RPC;
- 7c `VerificateurJetons.verifier(token)` alone, warm, wired like the gateway's (revocations included);
- 7d the rights call uncached: `droits.calculer` on the habilitations service;
- 7e one access trace built and published alone, as `dui_gateway.audit.Journal` does;
- 7f `GET /health` through the same client and gateway: the HTTP stack alone (httpx's ASGI transport, the
  middlewares, routing, OpenTelemetry), none of the security, no service call.

`bench.run` runs the six interleaved in rounds, so that background load hits each alike. All share one event loop:
the habilitations service projects each access trace of 7b and 7e into its access journal in that loop too, which
adds to 7b (about 1 ms at p50 on 2 cores) what a deployed gateway, in its own process, does not pay.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from dui_dossier.application import dossier_id_for
from dui_dossier.bootstrap import DossierService
from dui_dossier.projections import DossierReadModel
from dui_gateway.app import create_app
from dui_gateway.habilitations import decider
from dui_gateway.jetons import JetonsRevoques, VerificateurJetons, charger_professions, identite
from dui_gateway.regles import REGLES
from dui_habilitations.bootstrap import HabilitationsService
from dui_oidc.accounts import Accounts
from dui_oidc.client import obtain_tokens
from dui_oidc.server import serve_in_thread
from dui_shared.config import Settings
from dui_shared.contracts.admission import AdmissionPrononcee, Sexe, TypeAccueil, Usager
from dui_shared.contracts.habilitations import AccesTrace, ModeAcces
from dui_shared.contracts.habilitations_api import Droits, DroitsDemandes
from dui_shared.envelope import Actor, Envelope
from dui_shared.eventstore import AUDIT_STREAM, EventStore
from dui_shared.projection import wait_for_position
from dui_shared.rpc import RpcClient, RpcReply, RpcRequest, make_broker
from dui_shared.runtime.host import ServiceHost

LOGIN = "bench-direction"
ROUTE = "/dossiers/{dossier_id}"
WARMUP = 20


Op = Callable[[int], Awaitable[Any]]


@contextlib.asynccontextmanager
async def operations(
    nats_url: str, database_url: str, nc: NATS, pool: asyncpg.Pool, esms: str
) -> AsyncIterator[list[tuple[str, Op]]]:
    """Start everything rows 7 need; yield their operations (row label, one call), warm; stop it all on exit."""
    settings = Settings(
        NATS_URL=nats_url, DATABASE_URL=database_url, DUI_RPC_TIMEOUT=15, DUI_ECHEANCIER_INTERVALLE=3600
    )
    accounts = Accounts.load()
    password = uuid.uuid4().hex
    accounts.add(
        LOGIN, password, {"preferred_username": LOGIN, "dui_profession": "direction", "dui_esms": [esms]}
    )
    services: list[ServiceHost] = []
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dui-bench-oidc-")))
        issuer = stack.enter_context(
            serve_in_thread(keys_file=tmp / "cles.json", access_token_lifetime=3600, accounts=accounts)
        )
        for service in (DossierService(settings), HabilitationsService(settings)):
            await service.start()
            services.append(service)
            stack.push_async_callback(service.stop)
        await _quiet(services, nc, pool)

        dossier_id = await _dossier(services[0], nc, pool, esms)
        token = str((await asyncio.to_thread(obtain_tokens, issuer, LOGIN, password))["access_token"])
        gateway_settings = settings.model_copy(
            update={"oidc_issuer": issuer, "oidc_claim_esms": "dui_esms", "rate_limit": "100000000/minute"}
        )

        broker = make_broker(nats_url)
        await broker.connect()
        stack.push_async_callback(broker.stop)
        client = RpcClient(broker, timeout=settings.rpc_timeout)
        js = nc.jetstream()
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=5.0))
        verificateur = (
            VerificateurJetons(  # wired like dui_gateway.authentification.ouvrir wires the gateway's
                issuer,
                gateway_settings.oidc_audience,
                leeway=gateway_settings.oidc_leeway,
                jwks_refresh_min=gateway_settings.oidc_jwks_refresh_min,
                http=http,
                revocations=JetonsRevoques(js),
            )
        )
        appelant = identite(
            await verificateur.verifier(token), charger_professions(gateway_settings.professions_file)
        )
        demande = DroitsDemandes(
            identifiant=appelant.identifiant, profession=appelant.profession, profil=appelant.profil
        ).model_dump(mode="json")

        async def droits(_: int) -> RpcReply:
            rpc = RpcRequest(
                actor=Actor(id=appelant.identifiant, role=appelant.profession or appelant.profil),
                correlation_id=str(uuid.uuid4()),
                body=demande,
            )
            return _ok(await client.call("habilitations", "droits.calculer", rpc))

        # the actor the gateway builds for this caller and route: 7a sends exactly what 7b's RPC carries
        acces = decider(
            REGLES[("GET", ROUTE)],
            "GET",
            ROUTE,
            {"dossier_id": str(dossier_id)},
            appelant,
            Droits.model_validate((await droits(0)).body),
            (esms,),
        )
        path = f"/dossiers/{dossier_id}"

        async def direct(_: int) -> RpcReply:
            rpc = RpcRequest(
                actor=acces.actor, correlation_id=str(uuid.uuid4()), path=path, params={"id": str(dossier_id)}
            )
            return _ok(await client.call("dossier", "dossier", rpc))

        async def verifier(_: int) -> None:
            await verificateur.verifier(token)

        async def tracer(_: int) -> None:
            """What `Journal.tracer` does once it knows the request's dossiers: build the trace, publish it."""
            trace_id = uuid.uuid4()
            data = AccesTrace(
                requete_id=str(uuid.uuid4()),
                trace_id=None,
                identifiant=appelant.identifiant,
                profession=acces.profession,
                profil=appelant.profil,
                methode="GET",
                route=ROUTE,
                chemin=path,
                categories=list(acces.categories),
                mode=ModeAcces.lecture,
                statut=200,
                dossiers=[dossier_id],
                candidatures=[],
                acces_urgence=None,
                instant=datetime.now(UTC),
            )
            subject = f"dui.audit.acces.{trace_id}"
            envelope = Envelope(
                id=trace_id,
                type=AccesTrace.type_name(),
                source="dui-gateway",
                subject=subject,
                time=data.instant,
                esms=esms,
                aggregate_type="acces",
                aggregate_version=1,
                actor=acces.actor,
                correlation_id=data.requete_id,
                data=data.model_dump(mode="json"),
            )
            await js.publish(
                subject,
                envelope.model_dump_json().encode(),
                stream=AUDIT_STREAM,
                timeout=5.0,
                headers={"Nats-Msg-Id": str(trace_id)},
            )

        app = create_app(gateway_settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        gateway = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://gateway",
                headers={"Authorization": f"Bearer {token}"},
            )
        )

        async def via_gateway(_: int) -> None:
            response = await gateway.get(path)
            if response.status_code != 200:
                raise RuntimeError(
                    f"GET {path} through the gateway: {response.status_code} {response.text[:300]}"
                )

        async def health(_: int) -> None:
            response = await gateway.get("/health")
            if response.status_code != 200:
                raise RuntimeError(f"GET /health through the gateway: {response.status_code}")

        ops: list[tuple[str, Op]] = [
            ("7a dossier read straight over the bus (RpcClient.call)", direct),
            ("7b the same read through the gateway (token, rights, decision, trace)", via_gateway),
            ("7c VerificateurJetons.verifier(token), warm", verifier),
            ("7d rights uncached: droits.calculer over the bus", droits),
            ("7e one access trace published (DUI_AUDIT, awaited)", tracer),
            ("7f GET /health through the gateway: HTTP stack alone, no security", health),
        ]
        for _, op in ops:
            for i in range(WARMUP):
                await op(i)
        await _quiet(services, nc, pool)  # the warm-up's traces are in the access journal before we measure
        yield ops
        await _quiet(services, nc, pool)  # and the measured ones before the services stop


def _ok(reply: RpcReply) -> RpcReply:
    if reply.problem is not None:
        raise RuntimeError(f"RPC refused: {reply.status} {reply.problem}")
    return reply


async def _dossier(service: ServiceHost, nc: NATS, pool: asyncpg.Pool, esms: str) -> uuid.UUID:
    """A dossier in the bench's ESMS, opened like an admission would, once the read model shows it."""
    assert isinstance(service, DossierService) and service.app is not None
    sejour = uuid.uuid4()
    admission = AdmissionPrononcee(
        candidature_id=uuid.uuid4(),
        esms=esms,
        usager=Usager(
            nom_naissance="Bench", prenoms="Passerelle", date_naissance=date(1941, 5, 2), sexe=Sexe.M
        ),
        type_accueil=TypeAccueil.permanent,
        admis_le=datetime(2026, 1, 1, tzinfo=UTC),
    )
    position = await service.app.ouvrir(admission, sejour, uuid.uuid4())
    reached = await wait_for_position(EventStore(nc), pool, DossierReadModel, position, timeout=30)
    if reached is None:
        raise RuntimeError("the dossier read model did not show the bench's dossier within 30 s")
    return dossier_id_for(sejour)


async def _quiet(services: list[ServiceHost], nc: NATS, pool: asyncpg.Pool, timeout: float = 300) -> None:
    """Wait until every projection of `services` reflects its stream as it is now, and the streams stopped moving.

    The dossier service starts by opening a dossier for each admission the earlier rows pronounced (its admission
    reactions), and the habilitations service by writing the OG's matrix: none of that may run while we measure."""
    stores = {s: EventStore(nc, stream=s) for s in {r.stream for svc in services for r in svc.runners}}
    deadline = time.monotonic() + timeout
    runners = [r for svc in services for r in svc.runners]
    while not all(r.active for r in runners):  # each runner sets its schema up in its own task
        if time.monotonic() > deadline:
            raise RuntimeError(f"projections not set up within {timeout:.0f} s")
        await asyncio.sleep(0.01)
    previous: dict[str, int] = {}
    while True:
        ends = {name: await store.last_sequence() for name, store in stores.items()}
        if ends == previous:
            return
        for service in services:
            for runner in service.runners:
                left = max(1.0, deadline - time.monotonic())
                projection = type(runner.projection)
                store = stores[runner.stream]
                if (
                    await wait_for_position(store, pool, projection, ends[runner.stream], timeout=left)
                    is None
                ):
                    raise RuntimeError(f"projection {runner.schema} did not catch up within {timeout:.0f} s")
        previous = ends
