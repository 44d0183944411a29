"""The habilitation matrix, generated from the gateway's own rule table and the shipped default matrix, run
against the live gateway with real tokens from the local OIDC provider, real NATS and PostgreSQL.

For every endpoint that reads a dossier's data × every profession of the default matrix × a dossier of the
caller's own ESMS and one of another ESMS: the matrix's answer (403 `categorie_non_habilitee`, or through), and
never a foreign dossier's data. Professionals are assigned to their ESMS the way an operator does it: in the
DUI's directory through the API (their tokens carry no ESMS). Lists never hold a foreign row. Every write
endpoint refuses the professions the matrix closes before reading the body. Persons never reach a professional
endpoint. Every allowed read of a dossier left an access trace naming the request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NATS

from dui_gateway.regles import REGLES, Regle
from dui_shared.contracts.habilitations import ModeAcces, Portee, ProfilHabilitation
from dui_shared.eventstore import AUDIT_STREAM
from dui_shared.rpps import with_key
from tests.support.builders import EHPAD, SSIAD, admitted_dossier, aggir, headers_for

DEFAUT = json.loads(open("config/habilitations-defaut.json", encoding="utf-8").read())
PROFILS = [ProfilHabilitation.model_validate(p) for p in DEFAUT["profils"]]
PROFESSIONNELS = [p for p in PROFILS if p.portee is Portee.esms]
PERSONNES = [p for p in PROFILS if p.portee is Portee.personne]
ADMIN = headers_for(role="administrateur_og", who="adm-matrice")
MEDECIN_RPPS = with_key("1000000099")
MEDECIN = headers_for(EHPAD, role="medecin", who=MEDECIN_RPPS)
TOMORROW = (date.today() + timedelta(days=1)).isoformat()

# what a GET needs besides its path to answer 200 when allowed
QUERIES: dict[str, dict[str, str]] = {
    "/presences": {"mois": date.today().strftime("%Y-%m")},
    "/plan-soins": {"unite": "Les Lilas", "jour": date.today().isoformat()},
    "/dossiers/{dossier_id}/projet-personnalise/comparaison": {"de": "1", "a": "1"},
}
# business rules of a service that refine what the matrix opens (the matrix opens, the service says no)
SERVICE_RULES = {
    # drugs are for those who give them: the rééducation professions read act and exam prescriptions only
    ("GET", "/prescriptions/{prescription_id}"): {"medicaments_reserves"},
    ("GET", "/prescriptions/{prescription_id}/versions"): {"medicaments_reserves"},
}
# agendas of a professional or a candidate are not an ESMS's: another ESMS's caller gets them without the
# occurrences of ESMS they may not see
NOT_ESMS_SCOPED = {"/agendas/professionnels/{professionnel_id}", "/agendas/candidatures/{candidature_id}"}
# one transmission is read with its own category (soins here), a list filters rows by category
BY_ROW_CATEGORY = {"/transmissions/{transmission_id}": "soins"}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


class Monde:
    """Two ESMS with the same data: what a caller of the EHPAD may see, and what they must never see."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, str]] = {EHPAD: {}, SSIAD: {}}


