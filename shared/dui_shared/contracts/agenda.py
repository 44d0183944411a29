"""Event contracts of the agenda service: planned events (rendez-vous, activités, interventions, contacts with a
candidate), what happened at each occurrence (realisation, presences), and information put in an agenda.

One model, several owners: an event lists its participants (usagers = dossier ids, professionals = free ids,
candidatures = candidature ids) and appears in each participant's agenda. Instants are UTC `datetime`s, shown
in Paris time by the read side; a recurrence is an RFC 5545 RRULE expanded in Europe/Paris wall-clock time.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from dui_shared.contracts import Contract, EventData, registry

IDENTIFIANT = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
"""A professional's id (RPPS or local), or any participant's id (a UUID is one too): letters, digits and
`. _ : @ -`, 64 at most. It goes into URLs, SQL parameters, iCalendar text and file names: no space, no quote,
no control character."""


def identifiant(value: str) -> str:
    """`value` if it is a valid participant id, else a pydantic error the edge answers as a 422."""
    if not IDENTIFIANT.fullmatch(value):
        raise PydanticCustomError(
            "identifiant_invalide",
            "identifiant invalide : lettres, chiffres et . _ : @ - uniquement, 64 caractères au plus",
        )
    return value


def _identifiant_saisi(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get("stored"):
        return value  # the log is read as it is, whatever the rules became
    return identifiant(value)


ProfessionnelId = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_identifiant_saisi)]


class Value(Contract):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TypeEvenement(StrEnum):
    rendez_vous = "rendez_vous"
    activite = "activite"
    intervention = "intervention"  # kiné, coiffeur, pédicure, passage du SSIAD… (F26)
    contact = "contact"  # contact planned with a candidate before admission (F02)


class TypeParticipant(StrEnum):
    usager = "usager"
    professionnel = "professionnel"
    candidature = "candidature"


class StatutRealisation(StrEnum):
    realise = "realise"
    non_realise = "non_realise"
    annule = "annule"


class TypeDestinataire(StrEnum):
    usager = "usager"
    professionnel = "professionnel"


class CanalInformation(StrEnum):
    agenda = "agenda"
    mssante = "mssante"  # reserved: the mssante-gateway will send it and fill `mssante_message_id`


class Participants(Value):
    """Who takes part: the event appears in each one's agenda."""

    usagers: tuple[UUID, ...] = Field((), max_length=100, description="identifiants de dossiers usagers")
    professionnels: tuple[ProfessionnelId, ...] = Field(
        (), max_length=100, description="identifiants de professionnels (RPPS ou locaux)"
    )
    candidatures: tuple[UUID, ...] = Field((), max_length=20, description="identifiants de candidatures")

    def all(self) -> list[tuple[TypeParticipant, str]]:
        return [
            *((TypeParticipant.usager, str(u)) for u in self.usagers),
            *((TypeParticipant.professionnel, p) for p in self.professionnels),
            *((TypeParticipant.candidature, str(c)) for c in self.candidatures),
        ]

    def type_of(self, participant: str) -> TypeParticipant | None:
        return next((t for t, p in self.all() if p == participant), None)


class AgendaEvent(EventData):
    service: ClassVar[str] = "agenda"


# -- Evenement ------------------------------------------------------------------------------------------


@registry.register
class EvenementPlanifie(AgendaEvent):
    """A rendez-vous, activity, intervention or contact, once or recurring (`recurrence`: an RFC 5545 RRULE
    without DTSTART, normalised: UNTIL in UTC). `debut`/`fin` are the first occurrence's."""

    esms: str
    type: TypeEvenement
    titre: str
    description: str | None = None
    lieu: str | None = None
    intervenant: str | None = None
    debut: datetime
    fin: datetime
    recurrence: str | None = None
    participants: Participants


@registry.register
class EvenementModifie(AgendaEvent):
    """The event moved or changed: every planning field, as it is now (the ESMS never changes)."""

    type: TypeEvenement
    titre: str
    description: str | None = None
    lieu: str | None = None
    intervenant: str | None = None
    debut: datetime
    fin: datetime
    recurrence: str | None = None
    participants: Participants


@registry.register
class EvenementAnnule(AgendaEvent):
    """The whole event (every occurrence of a series) is cancelled; what was realised stays recorded."""

    motif: str


@registry.register
class EvenementRealise(AgendaEvent):
    """What became of one occurrence (identified by its planned start): done, not done (with a reason) or
    cancelled. `correction` (the reason) is set when it replaces what was recorded before."""

    occurrence: datetime
    statut: StatutRealisation
    motif: str | None = None
    commentaire: str | None = None
    correction: str | None = None


@registry.register
class PresenceRelevee(AgendaEvent):
    """A participant's presence or absence at one occurrence (F06); GEF and RH will consume it."""

    occurrence: datetime
    participant: str
    type_participant: TypeParticipant
    present: bool
    motif: str | None = None
    correction: str | None = None


# -- Information ----------------------------------------------------------------------------------------


@registry.register
class InformationTransmise(AgendaEvent):
    """A message or reminder put in a professional's or a person's agenda (F15/F30). `canal` is `agenda`
    today; for `mssante`, `adresse_mssante` is the recipient's address and `mssante_message_id` the id the
    mssante-gateway will give the sent message."""

    esms: str
    destinataire_type: TypeDestinataire
    destinataire: str
    objet: str
    message: str
    afficher_le: datetime
    rappeler_le: datetime | None = None
    canal: CanalInformation = CanalInformation.agenda
    adresse_mssante: str | None = None
    mssante_message_id: str | None = None


@registry.register
class InformationLue(AgendaEvent):
    lue_le: datetime
    par: str
