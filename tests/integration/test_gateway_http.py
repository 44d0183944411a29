"""The gateway's HTTP edge: security headers, CORS, rate limits, size limits and no stack traces.

These tests need no service: they build the real app with `create_app(settings)` and reach it in-process without
its lifespan; what they ask is answered by the middlewares, FastAPI's routing and validation, or a route
mounted here for the test only."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import Receive, Scope, Send

from dui_gateway.app import create_app
from dui_shared.config import Settings

FRONT = "https://front.dui.example"
OTHER = "https://ailleurs.example"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _app(rate_limit: str = "1200/minute", origins: list[str] | None = None) -> FastAPI:
    settings = Settings(
        DUI_LIMITE_REQUETES=rate_limit, DUI_CORS_ORIGINES=[FRONT] if origins is None else origins
    )
    app = create_app(settings)

    @app.get("/__essai/nombre/{n}")
    async def nombre(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/__essai/panne")
    async def panne() -> None:
        raise RuntimeError("secret: /etc/dui/cle.pem introuvable")

    return app


def _client(app: FastAPI, ip: str = "192.0.2.10") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://passerelle")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(_app()) as c:
        yield c


def _assert_secured(response: httpx.Response, csp: str | None = API_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code, response.headers)
    assert "geolocation=()" in response.headers["permissions-policy"]
    assert "server" not in response.headers
    if csp is not None:
        assert response.headers["content-security-policy"] == csp


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _rules(problem: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in problem.get("errors", [])}


# --- security headers ---


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    ok = await client.get("/health")
    assert ok.status_code == 200
    _assert_secured(ok)
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200
    _assert_secured(schema)
    _assert_secured(await client.get("/nexiste-pas"))
    assert (await client.get("/nexiste-pas")).status_code == 404
    invalid = await client.get("/__essai/nombre/douze")
    assert _rules(_problem(invalid, 422)) == {("n", "int_parsing")}
    _assert_secured(invalid)
    unauthenticated = await client.get("/esms")  # a real route, refused before any service is called
    _problem(unauthenticated, 401)
    _assert_secured(unauthenticated)
    not_allowed = await client.delete("/health")
    _problem(not_allowed, 405)
    assert not_allowed.headers["allow"] == "GET"  # the exception's headers survive the problem rendering
    _assert_secured(not_allowed)


_REFERENCES = re.compile(r'(?:src|href)="(https://[^/"]+)')


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
async def test_the_docs_pages_get_a_policy_that_lets_them_load(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    _assert_secured(response, csp=None)
    directives = {
        d.split(" ", 1)[0]: d.split(" ")[1:] for d in response.headers["content-security-policy"].split("; ")
    }
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for origin in _REFERENCES.findall(response.text):  # every CDN the page loads from is allowed
        assert any(origin in sources for sources in directives.values()), (origin, directives)
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    for script in inline:  # the page's own inline scripts run, by hash; no 'unsafe-inline' for scripts
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("script-src", [])


# --- CORS ---


async def test_a_preflight_from_a_declared_front_end_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/candidatures",
        headers={
            "Origin": FRONT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONT
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "x-dui-min-position",
        "x-request-id",
    } <= allowed
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {
        "GET",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
    }
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    _assert_secured(response)

    simple = await client.get("/health", headers={"Origin": FRONT})
    assert simple.headers["access-control-allow-origin"] == FRONT
    exposed = {h.strip() for h in simple.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"X-Dui-Position", "Location", "Retry-After"}


async def test_an_undeclared_origin_is_not_allowed(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/candidatures", headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"}
    )
    problem = _problem(preflight, 400)
    assert problem["type"] == "urn:dui:probleme:cors_refuse"
    assert "access-control-allow-origin" not in preflight.headers
    _assert_secured(preflight)
    simple = await client.get("/health", headers={"Origin": OTHER})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers

    method = await client.options(
        "/candidatures", headers={"Origin": FRONT, "Access-Control-Request-Method": "PATCH"}
    )
    assert _rules(_problem(method, 400)) == {("Origin", "cors")}


@pytest.mark.parametrize(
    "origin", ["*", "https://front.dui.example/", "front.dui.example", "https://*.example"]
)
def test_a_wildcard_or_malformed_origin_stops_the_start(origin: str) -> None:
    with pytest.raises(ValueError, match="DUI_CORS_ORIGINES"):
        create_app(Settings(DUI_CORS_ORIGINES=[origin]))


# --- rate limits ---


async def test_a_client_over_its_budget_gets_a_429_with_retry_after() -> None:
    app = _app(rate_limit="5/minute")
    async with _client(app) as client:
        token_a = {"Authorization": "Bearer jeton-a"}
        for _ in range(5):
            assert (await client.get("/nexiste-pas", headers=token_a)).status_code == 404
        refused = await client.get("/nexiste-pas", headers=token_a)
        problem = _problem(refused, 429)
        assert problem["type"] == "urn:dui:probleme:trop_de_requetes"
        assert _rules(problem) == {("Authorization", "limite_requetes")}
        assert "5 requêtes par minute" in problem["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        _assert_secured(refused)
        # another session has its own budget
        assert (
            await client.get("/nexiste-pas", headers={"Authorization": "Bearer jeton-b"})
        ).status_code == 404
        # the liveness probe is never limited
        for _ in range(10):
            assert (await client.get("/health", headers=token_a)).status_code == 200


async def test_a_429_is_readable_by_a_declared_front_end() -> None:
    async with _client(_app(rate_limit="1/minute")) as client:
        headers = {"Authorization": "Bearer jeton", "Origin": FRONT}
        await client.get("/nexiste-pas", headers=headers)
        refused = await client.get("/nexiste-pas", headers=headers)
        assert refused.status_code == 429
        assert refused.headers["access-control-allow-origin"] == FRONT
        assert "Retry-After" in refused.headers["access-control-expose-headers"]


async def test_without_a_token_the_budget_is_the_address() -> None:
    app = _app(rate_limit="5/minute")
    async with _client(app, ip="192.0.2.20") as first, _client(app, ip="192.0.2.21") as second:
        for _ in range(5):
            assert (await first.get("/nexiste-pas")).status_code == 404
        assert _rules(_problem(await first.get("/nexiste-pas"), 429)) == {("adresse_ip", "limite_requetes")}
        assert (await second.get("/nexiste-pas")).status_code == 404


async def test_rotating_garbage_tokens_from_one_address_hits_the_address_cap() -> None:
    app = _app(rate_limit="5/minute")  # per address: 5 × 5 = 25
    async with _client(app, ip="192.0.2.30") as attacker, _client(app, ip="192.0.2.31") as neighbour:
        for i in range(25):
            assert (
                await attacker.get("/nexiste-pas", headers={"Authorization": f"Bearer n{i}"})
            ).status_code == 404
        refused = await attacker.get("/nexiste-pas", headers={"Authorization": "Bearer encore-un"})
        problem = _problem(refused, 429)
        assert _rules(problem) == {("adresse_ip", "limite_requetes")}
        assert "25 requêtes par minute" in problem["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        assert (
            await neighbour.get("/nexiste-pas", headers={"Authorization": "Bearer n0"})
        ).status_code == 404


async def test_a_refused_session_does_not_spend_its_address_budget() -> None:
    """Colleagues behind the same NAT keep their share while one session insists past its own budget."""
    app = _app(rate_limit="5/minute")
    async with _client(app, ip="192.0.2.40") as client:
        noisy = {"Authorization": "Bearer bavard"}
        statuses = [(await client.get("/nexiste-pas", headers=noisy)).status_code for _ in range(15)]
        assert statuses == [404] * 5 + [429] * 10
        for i in range(20):  # 5 + 20 = the address's 25
            assert (
                await client.get("/nexiste-pas", headers={"Authorization": f"Bearer c{i}"})
            ).status_code == 404


async def test_ipv6_clients_count_per_64() -> None:
    app = _app(rate_limit="1/minute")
    async with _client(app, ip="2001:db8:1:2::1") as one, _client(app, ip="2001:db8:1:2::ffff") as same_64:
        assert (await one.get("/nexiste-pas")).status_code == 404
        assert (await same_64.get("/nexiste-pas")).status_code == 429


def test_a_malformed_limit_stops_the_start() -> None:
    with pytest.raises(ValueError, match="DUI_LIMITE_REQUETES"):
        create_app(Settings(DUI_LIMITE_REQUETES="beaucoup"))


# --- size limits ---

BIG = b'{"format": "dui-viatrajectoire/1", "dossiers": [], "x": "' + b"a" * 1_000_000 + b'"}'


async def test_an_oversized_body_is_a_413_with_or_without_content_length(client: httpx.AsyncClient) -> None:
    declared = await client.post(
        "/imports/viatrajectoire", content=BIG, headers={"content-type": "application/json"}
    )
    assert _problem(declared, 413)["type"] == "urn:dui:probleme:corps_trop_volumineux"
    _assert_secured(declared)

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length, counted while read
        for i in range(0, len(BIG), 65536):
            yield BIG[i : i + 65536]

    streamed = await client.post(
        "/imports/viatrajectoire", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert _rules(_problem(streamed, 413)) == {("body", "taille_max")}


async def test_an_oversized_url_is_a_414(client: httpx.AsyncClient) -> None:
    long_query = await client.get("/candidatures", params={"q": "a" * 9000})
    problem = _problem(long_query, 414)
    assert problem["type"] == "urn:dui:probleme:uri_trop_longue"
    _assert_secured(long_query)
    _problem(await client.get("/dossiers/" + "a" * 9000), 414)
    # just under the cap, the request goes on (and is refused for what it is: no identity)
    assert (await client.get("/candidatures", params={"q": "a" * 7000})).status_code == 401


async def test_too_many_or_too_large_headers_are_a_431(client: httpx.AsyncClient) -> None:
    many = await client.get("/health", headers={f"X-Essai-{i}": "x" for i in range(120)})
    assert _problem(many, 431)["type"] == "urn:dui:probleme:en_tetes_trop_volumineux"
    _assert_secured(many)
    _problem(await client.get("/health", headers={"X-Essai": "x" * 20_000}), 431)


# --- no stack traces ---


def _no_trace(response: httpx.Response) -> None:
    problem = _problem(response, 500)
    assert problem["type"] == "urn:dui:probleme:erreur_interne"
    for leak in ("Traceback", "RuntimeError", "secret", "cle.pem", 'File "', ".py"):
        assert leak not in response.text


async def test_a_failing_route_is_a_500_problem_without_traceback(client: httpx.AsyncClient) -> None:
    response = await client.get("/__essai/panne", headers={"Origin": FRONT})
    _no_trace(response)
    _assert_secured(response)
    assert response.headers["access-control-allow-origin"] == FRONT  # the front end can read it


async def test_a_failing_middleware_is_a_500_problem_without_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("secret: stockage des limites hors service (cle.pem)")

    monkeypatch.setattr(MovingWindowRateLimiter, "hit", broken)
    async with _client(_app()) as client:
        response = await client.get("/nexiste-pas")
        _no_trace(response)
        _assert_secured(response)


async def test_a_failure_above_the_guard_is_still_a_500_problem_without_traceback() -> None:
    app = _app()
    assert app.debug is False

    class Broken:  # added last, so outermost: only Starlette's ServerErrorMiddleware is above it
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                raise RuntimeError("secret: cle.pem")
            await self.app(scope, receive, send)

    app.add_middleware(Broken)
    async with _client(app) as client:
        _no_trace(await client.get("/health"))
