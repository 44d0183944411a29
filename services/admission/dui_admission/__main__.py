"""`python -m dui_admission [--role all|commands|projections]`: run the admission service until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

from dui_shared.config import Settings
from dui_shared.observability import configure

from dui_admission.bootstrap import AdmissionService


async def main(role: str) -> None:
    settings = Settings()
    configure("admission", level=settings.log_level, exporter=settings.otel_exporter)
    service = await AdmissionService(settings, role=role).start()  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await asyncio.wait_for(service.stop(), timeout=20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=["all", "commands", "projections"], default="all")
    asyncio.run(main(parser.parse_args().role))
