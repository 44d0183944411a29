"""The operator dashboard: one static page (plain HTML, inline vanilla JS and SVG, no build step) showing the
ESMS Numérique and Ségur TBB.1 figures of an ESMS and their last twelve months, read from `/reporting/…`.

The page and its configuration are public (`regles.PUBLIQUES`): they hold no data. The page gets its bearer token
itself — authorization code + PKCE at the OIDC provider named by `/tableau-de-bord/config`, as the public client
`dui-front`, or a token pasted by the operator — and every figure it shows comes from the reporting endpoints,
under that token's rights. Its Content-Security-Policy is `securite_http.dashboard_csp`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

router = APIRouter(prefix="/tableau-de-bord", tags=["tableau de bord"])

PAGE = Path(__file__).resolve().parent.parent / "static" / "tableau-de-bord.html"
CLIENT_ID = "dui-front"
"""The public client of the DUI's web front ends at the OIDC provider (PKCE, loopback or declared redirect URIs)."""
PATHS = ("/tableau-de-bord", "/tableau-de-bord/")
"""The paths answered with the page (their policy: `securite_http.dashboard_csp`)."""


class ConfigTableauDeBord(BaseModel):
    issuer: str = Field(
        description="fournisseur OpenID Connect (découverte : <issuer>/.well-known/openid-configuration)"
    )
    client_id: str = Field(description="client public OIDC de la page (code d'autorisation + PKCE S256)")


@cache
def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


@router.get("", response_class=HTMLResponse, include_in_schema=False)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    """The dashboard page (public: it holds no data, it reads the figures with the operator's token)."""
    return HTMLResponse(_page())


@router.get("/config", response_model=ConfigTableauDeBord)
async def config(request: Request) -> ConfigTableauDeBord:
    """Where the page logs the operator in: the OIDC issuer the gateway trusts, and the page's client id."""
    return ConfigTableauDeBord(issuer=request.app.state.settings.oidc_issuer.rstrip("/"), client_id=CLIENT_ID)
