"""Commands and views of the agenda service: the gateway's request and response bodies (OpenAPI schemas).

Instants without a time zone are Paris time; views show instants in Paris time. Date filters (`du`, `au`) are
Paris calendar days, both included.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from dui_shared.contracts.admission_api import Command
from dui_shared.contracts.agenda import (
    CanalInformation,
    Participants,
    StatutRealisation,
    TypeDestinataire,
    TypeEvenement,
    TypeParticipant,
    identifiant,
)

Motif = Field(min_length=1, max_length=2000)
LIMIT_MAX = 500
Identifiant = Annotated[str, AfterValidator(identifiant)]
"""A participant's id as a request gives it (a professional's, or a UUID): see `agenda.IDENTIFIANT`."""

# -- commands -------------------------------------------------------------------------------------------


class EvenementAPlanifier(Command):
    """A rendez-vous, activity, intervention or contact with a candidate; `recurrence` makes it a series."""

    esms: str | None = Field(
        None,
        description="FINESS de l'ESMS ; par défaut celui des dossiers usagers participants, "
        "ou l'unique ESMS de l'auteur",
    )
    type: TypeEvenement
    titre: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    lieu: str | None = Field(None, max_length=200)
    intervenant: str | None = Field(
        None, max_length=200, description="intervenant extérieur : kinésithérapeute, coiffeur, SSIAD…"
    )
    debut: datetime = Field(description="début de la (première) occurrence ; heure de Paris si sans fuseau")
    fin: datetime
    recurrence: str | None = Field(
        None,
        max_length=500,
        description="règle RFC 5545 (RRULE), développée en heure de Paris, ex. `FREQ=WEEKLY;BYDAY=MO`",
        examples=["FREQ=WEEKLY;BYDAY=MO;UNTIL=20270630"],
    )
    participants: Participants


class EvenementAModifier(EvenementAPlanifier):
    """Every planning field as it must become (a move is a new `debut`/`fin`); the ESMS cannot change."""


class AnnulationEvenement(Command):
    motif: str = Motif


class PresenceARelever(Command):
    participant: Identifiant = Field(min_length=1, max_length=64, description="identifiant du participant")
    present: bool
    motif: str | None = Field(None, max_length=2000, description="motif de l'absence (ou du retard…)")


class RealisationARelever(Command):
    occurrence: datetime | None = Field(
        None, description="début prévu de l'occurrence ; par défaut le début d'un événement non récurrent"
    )
    statut: StatutRealisation
    motif: str | None = Field(None, max_length=2000, description="obligatoire si non réalisée ou annulée")
    commentaire: str | None = Field(None, max_length=5000)
    presences: list[PresenceARelever] = Field(default_factory=list, max_length=200)
    correction: str | None = Field(
        None, max_length=2000, description="raison d'une correction de ce qui était déjà relevé"
    )


class Destinataire(Command):
    type: TypeDestinataire
    id: Identifiant = Field(
        min_length=1, max_length=64, description="dossier usager ou identifiant du professionnel"
    )


class InformationATransmettre(Command):
    destinataire: Destinataire
    esms: str | None = Field(None, description="par défaut : celui du dossier, ou l'unique ESMS de l'auteur")
    objet: str = Field(min_length=1, max_length=300)
    message: str = Field(min_length=1, max_length=10_000)
    afficher_le: datetime | None = Field(None, description="Par défaut : maintenant")
    rappeler_le: datetime | None = None
    canal: CanalInformation = CanalInformation.agenda
    adresse_mssante: str | None = Field(None, max_length=254)


class FiltreFenetre(Command):
    du: date | None = None
    au: date | None = None


class FiltreManques(FiltreFenetre):
    esms: list[str] = Field(default_factory=list)
    usager: UUID | None = Field(None, description="dossier usager")
    professionnel: Identifiant | None = Field(None, max_length=64)
    limit: int = Field(200, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0, le=100_000)


class FiltreInformations(Command):
    destinataire: Identifiant | None = Field(None, max_length=64)
    type: TypeDestinataire | None = None
    esms: list[str] = Field(default_factory=list)
    non_lues: bool | None = None
    limit: int = Field(100, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0, le=100_000)


# -- views ----------------------------------------------------------------------------------------------


class ConflitVue(BaseModel):
    """Another event of a shared participant overlapping this one: its first overlapping occurrence."""

    evenement_id: UUID
    titre: str
    debut: datetime
    fin: datetime
    occurrences: int = Field(description="nombre de ses occurrences qui se chevauchent")
    participants: list[str] = Field(description="participants communs (type:id)")


class PlanificationAcceptee(BaseModel):
    id: UUID
    position: int
    conflits: list[ConflitVue]


class ParticipantVue(BaseModel):
    type: TypeParticipant
    id: str
    nom: str | None = None
    presence: Literal["present", "absent"] | None = None
    motif: str | None = None
    source: Literal["releve", "absence_dossier"] | None = Field(
        None, description="relevée à l'occurrence, ou déduite d'une absence déclarée au dossier"
    )


class ChevauchementVue(BaseModel):
    evenement_id: UUID
    titre: str
    debut: datetime
    fin: datetime


class OccurrenceVue(BaseModel):
    evenement_id: UUID
    esms: str
    type: TypeEvenement
    titre: str
    lieu: str | None
    intervenant: str | None
    occurrence: datetime = Field(description="début prévu : identifie l'occurrence")
    debut: datetime
    fin: datetime
    recurrent: bool
    statut: Literal["planifie", "realise", "non_realise", "annule"]
    motif: str | None = None
    commentaire: str | None = None
    participants: list[ParticipantVue]
    conflits: list[ChevauchementVue]
    manque: Literal["non_renseigne", "non_realise"] | None = None


class InformationVue(BaseModel):
    id: UUID
    esms: str
    destinataire_type: TypeDestinataire
    destinataire: str
    objet: str
    message: str
    afficher_le: datetime
    rappeler_le: datetime | None
    canal: CanalInformation
    adresse_mssante: str | None
    mssante_message_id: str | None
    transmise_le: datetime
    transmise_par: str
    lue_le: datetime | None
    lue_par: str | None


class AgendaVue(BaseModel):
    proprietaire_type: TypeParticipant
    proprietaire: str
    du: date
    au: date
    occurrences: list[OccurrenceVue]
    informations: list[InformationVue]
    position: int = Field(description="position du journal que reflète cet agenda")


class PresenceVue(BaseModel):
    participant: str
    type_participant: TypeParticipant
    present: bool
    motif: str | None
    correction: str | None
    relevee_le: datetime
    par: str


class RealisationVue(BaseModel):
    occurrence: datetime
    statut: StatutRealisation
    motif: str | None
    commentaire: str | None
    correction: str | None
    relevee_le: datetime
    par: str
    presences: list[PresenceVue]


class EvenementVue(BaseModel):
    id: UUID
    esms: str
    type: TypeEvenement
    titre: str
    description: str | None
    lieu: str | None
    intervenant: str | None
    debut: datetime
    fin: datetime
    recurrence: str | None
    participants: list[ParticipantVue]
    statut: Literal["planifie", "annule"]
    motif_annulation: str | None
    cree_le: datetime
    cree_par: str
    mis_a_jour_le: datetime
    version: int
    realisations: list[RealisationVue]
    du: date
    au: date
    occurrences: list[OccurrenceVue] = Field(description="occurrences de la fenêtre du…au")
    conflits: list[ConflitVue] = Field(description="événements qui la chevauchent dans la fenêtre du…au")
    position: int


class PageManques(BaseModel):
    items: list[OccurrenceVue]
    total: int
    limit: int
    offset: int


class PageInformations(BaseModel):
    items: list[InformationVue]
    total: int
    limit: int
    offset: int
