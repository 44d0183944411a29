"""The dossier read model: one projection, one schema (`dossier`), so a write's position is enough to wait on."""

from __future__ import annotations

from dui_dossier.projections.dossiers import Dossiers
from dui_dossier.projections.projets import Projets
from dui_shared.projection import Projection


class DossierReadModel(Dossiers, Projets, Projection):
    name = "dossier"
    subjects = ("dui.evt.*.dossier.>",)
    tables = Dossiers.dossier_tables + Projets.projet_tables


PROJECTIONS: tuple[type[Projection], ...] = (DossierReadModel,)
