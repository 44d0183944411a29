"""Errors every service maps the same way: to an HTTP status at the gateway, to a NAK or dead letter on the bus."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One broken rule on one field: what RFC 9457 `errors` entries carry."""

    field: str
    rule: str
    message: str


class DomainError(Exception):
    """A business rule refused the command; `status` is the HTTP status the edge answers with."""

    status = 409
    title = "Règle métier non respectée"
    rule = "regle_metier"

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule
        self.field = field


class InvalidInput(DomainError):
    """The command is well-formed JSON but one or more fields break a rule."""

    status = 422
    title = "Requête invalide"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), rule=errors[0].rule)
        self.errors = errors

    @classmethod
    def single(cls, field: str, rule: str, message: str) -> InvalidInput:
        return cls([FieldError(field, rule, message)])


class NotFound(DomainError):
    status = 404
    title = "Ressource introuvable"
    rule = "introuvable"


class ConcurrencyConflict(DomainError):
    """Another decision was appended to the aggregate since it was loaded."""

    status = 409
    title = "Conflit de mise à jour"
    rule = "conflit_concurrence"


class Forbidden(DomainError):
    status = 403
    title = "Accès refusé"
    rule = "habilitation"


class Unavailable(DomainError):
    """The event log or database did not answer in time; nothing was acknowledged."""

    status = 503
    title = "Service momentanément indisponible"
    rule = "indisponible"


@dataclass
class Problem:
    """RFC 9457 problem details, the one error body of the platform."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[FieldError] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.instance:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = [{"field": e.field, "rule": e.rule, "message": e.message} for e in self.errors]
        return body

    @classmethod
    def from_error(cls, err: DomainError) -> Problem:
        errors = list(err.errors) if isinstance(err, InvalidInput) else []
        if not errors and err.field:
            errors = [FieldError(err.field, err.rule, err.message)]
        return cls(
            status=err.status,
            title=err.title,
            detail=err.message,
            type="urn:dui:probleme:validation"
            if isinstance(err, InvalidInput)
            else f"urn:dui:probleme:{err.rule}",
            errors=errors,
        )
