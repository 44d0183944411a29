"""The local OpenID Connect provider: authlib's authorization server on Flask, for `make run` and the tests.

Tokens come out of authlib's grant flows only: authorization code with PKCE S256 (`AuthorizationCodeGrant`,
`CodeChallenge`, `OpenIDCode` for the ID token), refresh (`RefreshTokenGrant`, rotating the refresh token), and
RFC 9068 JWT access tokens (`JWTBearerTokenGenerator`) signed RS256 with the current key of `keys.KeyStore`.
State (codes, issued tokens) lives in memory: a restart logs everyone out of the provider, not of the gateway,
which only needs the published keys.
"""

from __future__ import annotations

import base64
import html
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from authlib.common.security import generate_token
from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, scope_to_list
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator, JWTBearerTokenValidator
from authlib.oidc.core import OpenIDCode, UserInfoEndpoint
from flask import Flask, Response, jsonify, request
from joserfc.jwk import KeySet
from werkzeug.exceptions import HTTPException

from dui_oidc.accounts import IDENTITY_CLAIMS, Account, Accounts, Client
from dui_oidc.keys import KeyStore, default_keys_file
from dui_shared.observability import get_logger

log = get_logger(__name__)

SCOPES = ("openid", "profile")
CODE_LIFETIME = 120
"""Seconds an authorization code stays usable (RFC 6749 recommends at most 10 minutes)."""


@dataclass
class CodeRecord:
    """An issued authorization code, with what the token request must match (client, redirect URI, PKCE)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    sub: str
    nonce: str | None
    auth_time: int
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float

    # authlib's AuthorizationCodeMixin (OpenID flavour)
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str]:
        return ["pwd"]


@dataclass
class TokenRecord:
    """An issued access token (and its refresh token), for refresh, revocation and userinfo."""

    client_id: str
    sub: str
    scope: str
    access_token: str
    jti: str
    access_expires_at: float
    refresh_token: str | None
    refresh_expires_at: float
    access_revoked: bool = False
    refresh_revoked: bool = False

    # authlib's TokenMixin
    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.access_expires_at - time.time()))

    def is_expired(self) -> bool:
        return time.time() >= self.access_expires_at

    def is_revoked(self) -> bool:
        return self.access_revoked


class Store:
    """Codes, used nonces and issued tokens, shared by the server's threads; expired entries are pruned."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, CodeRecord] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._by_access: dict[str, TokenRecord] = {}
        self._by_refresh: dict[str, TokenRecord] = {}

    def save_code(self, record: CodeRecord) -> None:
        with self._lock:
            self._prune()
            self._codes[record.code] = record
            if record.nonce:
                self._nonces[(record.client_id, record.nonce)] = record.expires_at

    def code(self, code: str, client_id: str) -> CodeRecord | None:
        with self._lock:
            record = self._codes.get(code)
        if record is None or record.client_id != client_id or record.expires_at < time.time():
            return None
        return record

    def delete_code(self, code: str) -> None:
        with self._lock:
            self._codes.pop(code, None)

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        with self._lock:
            return (client_id, nonce) in self._nonces

    def save_token(self, record: TokenRecord) -> None:
        with self._lock:
            self._prune()
            self._by_access[record.access_token] = record
            if record.refresh_token:
                self._by_refresh[record.refresh_token] = record

    def by_access(self, token: str) -> TokenRecord | None:
        with self._lock:
            return self._by_access.get(token)

    def by_refresh(self, token: str) -> TokenRecord | None:
        with self._lock:
            return self._by_refresh.get(token)

    def access_revoked(self, jti: str) -> bool:
        with self._lock:
            return any(r.jti == jti and r.access_revoked for r in self._by_access.values())

    def _prune(self) -> None:
        now = time.time()
        for code in [c for c, r in self._codes.items() if r.expires_at < now]:
            del self._codes[code]
        for key in [k for k, exp in self._nonces.items() if exp < now]:
            del self._nonces[key]
        for token in [
            t for t, r in self._by_access.items() if max(r.access_expires_at, r.refresh_expires_at) < now
        ]:
            record = self._by_access.pop(token)
            if record.refresh_token:
                self._by_refresh.pop(record.refresh_token, None)


