"""The agenda read model: one projection, one schema (`agenda`), fed by the agenda's events and by the dossier
service's dossier events, so that one position is enough to wait on — a read sent with the position of an
absence declared in the dossier service shows the person absent at once.

What the agenda knows of the dossiers usagers (the ESMS, the name and the status of each dossier, to check an
event's participants and to name them; the absences from the ESMS, to show the person absent at the occurrences
they cover) comes from the shared `DossiersConnus` mixin (tables `dossier_connu` and `absence_connue`), the same
as the soins service's."""

from __future__ import annotations

from dui_agenda.projections.evenements import Evenements
from dui_shared.projection import Projection
from dui_shared.projections_dossiers import DOSSIERS_USAGERS, DossiersConnus


class AgendaReadModel(Evenements, DossiersConnus, Projection):
    name = "agenda"
    subjects = ("dui.evt.*.agenda.>", DOSSIERS_USAGERS)
    tables = Evenements.evenement_tables + DossiersConnus.dossier_tables


PROJECTIONS: tuple[type[Projection], ...] = (AgendaReadModel,)
