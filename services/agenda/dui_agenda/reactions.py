"""How the agenda follows the admission service: a contact planned with a candidate (F02) appears in the
candidate's agenda and in the agenda of the professional who planned it — through the admission events, never
their tables.

A durable consumer like a projection (its position in PostgreSQL) whose handler plans an agenda event; the
event's id derives from the admission event's id, so a redelivery plans nothing twice.
"""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

from dui_agenda.application import AgendaApp
from dui_shared.aggregate import CommandContext
from dui_shared.contracts.admission import ContactPlanifie
from dui_shared.contracts.agenda import Participants, TypeEvenement
from dui_shared.contracts.agenda_api import EvenementAPlanifier
from dui_shared.envelope import Actor
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, Projection, handles

SYSTEM = Actor(id="dui-agenda", role="systeme", og_wide=True)
DUREE_CONTACT = timedelta(minutes=30)
_IDENTIFIANT = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
INTERLOCUTEURS = {
    "usager": "la personne",
    "famille": "la famille",
    "representant_legal": "le représentant légal",
    "professionnel": "un professionnel",
}


class AdmissionContacts(Projection):
    name = "agenda_reactions"
    subjects = ("dui.evt.*.admission.candidature.>",)
    tables = ""  # no read model: this consumer only reacts

    def __init__(self, app: AgendaApp) -> None:
        self.app = app

    @handles(ContactPlanifie)
    async def contact(self, db: Db, event: StoredEvent, data: ContactPlanifie) -> None:
        env = event.envelope
        planner = (
            env.actor.id if _IDENTIFIANT.fullmatch(env.actor.id) and env.actor.role != "systeme" else None
        )
        cmd = EvenementAPlanifier(
            esms=env.esms,
            type=TypeEvenement.contact,
            titre=f"Contact avec {INTERLOCUTEURS.get(data.interlocuteur, data.interlocuteur)} ({data.moyen})",
            description=data.note,
            debut=data.planifie_le,
            fin=data.planifie_le + DUREE_CONTACT,
            participants=Participants(
                candidatures=(UUID(env.subject),), professionnels=(planner,) if planner else ()
            ),
        )
        ctx = CommandContext(actor=SYSTEM, causation_id=str(env.id), idempotency_key=str(env.id))
        await self.app.planifier(cmd, ctx)
