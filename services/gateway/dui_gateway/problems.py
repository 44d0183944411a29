"""Every error leaves the gateway as RFC 9457 problem+json, naming the field and the rule; never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from dui_shared.errors import DomainError, FieldError, Problem
from dui_shared.observability import get_logger

log = get_logger(__name__)
_LOCATIONS = {"body", "query", "path", "header"}


def _respond(problem: Problem, request: Request) -> JSONResponse:
    problem.instance = request.url.path
    return JSONResponse(problem.to_dict(), status_code=problem.status, media_type="application/problem+json")


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
        return _respond(Problem.from_error(exc), request)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        titles = {404: "Ressource introuvable", 405: "Méthode non autorisée"}
        return _respond(
            Problem(
                status=exc.status_code,
                title=titles.get(exc.status_code, "Erreur"),
                detail=str(exc.detail),
                type=f"urn:dui:probleme:http_{exc.status_code}",
            ),
            request,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("gateway.unhandled", path=request.url.path)
        return _respond(
            Problem(
                status=500,
                title="Erreur interne",
                detail="Une erreur inattendue est survenue.",
                type="urn:dui:probleme:erreur_interne",
            ),
            request,
        )
