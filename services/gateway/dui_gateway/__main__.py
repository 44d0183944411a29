"""`python -m dui_gateway`: serve the REST gateway with uvicorn on DUI_GATEWAY_HOST:DUI_GATEWAY_PORT."""

from __future__ import annotations

import uvicorn

from dui_gateway.app import create_app
from dui_shared.config import Settings
from dui_shared.observability import configure


def main() -> None:
    settings = Settings()
    configure("gateway", level=settings.log_level, exporter=settings.otel_exporter)
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        # no `Server: uvicorn` (nothing to tell a scanner); `Date` stays, HTTP wants it from an origin server
        server_header=False,
        date_header=True,
    )


if __name__ == "__main__":
    main()
