"""The local OpenID Connect provider of development and tests (authlib on Flask), and a client of its flow."""

from dui_oidc.accounts import Accounts
from dui_oidc.client import EchecConnexion, obtain_tokens
from dui_oidc.keys import KeyStore, rotate
from dui_oidc.provider import Provider
from dui_oidc.server import serve_in_thread

__all__ = ["Accounts", "EchecConnexion", "KeyStore", "Provider", "obtain_tokens", "rotate", "serve_in_thread"]
