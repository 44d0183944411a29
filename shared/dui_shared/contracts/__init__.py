"""Versioned event contracts: one pydantic model per event type, upcast on read, never rewritten in the log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from dui_shared.envelope import Envelope

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
C = TypeVar("C", bound="EventData")


def _sane(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("caractere_nul", "le texte ne peut pas contenir de caractère NUL")
    if isinstance(value, date) and not 1900 <= value.year <= 2100:
        raise PydanticCustomError("date_hors_limites", "la date doit être comprise entre 1900 et 2100")
    if isinstance(value, (list, tuple)):
        for item in value:
            _sane(item)
    return value


class Contract(BaseModel):
    """Base of every contract: no NUL character in text (PostgreSQL refuses it), dates between 1900 and 2100."""

    @field_validator("*", mode="after")
    @classmethod
    def _sane_values(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and info.context.get("stored"):
            return value  # what the log already holds is read as it is, whatever the rules became
        return _sane(value)


class EventData(Contract):
    """Base of every event payload. `schema_version` is bumped with an upcaster from the previous version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    @classmethod
    def event_name(cls) -> str:
        return cls.__name__

    @classmethod
    def type_name(cls) -> str:
        return f"{cls.service}.{cls.__name__}.v{cls.schema_version}"


class UnknownEventType(Exception):
    pass


class MalformedEvent(Exception):
    pass


class ContractRegistry:
    """Maps `service.Name` to its current contract and the upcasters that bring old versions up to it."""

    def __init__(self) -> None:
        self._contracts: dict[str, type[EventData]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, contract: type[C]) -> type[C]:
        key = f"{contract.service}.{contract.__name__}"
        if not contract.service:
            raise TypeError(f"{contract.__name__} has no service")
        self._contracts[key] = contract
        return contract

    def upcaster(self, key: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register `fn(data_v_n) -> data_v_n+1` for the contract `service.Name`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(key, from_version)] = fn
            return fn

        return decorate

    def contract(self, key: str) -> type[EventData]:
        try:
            return self._contracts[key]
        except KeyError:
            raise UnknownEventType(f"type d'événement inconnu: {key}") from None

    def decode(self, envelope: Envelope) -> EventData:
        """The envelope's data as the current contract, upcasting older schema versions step by step."""
        key = f"{envelope.service}.{envelope.name}"
        contract = self.contract(key)
        version, data = envelope.schema_version, dict(envelope.data)
        if version > contract.schema_version:
            raise MalformedEvent(
                f"{envelope.type}: version plus récente que le contrat v{contract.schema_version}"
            )
        while version < contract.schema_version:
            step = self._upcasters.get((key, version))
            if step is None:
                raise MalformedEvent(f"{envelope.type}: pas d'upcaster depuis v{version}")
            data = step(data)
            version += 1
        try:
            return contract.model_validate(data, context={"stored": True})
        except ValidationError as exc:
            raise MalformedEvent(f"{envelope.type}: {exc.errors(include_url=False)}") from exc


registry = ContractRegistry()
"""The platform-wide registry; each contracts module registers its events on import."""


def _register_all() -> None:
    from dui_shared.contracts import admission, agenda, dossier, habilitations, soins  # noqa: F401


_register_all()
