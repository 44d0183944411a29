"""Access tokens of the demo accounts (config/oidc-comptes.json) from the session's provider (`oidc_issuer` in
tests/conftest.py), obtained through the real login flow and cached per account."""

from __future__ import annotations

import threading
import time

from dui_oidc.accounts import Accounts
from dui_oidc.client import obtain_tokens

_accounts: Accounts | None = None
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def demo_password(identifiant: str) -> str:
    global _accounts
    if _accounts is None:
        _accounts = Accounts.load()
    return _accounts.password(identifiant)


def obtain_access_token(issuer: str, identifiant: str) -> str:
    """An access token of the demo account `identifiant`, logged in once per session (again when it would expire
    within a minute)."""
    with _lock:
        cached = _tokens.get((issuer, identifiant))
    if cached and cached[1] > time.time() + 60:
        return cached[0]
    tokens = obtain_tokens(issuer, identifiant, demo_password(identifiant))
    with _lock:
        _tokens[(issuer, identifiant)] = (tokens["access_token"], time.time() + int(tokens["expires_in"]))
    return str(tokens["access_token"])
