"""HTTP hardening of the gateway, as pure ASGI middlewares (no BaseHTTPMiddleware and its task per request).

- `SecurityHeaders`: the security headers on every response, errors included; the interactive docs pages get
  their own Content-Security-Policy (CDN scripts and styles, their inline scripts by hash), and so does the
  operator dashboard (its inline script and style by hash, its calls to the gateway and the OIDC provider).
- `InternalErrorGuard`: an exception raised below it (a route, a middleware) becomes the generic 500 problem,
  sent from inside the stack so it carries the security and CORS headers.
- `Cors`: Starlette's CORS for the declared front ends only; a refused preflight is a problem+json.
- `RateLimit`: moving-window request budgets per client (bearer token, else IP) and per IP, 429 beyond.

The order they are stacked in is `dui_gateway.app.create_app`'s.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dui_gateway.problems import internal_error, problem_response
from dui_shared.errors import FieldError, Problem

# --- security headers ---------------------------------------------------------------------------------------

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# What the pages of fastapi.openapi.docs load (its default URLs: swagger-ui-dist and redoc on jsDelivr, the
# FastAPI favicon, Google Fonts for ReDoc); tests check every URL those pages reference is allowed here.
DOCS_SCRIPT_ORIGINS = ("https://cdn.jsdelivr.net",)
DOCS_STYLE_ORIGINS = ("https://cdn.jsdelivr.net", "https://fonts.googleapis.com")
DOCS_FONT_ORIGINS = ("https://fonts.gstatic.com",)
DOCS_IMG_ORIGINS = ("https://fastapi.tiangolo.com",)

COMMON_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    # health data must not sit in a browser or proxy cache; /openapi.json and the docs pages too: they are
    # cheap to serve and a cached schema would outlive the deployment that produced it
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # no-cors embedding (<script>, <img>) from another site is refused; CORS fetches are not affected
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_INLINE_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)


def _hashes(pattern: re.Pattern[bytes], html: bytes) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block).digest()).decode() + "'"
        for block in pattern.findall(html)
    ]


def docs_csp(html: bytes) -> str:
    """The policy of one docs page: its CDN origins, and its own inline scripts allowed by SHA-256 hash."""
    hashes = _hashes(_INLINE_SCRIPT, html)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join((*DOCS_SCRIPT_ORIGINS, *hashes)),
            # Swagger UI and ReDoc set inline styles from their scripts
            "style-src " + " ".join((*DOCS_STYLE_ORIGINS, "'unsafe-inline'")),
            "font-src " + " ".join(DOCS_FONT_ORIGINS),
            "img-src " + " ".join(("'self'", "data:", *DOCS_IMG_ORIGINS)),
            "connect-src 'self'",  # the schema, and Swagger UI's "Try it out"
            "worker-src blob:",  # ReDoc's search worker
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL (a CSP source naming that origin only)."""
    match = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\s]+", url.strip())
    if not match:
        raise ValueError(f"pas une URL absolue : {url!r}")
    return match.group(0)