def _jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT this provider just signed (no verification needed: it never left the process)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class _Server(AuthorizationServer):
    """authlib's Flask authorization server, with a handle on the provider for the grants and endpoints."""

    def __init__(self, app: Flask, provider: Provider) -> None:
        self.provider = provider
        super().__init__(app, query_client=provider.accounts.clients.get, save_token=provider.save_token)


class _AuthorizationCodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
        "none"
    ]  # public clients: PKCE stands in for the secret

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self.server.provider.store.save_code(
            CodeRecord(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                sub=request.user.sub,
                nonce=data.get("nonce"),
                auth_time=int(time.time()),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=time.time() + CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        return self.server.provider.store.code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        self.server.provider.store.delete_code(authorization_code.code)

    def authenticate_user(self, authorization_code: CodeRecord) -> Account | None:
        return self.server.provider.accounts.by_sub.get(authorization_code.sub)


class _RefreshTokenGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none"]
    INCLUDE_NEW_REFRESH_TOKEN = (
        True  # a public client's refresh token is rotated at each use (RFC 9700 §4.14)
    )

    def authenticate_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        record: TokenRecord | None = self.server.provider.store.by_refresh(refresh_token)
        if record is None or record.refresh_revoked or record.refresh_expires_at < time.time():
            return None
        return record

    def authenticate_user(self, refresh_token: TokenRecord) -> Account | None:
        return self.server.provider.accounts.by_sub.get(refresh_token.sub)

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        refresh_token.refresh_revoked = True


class _PkceS256(CodeChallenge):
    """authlib's PKCE, refusing at the authorization endpoint a request without an S256 challenge (authlib alone
    would only notice the missing verifier at the token endpoint, after the user typed their password)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE obligatoire : parametre code_challenge absent")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "PKCE : seule la methode S256 est acceptee (code_challenge_method=S256)"
            )
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return self.provider.store.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return self.provider.keys.signing_key_set()

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {"iss": self.provider.issuer}

    def generate_user_info(self, user: Account, scope: str) -> dict[str, Any]:
        return self.provider.user_info(user, scope)


class _AccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 access tokens: `typ: at+jwt`, the configured audience and the account's identity claims."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(
            issuer=provider.issuer,
            alg="RS256",
            refresh_token_generator=lambda **_: generate_token(48),
            expires_generator=provider.access_token_lifetime,
        )
        self.provider = provider

    def get_jwks(self) -> KeySet:
        return self.provider.keys.signing_key_set()

    def get_audiences(self, client: Client, user: Account, scope: str) -> str:
        return self.provider.audience

    def get_extra_claims(self, client: Client, grant_type: str, user: Account, scope: str) -> dict[str, Any]:
        return dict(user.claims)

    def get_amr(self, user: Account) -> list[str]:
        return ["pwd"]


class _AccessTokenValidator(JWTBearerTokenValidator):
    """Bearer tokens at /userinfo: this provider's own RFC 9068 tokens, not revoked at /revoke."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(issuer=provider.issuer, resource_server=provider.audience)
        self.provider = provider

    def get_jwks(self) -> KeySet:
        return self.provider.keys.public_key_set()

    def validate_token(self, token: Any, scopes: Any, request: Any, *args: Any, **kwargs: Any) -> None:
        super().validate_token(token, scopes, request, *args, **kwargs)
        if self.provider.store.access_revoked(str(token.get("jti"))):
            raise InvalidTokenError(description="jeton revoque")


class _UserInfo(UserInfoEndpoint):
    def __call__(self, req: Any) -> tuple[int, Any, Any]:
        claims = self.resource_protector.acquire_token("openid")
        account = self.server.provider.accounts.by_sub.get(claims["sub"])
        if account is None:
            raise InvalidTokenError(description="compte inconnu")
        return 200, self.server.provider.user_info(account, claims.get("scope", "")), default_json_headers


class _Revocation(RevocationEndpoint):
    """RFC 7009 for this provider's access and refresh tokens (the gateway has its own list, by `jti`)."""

    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["none"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        store: Store = self.server.provider.store
        if token_type_hint == "refresh_token":
            return store.by_refresh(token_string) or store.by_access(token_string)
        return store.by_access(token_string) or store.by_refresh(token_string)

    def revoke_token(self, token: TokenRecord, request: Any) -> None:
        token.access_revoked = True
        token.refresh_revoked = True


_CORS_PATHS = frozenset({"/.well-known/openid-configuration", "/jwks", "/token", "/revoke"})
"""Read by browser-based public clients from their own origin (RFC 8252 / OAuth 2.0 for browser-based apps)."""
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2733}"
    "label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem}.erreur{color:#a1111b;font-weight:600}"
    ".avertissement{font-size:.85rem;color:#5b6570;border-left:3px solid #c98a00;padding-left:.6rem}"
)


def _page(title: str, body: str, status: int = 200) -> Response:
    text = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}"
        '<p class="avertissement">Fournisseur d\'identité local de développement et de test : les comptes sont '
        "fictifs. En production, la connexion passe par Pro Santé Connect ou le fournisseur d'identité de "
        "l'organisme.</p></body></html>"
    )
    return Response(text, status=status, mimetype="text/html", headers=_SECURITY_HEADERS)


