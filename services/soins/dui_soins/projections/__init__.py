"""The soins read model: one projection, one schema (`soins`), so a write's position is enough to wait on.

It follows the soins events and, for what the service needs to know of dossiers (ESMS, names, status,
absences), the dossier service's `DossierUsager` events, through the shared `DossiersConnus` mixin (tables
`dossier_connu` and `absence_connue`), the same as the agenda's."""

from __future__ import annotations

from dui_shared.projection import Projection
from dui_shared.projections_dossiers import DOSSIERS_USAGERS, DossiersConnus
from dui_soins.projections.notes import Notes
from dui_soins.projections.soins import Soins


class SoinsReadModel(DossiersConnus, Notes, Soins, Projection):
    name = "soins"
    subjects = ("dui.evt.*.soins.>", DOSSIERS_USAGERS)
    tables = DossiersConnus.dossier_tables + Notes.notes_tables + Soins.soins_tables


PROJECTIONS: tuple[type[Projection], ...] = (SoinsReadModel,)