async def _seed(gateway: httpx.AsyncClient, esms: str, tag: str) -> dict[str, str]:
    medecin = headers_for(esms, role="medecin", who=MEDECIN_RPPS)
    cadre = headers_for(esms, role="cadre_de_sante", who=f"cadre-{tag}")
    direction = headers_for(esms, role="direction", who=f"dir-{tag}")
    did = await admitted_dossier(gateway, f"Matrice-{tag}", esms)
    page = _ok(await gateway.get("/dossiers", params={"q": f"Matrice-{tag}"}, headers=direction))
    sejour = page["items"][0]["sejour_id"]
    sejour_vue = _ok(await gateway.get(f"/sejours/{sejour}", headers=direction))
    candidature = _ok(await gateway.get(f"/candidatures/{sejour_vue['candidature_id']}", headers=direction))
    transmission = _ok(
        await gateway.post(
            f"/dossiers/{did}/transmissions", json={"categorie": "soins", "texte": "RAS"}, headers=cadre
        ),
        201,
    )
    observation = _ok(
        await gateway.post(f"/dossiers/{did}/observations", json={"texte": "examen normal"}, headers=medecin),
        201,
    )
    prescription = _ok(
        await gateway.post(
            f"/dossiers/{did}/prescriptions",
            json={
                "contenu": {
                    "nature": "medicament",
                    "medicament": {"denomination": "Paracétamol", "dosage": "500 mg", "voie": "orale"},
                    "prises": [{"heure": "08:00", "quantite": 1, "unite": "comprimé"}],
                    "debut": f"{date.today().isoformat()}T00:00:00",
                }
            },
            headers=medecin,
        ),
        201,
    )
    evaluation = await gateway.post(
        f"/dossiers/{did}/evaluations", json={"grille": "aggir", "reponses": aggir("B")}, headers=cadre
    )
    projet = await gateway.post(f"/dossiers/{did}/projet-personnalise", json={"objectifs": []}, headers=cadre)
    assert projet.status_code in (200, 201), projet.text
    evenement = _ok(
        await gateway.post(
            "/evenements",
            json={
                "type": "rendez_vous",
                "titre": "Consultation",
                "debut": f"{TOMORROW}T10:00:00",
                "fin": f"{TOMORROW}T10:30:00",
                "participants": {"usagers": [did], "professionnels": [], "candidatures": []},
            },
            headers=cadre,
        ),
        201,
    )
    information = _ok(
        await gateway.post(
            "/informations",
            json={"destinataire": {"type": "usager", "id": did}, "objet": "Visite", "message": "Demain 15 h"},
            headers=cadre,
        ),
        201,
    )
    last = information  # the last write: every read below waits for it
    return {
        "dossier_id": did,
        "sejour_id": sejour,
        "candidature_id": sejour_vue["candidature_id"],
        "demande_id": candidature["demande_id"],
        "transmission_id": transmission["id"],
        "observation_id": observation["id"],
        "prescription_id": prescription["id"],
        "evaluation_id": _ok(evaluation, 201)["id"],
        "evenement_id": evenement["id"],
        "information_id": information["id"],
        "position": str(last["position"]),
        "professionnel_id": f"cadre-{tag}",
        "version": "1",
        "code": "aggir",
    }


@pytest.fixture(scope="module")
async def monde(gateway: httpx.AsyncClient) -> Monde:
    world = Monde()
    tag = uuid.uuid4().hex[:8]
    for esms in (EHPAD, SSIAD):
        world.ids[esms] = await _seed(gateway, esms, f"{tag}-{esms}")
    return world


def _path(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), template)


def _who(profil: ProfilHabilitation, tag: str) -> str:
    return f"m-{profil.profession}-{tag}"[:64]


