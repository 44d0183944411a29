"""Request dependencies. `CurrentActor` is the one place the caller's identity comes from (OIDC replaces it later)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, InvalidInput
from dui_shared.rpc import RpcClient, RpcReply, RpcRequest


class Unauthenticated(DomainError):
    status = 401
    title = "Authentification requise"
    rule = "authentification"


def current_actor(
    x_dui_professionnel: Annotated[
        str | None, Header(description="Identifiant du professionnel (RPPS ou local)")
    ] = None,
    x_dui_role: Annotated[str | None, Header(description="Profession / rôle")] = None,
    x_dui_esms: Annotated[
        str | None,
        Header(
            description="FINESS des ESMS d'affectation, séparés par des virgules; "
            "`*` pour un rôle de niveau OG"
        ),
    ] = None,
) -> Actor:
    """Development identity from headers, until the OIDC issue swaps this dependency for token validation."""
    if not x_dui_professionnel or not x_dui_role:
        raise Unauthenticated("en-têtes X-Dui-Professionnel et X-Dui-Role requis")
    for header, value, longest in (
        ("X-Dui-Professionnel", x_dui_professionnel, 64),
        ("X-Dui-Role", x_dui_role, 64),
        ("X-Dui-Esms", x_dui_esms or "", 2000),
    ):
        if len(value) > longest:
            raise InvalidInput.single(header, "string_too_long", f"{longest} caractères au plus")
    esms = tuple(e.strip() for e in (x_dui_esms or "").split(",") if e.strip())
    return Actor(
        id=x_dui_professionnel, role=x_dui_role, esms=tuple(e for e in esms if e != "*"), og_wide="*" in esms
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]


def min_position(
    x_dui_min_position: Annotated[
        int | None,
        Header(
            description="Attendre que la lecture reflète au moins cette position (lire ses propres écritures)"
        ),
    ] = None,
) -> int:
    if x_dui_min_position is not None and x_dui_min_position < 0:
        raise InvalidInput.single("X-Dui-Min-Position", "positif", "la position doit être positive")
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

    def __init__(self, client: RpcClient) -> None:
        self.client = client

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
    ) -> JSONResponse:
        rpc = RpcRequest(
            actor=actor,
            correlation_id=request.headers.get("x-request-id") or str(uuid.uuid4()),
            path=request.url.path,
            params=params or {},
            query=query or {},
            body=body,
            min_position=min_position,
            idempotency_key=idempotency_key,
        )
        return to_response(await self.client.call(service, operation, rpc))


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
