"""`python -m dui_reporting [--role all|commands|projections]`: run the reporting service until SIGTERM/SIGINT.
`python -m dui_reporting rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar.
`python -m dui_reporting asyncapi [--out docs/asyncapi.json]`: write the AsyncAPI document of the public
integration events (DUI_INT)."""

from __future__ import annotations

import sys

from dui_reporting.bootstrap import ReportingService
from dui_reporting.projections import PROJECTIONS
from dui_shared.runtime.cli import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["asyncapi"]:
        from dui_reporting.integration import asyncapi_cli

        asyncapi_cli(sys.argv[2:])
    else:
        main("reporting", ReportingService, PROJECTIONS, __doc__)
