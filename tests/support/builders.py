"""Builders of valid request bodies; tests change only what their scenario is about."""

from __future__ import annotations

from typing import Any

from dui_shared.contracts.aggir import reponses_uniformes

EHPAD = "690004122"
SSIAD = "130008154"
FAM = "2A0002319"
EQUIPE = "equipe_tests"
"""A line of the matrix the test session adds (tests/conftest.py): every data category in writing. The functional
tests are about each service's own rules; who may do what is tested with the shipped matrix's professions in
tests/e2e/test_matrice_habilitations.py."""
OG_WIDE = {"X-Dui-Professionnel": "sec-0001", "X-Dui-Role": EQUIPE, "X-Dui-Esms": "*"}


def headers_for(*esms: str, role: str = EQUIPE, who: str = "sec-0002") -> dict[str, str]:
    """Who a test speaks as: the test client turns these test-only headers into a real token of the session's
    OIDC provider for that identity (tests/support/identites.py); the gateway never reads them."""
    return {"X-Dui-Professionnel": who, "X-Dui-Role": role, "X-Dui-Esms": ",".join(esms)}


def usager(nom: str, **changes: Any) -> dict[str, Any]:
    body = {"nom_naissance": nom, "prenoms": "Jeanne Marie", "date_naissance": "1938-04-12", "sexe": "F"}
    body.update(changes)
    return body


def candidature(nom: str, *esms: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "usager": usager(nom),
        "esms": list(esms or (EHPAD,)),
        "type_accueil": "permanent",
        "date_entree_souhaitee": "2027-01-15",
    }
    body.update(changes)
    return body


def nouvelle_candidature(nom: str, *esms: str) -> Any:
    """The command model, for tests that call the application directly."""
    from dui_shared.contracts.admission_api import NouvelleCandidature

    return NouvelleCandidature.model_validate(candidature(nom, *esms))


async def waiting_list(gateway: Any, position: str, headers: dict[str, str] = OG_WIDE, **params: Any) -> Any:
    """The waiting list as `headers` sees it once the write at `position` is reflected."""
    response = await gateway.get(
        "/candidatures", params=params, headers={**headers, "X-Dui-Min-Position": position}
    )
    assert response.status_code == 200, response.text
    return response.json()


MARTIN = {"nom_naissance": "Martin", "prenoms": "Jeanne Louise", "date_naissance": "1938-03-12", "sexe": "F"}
"""A person the INSi simulator knows (config/insi-simulateur.json), born in Lyon (69123)."""


aggir = reponses_uniformes


async def admit(
    gateway: Any, nom: str, esms: str = EHPAD, headers: dict[str, str] = OG_WIDE, **usager_traits: Any
) -> tuple[str, str]:
    """Candidature, acceptance and admission over HTTP; the séjour id and the admission's log position."""
    body = candidature(nom, esms, usager=usager(nom, **usager_traits))
    created = await gateway.post("/candidatures", json=body, headers=headers)
    assert created.status_code == 201, created.text
    cid = created.json()["candidatures"][0]
    decided = await gateway.post(
        f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=headers
    )
    assert decided.status_code == 200, decided.text
    admitted = await gateway.post(
        f"/candidatures/{cid}/admission", json={"admis_le": "2026-09-01T10:00:00"}, headers=headers
    )
    assert admitted.status_code == 201, admitted.text
    return admitted.json()["id"], admitted.headers["X-Dui-Position"]


async def dossier_of(gateway: Any, sejour_id: str, position: str, headers: dict[str, str] = OG_WIDE) -> Any:
    """The dossier the dossier service opened for the séjour, read once it reflects the admission."""
    page = await gateway.get(
        "/dossiers", params={"sejour_id": sejour_id}, headers={**headers, "X-Dui-Min-Position": position}
    )
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 1, page.json()
    return page.json()["items"][0]


async def admitted_dossier(gateway: Any, nom: str, esms: str = EHPAD, **traits: Any) -> str:
    sejour_id, position = await admit(gateway, nom, esms, **traits)
    return str((await dossier_of(gateway, sejour_id, position))["id"])
