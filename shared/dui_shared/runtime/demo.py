"""What the demo scripts of `make run` share: they speak to the gateway as demo accounts of the local provider."""

from __future__ import annotations

import httpx

from dui_shared.config import Settings


def demo_auth() -> httpx.Auth:
    """Real access tokens of the demo accounts (config/oidc-comptes.json) from the provider `make run` started."""
    from dui_oidc.accounts import Accounts
    from dui_oidc.client import JetonsDeDemo

    return JetonsDeDemo(Settings().oidc_issuer, Accounts.load())
