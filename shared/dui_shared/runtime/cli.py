"""The command line of every service: `python -m dui_<service> [--role all|commands|projections]` runs it until
SIGTERM/SIGINT; `python -m dui_<service> rebuild [--no-swap]` replays the log into fresh read models."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable

import asyncpg
import nats

from dui_shared.config import Settings
from dui_shared.contracts import registry
from dui_shared.eventstore import EventStore
from dui_shared.observability import configure
from dui_shared.projection import Projection, rebuild
from dui_shared.runtime.host import ServiceHost


async def serve(host: ServiceHost) -> None:
    service = await host.start()
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


async def rebuild_all(settings: Settings, projections: tuple[type[Projection], ...], swap: bool) -> None:
    nc = await nats.connect(settings.nats_url)
    await EventStore(nc).ensure_streams()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        for projection in projections:
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


def main(
    name: str, host: type[ServiceHost], projections: tuple[type[Projection], ...], doc: str | None
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m dui_{name}", description=doc)
    parser.add_argument("--role", choices=["all", "commands", "projections"], default="all")
    sub = parser.add_subparsers(dest="command")
    rebuild_cmd = sub.add_parser("rebuild", help="reconstruire les modèles de lecture depuis la séquence 1")
    rebuild_cmd.add_argument(
        "--no-swap", action="store_true", help="laisser le résultat à côté du modèle actif"
    )
    args = parser.parse_args()
    settings = Settings()
    configure(name, level=settings.log_level, exporter=settings.otel_exporter)
    if args.command == "rebuild":
        asyncio.run(rebuild_all(settings, projections, swap=not args.no_swap))
    else:
        asyncio.run(serve(host(settings, role=args.role)))
