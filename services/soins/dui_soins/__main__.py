"""`python -m dui_soins [--role all|commands|projections]`: run the soins service until SIGTERM/SIGINT.
`python -m dui_soins rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_shared.runtime import cli
from dui_soins.bootstrap import SoinsService
from dui_soins.projections import PROJECTIONS

if __name__ == "__main__":
    cli.main("soins", SoinsService, PROJECTIONS, __doc__)
