"""The parcours usager over HTTP: candidature → contact → visite → décision → admission → sortie."""

from __future__ import annotations

import httpx

from tests.support.builders import EHPAD, FAM, OG_WIDE, candidature, waiting_list


async def test_a_candidature_goes_from_reception_to_sortie_and_the_waiting_list_follows(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    nom = f"Martin-{unique}"
    created = await gateway.post("/candidatures", json=candidature(nom, EHPAD, FAM), headers=OG_WIDE)
    assert created.status_code == 201, created.text
    demande = created.json()
    assert created.headers["Location"] == f"/demandes/{demande['demande_id']}"
    assert len(demande["candidatures"]) == 2

    page = await waiting_list(gateway, created.headers["X-Dui-Position"], q=nom)
    assert page["total"] == 2
    assert {c["esms"] for c in page["items"]} == {EHPAD, FAM}
    assert {c["statut"] for c in page["items"]} == {"recue"}
    ehpad = next(c for c in page["items"] if c["esms"] == EHPAD)
    cid = ehpad["id"]

    step = await gateway.post(
        f"/candidatures/{cid}/contacts",
        headers=OG_WIDE,
        json={"planifie_le": "2026-12-01T14:30:00", "interlocuteur": "famille"},
    )
    assert step.status_code == 200, step.text
    view = (
        await gateway.get(
            f"/candidatures/{cid}", headers={**OG_WIDE, "X-Dui-Min-Position": step.headers["X-Dui-Position"]}
        )
    ).json()
    assert view["statut"] == "contact_planifie"
    assert view["contact_planifie_le"] == "2026-12-01T14:30:00+01:00"  # stored UTC, shown in Paris time

    step = await gateway.post(
        f"/candidatures/{cid}/visites-preadmission",
        headers=OG_WIDE,
        json={
            "le": "2026-12-05T10:00:00+01:00",
            "statut": "realisee",
            "compte_rendu": "Visite avec sa fille",
        },
    )
    assert step.status_code == 200, step.text
    step = await gateway.post(f"/candidatures/{cid}/decision", headers=OG_WIDE, json={"decision": "acceptee"})
    assert step.status_code == 200, step.text
    page = await waiting_list(gateway, step.headers["X-Dui-Position"], q=nom, statut="acceptee")
    assert [c["id"] for c in page["items"]] == [cid]

    admitted = await gateway.post(
        f"/candidatures/{cid}/admission",
        headers=OG_WIDE,
        json={"admis_le": "2027-01-15T09:00:00", "place": "Chambre 12"},
    )
    assert admitted.status_code == 201, admitted.text
    sejour_id = admitted.json()["id"]
    assert admitted.headers["Location"] == f"/sejours/{sejour_id}"
    page = await waiting_list(gateway, admitted.headers["X-Dui-Position"], q=nom, statut="admise")
    assert page["items"][0]["sejour_id"] == sejour_id

    sortie = await gateway.post(
        f"/sejours/{sejour_id}/sortie",
        headers=OG_WIDE,
        json={
            "sortie_le": "2027-03-02T06:40:00",
            "motif": "deces",
            "actions": [{"libelle": "Famille prévenue", "realisee_le": "2027-03-02T07:00:00"}],
        },
    )
    assert sortie.status_code == 200, sortie.text
    sejour = (
        await gateway.get(
            f"/sejours/{sejour_id}",
            headers={**OG_WIDE, "X-Dui-Min-Position": sortie.headers["X-Dui-Position"]},
        )
    ).json()
    assert sejour["actif"] is False
    assert sejour["motif_sortie"] == "deces"
    assert sejour["admis_le"] == "2027-01-15T09:00:00+01:00"
    assert [a["libelle"] for a in sejour["actions_sortie"]] == ["Famille prévenue"]


async def test_a_creation_retried_with_its_idempotency_key_creates_nothing_more(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    headers = {**OG_WIDE, "Idempotency-Key": f"saisie-{unique}"}
    body = candidature(f"Reessai-{unique}", EHPAD, FAM)
    first = await gateway.post("/candidatures", json=body, headers=headers)
    again = await gateway.post(
        "/candidatures", json=body, headers=headers
    )  # e.g. after a 503 or a lost answer

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["X-Dui-Position"] == first.headers["X-Dui-Position"]
    page = await waiting_list(gateway, first.headers["X-Dui-Position"], q=f"Reessai-{unique}")
    assert page["total"] == 2
    other = await gateway.post("/candidatures", json=body, headers=OG_WIDE)  # no key: a new candidature
    assert other.json()["demande_id"] != first.json()["demande_id"]

    cid = first.json()["candidatures"][0]
    await gateway.post(f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=OG_WIDE)
    admission = {"admis_le": "2027-01-15T09:00:00", "place": "Chambre 8"}
    admitted = await gateway.post(f"/candidatures/{cid}/admission", json=admission, headers=headers)
    retried = await gateway.post(f"/candidatures/{cid}/admission", json=admission, headers=headers)
    assert (admitted.status_code, retried.status_code) == (201, 201)
    assert retried.headers["Location"] == admitted.headers["Location"]
    assert retried.headers["X-Dui-Position"] == admitted.headers["X-Dui-Position"]
    unkeyed = await gateway.post(f"/candidatures/{cid}/admission", json=admission, headers=OG_WIDE)
    assert unkeyed.status_code == 409  # a different request is still a double admission


async def test_an_idempotency_key_reused_for_another_request_does_not_swallow_it(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    headers = {**OG_WIDE, "Idempotency-Key": f"meme-cle-{unique}"}
    first = await gateway.post("/candidatures", json=candidature(f"Cle-A-{unique}"), headers=headers)
    second = await gateway.post("/candidatures", json=candidature(f"Cle-B-{unique}"), headers=headers)
    assert second.json()["demande_id"] != first.json()["demande_id"]

    sejours = []
    for created in (first, second):
        cid = created.json()["candidatures"][0]
        await gateway.post(f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=OG_WIDE)
        admitted = await gateway.post(
            f"/candidatures/{cid}/admission", json={"admis_le": "2027-02-01T10:00:00"}, headers=headers
        )
        assert admitted.status_code == 201, admitted.text
        sejours.append(admitted.headers["Location"])
    assert sejours[0] != sejours[1]
