"""Demo accounts and registered clients of the local provider, read from `config/oidc-comptes.json`.

An account is a login, a demo password and the identity claims its tokens carry: Pro Santé Connect-shaped claims
for a health professional with an RPPS number, `dui_profession` for a professional of the OG's own identity
provider, `dui_profil` for a person (usager, personne de confiance, représentant légal).
"""

from __future__ import annotations

import hmac
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, list_to_scope, scope_to_list

IDENTITY_CLAIMS = (
    "preferred_username",
    "given_name",
    "family_name",
    "SubjectNameID",
    "SubjectRefPro",
    "dui_profession",
    "dui_profil",
    "dui_esms",
)
PROFILS_PERSONNE = ("usager", "personne_de_confiance", "representant_legal")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_SUB_NAMESPACE = uuid.UUID("5b0f8e0c-3c59-4d8e-9a43-4f7e3b0d2c11")


def default_accounts_file() -> Path:
    """`DUI_OIDC_COMPTES`, else the repository's `config/oidc-comptes.json` (or `./config/` in an image)."""
    if os.environ.get("DUI_OIDC_COMPTES"):
        return Path(os.environ["DUI_OIDC_COMPTES"])
    in_repo = Path(__file__).resolve().parents[3] / "config" / "oidc-comptes.json"
    return in_repo if in_repo.exists() else Path("config") / "oidc-comptes.json"


@dataclass(frozen=True)
class Account:
    """One login of the demo file; `sub` is the national identifier for PSC accounts, else a stable UUID."""

    identifiant: str
    mot_de_passe: str = field(repr=False)
    claims: dict[str, Any]
    sub: str

    def get_user_id(self) -> str:
        return self.sub


@dataclass(frozen=True)
class Client(ClientMixin):
    """A public client (no secret): PKCE S256 is required at the authorization endpoint.

    `loopback_libre`: any port and any path on http://127.0.0.1, http://localhost or http://[::1] (RFC 8252 §7.3
    native apps). A registered loopback URI also matches on any port (same RFC)."""

    client_id: str
    redirect_uris: tuple[str, ...]
    loopback_libre: bool = False
    grant_types: tuple[str, ...] = ("authorization_code",)
    scopes: tuple[str, ...] = ("openid", "profile")
    nom: str = ""

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # no default: every authorization request names its redirect URI
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return list_to_scope(list(self.scopes))
        return str(list_to_scope([s for s in scope_to_list(scope) if s in self.scopes]))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirect_uris:
            return True
        try:
            asked = urlsplit(redirect_uri)
            asked.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return False
        if (
            asked.scheme != "http"
            or asked.hostname not in _LOOPBACK_HOSTS
            or asked.username
            or asked.fragment
        ):
            return False
        if self.loopback_libre:
            return True
        for registered in self.redirect_uris:
            known = urlsplit(registered)
            if (
                known.scheme == "http"
                and known.hostname == asked.hostname
                and known.path == asked.path
                and known.query == asked.query
            ):
                return True
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


def _sub(identifiant: str, claims: dict[str, Any]) -> str:
    if isinstance(claims.get("SubjectNameID"), str):
        return str(claims["SubjectNameID"])
    return str(uuid.uuid5(_SUB_NAMESPACE, identifiant))


class Accounts:
    """The accounts and clients of one file."""

    def __init__(self, accounts: Iterable[Account], clients: Iterable[Client]) -> None:
        self.by_login: dict[str, Account] = {}
        self.by_sub: dict[str, Account] = {}
        for account in accounts:
            if account.identifiant in self.by_login or account.sub in self.by_sub:
                raise ValueError(f"compte en double : {account.identifiant}")
            self.by_login[account.identifiant] = account
            self.by_sub[account.sub] = account
        self.clients = {c.client_id: c for c in clients}

    @classmethod
    def load(cls, path: Path | None = None) -> Accounts:
        path = path or default_accounts_file()
        data = json.loads(path.read_text(encoding="utf-8"))
        accounts = []
        for raw in data["comptes"]:
            claims = {k: v for k, v in raw["claims"].items() if k in IDENTITY_CLAIMS}
            if claims.get("dui_profil") not in (None, *PROFILS_PERSONNE):
                raise ValueError(
                    f"{path} : profil inconnu pour {raw['identifiant']} : {claims['dui_profil']}"
                )
            accounts.append(
                Account(
                    identifiant=raw["identifiant"],
                    mot_de_passe=raw["mot_de_passe"],
                    claims=claims,
                    sub=_sub(raw["identifiant"], claims),
                )
            )
        clients = [
            Client(
                client_id=c["client_id"],
                redirect_uris=tuple(c.get("redirect_uris", ())),
                loopback_libre=bool(c.get("loopback_libre", False)),
                grant_types=tuple(c.get("grant_types", ("authorization_code",))),
                scopes=tuple(c.get("scopes", ("openid", "profile"))),
                nom=c.get("nom", ""),
            )
            for c in data["clients"]
        ]
        return cls(accounts, clients)

    def add(self, identifiant: str, mot_de_passe: str, claims: dict[str, Any]) -> Account:
        """Register one more account while serving (the tests make one per identity they speak as)."""
        account = Account(identifiant, mot_de_passe, claims, _sub(identifiant, claims))
        if (
            self.by_login.get(identifiant, account) != account
            or self.by_sub.get(account.sub, account) != account
        ):
            raise ValueError(f"compte en double : {identifiant}")
        self.by_sub[account.sub] = account
        self.by_login[identifiant] = account
        return account

    def authenticate(self, identifiant: str, mot_de_passe: str) -> Account | None:
        """The account whose password matches, compared in constant time (also for an unknown login)."""
        account = self.by_login.get(identifiant)
        expected = account.mot_de_passe if account else "\x00" * 32
        ok = hmac.compare_digest(mot_de_passe.encode("utf-8"), expected.encode("utf-8"))
        return account if ok and account else None

    def password(self, identifiant: str) -> str:
        """The demo password of a login (for `python -m dui_oidc jeton` and the tests)."""
        return self.by_login[identifiant].mot_de_passe
