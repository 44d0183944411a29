"""What every service's bus operations share: the command context of a request, the replies to a command, and
the ESMS scope of a read."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from dui_shared.aggregate import CommandContext
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.envelope import Actor
from dui_shared.errors import NotFound
from dui_shared.rpc import RpcReply, RpcRequest


def command_context(req: RpcRequest) -> CommandContext:
    """The caller, the request's correlation id and, when the client sent one, its idempotency key narrowed to
    this request (path and body): ids derived from it are the same for the same request sent again, and
    differ for another request that reuses the key by mistake."""
    key = None
    if req.idempotency_key is not None:
        fingerprint = hashlib.sha256(
            json.dumps([req.path, req.params, req.body], sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
        key = f"{req.idempotency_key}:{fingerprint}"
    return CommandContext(actor=req.actor, correlation_id=req.correlation_id, idempotency_key=key)


def accepted(aggregate_id: UUID, position: int) -> RpcReply:
    return RpcReply(
        body=CommandeAcceptee(id=aggregate_id, position=position).model_dump(mode="json"), position=position
    )


def created(item_id: UUID, position: int, location: str) -> RpcReply:
    return RpcReply(
        status=201,
        body=CommandeAcceptee(id=item_id, position=position).model_dump(mode="json"),
        position=position,
        location=location,
    )


def scope_esms(
    actor: Actor, requested: list[str], where: list[str], args: list[Any], column: str = "esms"
) -> None:
    """Restrict a read to the ESMS asked for, intersected with the ESMS the actor may see."""
    if requested:
        args.append(requested)
        where.append(f"{column} = ANY(${len(args)})")
    if not actor.og_wide:
        args.append(list(actor.esms))
        where.append(f"{column} = ANY(${len(args)})")


_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def to_json(body: Any) -> Any:
    """A read's result as plain JSON for the reply: models, lists of models, dicts, dates and UUIDs as strings."""
    return _ANY.dump_python(body, mode="json")


def path_id(req: RpcRequest, name: str = "id") -> UUID:
    """A UUID path parameter; anything else names nothing here (404), whoever sent it."""
    try:
        return UUID(str(req.params.get(name, "")))
    except ValueError:
        raise NotFound(f"identifiant {req.params.get(name)!r} introuvable") from None