def _login_form(
    fields: Iterable[tuple[str, str]], client: Client, identifiant: str, erreur: str | None
) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields
        if k not in ("identifiant", "mot_de_passe")
    )
    message = f'<p class="erreur" role="alert">{html.escape(erreur)}</p>' if erreur else ""
    body = (
        f"<p>Connexion demandée par <strong>{html.escape(client.nom or client.client_id)}</strong>.</p>{message}"
        f'<form method="post" action="authorize">{hidden}'
        '<label for="identifiant">Identifiant</label>'
        f'<input id="identifiant" name="identifiant" autocomplete="username" required value="{html.escape(identifiant)}">'
        '<label for="mot_de_passe">Mot de passe</label>'
        '<input id="mot_de_passe" name="mot_de_passe" type="password" autocomplete="current-password" required>'
        '<button type="submit">Se connecter</button></form>'
    )
    return _page("Connexion au DUI", body)


def _refused(error: OAuth2Error) -> Response:
    """An authorization request that cannot be sent back to the client (unknown client, unregistered redirect
    URI): shown to the user, never redirected."""
    body = (
        "<p>La demande de connexion a été refusée : l'application qui l'a envoyée n'est pas reconnue ou son "
        "adresse de retour n'est pas enregistrée.</p>"
        f"<p><code>{html.escape(error.error or '')}</code> — {html.escape(error.description or '')}</p>"
    )
    return _page("Demande de connexion refusée", body, status=400)