def dashboard_csp(html: bytes, connect: Sequence[str] = ()) -> str:
    """The operator dashboard's policy: nothing from elsewhere; its own inline script and style by SHA-256
    hash; calls to the gateway itself and to `connect` (the OIDC provider: discovery, token endpoint)."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(_hashes(_INLINE_SCRIPT, html)),
            "style-src " + " ".join(_hashes(_INLINE_STYLE, html)),
            "img-src 'self' data:",
            "connect-src " + " ".join(("'self'", *connect)),
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


class SecurityHeaders:
    """Sets the security headers on every response (replacing any the app set) and drops `Server`.

    `dashboard_paths` answer the operator dashboard, whose scripts may call the gateway and `dashboard_connect`
    (origins: the OIDC provider)."""

    def __init__(
        self,
        app: ASGIApp,
        docs_paths: Collection[str | None] = (),
        dashboard_paths: Collection[str] = (),
        dashboard_connect: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)
        self.dashboard_paths = frozenset(dashboard_paths)
        self.dashboard_connect = tuple(dashboard_connect)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if path in self.docs_paths:
            await self._page(scope, receive, send, docs_csp)
            return
        if path in self.dashboard_paths:
            await self._page(scope, receive, send, lambda html: dashboard_csp(html, self.dashboard_connect))
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(message, API_CSP)
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _page(self, scope: Scope, receive: Receive, send: Send, policy: Callable[[bytes], str]) -> None:
        """Holds the (small, static) page back until its body is known: the policy names its inline scripts."""
        start: Message | None = None
        body: list[bytes] = []

        async def send_secured(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = b"".join(body)
            html = Headers(raw=start.get("headers") or []).get("content-type", "").startswith("text/html")
            _secure(start, policy(content) if html else API_CSP)
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, send_secured)


def _secure(start: Message, csp: str) -> None:
    start["headers"] = list(start.get("headers") or [])
    headers = MutableHeaders(scope=start)
    for name, value in COMMON_HEADERS:
        headers[name] = value
    headers["Content-Security-Policy"] = csp
    if "server" in headers:
        del headers["server"]


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root = scope.get("root_path") or ""
    return path[len(root) :] if root and path.startswith(root) else path


# --- last-resort error answer -------------------------------------------------------------------------------


class InternalErrorGuard:
    """An exception from below, before the response started, is answered with the generic 500 problem here, so
    the answer passes through the headers and CORS middlewares above; then re-raised, for Starlette's
    ServerErrorMiddleware to log it (`gateway.unhandled`, see problems.py) and the server to close the
    exchange. Never the exception's text, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            if not started:
                await internal_error(scope.get("path"))(scope, receive, send)
            raise


# --- CORS ---------------------------------------------------------------------------------------------------

CORS_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Dui-Min-Position",
    "X-Request-Id",
)
CORS_EXPOSE_HEADERS = ("X-Dui-Position", "Location", "Retry-After")
CORS_MAX_AGE = 600
_ORIGIN = re.compile(r"https?://[^/?#*\s]+")


def check_origins(origins: Iterable[str]) -> list[str]:
    """Declared front-end origins as browsers send them (`scheme://host[:port]`, no path, no slash, no `*`)."""
    checked = list(origins)
    for origin in checked:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(
                f"DUI_CORS_ORIGINES : {origin!r} n'est pas une origine (scheme://hôte[:port], sans chemin ni '*')"
            )
    return checked