@pytest.fixture(scope="module")
async def equipe(gateway: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """One professional of every ESMS-level profession of the default matrix, assigned to the EHPAD in the
    directory by the OG administrator (their tokens name no ESMS)."""
    tag = uuid.uuid4().hex[:6]
    team = {}
    for profil in PROFESSIONNELS:
        who = _who(profil, tag)
        assigned = await gateway.put(f"/habilitations/comptes/{who}", json={"esms": [EHPAD]}, headers=ADMIN)
        assert assigned.status_code == 200, assigned.text
        team[profil.profession] = headers_for(role=profil.profession, who=who)
    return team


def _data_reads() -> list[tuple[str, Regle]]:
    return sorted(
        (path, regle)
        for (method, path), regle in REGLES.items()
        if method == "GET" and regle.categories and not regle.personne and not path.endswith(".ics")
    )


def _data_writes() -> list[tuple[str, str, Regle]]:
    return sorted(
        (method, path, regle)
        for (method, path), regle in REGLES.items()
        if method != "GET" and regle.categories and not regle.personne
    )


async def test_every_read_endpoint_answers_what_the_matrix_says_for_every_profession_and_esms(
    gateway: httpx.AsyncClient, monde: Monde, equipe: dict[str, dict[str, str]], nc: NATS
) -> None:
    own, other = monde.ids[EHPAD], monde.ids[SSIAD]
    outcomes: Counter[str] = Counter()
    allowed_reads: dict[str, str] = {}  # request id -> route, for the audit check
    mismatches: list[str] = []
    foreign = {v for k, v in other.items() if k.endswith("_id") and k != "professionnel_id"}
    for path, regle in _data_reads():
        for profil in PROFESSIONNELS:
            headers = {**equipe[profil.profession], "X-Dui-Min-Position": own["position"]}
            opens = any(profil.peut_lire(c) for c in regle.categories)
            row_opens = profil.peut_lire(BY_ROW_CATEGORY.get(path, regle.categories[0].value))
            if path not in BY_ROW_CATEGORY:
                row_opens = opens
            for where, ids in (("own", own), ("other", other)):
                request_id = f"matrice-{uuid.uuid4()}"
                response = await gateway.get(
                    _path(path, ids),
                    params=QUERIES.get(path, {}),
                    headers={**headers, "X-Request-Id": request_id, "X-Dui-Min-Position": ids["position"]},
                )
                case = f"GET {path} {profil.profession} {where} → {response.status_code}"
                body = response.json() if response.content else None
                rule = body.get("type", "").rsplit(":", 1)[-1] if isinstance(body, dict) else ""
                if not opens:
                    if response.status_code != 403 or rule != "categorie_non_habilitee":
                        mismatches.append(
                            f"{case} (expected 403 categorie_non_habilitee) {response.text[:200]}"
                        )
                    outcomes["refused by the matrix"] += 1
                    continue
                if response.status_code == 403 and rule in SERVICE_RULES.get(("GET", path), set()):
                    outcomes["refused by a service rule"] += 1
                    continue
                if not row_opens:
                    if response.status_code != 404:
                        mismatches.append(
                            f"{case} (expected 404: a row of a category the profile does not read)"
                        )
                    outcomes["row of a closed category hidden"] += 1
                    continue
                if path in NOT_ESMS_SCOPED and where == "other":
                    path_ids = set(re.findall(r"[0-9a-f-]{36}", _path(path, ids)))
                    leaked = [f for f in foreign - path_ids if f in response.text]
                    if response.status_code not in (200, 403, 404) or leaked:
                        mismatches.append(f"{case} leaks {leaked}")
                    outcomes["foreign data refused"] += 1
                    continue
                if "{" in path and where == "other":
                    if response.status_code not in (403, 404):
                        mismatches.append(f"{case} (expected 404: another ESMS's data)")
                    outcomes["foreign data refused"] += 1
                    continue
                if response.status_code != 200:
                    mismatches.append(f"{case} (expected 200) {response.text[:300]}")
                    continue
                leaked = [f for f in foreign if f in response.text]
                if leaked:
                    mismatches.append(f"{case} leaks {leaked}")
                if own["dossier_id"] in response.text or "{dossier_id}" in path:
                    allowed_reads[request_id] = path
                outcomes["allowed"] += 1
    assert not mismatches, "\n".join(mismatches)
    assert outcomes["refused by the matrix"] > 100 and outcomes["foreign data refused"] > 100, outcomes

    # every allowed read of the dossier left a trace with its request id on the audit stream
    traced = await _traced_request_ids(nc)
    missing = [f"{rid} {route}" for rid, route in allowed_reads.items() if rid not in traced]
    assert allowed_reads and not missing, missing[:20]


async def _traced_request_ids(nc: NATS) -> dict[str, dict[str, Any]]:
    js = nc.jetstream()
    sub = await js.subscribe("dui.audit.>", ordered_consumer=True, stream=AUDIT_STREAM)
    info = await js.stream_info(AUDIT_STREAM)
    found: dict[str, dict[str, Any]] = {}
    seen = 0
    while seen < info.state.messages:
        msg = await sub.next_msg(timeout=10)
        seen += 1
        data = json.loads(msg.data)["data"]
        found[data["requete_id"]] = data
    await sub.unsubscribe()
    return found


async def test_every_write_endpoint_refuses_the_professions_the_matrix_closes(
    gateway: httpx.AsyncClient, monde: Monde, equipe: dict[str, dict[str, str]]
) -> None:
    own = monde.ids[EHPAD]
    mismatches = []
    refused = 0
    for method, path, regle in _data_writes():
        for profil in PROFESSIONNELS:
            opens = any(
                profil.peut_ecrire(c)
                if regle.mode_pour(method) is ModeAcces.ecriture
                else profil.peut_lire(c)
                for c in regle.categories
            )
            # an empty body: the matrix is asked before the body is read, so a closed profession never learns
            # more than "no", and an open one gets the body's validation errors (or the service's answer)
            response = await gateway.request(
                method, _path(path, own), json={}, headers=equipe[profil.profession]
            )
            rule = response.json().get("type", "") if response.content else ""
            if not opens:
                refused += 1
                if response.status_code != 403 or not rule.endswith("categorie_non_habilitee"):
                    mismatches.append(f"{method} {path} {profil.profession} → {response.status_code} {rule}")
            elif rule.endswith("categorie_non_habilitee"):
                mismatches.append(f"{method} {path} {profil.profession} refused though the matrix opens it")
            elif response.status_code >= 500:
                mismatches.append(f"{method} {path} {profil.profession} → {response.status_code}")
    assert not mismatches, "\n".join(mismatches)
    assert refused > 100


async def test_cross_esms_writes_are_refused_for_every_profession_allowed_to_write(
    gateway: httpx.AsyncClient, monde: Monde, equipe: dict[str, dict[str, str]]
) -> None:
    other = monde.ids[SSIAD]
    writes = [
        ("POST", "/dossiers/{dossier_id}/transmissions", {"categorie": "soins", "texte": "intrusion"}),
        (
            "POST",
            "/dossiers/{dossier_id}/absences",
            {"type": "hospitalisation", "debut": f"{TOMORROW}T08:00:00"},
        ),
        (
            "POST",
            "/dossiers/{dossier_id}/echanges",
            {"type": "appel", "avec": "fille", "resume": "intrusion"},
        ),
        ("POST", "/transmissions/lectures", {"ids": [other["transmission_id"]]}),
        ("POST", "/prescriptions/{prescription_id}/arret", {"motif": "intrusion"}),
        ("POST", "/evenements/{evenement_id}/annulation", {"motif": "intrusion"}),
    ]
    wrong = []
    for method, path, body in writes:
        regle = REGLES[(method, path)]
        for profil in PROFESSIONNELS:
            if not any(profil.peut_ecrire(c) or regle.mode is ModeAcces.lecture for c in regle.categories):
                continue
            response = await gateway.request(
                method, _path(path, other), json=body, headers=equipe[profil.profession]
            )
            ok = response.status_code in (403, 404, 422)
            if not ok:
                wrong.append(
                    f"{method} {path} {profil.profession} → {response.status_code} {response.text[:200]}"
                )
    assert not wrong, "\n".join(wrong)


async def test_lists_never_hold_a_row_of_another_esms_even_when_asked_for_it(
    gateway: httpx.AsyncClient, monde: Monde, equipe: dict[str, dict[str, str]]
) -> None:
    own, other = monde.ids[EHPAD], monde.ids[SSIAD]
    lists = [path for path, _ in _data_reads() if "{" not in path]
    foreign = {v for k, v in other.items() if k.endswith("_id") and k != "professionnel_id"}
    leaks = []
    for path in lists:
        for profil in PROFESSIONNELS:
            for asked in ({}, {"esms": SSIAD}):
                response = await gateway.get(
                    path,
                    params={**QUERIES.get(path, {}), **asked},
                    headers={**equipe[profil.profession], "X-Dui-Min-Position": other["position"]},
                )
                if response.status_code == 200 and any(f in response.text for f in foreign):
                    leaks.append(f"{path} {asked} {profil.profession}")
    assert not leaks, leaks
    assert own["dossier_id"]


async def test_persons_never_reach_a_professional_endpoint_and_professionals_not_the_persons_view(
    gateway: httpx.AsyncClient, monde: Monde, equipe: dict[str, dict[str, str]]
) -> None:
    own = monde.ids[EHPAD]
    wrong = []
    for profil in PERSONNES:
        person = headers_for(role=profil.profession, who=f"p-{profil.profession}-{uuid.uuid4().hex[:6]}")
        for (method, path), regle in REGLES.items():
            if regle.personne is not False or method != "GET" or path.endswith(".ics"):
                continue
            response = await gateway.get(_path(path, own), params=QUERIES.get(path, {}), headers=person)
            if response.status_code != 403:
                wrong.append(f"{profil.profession} GET {path} → {response.status_code}")
    for (method, path), regle in REGLES.items():
        if regle.personne is True and method == "GET":
            response = await gateway.get(_path(path, own), headers=equipe["medecin"])
            if response.status_code != 403 or "reserve_personne" not in response.text:
                wrong.append(f"medecin GET {path} → {response.status_code}")
    assert not wrong, "\n".join(wrong)
