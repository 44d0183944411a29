"""Access traces: every request that reads or writes a dossier's (or a candidature's) data, allowed or refused,
leaves an `AccesTrace` on the audit stream before its answer leaves the gateway. A read whose trace cannot be
stored is not answered (503): nobody reads a dossier without it showing in its access journal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from nats.js import JetStreamContext
from opentelemetry import trace

from dui_gateway.habilitations import Acces
from dui_gateway.requete import correlation
from dui_shared.contracts.habilitations import AccesTrace
from dui_shared.envelope import Actor, Envelope
from dui_shared.errors import Unavailable
from dui_shared.eventstore import AUDIT_STREAM
from dui_shared.observability import get_logger
from dui_shared.rpc import RpcClient, RpcRequest

log = get_logger(__name__)
MAX_IDS = 1000
_KEYS = {"dossier_id": "dossiers", "candidature_id": "candidatures"}
_LIST_ROUTES = {
    "/dossiers": "dossiers",
    "/candidatures": "candidatures",
    "/demandes/{demande_id}": "candidatures",
}


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _walk(body: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(body, dict):
        if body.get("type") == "usager" and "id" in body:  # an agenda participant: a dossier
            yield "dossiers", body["id"]
        if body.get("type_participant") == "usager" and "participant" in body:
            yield "dossiers", body["participant"]
        if body.get("destinataire_type") == "usager" and "destinataire" in body:  # information to a person
            yield "dossiers", body["destinataire"]
        for key, value in body.items():
            if key in _KEYS:
                yield _KEYS[key], value
            elif key == "usagers" and isinstance(value, list):  # agenda participants
                for v in value:
                    yield "dossiers", v
            elif key == "candidatures" and isinstance(value, list):  # a demande's candidatures, created
                for v in value:
                    if not isinstance(v, dict):
                        yield "candidatures", v
            yield from _walk(value)
    elif isinstance(body, list):
        for item in body:
            yield from _walk(item)


def concernes(route: str, path_params: dict[str, Any], body: Any) -> tuple[list[UUID], list[UUID]]:
    """The dossiers and candidatures a request touched: its path, and the ids its answer carries."""
    found: dict[str, dict[UUID, None]] = {"dossiers": {}, "candidatures": {}}
    for key, kind in _KEYS.items():
        if (u := _uuid(path_params.get(key, ""))) is not None:
            found[kind][u] = None
    items = body.get("items") if isinstance(body, dict) else body if isinstance(body, list) else None
    if route in _LIST_ROUTES and isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and (u := _uuid(item.get("id"))) is not None:
                found[_LIST_ROUTES[route]][u] = None
    for kind, value in _walk(body):
        if (u := _uuid(value)) is not None:
            found[kind][u] = None
    return list(found["dossiers"])[:MAX_IDS], list(found["candidatures"])[:MAX_IDS]


RESSOURCES: dict[str, tuple[str, str, str]] = {
    "/prescriptions/{prescription_id}": ("soins", "prescription", "prescription_id"),
    "/transmissions/{transmission_id}": ("soins", "transmission", "transmission_id"),
    "/observations/{observation_id}": ("soins", "observation", "observation_id"),
    "/evaluations/{evaluation_id}": ("dossier", "evaluation", "evaluation_id"),
    "/evenements/{evenement_id}": ("agenda", "evenement", "evenement_id"),
    "/informations/{information_id}": ("agenda", "information", "information_id"),
    "/sejours/{sejour_id}": ("admission", "sejour", "sejour_id"),
}
"""Resources addressed by their own id, whose answer may not name their dossier (a prescription's versions, a
command accepted): the trace asks the owning service whose they are."""


def _ressource(route: str) -> tuple[str, str, str] | None:
    for prefix, target in RESSOURCES.items():
        if route == prefix or route.startswith(prefix + "/"):
            return target
    return None


class Journal:
    """Publishes access traces on the audit stream (its own JetStream stream, `dui.audit.>`)."""

    def __init__(self, js: JetStreamContext, client: RpcClient | None = None, timeout: float = 5.0) -> None:
        self.js = js
        self.client = client
        self.timeout = timeout

    async def _proprietaire(self, request: Request, acces: Acces) -> Any:
        """The resource of the path as its service shows it to the caller (its dossier, its candidature)."""
        target = _ressource(acces.route)
        if target is None or self.client is None:
            return None
        service, operation, param = target
        rpc = RpcRequest(
            actor=acces.actor,
            correlation_id=correlation(request),
            params={"id": str(request.path_params.get(param, ""))},
        )
        reply = await self.client.call(service, operation, rpc)
        return reply.body if reply.problem is None else None

    async def tracer(self, request: Request, statut: int, body: Any = None) -> None:
        acces: Acces | None = getattr(request.state, "acces", None)
        if acces is None:
            return
        dossiers, candidatures = concernes(acces.route, dict(request.path_params), body)
        if not dossiers and not candidatures and statut < 400:
            dossiers, candidatures = concernes(acces.route, {}, await self._proprietaire(request, acces))
        if not dossiers and not candidatures:
            return
        span = trace.get_current_span().get_span_context()
        requete = correlation(request)
        trace_id = uuid.uuid4()
        data = AccesTrace(
            requete_id=requete,
            trace_id=f"{span.trace_id:032x}" if span.is_valid else None,
            identifiant=acces.identite.identifiant,
            profession=acces.profession,
            profil=acces.identite.profil,
            methode=request.method,
            route=acces.route,
            chemin=request.url.path[:2000],
            categories=list(acces.categories),
            mode=acces.mode,
            statut=statut,
            dossiers=dossiers,
            candidatures=candidatures,
            acces_urgence=acces.acces_urgence,
            instant=datetime.now(UTC),
        )
        try:
            await publier_trace(self.js, trace_id, data, acces.actor, requete, self.timeout)
        except Exception as exc:
            log.error("audit.trace_failed", route=acces.route, error=repr(exc))
            raise Unavailable("l'accès n'a pas pu être tracé : la requête n'est pas servie") from None


async def publier_trace(
    js: JetStreamContext,
    trace_id: UUID,
    data: AccesTrace,
    actor: Actor,
    correlation_id: str,
    timeout: float = 5.0,
    msg_id: str | None = None,
) -> None:
    """One access trace on the audit stream, as a CloudEvents envelope; its id dedupes a retried publish."""
    subject = f"dui.audit.acces.{trace_id}"
    envelope = Envelope(
        id=trace_id,
        type=AccesTrace.type_name(),
        source="dui-gateway",
        subject=subject,
        time=data.instant,
        esms=actor.esms[0] if len(actor.esms) == 1 else "og",
        aggregate_type="acces",
        aggregate_version=1,
        actor=actor,
        correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
    )
    await js.publish(
        subject,
        envelope.model_dump_json().encode(),
        stream=AUDIT_STREAM,
        timeout=timeout,
        headers={"Nats-Msg-Id": msg_id or str(trace_id)},
    )
