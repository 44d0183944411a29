"""Bad input gets a clear 4xx problem+json naming the field and the rule; nothing half-written remains."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from dui_shared.eventstore import EventStore
from tests.support.builders import EHPAD, OG_WIDE, SSIAD, candidature, headers_for


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _rules(problem: dict) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in problem.get("errors", [])}


async def _accepted_candidature(gateway: httpx.AsyncClient, nom: str) -> str:
    created = await gateway.post("/candidatures", json=candidature(nom), headers=OG_WIDE)
    cid = created.json()["candidatures"][0]
    accepted = await gateway.post(
        f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=OG_WIDE
    )
    assert accepted.status_code == 200
    return cid


async def test_malformed_json_is_a_400_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/candidatures", content=b'{"usager": ', headers={**OG_WIDE, "content-type": "application/json"}
    )
    assert _rules(_problem(response, 400)) == {("body", "json_invalid")}


async def test_a_missing_field_and_a_bad_enum_are_named(gateway: httpx.AsyncClient, unique: str) -> None:
    body = candidature(f"Champ-{unique}", type_accueil="week-end")
    del body["usager"]["date_naissance"]
    problem = _problem(await gateway.post("/candidatures", json=body, headers=OG_WIDE), 422)
    assert ("usager.date_naissance", "missing") in _rules(problem)
    assert ("type_accueil", "enum") in _rules(problem)


async def test_a_wrong_finess_key_and_an_unknown_esms_are_refused_without_writing(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    nom = f"Finess-{unique}"
    body = candidature(nom, EHPAD, "690004123", "750000010")
    problem = _problem(await gateway.post("/candidatures", json=body, headers=OG_WIDE), 422)
    assert _rules(problem) == {("esms.1", "finess_cle"), ("esms.2", "esms_inconnu")}
    written = [
        e
        for e in await store.read(f"dui.evt.{EHPAD}.admission.candidature.*")
        if e.envelope.data.get("usager", {}).get("nom_naissance") == nom
    ]
    assert written == []  # the valid EHPAD candidature was not written either


async def test_a_type_d_accueil_the_esms_does_not_offer_is_refused(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    body = candidature(f"Jour-{unique}", SSIAD, type_accueil="de_jour")
    problem = _problem(await gateway.post("/candidatures", json=body, headers=OG_WIDE), 422)
    assert _rules(problem) == {("type_accueil", "type_accueil_non_propose")}


async def test_a_refusal_without_a_reason_is_refused(gateway: httpx.AsyncClient, unique: str) -> None:
    created = await gateway.post("/candidatures", json=candidature(f"Motif-{unique}"), headers=OG_WIDE)
    cid = created.json()["candidatures"][0]
    problem = _problem(
        await gateway.post(f"/candidatures/{cid}/decision", json={"decision": "refusee"}, headers=OG_WIDE),
        422,
    )
    assert _rules(problem) == {("motif", "motif_obligatoire")}


async def test_a_refused_or_withdrawn_candidature_cannot_be_admitted(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    for decision in ({"decision": "refusee", "motif": "Pas de place"}, {"decision": "retiree"}):
        created = await gateway.post("/candidatures", json=candidature(f"Refus-{unique}"), headers=OG_WIDE)
        cid = created.json()["candidatures"][0]
        await gateway.post(f"/candidatures/{cid}/decision", json=decision, headers=OG_WIDE)
        problem = _problem(
            await gateway.post(
                f"/candidatures/{cid}/admission", json={"admis_le": "2027-01-10T10:00:00"}, headers=OG_WIDE
            ),
            409,
        )
        assert problem["type"] == "urn:dui:probleme:admission_non_acceptee"


async def test_no_double_admission_even_when_two_requests_race(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    cid = await _accepted_candidature(gateway, f"Double-{unique}")
    body = {"admis_le": "2027-01-10T10:00:00", "place": "Chambre 3"}
    responses = await asyncio.gather(
        *(gateway.post(f"/candidatures/{cid}/admission", json=body, headers=OG_WIDE) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    again = await gateway.post(f"/candidatures/{cid}/admission", json=body, headers=OG_WIDE)
    assert _problem(again, 409)["type"] == "urn:dui:probleme:double_admission"


async def test_two_concurrent_decisions_give_one_success_and_one_conflict(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    created = await gateway.post("/candidatures", json=candidature(f"Course-{unique}"), headers=OG_WIDE)
    cid = created.json()["candidatures"][0]
    responses = await asyncio.gather(
        gateway.post(f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=OG_WIDE),
        gateway.post(
            f"/candidatures/{cid}/decision", json={"decision": "refusee", "motif": "Complet"}, headers=OG_WIDE
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]


async def test_a_sortie_before_the_admission_is_refused(gateway: httpx.AsyncClient, unique: str) -> None:
    cid = await _accepted_candidature(gateway, f"Sortie-{unique}")
    admitted = await gateway.post(
        f"/candidatures/{cid}/admission", json={"admis_le": "2027-01-10T10:00:00"}, headers=OG_WIDE
    )
    sejour = admitted.headers["Location"]
    problem = _problem(
        await gateway.post(
            f"{sejour}/sortie",
            json={"sortie_le": "2027-01-10T09:59:00", "motif": "retour_domicile"},
            headers=OG_WIDE,
        ),
        422,
    )
    assert _rules(problem) == {("sortie_le", "avant_admission")}


async def test_an_unauthenticated_call_is_a_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/candidatures")
    assert _problem(response, 401)["type"] == "urn:dui:probleme:jeton_absent"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="dui"'
    forged = await gateway.get("/candidatures", headers={"Authorization": "Bearer pas.un.jeton"})
    assert _problem(forged, 401)["type"] == "urn:dui:probleme:jeton_invalide"
    assert 'error="invalid_token"' in forged.headers["WWW-Authenticate"]


async def test_another_esms_candidature_is_neither_visible_nor_writable(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    created = await gateway.post(
        "/candidatures", json=candidature(f"Cloison-{unique}", EHPAD), headers=OG_WIDE
    )
    cid = created.json()["candidatures"][0]
    ssiad_staff = headers_for(SSIAD)
    _problem(
        await gateway.get(
            f"/candidatures/{cid}",
            headers={**ssiad_staff, "X-Dui-Min-Position": created.headers["X-Dui-Position"]},
        ),
        404,
    )
    _problem(
        await gateway.post(
            f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=ssiad_staff
        ),
        404,  # not even its existence is revealed
    )
    page = await gateway.get(
        "/candidatures",
        params={"q": f"Cloison-{unique}"},
        headers={**ssiad_staff, "X-Dui-Min-Position": created.headers["X-Dui-Position"]},
    )
    assert page.json()["total"] == 0
    _problem(
        await gateway.post(
            "/candidatures", json=candidature(f"Cloison-{unique}", EHPAD), headers=ssiad_staff
        ),
        403,
    )


async def test_an_unknown_candidature_is_a_404(gateway: httpx.AsyncClient) -> None:
    _problem(await gateway.get(f"/candidatures/{uuid.uuid4()}", headers=OG_WIDE), 404)
    _problem(
        await gateway.post(
            f"/candidatures/{uuid.uuid4()}/decision", json={"decision": "acceptee"}, headers=OG_WIDE
        ),
        404,
    )
    _problem(await gateway.get("/candidatures/not-a-uuid", headers=OG_WIDE), 422)


async def test_a_bad_list_filter_is_named(gateway: httpx.AsyncClient) -> None:
    problem = _problem(
        await gateway.get("/candidatures", params={"limit": 1000, "tri": "age"}, headers=OG_WIDE), 422
    )
    assert {f for f, _ in _rules(problem)} == {"limit", "tri"}


async def test_text_with_a_nul_character_and_out_of_range_dates_are_named(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    body = candidature(
        f"Nul\u0000{unique}", recue_le="0001-01-01T00:00:00", date_entree_souhaitee="9999-12-31"
    )
    problem = _problem(await gateway.post("/candidatures", json=body, headers=OG_WIDE), 422)
    assert _rules(problem) == {
        ("usager.nom_naissance", "caractere_nul"),
        ("recue_le", "date_hors_limites"),
        ("date_entree_souhaitee", "date_hors_limites"),
    }
    listing = await gateway.get(
        "/candidatures", params={"q": "a\u0000", "recue_au": "9999-12-31", "offset": 10**20}, headers=OG_WIDE
    )
    assert {f for f, _ in _rules(_problem(listing, 422))} == {"q", "recue_au", "offset"}


async def test_identity_headers_are_no_identity_and_an_oversized_token_identity_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    """The development identity headers of earlier versions open nothing: only a token does."""
    bare = await gateway.get("/candidatures", headers=OG_WIDE, auth=None)
    assert _problem(bare, 401)["type"] == "urn:dui:probleme:jeton_absent"
    too_long = headers_for(EHPAD, who="r" * 65)
    assert _problem(await gateway.get("/candidatures", headers=too_long), 401)["type"] == (
        "urn:dui:probleme:jeton_invalide"
    )


async def test_a_body_larger_than_one_message_is_a_413_problem(gateway: httpx.AsyncClient) -> None:
    big = b'{"format": "dui-viatrajectoire/1", "dossiers": [], "x": "' + b"a" * 1_000_000 + b'"}'
    declared = await gateway.post(
        "/imports/viatrajectoire", content=big, headers={**OG_WIDE, "content-type": "application/json"}
    )
    assert _problem(declared, 413)["type"] == "urn:dui:probleme:corps_trop_volumineux"

    async def chunks():  # no Content-Length: counted while read
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    streamed = await gateway.post(
        "/imports/viatrajectoire", content=chunks(), headers={**OG_WIDE, "content-type": "application/json"}
    )
    _problem(streamed, 413)


async def test_a_page_too_large_to_carry_asks_for_a_smaller_limit(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    async def create(i: int) -> httpx.Response:
        body = candidature(f"Gros-{unique}-{i}", commentaire="é" * 4000)
        return await gateway.post("/candidatures", json=body, headers=OG_WIDE)

    created = []
    for start in range(0, 200, 50):
        created += await asyncio.gather(*(create(i) for i in range(start, start + 50)))
    last = str(max(int(r.headers["X-Dui-Position"]) for r in created))
    headers = {**OG_WIDE, "X-Dui-Min-Position": last}

    too_big = await gateway.get(
        "/candidatures", params={"q": f"Gros-{unique}", "limit": 200}, headers=headers
    )
    assert _rules(_problem(too_big, 422)) == {("limit", "reponse_trop_volumineuse")}
    smaller = await gateway.get("/candidatures", params={"q": f"Gros-{unique}", "limit": 50}, headers=headers)
    assert smaller.status_code == 200 and smaller.json()["total"] == 200


async def test_a_read_waiting_for_a_position_the_log_has_not_reached_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/candidatures", headers={**OG_WIDE, "X-Dui-Min-Position": str(10**12)})
    assert _rules(_problem(response, 422)) == {("X-Dui-Min-Position", "position_inconnue")}
