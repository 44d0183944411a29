"""The admission read model: one projection, one schema (`admission`), so a write's position is enough to wait on."""

from __future__ import annotations

from dui_admission.projections.candidatures import Candidatures
from dui_admission.projections.sejours import Sejours
from dui_shared.projection import Projection


class AdmissionReadModel(Candidatures, Sejours, Projection):
    name = "admission"
    subjects = ("dui.evt.*.admission.>",)
    tables = Candidatures.candidature_tables + Sejours.sejour_tables


PROJECTIONS: tuple[type[Projection], ...] = (AdmissionReadModel,)
