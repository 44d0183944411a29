"""The real gateway served by uvicorn on a free port, in a thread with its own event loop: for clients that are
not httpx on pytest's loop (a browser, schemathesis' synchronous calls). Pytest's loop, where the services run,
keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvicorn

from dui_gateway.app import create_app
from dui_shared.config import Settings


@asynccontextmanager
async def passerelle_uvicorn(settings: Settings, name: str = "passerelle") -> AsyncIterator[str]:
    """Yield the base URL of a gateway built with `settings`; stop it on exit."""
    app = create_app(settings)
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted sockets only then (else 40 ms per keep-alive call)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the gateway did not start under uvicorn")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
        sock.close()
