"""Running the provider: in a daemon thread for the tests, or in the foreground for `make run`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from dui_oidc.accounts import Accounts
from dui_oidc.provider import Provider


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (the tests obtain dozens of tokens)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Late:
    """A WSGI application set once the port, hence the issuer, is known."""

    provider: Provider | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.provider is not None
        return self.provider.app(environ, start_response)


@contextmanager
def serve_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    audience: str = "dui-gateway",
    access_token_lifetime: int = 600,
    refresh_token_lifetime: int = 8 * 3600,
    accounts_file: Path | None = None,
    keys_file: Path | None = None,
    issuer: str | None = None,
    accounts: Accounts | None = None,
) -> Iterator[str]:
    """Serve a provider on `host:port` (0: a free port) in a daemon thread; yield its issuer URL
    (`http://<host>:<port>` unless `issuer` is given). Stops when the block exits."""
    late = _Late()
    server = make_server(host, port, late, threaded=True, request_handler=_QuietHandler)
    issuer = issuer or f"http://{host}:{server.server_port}"
    late.provider = Provider(
        issuer,
        audience=audience,
        access_token_lifetime=access_token_lifetime,
        refresh_token_lifetime=refresh_token_lifetime,
        accounts_file=accounts_file,
        keys_file=keys_file,
        accounts=accounts,
    )
    thread = threading.Thread(target=server.serve_forever, name=f"dui-oidc-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_forever(
    host: str,
    port: int,
    *,
    issuer: str,
    audience: str = "dui-gateway",
    accounts_file: Path | None = None,
    keys_file: Path | None = None,
) -> None:
    """Serve in the foreground until interrupted (`python -m dui_oidc serve`)."""
    provider = Provider(issuer, audience=audience, accounts_file=accounts_file, keys_file=keys_file)
    server = make_server(host, port, provider.app, threaded=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
