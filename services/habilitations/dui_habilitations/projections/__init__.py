"""The habilitations read models: `habilitations` (accounts, emergency accesses, persons' accesses, and the
dossiers known from the dossier service's events, through the shared `DossiersConnus` mixin) on the event log,
and `journal_acces` (the access journal of each dossier) on the audit stream."""

from __future__ import annotations

from dui_habilitations.projections.habilitations import Habilitations
from dui_habilitations.projections.journal import JournalAcces
from dui_shared.projection import Projection
from dui_shared.projections_dossiers import DOSSIERS_USAGERS, DossiersConnus


class HabilitationsReadModel(Habilitations, DossiersConnus, Projection):
    name = "habilitations"
    subjects = ("dui.evt.*.habilitation.>", DOSSIERS_USAGERS)
    tables = Habilitations.habilitation_tables + DossiersConnus.dossier_tables


PROJECTIONS: tuple[type[Projection], ...] = (HabilitationsReadModel, JournalAcces)

__all__ = ["PROJECTIONS", "HabilitationsReadModel", "JournalAcces"]
