"""The gateway's security as users meet it, end to end: real tokens from the local OIDC provider, real NATS and
PostgreSQL, the shipped matrix's professions.

Break-the-glass opens one dossier outside one's ESMS for a limited time, flags every read done through it in the
dossier's access journal and lands, once over, in the DPO's list to review. A person (the usager, their personne
de confiance) reads their own filtered view and nothing about anyone else, and loses it when the link is removed.
Logging out refuses the token from then on, not the person's other sessions. A refused access is traced like an
allowed one. A change of the matrix takes effect on the very next request.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from dui_shared.rpps import with_key
from dui_shared.timezone import today_paris
from tests.support.builders import EHPAD, OG_WIDE, SSIAD, admitted_dossier, headers_for
from tests.support.identites import IdentitesDeTest

T = TypeVar("T")

DEFAUT = json.loads((Path(__file__).parents[2] / "config/habilitations-defaut.json").read_text("utf-8"))
LIGNES_DEFAUT: dict[str, dict[str, Any]] = {p["profession"]: p for p in DEFAUT["profils"]}
DUREE_URGENCE = timedelta(hours=4)  # DUI_ACCES_URGENCE_HEURES, not set by the test session
JUSTIFICATION = "Appel de nuit du SAMU : chute, besoin des antécédents et des traitements en cours"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json() if response.content else None


def _refus(response: httpx.Response, status: int) -> str:
    """The rule a refusal names (the end of its problem type), once its status is the one expected."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    return str(response.json()["type"]).rsplit(":", 1)[-1]


def _fresh(response: httpx.Response, headers: dict[str, str]) -> dict[str, str]:
    """`headers`, for a read that reflects the write `response` answered."""
    return {**headers, "X-Dui-Min-Position": response.headers["X-Dui-Position"]}


async def _poll(lire: Callable[[], Awaitable[T | None]], quoi: str, timeout: float = 15.0) -> T:
    """What `lire` finds once it finds it (an eventually consistent read model), within `timeout` seconds."""
    limite = asyncio.get_running_loop().time() + timeout
    while True:
        found = await lire()
        if found is not None:
            return found
        if asyncio.get_running_loop().time() > limite:
            raise AssertionError(f"toujours pas au bout de {timeout} s : {quoi}")
        await asyncio.sleep(0.2)


