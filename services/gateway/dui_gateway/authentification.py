"""What the gateway needs to decide who calls and what they may do, set up once per process: the token
verifier (issuer's discovery document and JWKS), the revoked tokens shared by every replica, the professions
mapping, the rights cache and the access journal."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
import nats
from fastapi import FastAPI

from dui_gateway.audit import Journal
from dui_gateway.habilitations import Habilitations
from dui_gateway.jetons import JetonsRevoques, VerificateurJetons, charger_professions
from dui_shared.config import Settings
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import RpcClient


async def ouvrir(app: FastAPI, settings: Settings, client: RpcClient, stack: AsyncExitStack) -> Journal:
    """Fill `app.state` with the security pieces; everything opened here is closed with `stack`."""
    nc = await nats.connect(settings.nats_url, name="dui-gateway-securite", max_reconnect_attempts=-1)
    stack.push_async_callback(nc.drain)
    js = nc.jetstream()
    http = httpx.AsyncClient(timeout=5.0)
    stack.push_async_callback(http.aclose)
    revocations = JetonsRevoques(js, replicas=settings.stream_replicas)
    await revocations.ouvrir()
    app.state.settings = settings
    app.state.revocations = revocations
    app.state.verificateur = VerificateurJetons(
        settings.oidc_issuer,
        settings.oidc_audience,
        leeway=settings.oidc_leeway,
        jwks_refresh_min=settings.oidc_jwks_refresh_min,
        http=http,
        revocations=revocations,
    )
    app.state.professions = charger_professions(settings.professions_file)
    # ESMS a token may name: the OG's (anything else in the claim is ignored), `*` for all of them
    app.state.esms_connus = frozenset(e.finess for e in Referentiel.load(settings.og_file).esms)
    habilitations = Habilitations(client)
    await habilitations.suivre(nc)
    app.state.habilitations = habilitations
    journal = Journal(js, client)
    app.state.journal = journal
    return journal
