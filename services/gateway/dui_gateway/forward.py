"""How a route forwards to its service: reads wait for the caller's position, writes carry their idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse

from dui_gateway.deps import Bus
from dui_shared.envelope import Actor


def body(model: Any) -> Any:
    """The request body as the client sent it (fields it did not send stay unset: the service's defaults apply)."""
    return model.model_dump(mode="json", exclude_unset=True)


def ids(main: UUID, **others: UUID | int) -> dict[str, str]:
    """Path parameters for the bus: the main id as `id`, the others by name."""
    return {"id": str(main), **{k: str(v) for k, v in others.items()}}


@dataclass(frozen=True)
class Forward:
    service: str

    async def read(
        self,
        request: Request,
        bus: Bus,
        actor: Actor,
        operation: str,
        position: int,
        params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        montrer: Callable[[Any], Any] | None = None,
    ) -> JSONResponse:
        return await bus.call(
            request,
            self.service,
            operation,
            actor,
            params=params,
            query=query,
            min_position=position,
            montrer=montrer,
        )

    async def write(
        self,
        request: Request,
        bus: Bus,
        actor: Actor,
        operation: str,
        key: str | None,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> JSONResponse:
        return await bus.call(
            request, self.service, operation, actor, params=params, body=body, idempotency_key=key
        )
