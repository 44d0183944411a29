"""The reporting read model: one projection, one schema (`reporting`), fed by every event of the log
(`dui.evt.>`), so that one position is enough to wait on whatever service the caller wrote to."""

from __future__ import annotations

from dui_reporting.projections.faits import ReportingReadModel
from dui_shared.projection import Projection

PROJECTIONS: tuple[type[Projection], ...] = (ReportingReadModel,)

__all__ = ["PROJECTIONS", "ReportingReadModel"]