async def _journal(gateway: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _ok(await gateway.get(path, params={"limit": 500}, headers=headers))[
        "items"
    ]
    return items


async def _entree(
    gateway: httpx.AsyncClient, path: str, headers: dict[str, str], **attendu: Any
) -> dict[str, Any]:
    """The newest entry of the access journal at `path` whose fields have the values `attendu`, once it shows."""

    async def lire() -> dict[str, Any] | None:
        entries = await _journal(gateway, path, headers)
        return next((e for e in entries if all(e.get(k) == v for k, v in attendu.items())), None)

    return await _poll(lire, f"une entrée {attendu} dans {path}")


async def _a_revoir(
    gateway: httpx.AsyncClient, dossier_id: str, headers: dict[str, str], a_revoir: bool
) -> dict[str, dict[str, Any]]:
    page = _ok(
        await gateway.get(
            "/acces-urgence",
            params={"a_revoir": str(a_revoir).lower(), "dossier_id": dossier_id},
            headers=headers,
        )
    )
    return {item["id"]: item for item in page["items"]}


# -- break-the-glass ----------------------------------------------------------------------------------------


async def test_break_the_glass_opens_one_dossier_for_four_hours_flags_its_reads_and_is_reviewed_by_the_dpo(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Urgence-{unique}", EHPAD)
    voisin = await admitted_dossier(gateway, f"Urgence-Voisin-{unique}", EHPAD)
    chez_lui = await admitted_dossier(gateway, f"Urgence-Ssiad-{unique}", SSIAD)
    rpps = with_key(f"10{uuid.uuid4().int % 10**8:08d}")  # a physician of his own: his accesses are his
    medecin = headers_for(SSIAD, role="medecin", who=rpps)
    aide = headers_for(SSIAD, role="aide_soignant", who=f"as-{unique}")
    dpo = headers_for(role="dpo", who=f"dpo-{unique}")

    # outside his ESMS, the EHPAD's dossier does not exist for the SSIAD's physician
    for path in (f"/dossiers/{did}", f"/dossiers/{did}/synthese"):
        assert (await gateway.get(path, headers=medecin)).status_code == 404
    # a profile without break-the-glass cannot use it, whatever the reason given
    refused = await gateway.post(
        "/acces-urgence", json={"dossier_id": did, "justification": JUSTIFICATION}, headers=aide
    )
    assert _refus(refused, 403) == "droit_acces_urgence"

    debut = datetime.now(UTC)
    opened = await gateway.post(
        "/acces-urgence", json={"dossier_id": did, "justification": JUSTIFICATION}, headers=medecin
    )
    accorde = _ok(opened, 201)
    acces_id = accorde["id"]
    assert accorde["dossier_id"] == did
    assert opened.headers["Location"] == f"/acces-urgence/{acces_id}"
    fin = datetime.fromisoformat(accorde["fin"])
    assert fin.utcoffset() is not None  # an instant, shown in Paris time
    assert debut + DUREE_URGENCE - timedelta(minutes=1) <= fin <= datetime.now(UTC) + DUREE_URGENCE
    moi = _ok(await gateway.get("/moi", headers=medecin))
    assert [(u["acces_id"], u["dossier_id"], u["esms"]) for u in moi["droits"]["urgences"]] == [
        (acces_id, did, EHPAD)
    ]
    # opening it again while it runs answers the same access
    again = _ok(
        await gateway.post(
            "/acces-urgence", json={"dossier_id": did, "justification": JUSTIFICATION}, headers=medecin
        ),
        201,
    )
    assert again["id"] == acces_id

    # the dossier and its fiche de synthèse are open to him now; the other dossiers of the EHPAD are not
    read = await gateway.get(f"/dossiers/{did}", headers={**medecin, "X-Request-Id": f"urgence-{unique}"})
    assert _ok(read)["id"] == did
    fiche = _ok(await gateway.get(f"/dossiers/{did}/synthese", headers=medecin))
    assert fiche["sections_masquees"] == []  # a physician reads every category the fiche holds
    assert (await gateway.get(f"/dossiers/{voisin}", headers=medecin)).status_code == 404
    assert (await gateway.get(f"/dossiers/{voisin}/synthese", headers=medecin)).status_code == 404
    # it reads, it writes nothing: nothing it could leave behind (a person's access…) outlives it
    link = await gateway.post(
        f"/dossiers/{did}/acces-personnes",
        json={"identifiant": f"perso-{unique}", "qualite": "representant_legal"},
        headers=medecin,
    )
    assert link.status_code in (403, 404), link.text
    note = await gateway.post(
        f"/dossiers/{did}/transmissions",
        json={"categorie": "soins", "texte": "vu en urgence"},
        headers=medecin,
    )
    assert note.status_code == 404, note.text

    # a reason too short, even padded with spaces, opens nothing and names the field
    short = await gateway.post(
        "/acces-urgence", json={"dossier_id": voisin, "justification": "urgence"}, headers=medecin
    )
    assert _refus(short, 422) == "validation"
    assert [e["field"] for e in short.json()["errors"]] == ["justification"]
    padded = await gateway.post(
        "/acces-urgence", json={"dossier_id": voisin, "justification": "urgence" + " " * 30}, headers=medecin
    )
    assert _refus(padded, 422) == "validation"
    assert [(e["field"], e["rule"]) for e in padded.json()["errors"]] == [
        ("justification", "justification_trop_courte")
    ]
    assert (await gateway.get(f"/dossiers/{voisin}", headers=medecin)).status_code == 404
    # a dossier of his own ESMS needs no emergency access
    own = await gateway.post(
        "/acces-urgence", json={"dossier_id": chez_lui, "justification": JUSTIFICATION}, headers=medecin
    )
    assert _refus(own, 409) == "acces_deja_autorise"
    assert [e["field"] for e in own.json()["errors"]] == ["dossier_id"]

    # the DPO sees his read flagged with the emergency access in the dossier's journal
    journal = f"/dossiers/{did}/journal-acces"
    entree = await _entree(
        gateway, journal, dpo, identifiant=rpps, route="/dossiers/{dossier_id}", statut=200
    )
    assert entree["acces_urgence"] == acces_id
    assert (entree["profession"], entree["profil"], entree["mode"]) == ("medecin", "professionnel", "lecture")
    avant = await _entree(gateway, journal, dpo, identifiant=rpps, statut=404)
    assert avant["acces_urgence"] is None  # the refused reads before the access are traced, not flagged

    # running, it is not to review yet
    assert acces_id not in await _a_revoir(gateway, did, dpo, a_revoir=True)
    assert (await _a_revoir(gateway, did, dpo, a_revoir=False))[acces_id]["statut"] == "actif"

    # he closes it: the dossier is closed to him again, and the access is to review
    closed = await gateway.post(f"/acces-urgence/{acces_id}/cloture", headers=medecin)
    _ok(closed)
    assert (await gateway.get(f"/dossiers/{did}", headers=medecin)).status_code == 404
    assert _ok(await gateway.get("/moi", headers=medecin))["droits"]["urgences"] == []
    a_revoir = await _a_revoir(gateway, did, _fresh(closed, dpo), a_revoir=True)
    assert a_revoir[acces_id]["statut"] == "clos"
    assert (a_revoir[acces_id]["identifiant"], a_revoir[acces_id]["justification"]) == (
        rpps,
        JUSTIFICATION,
    )
    assert a_revoir[acces_id]["revue"] is None

    # a physician has no review right at all: the gateway refuses before the service's "not your own" rule
    own_review = await gateway.post(
        f"/acces-urgence/{acces_id}/revue", json={"conforme": True, "commentaire": "RAS"}, headers=medecin
    )
    assert _refus(own_review, 403) == "droit_revue_acces"
    # he lists his own accesses, not the others'
    mine = await gateway.get("/acces-urgence", params={"identifiant": rpps}, headers=medecin)
    assert mine.status_code == 200, mine.text
    assert [a["id"] for a in mine.json()["items"]] == [acces_id]
    assert _refus(await gateway.get("/acces-urgence", headers=medecin), 403) == "revue_acces_requis"

    reviewed = await gateway.post(
        f"/acces-urgence/{acces_id}/revue",
        json={"conforme": True, "commentaire": "Appel du SAMU vérifié"},
        headers=dpo,
    )
    _ok(reviewed)
    assert acces_id not in await _a_revoir(gateway, did, _fresh(reviewed, dpo), a_revoir=True)
    revue = (await _a_revoir(gateway, did, _fresh(reviewed, dpo), a_revoir=False))[acces_id]["revue"]
    assert (revue["revu_par"], revue["conforme"], revue["commentaire"]) == (
        f"dpo-{unique}",
        True,
        "Appel du SAMU vérifié",
    )
    contradicted = await gateway.post(
        f"/acces-urgence/{acces_id}/revue", json={"conforme": False, "commentaire": "non"}, headers=dpo
    )
    assert _refus(contradicted, 409) == "acces_deja_revu"


async def test_who_opened_an_emergency_access_never_reviews_it_even_with_the_review_right(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    """A cadre de santé has both rights. Their own access, on another ESMS's dossier, is outside what they
    review (404); once assigned to that ESMS too, it is in scope but still not theirs to review (403)."""
    did = await admitted_dossier(gateway, f"Urgence-Cadre-{unique}", EHPAD)
    who = f"cadre-{unique}"
    cadre = headers_for(SSIAD, role="cadre_de_sante", who=who)
    admin = headers_for(role="administrateur_og", who=f"adm-{unique}")
    accorde = _ok(
        await gateway.post(
            "/acces-urgence", json={"dossier_id": did, "justification": JUSTIFICATION}, headers=cadre
        ),
        201,
    )
    # a cadre writes administrative data, but not through an emergency access: no person's access (which would
    # outlive it) is opened that way
    link = await gateway.post(
        f"/dossiers/{did}/acces-personnes",
        json={"identifiant": f"perso-{unique}", "qualite": "representant_legal"},
        headers=cadre,
    )
    assert link.status_code == 404, link.text
    closed = await gateway.post(f"/acces-urgence/{accorde['id']}/cloture", headers=cadre)
    _ok(closed)
    revue = {"conforme": True, "commentaire": "tout va bien"}
    outside = await gateway.post(f"/acces-urgence/{accorde['id']}/revue", json=revue, headers=cadre)
    assert outside.status_code == 404, outside.text

    _ok(await gateway.put(f"/habilitations/comptes/{who}", json={"esms": [SSIAD, EHPAD]}, headers=admin))
    own = await gateway.post(f"/acces-urgence/{accorde['id']}/revue", json=revue, headers=cadre)
    assert _refus(own, 403) == "revue_par_soi_meme"
    # one's own accesses stay listed to oneself
    mine = _ok(
        await gateway.get("/acces-urgence", params={"identifiant": who}, headers=_fresh(closed, cadre))
    )
    assert [(i["id"], i["statut"], i["revue"]) for i in mine["items"]] == [(accorde["id"], "clos", None)]


# -- the person's own view ----------------------------------------------------------------------------------


async def test_a_person_reads_their_own_filtered_view_and_nothing_about_anyone_else(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Moi-{unique}", EHPAD)
    nom_autre = f"Voisine-{unique}"
    autre = await admitted_dossier(gateway, nom_autre, EHPAD)
    secretariat = headers_for(EHPAD, role="secretariat", who=f"sec-{unique}")
    usager_id, confiance_id = f"usager-{uuid.uuid4()}", f"pdc-{uuid.uuid4()}"
    usager = headers_for(role="usager", who=usager_id)
    confiance = headers_for(role="personne_de_confiance", who=confiance_id)

    # before any link, the person's account opens nothing
    assert _ok(await gateway.get("/moi/dossiers", headers=usager)) == []
    assert (await gateway.get(f"/moi/dossiers/{did}/identite", headers=usager)).status_code == 404

    for identifiant, qualite in ((usager_id, "usager"), (confiance_id, "personne_de_confiance")):
        _ok(
            await gateway.post(
                f"/dossiers/{did}/acces-personnes",
                json={"identifiant": identifiant, "qualite": qualite},
                headers=secretariat,
            ),
            201,
        )
    liens = _ok(await gateway.get(f"/dossiers/{did}/acces-personnes", headers=secretariat))
    assert sorted((lien["identifiant"], lien["qualite"]) for lien in liens) == sorted(
        [(usager_id, "usager"), (confiance_id, "personne_de_confiance")]
    )

    moi = _ok(await gateway.get("/moi", headers=usager))
    assert (moi["identifiant"], moi["profil"], moi["profession"]) == (usager_id, "usager", None)
    assert moi["droits"]["profil_habilitation"]["profession"] == "usager"
    assert [(p["dossier_id"], p["qualite"], p["esms"]) for p in moi["droits"]["personnes"]] == [
        (did, "usager", EHPAD)
    ]
    assert [
        (p["dossier_id"], p["qualite"]) for p in _ok(await gateway.get("/moi/dossiers", headers=usager))
    ] == [(did, "usager")]
    assert [
        (p["dossier_id"], p["qualite"]) for p in _ok(await gateway.get("/moi/dossiers", headers=confiance))
    ] == [(did, "personne_de_confiance")]

    # identity and projet personnalisé
    moi_d = f"/moi/dossiers/{did}"
    for person in (usager, confiance):
        traits = _ok(await gateway.get(f"{moi_d}/identite", headers=person))["traits"]
        assert traits["nom_naissance"].upper() == f"Moi-{unique}".upper()
    contenu = {
        "objectifs": [{"code": "marche", "libelle": "Marcher jusqu'au jardin", "domaine": "autonomie"}],
        "participation": {"usager_present": True},
        "date_prochaine_revision": "2027-06-01",
    }
    _ok(await gateway.post(f"/dossiers/{did}/projet-personnalise", json=contenu, headers=OG_WIDE), 201)
    validated = await gateway.post(
        f"/dossiers/{did}/projet-personnalise/versions/1/validation",
        json={"valide_le": today_paris().isoformat()},
        headers=OG_WIDE,
    )
    _ok(validated)
    projet = _ok(await gateway.get(f"{moi_d}/projet-personnalise", headers=_fresh(validated, usager)))
    assert projet["en_vigueur"] == 1
    assert [v["statut"] for v in projet["versions"]] == ["validee"]
    assert "Marcher jusqu'au jardin" in json.dumps(projet, ensure_ascii=False)

    # a shared activity: the person sees it, never the other person taking part
    demain = (today_paris() + timedelta(days=1)).isoformat()
    planned = await gateway.post(
        "/evenements",
        json={
            "type": "activite",
            "titre": "Atelier mémoire",
            "debut": f"{demain}T15:00:00",
            "fin": f"{demain}T16:00:00",
            "participants": {
                "usagers": [did, autre],
                "professionnels": [f"anim-{unique}"],
                "candidatures": [],
            },
        },
        headers=OG_WIDE,
    )
    evenement = _ok(planned, 201)
    fenetre = {"du": demain, "au": demain}
    staff_agenda = await gateway.get(
        f"/agendas/usagers/{did}", params=fenetre, headers=_fresh(planned, OG_WIDE)
    )
    [vue_equipe] = _ok(staff_agenda)["occurrences"]
    assert {p["id"] for p in vue_equipe["participants"] if p["type"] == "usager"} == {did, autre}
    assert nom_autre.upper() in staff_agenda.text  # the staff's agenda names both persons
    mon_agenda = await gateway.get(f"{moi_d}/agenda", params=fenetre, headers=_fresh(planned, usager))
    agenda = _ok(mon_agenda)
    [occurrence] = agenda["occurrences"]
    assert occurrence["evenement_id"] == evenement["id"]
    assert [(p["type"], p["id"]) for p in occurrence["participants"]] == [
        ("usager", did),
        ("professionnel", f"anim-{unique}"),
    ]
    assert autre not in mon_agenda.text
    assert nom_autre.upper() not in mon_agenda.text.upper()

    # information sent to them, not that sent to the other person
    pour_moi = {"destinataire": {"type": "usager", "id": did}, "objet": f"Visite {unique}", "message": "15 h"}
    pour_autre = {
        "destinataire": {"type": "usager", "id": autre},
        "objet": f"Autre {unique}",
        "message": "demain",
    }
    _ok(await gateway.post("/informations", json=pour_moi, headers=OG_WIDE), 201)
    sent = await gateway.post("/informations", json=pour_autre, headers=OG_WIDE)
    _ok(sent, 201)
    informations = await gateway.get(f"{moi_d}/informations", headers=_fresh(sent, usager))
    assert [i["objet"] for i in _ok(informations)["items"]] == [f"Visite {unique}"]
    assert autre not in informations.text and f"Autre {unique}" not in informations.text

    # who accessed their dossier: the staff's reads show
    _ok(await gateway.get(f"/dossiers/{did}", headers=secretariat))
    lu = await _entree(
        gateway,
        f"{moi_d}/journal-acces",
        usager,
        identifiant=f"sec-{unique}",
        route="/dossiers/{dossier_id}",
        methode="GET",
    )
    assert (lu["profession"], lu["statut"]) == ("secretariat", 200)

    # their consent choices, recorded by themselves, read by the staff
    expressed = await gateway.post(
        f"{moi_d}/consentements", json={"objet": "alimentation_dmp", "choix": False}, headers=usager
    )
    _ok(expressed)
    mine = _ok(await gateway.get(f"{moi_d}/consentements", headers=_fresh(expressed, usager)))
    courant = {c["objet"]: c for c in mine["courants"]}["alimentation_dmp"]
    assert (courant["choix"], courant["exprime_par"], courant["recueilli_par"]) == (
        False,
        "usager",
        usager_id,
    )
    staff = _ok(await gateway.get(f"/dossiers/{did}/consentements", headers=_fresh(expressed, secretariat)))
    assert {c["objet"]: c for c in staff["courants"]}["alimentation_dmp"]["exprime_par"] == "usager"

    # refusals: the professional endpoints, another dossier, the persons' view for a professional
    for path in (f"/dossiers/{did}", f"/dossiers/{did}/synthese"):
        assert _refus(await gateway.get(path, headers=usager), 403) == "reserve_professionnels"
    for path in (f"/moi/dossiers/{autre}/identite", f"/moi/dossiers/{autre}/agenda"):
        assert (await gateway.get(path, headers=usager)).status_code == 404
    assert _refus(await gateway.get(f"{moi_d}/identite", headers=secretariat), 403) == "reserve_personne"

    # the link removed, the former dossier is gone for that account, not for the personne de confiance
    _ok(await gateway.post(f"/dossiers/{did}/acces-personnes/{usager_id}/retrait", headers=secretariat))

    async def retire() -> bool | None:
        response = await gateway.get(f"{moi_d}/identite", headers=usager)
        return True if response.status_code == 404 else None

    await _poll(retire, "le dossier fermé à l'usager après le retrait de son accès", timeout=5)
    assert _ok(await gateway.get("/moi/dossiers", headers=usager)) == []
    assert (await gateway.get(f"{moi_d}/journal-acces", headers=usager)).status_code == 404
    assert _ok(await gateway.get(f"{moi_d}/identite", headers=confiance))["traits"]["nom_naissance"]


# -- logout -------------------------------------------------------------------------------------------------


async def test_a_token_logged_out_is_refused_when_replayed_while_other_sessions_go_on(
    gateway: httpx.AsyncClient, identites: IdentitesDeTest, unique: str
) -> None:
    who, role = f"ide-{unique}", "infirmier"

    async def session() -> dict[str, str]:
        token = await asyncio.to_thread(identites.token, who, role, EHPAD, own=True)
        return {"Authorization": f"Bearer {token}"}

    premiere = await session()
    assert _ok(await gateway.get("/moi", headers=premiere))["identifiant"] == who
    assert _ok(await gateway.get("/dossiers", headers=premiere))["total"] >= 0

    logout = await gateway.post("/session/deconnexion", headers=premiere)
    assert logout.status_code == 204, logout.text
    assert logout.content == b""

    for method, path in (("GET", "/moi"), ("GET", "/dossiers"), ("POST", "/session/deconnexion")):
        replayed = await gateway.request(method, path, headers=premiere)
        assert replayed.status_code == 401, f"{method} {path} {replayed.text}"
        assert replayed.json()["type"] == "urn:dui:probleme:jeton_revoque"
        challenge = replayed.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge, challenge

    # the same person's other session is not logged out
    seconde = await session()
    assert _ok(await gateway.get("/moi", headers=seconde))["identifiant"] == who


# -- refusals are traced ------------------------------------------------------------------------------------


async def test_a_refused_read_of_a_dossier_is_traced_in_its_access_journal(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Refus-{unique}", EHPAD)
    aide_id = f"as-refus-{unique}"
    aide = headers_for(SSIAD, role="aide_soignant", who=aide_id)
    dpo = headers_for(role="dpo", who=f"dpo-refus-{unique}")
    refused = await gateway.get(f"/dossiers/{did}/observations", headers=aide)
    assert _refus(refused, 403) == "categorie_non_habilitee"

    entree = await _entree(gateway, f"/dossiers/{did}/journal-acces", dpo, identifiant=aide_id)
    assert (entree["statut"], entree["route"], entree["methode"]) == (
        403,
        "/dossiers/{dossier_id}/observations",
        "GET",
    )
    # the trace names what was asked for, though nothing was shown
    assert (entree["profession"], entree["categories"], entree["mode"], entree["acces_urgence"]) == (
        "aide_soignant",
        ["medical"],
        "lecture",
        None,
    )


async def test_reads_and_writes_of_a_resource_addressed_by_its_own_id_are_traced_in_its_dossiers_journal(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    """A prescription's versions and its stop name no dossier in their answer: the trace still finds it."""
    did = await admitted_dossier(gateway, f"Ressource-{unique}", EHPAD)
    rpps = with_key(f"10{uuid.uuid4().int % 10**8:08d}")
    medecin = headers_for(EHPAD, role="medecin", who=rpps)
    dpo = headers_for(role="dpo", who=f"dpo-ressource-{unique}")
    body = {
        "contenu": {
            "nature": "medicament",
            "medicament": {"denomination": "Paracétamol", "dosage": "500 mg", "voie": "orale"},
            "prises": [{"heure": "08:00", "quantite": 1, "unite": "comprimé"}],
        }
    }
    created = await gateway.post(f"/dossiers/{did}/prescriptions", json=body, headers=medecin)
    pid = _ok(created, 201)["id"]
    versions = await gateway.get(f"/prescriptions/{pid}/versions", headers=_fresh(created, medecin))
    assert _ok(versions) and did not in versions.text  # the answer itself does not name the dossier
    _ok(
        await gateway.post(
            f"/prescriptions/{pid}/arret", json={"motif": "fin de traitement"}, headers=medecin
        )
    )

    journal = f"/dossiers/{did}/journal-acces"
    for methode, route in (
        ("GET", "/prescriptions/{prescription_id}/versions"),
        ("POST", "/prescriptions/{prescription_id}/arret"),
    ):
        entree = await _entree(gateway, journal, dpo, identifiant=rpps, methode=methode, route=route)
        assert entree["statut"] == 200 and entree["profession"] == "medecin"


# -- the matrix ---------------------------------------------------------------------------------------------


def _ligne(profession: str) -> dict[str, Any]:
    """A line of the shipped matrix as `PUT /habilitations/matrice/profils/{profession}` takes it."""
    return {k: v for k, v in LIGNES_DEFAUT[profession].items() if k != "profession"}


async def test_a_change_of_the_matrix_takes_effect_on_the_next_request_and_only_an_administrator_makes_it(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    admin = headers_for(role="administrateur_og", who=f"adm-{unique}")
    secretariat = headers_for(EHPAD, role="secretariat", who=f"sec-m-{unique}")
    animateur = headers_for(EHPAD, role="animateur", who=f"anim-m-{unique}")

    matrice = _ok(await gateway.get("/habilitations/matrice", headers=secretariat))
    lignes = {p["profession"]: p for p in matrice["profils"]}
    assert set(LIGNES_DEFAUT) <= set(lignes)
    assert lignes["animateur"]["categories"] == LIGNES_DEFAUT["animateur"]["categories"]

    sans_accompagnement = {**_ligne("animateur"), "categories": {"administratif": "lecture"}}
    refused = await gateway.put(
        "/habilitations/matrice/profils/animateur", json=sans_accompagnement, headers=secretariat
    )
    assert _refus(refused, 403) == "droit_administration"

    did = await admitted_dossier(gateway, f"Matrice-{unique}", EHPAD)
    created = await gateway.post(
        f"/dossiers/{did}/projet-personnalise", json={"objectifs": []}, headers=OG_WIDE
    )
    _ok(created, 201)
    projet = f"/dossiers/{did}/projet-personnalise"
    assert _ok(await gateway.get(projet, headers=_fresh(created, animateur)))["dossier_id"] == did
    try:
        _ok(
            await gateway.put(
                "/habilitations/matrice/profils/animateur", json=sans_accompagnement, headers=admin
            )
        )
        assert _refus(await gateway.get(projet, headers=animateur), 403) == "categorie_non_habilitee"
        assert _ok(await gateway.get(f"/dossiers/{did}", headers=animateur))["id"] == did  # still opened
    finally:
        restored = await gateway.put(
            "/habilitations/matrice/profils/animateur", json=_ligne("animateur"), headers=admin
        )
    _ok(restored)
    assert _ok(await gateway.get(projet, headers=animateur))["dossier_id"] == did
    matrice = _ok(await gateway.get("/habilitations/matrice", headers=_fresh(restored, secretariat)))
    animateur_ligne = {p["profession"]: p for p in matrice["profils"]}["animateur"]
    assert animateur_ligne["categories"] == LIGNES_DEFAUT["animateur"]["categories"]
