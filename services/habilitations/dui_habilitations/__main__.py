"""`python -m dui_habilitations [--role all|commands|projections]`: run the habilitations service until
SIGTERM/SIGINT. `python -m dui_habilitations rebuild [--no-swap]`: replay the event log and the audit stream into
fresh read models, with a progress bar."""

from __future__ import annotations

from dui_habilitations.bootstrap import HabilitationsService
from dui_habilitations.projections import PROJECTIONS
from dui_shared.runtime import cli

if __name__ == "__main__":
    cli.main("habilitations", HabilitationsService, PROJECTIONS, __doc__)
