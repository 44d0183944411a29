"""The agenda read model: one projection, one schema (`agenda`), fed by the agenda's events and by the dossier
service's dossier events, so that one position is enough to wait on — a read sent with the position of an
absence declared in the dossier service shows the person absent at once."""

from __future__ import annotations

from dui_agenda.projections.dossiers import Dossiers
from dui_agenda.projections.evenements import Evenements
from dui_shared.projection import Projection


class AgendaReadModel(Evenements, Dossiers, Projection):
    name = "agenda"
    subjects = ("dui.evt.*.agenda.>", "dui.evt.*.dossier.dossierusager.>")
    tables = Evenements.evenement_tables + Dossiers.dossier_tables


PROJECTIONS: tuple[type[Projection], ...] = (AgendaReadModel,)
