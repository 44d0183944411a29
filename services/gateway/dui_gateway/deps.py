"""Request dependencies. `CurrentActor` is the one place the caller's identity and rights come from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dui_gateway.audit import Journal
from dui_gateway.habilitations import Acces, decider
from dui_gateway.jetons import JetonRefuse
from dui_gateway.jetons import identite as identite_appelant
from dui_gateway.regles import REGLES
from dui_gateway.requete import correlation, requete_id
from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, Forbidden, InvalidInput
from dui_shared.rpc import RpcClient, RpcReply, RpcRequest

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton_oidc",
    description="Jeton d'accès OpenID Connect (Pro Santé Connect, ou le fournisseur d'identité de l'OG) : "
    "`Authorization: Bearer <access_token>`",
)


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", ""))


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    """The caller as the services will see them: token checked, rights read, the endpoint's rule applied.

    A refusal that names a dossier or a candidature is traced like an allowed access."""
    state = request.app.state
    route = _route(request)
    regle = REGLES.get((request.method, route))
    if credentials is None:
        raise JetonRefuse("jeton d'accès requis (en-tête Authorization: Bearer)", rule="jeton_absent")
    claims = await state.verificateur.verifier(credentials.credentials)
    identite = identite_appelant(claims, state.professions)
    if len(identite.identifiant) > 64 or len(identite.profession or "") > 64:
        raise JetonRefuse("identité du jeton hors des limites (64 caractères)", rule="jeton_invalide")
    request.state.identite = identite
    if regle is None:  # fail closed: an endpoint nobody classified opens nothing
        raise Forbidden(f"aucune règle d'habilitation pour {request.method} {route}", rule="regle_absente")
    request.state.requete_id = correlation = requete_id(request)
    droits = await state.habilitations.droits(identite, correlation)
    esms_jeton = _esms_du_jeton(claims, state.settings.oidc_claim_esms, state.esms_connus)
    try:
        acces = decider(regle, request.method, route, request.path_params, identite, droits, esms_jeton)
    except DomainError as exc:
        request.state.acces = Acces(
            identite=identite,
            profession=droits.profession,
            route=route,
            mode=regle.mode_pour(request.method),
            categories=tuple(c.value for c in regle.categories),
            actor=Actor(id=identite.identifiant, role=droits.profession or identite.profil),
        )
        await state.journal.tracer(request, exc.status)
        raise
    request.state.acces = acces
    return acces.actor


def _esms_du_jeton(claims: dict[str, Any], claim: str | None, connus: frozenset[str]) -> tuple[str, ...]:
    """ESMS assignments an OG's own identity provider puts in its tokens (off unless the operator names the
    claim: Pro Santé Connect carries none, the DUI's directory of assignments is used then)."""
    if not claim:
        return ()
    value = claims.get(claim)
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(e for e in (str(v).strip() for v in value[:200]) if e in connus or e == "*")


CurrentActor = Annotated[Actor, Depends(current_actor)]


MAX_POSITION = 2**63 - 1
"""A JetStream sequence is an unsigned 64-bit number; past 2^63 − 1 no position exists (and JSON tools choke)."""


def min_position(
    x_dui_min_position: Annotated[
        int | None,
        Header(
            description="Attendre que la lecture reflète au moins cette position (lire ses propres écritures)",
            ge=0,
            le=MAX_POSITION,
        ),
    ] = None,
) -> int:
    return x_dui_min_position or 0


MinPosition = Annotated[int, Depends(min_position)]


def idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Clé choisie par le client : renvoyer la même requête avec la même clé "
            "(après une coupure, un 503…) ne crée rien de plus et renvoie le même résultat"
        ),
    ] = None,
) -> str | None:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 128:
        raise InvalidInput.single("Idempotency-Key", "longueur", "de 1 à 128 caractères")
    return idempotency_key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


class Bus:
    """Forwards one HTTP call to one service operation and turns the reply into the HTTP response."""

    def __init__(self, client: RpcClient, journal: Journal) -> None:
        self.client = client
        self.journal = journal

    async def call(
        self,
        request: Request,
        service: str,
        operation: str,
        actor: Actor,
        *,
        params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        min_position: int = 0,
        idempotency_key: str | None = None,
        montrer: Callable[[Any], Any] | None = None,
    ) -> JSONResponse:
        """`montrer` narrows a successful answer to what the caller may see; the trace names what was shown."""
        rpc = RpcRequest(
            actor=actor,
            correlation_id=correlation(request),
            path=request.url.path,
            params=params or {},
            query=query or {},
            body=body,
            min_position=min_position,
            idempotency_key=idempotency_key,
        )
        reply = await self.client.call(service, operation, rpc)
        if montrer is not None and reply.problem is None:
            reply = reply.model_copy(update={"body": montrer(reply.body)})
        await self.journal.tracer(request, reply.status, reply.body)
        return to_response(reply)


def to_response(reply: RpcReply) -> JSONResponse:
    headers: dict[str, str] = {}
    if reply.location:
        headers["Location"] = reply.location
    if reply.position is not None:
        headers["X-Dui-Position"] = str(reply.position)
    if reply.problem is not None:
        return JSONResponse(
            reply.problem, status_code=reply.status, media_type="application/problem+json", headers=headers
        )
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


def get_bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


BusDep = Annotated[Bus, Depends(get_bus)]
