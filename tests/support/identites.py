"""Who a test speaks as, turned into a real access token.

Tests name the caller with three test-only headers (`X-Dui-Professionnel`, `X-Dui-Role`, `X-Dui-Esms`, see
`builders.headers_for`). The test client's `httpx.Auth` removes them and logs in at the session's local OIDC
provider as an account carrying exactly that identity — created on first use, then its token is cached — so every
request reaches the gateway with `Authorization: Bearer <a token the provider signed>` and nothing else. The
gateway never reads those headers: a test that forgot the auth would be refused (401).

A physician or nurse whose id is an 11-digit RPPS gets Pro Santé Connect-shaped claims (`SubjectNameID`,
`SubjectRefPro`), like production; others get the OG's own provider's `dui_profession`. The ESMS go in the
`dui_esms` claim (read because the test gateway names that claim, as an OG whose provider knows assignments
would); `*` is an assignment to every ESMS of the OG.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from dui_oidc.accounts import Accounts
from dui_oidc.client import obtain_tokens

PERSONNES = ("usager", "personne_de_confiance", "representant_legal")
TEST_HEADERS = ("X-Dui-Professionnel", "X-Dui-Role", "X-Dui-Esms")


class IdentitesDeTest(httpx.Auth):
    def __init__(self, issuer: str, accounts: Accounts, psc: dict[str, str]) -> None:
        self.issuer = issuer
        self.accounts = accounts
        self.psc_code = {profession: code for code, profession in psc.items()}
        self._tokens: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def claims(self, who: str, role: str, esms: list[str]) -> dict[str, Any]:
        claims: dict[str, Any] = {"preferred_username": who, "given_name": "Test", "family_name": who.upper()}
        if role in PERSONNES:
            claims["dui_profil"] = role
            return claims
        sub = "8" + who
        if who.isdigit() and len(who) == 11 and role in self.psc_code and sub not in self.accounts.by_sub:
            claims["SubjectNameID"] = sub
            claims["SubjectRefPro"] = {
                "codeCivilite": "DR" if role == "medecin" else "M",
                "exercices": [{"codeProfession": self.psc_code[role], "codeCategorieProfession": "C"}],
            }
        else:
            claims["dui_profession"] = role
        claims["dui_esms"] = esms
        return claims

    def token(self, who: str, role: str, esms: str, *, own: bool = False) -> str:
        """A token for this identity, shared by the session's requests; `own`: a session of its own (a test
        that logs out must not log the others out)."""
        key = (who, role, esms)
        with self._lock:
            if key in self._tokens and not own:
                return self._tokens[key]
            login = "t-" + hashlib.sha256("\n".join(key).encode()).hexdigest()[:20]
            password = secrets.token_urlsafe(16)
            if login not in self.accounts.by_login:
                wanted = [e.strip() for e in esms.split(",") if e.strip()]
                self.accounts.add(login, password, self.claims(who, role, wanted))
            else:
                password = self.accounts.password(login)
        token = str(obtain_tokens(self.issuer, login, password)["access_token"])
        if not own:
            with self._lock:
                self._tokens[key] = token
        return token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        who, role = request.headers.get("X-Dui-Professionnel"), request.headers.get("X-Dui-Role")
        esms = request.headers.get("X-Dui-Esms", "")
        for header in TEST_HEADERS:
            request.headers.pop(header, None)
        if who and role and "Authorization" not in request.headers:
            token = await asyncio.to_thread(self.token, who, role, esms)
            request.headers["Authorization"] = f"Bearer {token}"
        yield request
