"""`python -m dui_dossier [--role all|commands|projections]`: run the dossier service until SIGTERM/SIGINT.
`python -m dui_dossier rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_dossier.bootstrap import DossierService
from dui_dossier.projections import PROJECTIONS
from dui_shared.runtime import cli

if __name__ == "__main__":
    cli.main("dossier", DossierService, PROJECTIONS, __doc__)
