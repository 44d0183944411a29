"""`python -m dui_soins [--role all|commands|projections]`: run the soins service until SIGTERM/SIGINT.
`python -m dui_soins rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_shared.runtime import cli
from dui_soins.bootstrap import SoinsService

if __name__ == "__main__":
    cli.main("soins", SoinsService, (), __doc__)
