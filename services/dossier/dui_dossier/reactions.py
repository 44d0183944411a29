"""How the dossier service follows the admission service: through its events, never its tables.

A durable consumer like a projection (its position is stored in PostgreSQL), whose handlers decide on the
dossier instead of writing rows. Ids derive from the admission events, so a redelivered event opens or closes
nothing twice.
"""

from __future__ import annotations

from uuid import UUID

from dui_dossier.application import DossierApp
from dui_shared.contracts.admission import AdmissionPrononcee, SortiePrononcee
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, Projection, handles


class AdmissionReactions(Projection):
    name = "dossier_reactions"
    subjects = ("dui.evt.*.admission.sejour.>",)
    tables = ""  # no read model: this consumer only reacts

    def __init__(self, app: DossierApp) -> None:
        self.app = app

    @handles(AdmissionPrononcee)
    async def admission(self, db: Db, event: StoredEvent, data: AdmissionPrononcee) -> None:
        await self.app.ouvrir(data, UUID(event.envelope.subject), event.envelope.id)

    @handles(SortiePrononcee)
    async def sortie(self, db: Db, event: StoredEvent, data: SortiePrononcee) -> None:
        await self.app.clore(data, UUID(event.envelope.subject), event.envelope.id)
