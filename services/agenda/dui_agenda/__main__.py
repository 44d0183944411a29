"""`python -m dui_agenda [--role all|commands|projections]`: run the agenda service until SIGTERM/SIGINT.
`python -m dui_agenda rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_agenda.bootstrap import AgendaService
from dui_agenda.projections import PROJECTIONS
from dui_shared.runtime import cli

if __name__ == "__main__":
    cli.main("agenda", AgendaService, PROJECTIONS, __doc__)
