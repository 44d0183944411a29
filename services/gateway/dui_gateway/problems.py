"""Every error leaves the gateway as RFC 9457 problem+json, naming the field and the rule; never a stack trace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from dui_shared.errors import DomainError, FieldError, Problem
from dui_shared.observability import get_logger

log = get_logger(__name__)
_LOCATIONS = {"body", "query", "path", "header"}


def problem_response(
    problem: Problem, instance: str | None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The problem as an HTTP response; also an ASGI app, so pure ASGI middlewares answer with it too."""
    problem.instance = instance
    return JSONResponse(
        problem.to_dict(), status_code=problem.status, media_type="application/problem+json", headers=headers
    )


def internal_error(instance: str | None) -> JSONResponse:
    """The one answer to an unexpected exception: generic, never the exception's text or its traceback."""
    return problem_response(
        Problem(
            status=500,
            title="Erreur interne",
            detail="Une erreur inattendue est survenue.",
            type="urn:dui:probleme:erreur_interne",
        ),
        instance,
    )


def _respond(problem: Problem, request: Request) -> JSONResponse:
    return problem_response(problem, request.url.path)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(_field(tuple(e["loc"])), e["type"], e["msg"]) for e in exc.errors()]
        if any(e.rule == "json_invalid" for e in errors):
            errors = [FieldError("body", "json_invalid", "le corps n'est pas un JSON valide")]
            return _respond(
                Problem(
                    status=400,
                    title="JSON mal formé",
                    detail="le corps de la requête n'est pas un JSON valide",
                    type="urn:dui:probleme:json_invalide",
                    errors=errors,
                ),
                request,
            )
        return _respond(
            Problem(
                status=422,
                title="Requête invalide",
                detail="; ".join(f"{e.field}: {e.message}" for e in errors),
                type="urn:dui:probleme:validation",
                errors=errors,
            ),
            request,
        )

    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError) -> JSONResponse:
        response = _respond(Problem.from_error(exc), request)
        if exc.status == 401:  # RFC 6750: say it is a bearer token that is missing or refused
            error = (
                ""
                if exc.rule == "jeton_absent"
                else f', error="invalid_token", error_description="{exc.rule}"'
            )
            response.headers["WWW-Authenticate"] = f'Bearer realm="dui"{error}'
        return response

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        titles = {404: "Ressource introuvable", 405: "Méthode non autorisée"}
        problem = Problem(
            status=exc.status_code,
            title=titles.get(exc.status_code, "Erreur"),
            detail=str(exc.detail),
            type=f"urn:dui:probleme:http_{exc.status_code}",
        )
        # the exception's headers stay (a 405 names the allowed methods in `Allow`)
        return problem_response(problem, request.url.path, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # also reached for errors raised in middlewares (Starlette's ServerErrorMiddleware calls it even when
        # dui_gateway.securite_http.InternalErrorGuard already answered): the one place they are logged
        log.exception("gateway.unhandled", path=request.url.path)
        return internal_error(request.url.path)
