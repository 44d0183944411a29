"""A client of the authorization code flow with PKCE, over real HTTP, as a front end would run it.

It reads the discovery document, opens the login page, submits the form it contains with the login and password,
reads the code from the redirect (without following it: nothing listens on the redirect URI) and exchanges it,
with the PKCE verifier, at the token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

DEFAULT_REDIRECT_URIS = {"dui-outils": "http://127.0.0.1/rappel", "dui-front": "http://127.0.0.1:5173/rappel"}


class EchecConnexion(Exception):
    """The provider refused the login or the flow (the message says why, in French)."""


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields[str(a["name"])] = a.get("value") or ""


_discovery: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def discover(issuer: str, http: httpx.Client) -> dict[str, Any]:
    """The discovery document of `issuer`, read once per process."""
    issuer = issuer.rstrip("/")
    with _lock:
        if issuer in _discovery:
            return _discovery[issuer]
    doc: dict[str, Any] = http.get(f"{issuer}/.well-known/openid-configuration").raise_for_status().json()
    with _lock:
        _discovery[issuer] = doc
    return doc


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def read_login_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of the provider's login form."""
    form = _FormReader()
    form.feed(page)
    return form.action or "", form.fields


def authorize(
    http: httpx.Client,
    issuer: str,
    identifiant: str,
    mot_de_passe: str,
    *,
    client_id: str,
    scope: str,
    redirect_uri: str,
    code_challenge: str,
) -> str:
    """Open the login page for an authorization request, submit the login form, and return the code of the
    redirect (not followed)."""
    doc = discover(issuer, http)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    page = http.get(
        doc["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        },
    )
    if page.status_code != 200:
        where = page.headers.get("location") or page.text[:200]
        raise EchecConnexion(f"demande d'autorisation refusée ({page.status_code}) : {where}")
    action, fields = read_login_form(page.text)
    answer = http.post(
        urljoin(str(page.url), action),
        data={**fields, "identifiant": identifiant, "mot_de_passe": mot_de_passe},
    )
    if answer.status_code == 200:
        raise EchecConnexion(f"connexion refusée pour {identifiant} : identifiant ou mot de passe incorrect")
    if answer.status_code != 302:
        raise EchecConnexion(f"connexion impossible ({answer.status_code})")
    params = parse_qs(urlsplit(answer.headers["location"]).query)
    if params.get("state") != [state] or "code" not in params:
        raise EchecConnexion(f"réponse d'autorisation inattendue : {params.get('error', ['?'])[0]}")
    return params["code"][0]


def obtain_tokens(
    issuer: str,
    identifiant: str,
    mot_de_passe: str,
    client_id: str = "dui-outils",
    scope: str = "openid profile",
    *,
    redirect_uri: str | None = None,
    http: httpx.Client | None = None,
) -> dict[str, Any]:
    """Log in as `identifiant` and return the token response (access_token, id_token, expires_in…)."""
    redirect_uri = redirect_uri or DEFAULT_REDIRECT_URIS.get(client_id, "http://127.0.0.1/rappel")
    own = http is None
    client = http or httpx.Client(timeout=10, trust_env=False)
    try:
        verifier, challenge = pkce_pair()
        code = authorize(
            client,
            issuer,
            identifiant,
            mot_de_passe,
            client_id=client_id,
            scope=scope,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
        )
        response = client.post(
            discover(issuer, client)["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "code_verifier": verifier,
            },
        )
        if response.status_code != 200:
            raise EchecConnexion(f"échange du code refusé : {response.text[:200]}")
        tokens: dict[str, Any] = response.json()
        return tokens
    finally:
        if own:
            client.close()


class JetonsDeDemo(httpx.Auth):
    """For the demo scripts of `make run`: a request naming a demo professional (`X-Dui-Professionnel`: their
    RPPS number or login, as the gateway will know them) leaves with that account's real access token instead.
    Only accounts of the demo file can be spoken for; the headers themselves never reach the gateway."""

    def __init__(self, issuer: str, accounts: Any) -> None:
        self.issuer = issuer
        self.accounts = accounts
        self._tokens: dict[str, str] = {}

    def _login(self, who: str) -> str:
        for login, account in self.accounts.by_login.items():
            national = str(account.claims.get("SubjectNameID", ""))
            if who in (login, account.claims.get("preferred_username"), national[1:] if national else None):
                return str(login)
        raise EchecConnexion(f"aucun compte de démonstration pour « {who} »")

    def token(self, who: str) -> str:
        if who not in self._tokens:
            login = self._login(who)
            tokens = obtain_tokens(self.issuer, login, self.accounts.password(login))
            self._tokens[who] = str(tokens["access_token"])
        return self._tokens[who]

    def auth_flow(self, request: httpx.Request) -> Any:
        who = request.headers.get("X-Dui-Professionnel")
        for header in ("X-Dui-Professionnel", "X-Dui-Role", "X-Dui-Esms"):
            request.headers.pop(header, None)
        if who:
            request.headers["Authorization"] = f"Bearer {self.token(who)}"
        yield request
