"""Gateway ↔ service calls over NATS request-reply (FastStream), HTTP semantics carried in the reply.

A service exposes one operation per command or query on `dui.rpc.<service>.<operation>`; the handler parses, calls
the application, and domain errors become RFC 9457 problems here, in one place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from pydantic import BaseModel, Field, ValidationError

from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, FieldError, InvalidInput, Problem
from dui_shared.observability import get_logger

log = get_logger(__name__)


class RpcRequest(BaseModel):
    actor: Actor
    correlation_id: str
    path: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    min_position: int = 0
    idempotency_key: str | None = None


class RpcReply(BaseModel):
    status: int = 200
    body: Any = None
    location: str | None = None
    position: int | None = None
    problem: dict[str, Any] | None = None


RpcHandler = Callable[[RpcRequest], Awaitable[RpcReply]]
NO_RESPONDER_RETRIES = 8  # about 3.6 s of waiting in all
MAX_MESSAGE = 900_000  # under NATS's default 1 MB max_payload, with room for headers


def make_broker(nats_url: str) -> NatsBroker:
    """The FastStream broker of every process: traced, reconnecting forever, quickly."""
    return NatsBroker(
        nats_url,
        middlewares=[NatsTelemetryMiddleware()],
        logger=None,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
    )


def rpc_subject(service: str, operation: str) -> str:
    return f"dui.rpc.{service}.{operation}"


def validation_problem(exc: ValidationError) -> InvalidInput:
    """Pydantic's errors as field/rule pairs users can act on."""
    errors = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"] if p not in ("body",))
        errors.append(FieldError(field=loc or "body", rule=err["type"], message=err["msg"]))
    return InvalidInput(errors)


def problem_reply(exc: Exception, path: str) -> RpcReply:
    if isinstance(exc, ValidationError):
        exc = validation_problem(exc)
    if isinstance(exc, DomainError):
        problem = Problem.from_error(exc)
    else:
        log.exception("rpc.unhandled")
        problem = Problem(
            status=500,
            title="Erreur interne",
            detail="Une erreur inattendue est survenue.",
            type="urn:dui:probleme:erreur_interne",
        )
    problem.instance = path or None
    return RpcReply(status=problem.status, problem=problem.to_dict())


class RpcServer:
    """Registers a service's operations on its broker, in the service's queue group (replicas share the load)."""

    def __init__(self, broker: NatsBroker, service: str, *, concurrency: int = 32) -> None:
        self.broker = broker
        self.service = service
        self.concurrency = concurrency  # requests of one operation handled at once by this process

    def operation(self, name: str) -> Callable[[RpcHandler], RpcHandler]:
        def register(fn: RpcHandler) -> RpcHandler:
            async def handle(request: RpcRequest) -> bytes:
                # the reply is sent as these very bytes, so its size is known before NATS refuses it
                try:
                    encoded = (await fn(request)).model_dump_json().encode()
                    if len(encoded) > MAX_MESSAGE:
                        raise InvalidInput.single(
                            "limit",
                            "reponse_trop_volumineuse",
                            "la réponse dépasse la taille transportable : demandez moins d'éléments par page",
                        )
                except Exception as exc:
                    encoded = problem_reply(exc, request.path).model_dump_json().encode()
                return encoded

            handle.__name__ = f"{self.service}_{name}"
            handle.__doc__ = fn.__doc__
            self.broker.subscriber(
                rpc_subject(self.service, name), queue=self.service, max_workers=self.concurrency
            )(handle)
            return fn

        return register


class RpcClient:
    """The gateway's side: one request per HTTP call, a 503 problem when the service does not answer."""

    def __init__(self, broker: NatsBroker, timeout: float = 10.0) -> None:
        self.broker = broker
        self.timeout = timeout

    async def call(self, service: str, operation: str, request: RpcRequest) -> RpcReply:
        subject = rpc_subject(service, operation)
        if len(request.model_dump_json().encode()) > MAX_MESSAGE:
            problem = Problem(
                status=413,
                title="Requête trop volumineuse",
                detail="la requête dépasse la taille transportable : découpez l'envoi",
                type="urn:dui:probleme:corps_trop_volumineux",
                instance=request.path or None,
            )
            return RpcReply(status=413, problem=problem.to_dict())
        try:
            for attempt in range(NO_RESPONDER_RETRIES + 1):
                try:
                    response = await self.broker.request(
                        request.model_dump(mode="json"), subject, timeout=self.timeout
                    )
                    break
                except nats.errors.NoRespondersError:
                    # nobody got the request (the service is restarting or reconnecting): safe to resend
                    if attempt == NO_RESPONDER_RETRIES:
                        raise
                    await asyncio.sleep(0.1 * (attempt + 1))
        except Exception as exc:
            log.warning("rpc.unavailable", service=service, operation=operation, error=repr(exc))
            problem = Problem(
                status=503,
                title="Service momentanément indisponible",
                detail=f"Le service {service} n'a pas répondu ; réessayez dans un instant.",
                type="urn:dui:probleme:indisponible",
                instance=request.path or None,
            )
            return RpcReply(status=503, problem=problem.to_dict())
        return RpcReply.model_validate_json(response.body)