class Cors(CORSMiddleware):
    """CORS for the declared front ends only (never `*`, no credentials: bearer tokens, no cookies)."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        super().__init__(
            app,
            allow_origins=check_origins(origins),
            allow_methods=CORS_METHODS,
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=CORS_EXPOSE_HEADERS,
            allow_credentials=False,
            max_age=CORS_MAX_AGE,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # the same refusal, said as a problem (Starlette answers it in plain text)
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ").split(", ")
        names = {
            "origin": "origine non déclarée",
            "method": "méthode non autorisée",
            "headers": "en-têtes non autorisés",
            "private-network": "accès au réseau privé non autorisé",
        }
        problem = Problem(
            status=response.status_code,
            title="Requête CORS refusée",
            detail="requête préalable CORS refusée : " + ", ".join(names.get(r, r) for r in refused),
            type="urn:dui:probleme:cors_refuse",
            errors=[FieldError("Origin", "cors", names.get(r, r)) for r in refused],
        )
        headers = {
            k: v for k, v in response.headers.items() if k.lower().startswith(("access-control-", "vary"))
        }
        return problem_response(problem, None, headers)


# --- rate limits --------------------------------------------------------------------------------------------

IP_FACTOR = 5
"""The per-IP budget is this many times the per-client one: several sessions may share an address (NAT)."""
_UNITS = {
    "second": "seconde",
    "minute": "minute",
    "hour": "heure",
    "day": "jour",
    "month": "mois",
    "year": "an",
}


@dataclass(frozen=True)
class _Budget:
    item: RateLimitItem
    key: str
    field: str


class RateLimit:
    """Budgets in the `limits` library's moving window, kept in this process's memory: each gateway replica
    counts on its own, so the operator sets `DUI_LIMITE_REQUETES` per replica.

    The client is the SHA-256 of the `Authorization` header when there is one (each session has its own budget,
    without trusting claims nobody has verified yet), else the client IP; every request also counts against
    its IP's budget, `ip_factor` times larger, so that rotating garbage tokens from one address gains nothing.
    IPv6 addresses count per /64. The IP is the ASGI client: behind a proxy, uvicorn must be told to trust its
    `X-Forwarded-For` (`FORWARDED_ALLOW_IPS`). A request refused on its client budget does not spend its IP's.
    """

    def __init__(
        self, app: ASGIApp, limit: str, ip_factor: int = IP_FACTOR, exempt: Collection[str] = ("/health",)
    ) -> None:
        if ip_factor < 1:
            raise ValueError("ip_factor must be at least 1")
        self.app = app
        self.per_client = check_limit(limit)
        self.per_ip = [
            type(item)(item.amount * ip_factor, item.multiples, namespace="dui-ip")
            for item in self.per_client
        ]
        self.exempt = frozenset(exempt)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _route_path(scope) in self.exempt:
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope)
        authorization = Headers(scope=scope).get("authorization")
        if authorization:
            client, field = (
                "jeton:" + hashlib.sha256(authorization.encode("latin-1")).hexdigest(),
                "Authorization",
            )
        else:
            client, field = "ip:" + ip, "adresse_ip"
        budgets = [_Budget(item, client, field) for item in self.per_client]
        budgets += [_Budget(item, "ip:" + ip, "adresse_ip") for item in self.per_ip]
        for budget in budgets:
            if not await self.limiter.hit(budget.item, budget.key):
                await self._refuse(scope, receive, send, budget)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, budget: _Budget) -> None:
        stats = await self.limiter.get_window_stats(budget.item, budget.key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        who = "cette session" if budget.field == "Authorization" else "cette adresse"
        if budget.item.namespace == "dui-ip":
            who = "cette adresse, toutes sessions confondues"
        limit = describe(budget.item)
        problem = Problem(
            status=429,
            title="Trop de requêtes",
            detail=f"plus de {limit} pour {who} : réessayez dans {retry_after} s",
            type="urn:dui:probleme:trop_de_requetes",
            errors=[FieldError(budget.field, "limite_requetes", f"{limit} au plus")],
        )
        await problem_response(problem, scope.get("path"), {"Retry-After": str(retry_after)})(
            scope, receive, send
        )


def check_limit(limit: str) -> list[RateLimitItem]:
    """`DUI_LIMITE_REQUETES` in the `limits` notation: one limit or several, separated by `;`."""
    try:
        return parse_many(limit)
    except ValueError:
        raise ValueError(
            f"DUI_LIMITE_REQUETES : {limit!r} n'est pas une limite (ex. « 1200/minute », « 20/second; 1200/minute »)"
        ) from None


def describe(item: RateLimitItem) -> str:
    """`5/minute` → « 5 requêtes par minute », `100/10 seconds` → « 100 requêtes par 10 secondes »."""
    unit = _UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    if item.multiples > 1:
        unit = f"{item.multiples} {unit}" + ("" if unit.endswith("s") else "s")
    return f"{item.amount} requête{'s' if item.amount > 1 else ''} par {unit}"


def client_ip(scope: Scope) -> str:
    """The caller's address as the server saw it; an IPv6 address stands for its /64 (one host's usual share)."""
    client = scope.get("client")
    host = str(client[0]) if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "inconnue"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# --- OpenAPI ------------------------------------------------------------------------------------------------

_PROBLEM: dict[str, Any] = {"application/problem+json": {}}
EDGE_ANSWERS: dict[str, dict[str, Any]] = {
    "413": {"description": "Corps de requête trop volumineux", "content": _PROBLEM},
    "414": {"description": "URL trop longue (chemin et paramètres)", "content": _PROBLEM},
    "429": {
        "description": "Trop de requêtes pour cette session ou cette adresse",
        "headers": {
            "Retry-After": {
                "description": "Secondes à attendre avant de réessayer",
                "schema": {"type": "integer"},
            }
        },
        "content": _PROBLEM,
    },
    "431": {"description": "En-têtes de requête trop nombreux ou trop volumineux", "content": _PROBLEM},
}


def document_edge_answers(app: FastAPI, rate_limit_exempt: Collection[str] = ("/health",)) -> None:
    """Every operation of the OpenAPI also lists what the middlewares may answer before any route runs."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # FastAPI's, generated once and kept: completing it again changes nothing
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, answer in EDGE_ANSWERS.items():
                    if status != "429" or path not in rate_limit_exempt:
                        responses.setdefault(status, answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
