"""The OG-wide waiting list as the admission secretariat uses it, and the ViaTrajectoire import that feeds it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.builders import EHPAD, FAM, OG_WIDE, SSIAD, candidature, headers_for, usager, waiting_list


async def _create(gateway: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    response = await gateway.post("/candidatures", json=body, headers=OG_WIDE)
    assert response.status_code == 201, response.text
    return response


async def test_the_list_filters_sorts_and_pages_across_the_esms_of_the_og(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    tag = f"Liste{unique}"
    bodies = [
        candidature(f"{tag}-Aubert", EHPAD, recue_le="2026-10-01T09:00:00"),
        candidature(f"{tag}-Bailly", EHPAD, type_accueil="temporaire", recue_le="2026-10-03T09:00:00"),
        candidature(f"{tag}-Caron", SSIAD, recue_le="2026-10-02T23:30:00", urgence=True),
        candidature(f"{tag}-Dumas", FAM, recue_le="2026-10-05T09:00:00"),
    ]
    last = ""
    for body in bodies:
        last = (await _create(gateway, body)).headers["X-Dui-Position"]

    everything = await waiting_list(gateway, last, q=tag)
    assert everything["total"] == 4
    assert [c["usager"]["nom_naissance"] for c in everything["items"]] == [
        f"{tag}-Aubert",
        f"{tag}-Caron",
        f"{tag}-Bailly",
        f"{tag}-Dumas",
    ]  # oldest first by default

    newest_first = await waiting_list(gateway, last, q=tag, tri="-recue_le", limit=2, offset=1)
    assert (newest_first["total"], newest_first["limit"], newest_first["offset"]) == (4, 2, 1)
    assert [c["usager"]["nom_naissance"] for c in newest_first["items"]] == [f"{tag}-Bailly", f"{tag}-Caron"]

    ehpad = await waiting_list(gateway, last, q=tag, esms=[EHPAD], type_accueil="temporaire")
    assert [c["usager"]["nom_naissance"] for c in ehpad["items"]] == [f"{tag}-Bailly"]
    assert ehpad["items"][0]["esms_nom"] == "EHPAD Les Tilleuls"

    # 23:30 in Paris on 2 October is 21:30 UTC: the Paris day decides
    day = await waiting_list(gateway, last, q=tag, recue_du="2026-10-02", recue_au="2026-10-02")
    assert [c["usager"]["nom_naissance"] for c in day["items"]] == [f"{tag}-Caron"]
    urgent = await waiting_list(gateway, last, q=tag, urgence=True)
    assert urgent["total"] == 1

    fam_staff = await waiting_list(gateway, last, headers=headers_for(FAM), q=tag)
    assert [c["esms"] for c in fam_staff["items"]] == [FAM]  # filtered, not forbidden


async def test_a_viatrajectoire_export_is_imported_once_with_its_rejects_listed(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    numero = f"VT-{unique}"
    export = {
        "format": "dui-viatrajectoire/1",
        "exporte_le": "2026-11-20T08:00:00+01:00",
        "dossiers": [
            {
                "numero_dossier": numero,
                "date_demande": "2026-11-02",
                "usager": usager(f"Import-{unique}"),
                "etablissements_demandes": [EHPAD, FAM, "750000010"],
                "type_accueil": "permanent",
            },
            {
                "numero_dossier": f"{numero}-c",
                "date_demande": "2026-11-04",
                "usager": usager(f"Import-{unique}"),
                "etablissements_demandes": [FAM, FAM],
                "type_accueil": "permanent",
            },
            {
                "numero_dossier": f"{numero}-b",
                "date_demande": "2026-11-03",
                "usager": {"nom_naissance": f"Import-{unique}"},
                "etablissements_demandes": [EHPAD],
                "type_accueil": "permanent",
            },
        ],
    }
    first = await gateway.post("/imports/viatrajectoire", json=export, headers=OG_WIDE)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["crees"], report["deja_importes"]) == (3, 0)  # a FINESS listed twice counts once
    rejects = {(r["numero_dossier"], r["field"], r["rule"]) for r in report["rejets"]}
    assert (numero, "etablissements_demandes.2", "esms_inconnu") in rejects
    assert (f"{numero}-b", "usager.prenoms", "missing") in rejects

    again = (await gateway.post("/imports/viatrajectoire", json=export, headers=OG_WIDE)).json()
    assert (again["crees"], again["deja_importes"]) == (0, 3)

    page = await waiting_list(gateway, first.headers["X-Dui-Position"], q=f"Import-{unique}")
    assert page["total"] == 3
    assert {c["reference_externe"] for c in page["items"]} == {numero, f"{numero}-c"}
    assert {c["origine"] for c in page["items"]} == {"viatrajectoire"}
    assert {c["recue_le"] for c in page["items"]} == {
        "2026-11-02T12:00:00+01:00",
        "2026-11-04T12:00:00+01:00",
    }


async def test_an_unknown_import_format_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/imports/viatrajectoire",
        json={"format": "autre", "exporte_le": "2026-11-20", "dossiers": []},
        headers=OG_WIDE,
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"format"}


async def test_the_openapi_document_lists_every_admission_endpoint(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    paths = set(spec["paths"])
    assert {
        "/candidatures",
        "/candidatures/{candidature_id}/admission",
        "/sejours/{sejour_id}/sortie",
        "/imports/viatrajectoire",
        "/demandes/{demande_id}",
    } <= paths
    assert "application/problem+json" in spec["paths"]["/candidatures"]["post"]["responses"]["422"]["content"]
