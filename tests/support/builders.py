"""Builders of valid request bodies; tests change only what their scenario is about."""

from __future__ import annotations

from typing import Any

EHPAD = "690004122"
SSIAD = "130008154"
FAM = "2A0002319"
OG_WIDE = {"X-Dui-Professionnel": "sec-0001", "X-Dui-Role": "secretariat", "X-Dui-Esms": "*"}


def headers_for(*esms: str, role: str = "secretariat", who: str = "sec-0002") -> dict[str, str]:
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
