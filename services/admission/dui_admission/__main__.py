"""`python -m dui_admission [--role all|commands|projections]`: run the admission service until SIGTERM/SIGINT.
`python -m dui_admission rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

from dui_admission.bootstrap import AdmissionService
from dui_admission.projections import PROJECTIONS
from dui_shared.runtime import cli

if __name__ == "__main__":
    cli.main("admission", AdmissionService, PROJECTIONS, __doc__)
