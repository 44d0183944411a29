"""Request size limits, checked before any routing: the request line and headers (414 / 431), then the body,
capped below what one NATS message carries (413). Each refusal is a problem+json and reads no further."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dui_gateway.problems import problem_response
from dui_shared.errors import FieldError, Problem

MAX_URL = 8 * 1024
"""Path plus query string, in bytes as sent (percent-encoded)."""
MAX_HEADERS = 100
MAX_HEADER_BYTES = 16 * 1024
"""All header names and values together (uvicorn's h11 parser refuses a larger head anyway)."""


class HeadLimit:
    """414 for an over-long URL, 431 for too many or too large headers: cheap checks on the scope alone."""

    def __init__(
        self,
        app: ASGIApp,
        max_url: int = MAX_URL,
        max_headers: int = MAX_HEADERS,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.max_url = max_url
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        if len(raw_path.split(b"?", 1)[0]) + len(query) > self.max_url:
            problem = Problem(
                status=414,
                title="URI trop longue",
                detail=f"le chemin et les paramètres de la requête dépassent {self.max_url} octets : "
                "réduisez les critères ou découpez la demande",
                type="urn:dui:probleme:uri_trop_longue",
                errors=[FieldError("url", "longueur_max", f"{self.max_url} octets au plus")],
            )
            await problem_response(problem, _instance(scope))(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if (
            len(headers) > self.max_headers
            or sum(len(k) + len(v) for k, v in headers) > self.max_header_bytes
        ):
            problem = Problem(
                status=431,
                title="En-têtes de requête trop volumineux",
                detail=f"la requête porte plus de {self.max_headers} en-têtes ou plus de "
                f"{self.max_header_bytes} octets d'en-têtes",
                type="urn:dui:probleme:en_tetes_trop_volumineux",
                errors=[FieldError("en-têtes", "taille_max", f"{self.max_header_bytes} octets au plus")],
            )
            await problem_response(problem, _instance(scope))(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 as soon as the body passes `limit` bytes, whether it declared a Content-Length or came chunked."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        # read the whole body first (it is small by construction), then hand it to the app
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = Problem(
            status=413,
            title="Requête trop volumineuse",
            detail=f"le corps de la requête dépasse {self.limit} octets : découpez l'envoi",
            type="urn:dui:probleme:corps_trop_volumineux",
            errors=[FieldError("body", "taille_max", f"{self.limit} octets au plus")],
        )
        await problem_response(problem, _instance(scope))(scope, receive, send)


def _instance(scope: Scope) -> str | None:
    path: str | None = scope.get("path")
    return path
