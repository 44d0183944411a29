"""`python -m dui_admission [--role all|commands|projections]`: run the admission service until SIGTERM/SIGINT.
`python -m dui_admission rebuild [--no-swap]`: replay the log into a fresh read model, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable

import asyncpg
import nats

from dui_admission.bootstrap import AdmissionService
from dui_admission.projections import PROJECTIONS
from dui_shared.config import Settings
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.observability import configure
from dui_shared.projection import rebuild


async def serve(settings: Settings, role: str) -> None:
    service = await AdmissionService(settings, role=role).start()  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await asyncio.wait_for(service.stop(), timeout=20)


def progress_bar(name: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 40
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{name:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    return show


async def rebuild_all(settings: Settings, swap: bool) -> None:
    nc = await nats.connect(settings.nats_url)
    await EventStore(nc).ensure_streams()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        for projection in PROJECTIONS:
            schema = await rebuild(
                projection(),
                nc=nc,
                pool=pool,
                registry=registry,
                swap=swap,
                progress=progress_bar(projection.name),
            )
            sys.stderr.write(f"\n{projection.name} reconstruite dans le schéma « {schema} »\n")
    finally:
        await pool.close()
        await nc.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=["all", "commands", "projections"], default="all")
    sub = parser.add_subparsers(dest="command")
    rebuild_cmd = sub.add_parser("rebuild", help="reconstruire les modèles de lecture depuis la séquence 1")
    rebuild_cmd.add_argument(
        "--no-swap", action="store_true", help="laisser le résultat à côté du modèle actif"
    )
    args = parser.parse_args()
    settings = Settings()
    configure("admission", level=settings.log_level, exporter=settings.otel_exporter)
    if args.command == "rebuild":
        asyncio.run(rebuild_all(settings, swap=not args.no_swap))
    else:
        asyncio.run(serve(settings, args.role))


if __name__ == "__main__":
    main()