class Provider:
    """One provider: its Flask app (`app`, a WSGI application), keys, accounts and in-memory state.

    `issuer` must be the exact URL clients use (it is the tokens' `iss` and the discovery document's `issuer`).
    """

    def __init__(
        self,
        issuer: str,
        *,
        audience: str = "dui-gateway",
        access_token_lifetime: int = 600,
        refresh_token_lifetime: int = 8 * 3600,
        accounts_file: Path | None = None,
        accounts: Accounts | None = None,
        keys_file: Path | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.access_token_lifetime = int(access_token_lifetime)
        self.refresh_token_lifetime = int(refresh_token_lifetime)
        self.accounts = accounts if accounts is not None else Accounts.load(accounts_file)
        self.keys = KeyStore(keys_file or default_keys_file())
        self.store = Store()
        self.app = self._build_app()

    def rotate(self) -> str:
        """A new signing key; tokens signed by the previous ones stay valid. Returns the new kid."""
        return self.keys.rotate()

    def user_info(self, account: Account, scope: str) -> dict[str, Any]:
        """`sub`, plus the identity claims when the `profile` scope was granted."""
        info: dict[str, Any] = {"sub": account.sub}
        if "profile" in scope_to_list(scope or ""):
            info.update(account.claims)
        return info

    def save_token(self, token: dict[str, Any], req: Any) -> None:
        now = time.time()
        self.store.save_token(
            TokenRecord(
                client_id=req.client.client_id,
                sub=req.user.sub,
                scope=token.get("scope", ""),
                access_token=token["access_token"],
                jti=str(_jwt_claims(token["access_token"])["jti"]),
                access_expires_at=now + int(token.get("expires_in", self.access_token_lifetime)),
                refresh_token=token.get("refresh_token"),
                refresh_expires_at=now + self.refresh_token_lifetime if token.get("refresh_token") else 0,
            )
        )

    def discovery(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "jwks_uri": f"{i}/jwks",
            "userinfo_endpoint": f"{i}/userinfo",
            "revocation_endpoint": f"{i}/revoke",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", *IDENTITY_CLAIMS],
        }

    def _build_app(self) -> Flask:
        app = Flask("dui_oidc")
        app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
        server = _Server(app, self)
        server.register_token_generator("default", _AccessTokens(self))
        server.register_grant(_AuthorizationCodeGrant, [_PkceS256(required=True), _OpenIDCode(self)])
        server.register_grant(_RefreshTokenGrant)
        server.register_endpoint(_Revocation)
        protector = ResourceProtector()
        protector.register_token_validator(_AccessTokenValidator(self))
        server.register_endpoint(_UserInfo(resource_protector=protector))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            return jsonify(self.discovery())

        @app.get("/jwks")
        def jwks() -> Response:
            response = jsonify(self.keys.public_jwks())
            response.headers["Cache-Control"] = "public, max-age=60"
            return response

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Response:
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                if (
                    error.redirect_uri
                ):  # the client and its redirect URI are known: tell the client (RFC 6749 §4.1.2.1)
                    return server.handle_error_response(None, error)
                return _refused(error)
            fields = [(k, v) for k in request.values for v in request.values.getlist(k)]
            if request.method == "GET":
                return _login_form(fields, grant.client, "", None)
            identifiant = request.form.get("identifiant", "")
            account = self.accounts.authenticate(identifiant, request.form.get("mot_de_passe", ""))
            if account is None:
                log.info("oidc.connexion_refusee", identifiant=identifiant[:64])
                return _login_form(
                    fields, grant.client, identifiant, "Identifiant ou mot de passe incorrect."
                )
            return server.create_authorization_response(grant=grant, grant_user=account)

        @app.post("/token")
        def token() -> Response:
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo() -> Response:
            return server.create_endpoint_response("userinfo")

        @app.post("/revoke")
        def revoke() -> Response:
            return server.create_endpoint_response("revocation")

        @app.after_request
        def cors(response: Response) -> Response:
            # browser clients (the operator dashboard, served by the gateway: another origin) read discovery
            # and exchange their code here; simple requests only (GET, form POST), no cookies, no credentials
            if request.path in _CORS_PATHS:
                response.headers["Access-Control-Allow-Origin"] = "*"
            return response

        @app.errorhandler(HTTPException)
        def http_error(exc: HTTPException) -> tuple[Response, int]:
            messages = {404: "ressource introuvable", 405: "méthode non autorisée"}
            body = {
                "error": "invalid_request",
                "error_description": messages.get(exc.code or 400, "requête invalide"),
            }
            return jsonify(body), exc.code or 400

        @app.errorhandler(Exception)
        def unexpected(exc: Exception) -> tuple[Response, int]:
            log.exception("oidc.erreur_interne", path=request.path)
            body = {"error": "server_error", "error_description": "erreur interne du fournisseur d'identité"}
            return jsonify(body), 500

        return app
