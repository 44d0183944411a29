"""`python -m dui_reporting [--role all|commands|projections]`: run the reporting service until SIGTERM/SIGINT.
`python -m dui_reporting rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_reporting.bootstrap import ReportingService
from dui_reporting.projections import PROJECTIONS
from dui_shared.runtime.cli import main

if __name__ == "__main__":
    main("reporting", ReportingService, PROJECTIONS, __doc__)
