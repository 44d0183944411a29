"""The CloudEvents-style envelope every domain event travels in (DESIGN.md section 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator


class Actor(BaseModel):
    """Who caused the event: a professional (RPPS or local id) or a system, with the role they acted in."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=64)
    esms: tuple[str, ...] = ()
    og_wide: bool = False
    lecture: tuple[str, ...] | None = Field(
        None, description="data categories the actor may read (None: not restricted, e.g. a system actor)"
    )
    ecriture: tuple[str, ...] | None = Field(None, description="data categories the actor may write")

    def may_act_for(self, esms: str) -> bool:
        return self.og_wide or esms in self.esms

    def may_read(self, categorie: str) -> bool:
        """Whether the habilitation matrix lets the actor read this data category (rows of mixed lists)."""
        return self.lecture is None or categorie in self.lecture

    def may_write(self, categorie: str) -> bool:
        return self.ecriture is None or categorie in self.ecriture


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes plus the platform's extensions; `data` is the event's pydantic contract, dumped."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID
    type: str = Field(pattern=r"^[a-z][a-z0-9_-]*\.[A-Z][A-Za-z0-9]*\.v[0-9]+$")
    source: str
    subject: str
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    esms: str
    aggregate_type: str
    aggregate_version: int = Field(ge=1)
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    @field_serializer("actor")
    def _who(self, actor: Actor) -> dict[str, Any]:
        """An event records who acted, not the rights they had at the time (the matrix's own events say that)."""
        return actor.model_dump(mode="json", exclude={"lecture", "ecriture"})

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must be timezone-aware")
        return value.astimezone(UTC)

    @property
    def name(self) -> str:
        """`CandidatureRecue` for `admission.CandidatureRecue.v1`."""
        return self.type.split(".")[1]

    @property
    def service(self) -> str:
        return self.type.split(".")[0]

    @property
    def schema_version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])
