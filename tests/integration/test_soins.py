"""The soins service through the gateway, against real NATS JetStream and PostgreSQL: prescribers, versions and
signatures, acts, the care plan of a day, what is overdue, absences learnt from the dossier service,
transmissions (per unit, shift, person, cible; unread ones), medical data, ESMS isolation, retries, a rebuild."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import rfc8785
from nats.aio.client import Client as NATS

from dui_shared.contracts import registry
from dui_shared.envelope import Actor
from dui_shared.eventstore import EventStore
from dui_shared.projection import rebuild, stored_position
from dui_shared.rpc import RpcReply, RpcRequest
from dui_shared.rpps import with_key
from dui_shared.timezone import PARIS
from dui_soins.domain.transmission import suivi_id
from dui_soins.projections import SoinsReadModel
from dui_soins.queries import ACTES
from tests.support.builders import EHPAD, OG_WIDE, SSIAD, admit, admitted_dossier, dossier_of, headers_for

RPPS = with_key("1000000001")  # 10000000017
MEDECIN = headers_for(EHPAD, role="medecin", who=RPPS)


def ide(unique: str) -> dict[str, str]:
    return headers_for(EHPAD, role="infirmier", who=f"ide-{unique}")


def aide(unique: str) -> dict[str, str]:
    return headers_for(EHPAD, role="aide_soignant", who=f"as-{unique}")


def fresh(response: httpx.Response, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "X-Dui-Min-Position": response.headers["X-Dui-Position"]}


def at(text: str) -> datetime:
    """A Paris wall-clock time, as the API shows instants."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["type"] == f"urn:dui:probleme:{rule}" or rule in {
        e["rule"] for e in body.get("errors", [])
    }, body
    return body


def paracetamol(**changes: Any) -> dict[str, Any]:
    contenu: dict[str, Any] = {
        "nature": "medicament",
        "medicament": {"denomination": "Paracétamol", "dosage": "500 mg", "voie": "orale"},
        "prises": [{"heure": "08:00", "quantite": 1, "unite": "comprimé"}, {"heure": "20:00", "quantite": 1}],
        "debut": "2026-10-05T00:00:00",
    }
    contenu.update(changes)
    return {"contenu": contenu, "prescripteur_nom": "Dr Leroy"}


KINE = {
    "contenu": {
        "nature": "acte",
        "acte": {"type": "kinesitherapie", "libelle": "rééducation à la marche"},
        "prises": [{"heure": "10:00"}],
        "jours_semaine": ["lundi", "mercredi", "vendredi"],
        "debut": "2026-10-05T00:00:00",
    }
}


async def prescribe(gateway: httpx.AsyncClient, did: str, body: dict[str, Any]) -> str:
    created = await ok(await gateway.post(f"/dossiers/{did}/prescriptions", json=body, headers=MEDECIN), 201)
    return str(created["id"])


async def events_of(store: EventStore, kind: str, aggregate_id: str) -> list[str]:
    return [e.envelope.name for e in await store.read(f"dui.evt.*.soins.{kind}.{aggregate_id}")]


def mine(creneaux: list[dict[str, Any]], did: str) -> list[tuple[str, str, str]]:
    """(Paris time HH:MM, libellé, statut) of one person's slots."""
    return [
        (at(c["prevu_le"][:19]).strftime("%d %H:%M"), c["libelle"], c["statut"])
        for c in creneaux
        if c["usager"]["dossier_id"] == did
    ]


# -- prescriptions ---------------------------------------------------------------------------------------


async def test_only_an_authorised_prescriber_issues_modifies_or_stops(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Presc-{unique}")
    refused = await gateway.post(f"/dossiers/{did}/prescriptions", json=paracetamol(), headers=ide(unique))
    body = problem(refused, 403, "prescripteur_non_habilite")
    assert "médecin" in body["detail"]
    bad_rpps = headers_for(EHPAD, role="medecin", who="10000000018")
    body = problem(
        await gateway.post(f"/dossiers/{did}/prescriptions", json=paracetamol(), headers=bad_rpps),
        403,
        "prescripteur_non_habilite",
    )
    assert "clé de contrôle" in body["detail"]
    pid = await prescribe(gateway, did, paracetamol())
    change = {**paracetamol(fin="2026-10-20"), "motif": "durée"}
    problem(
        await gateway.post(f"/prescriptions/{pid}/modification", json=change, headers=ide(unique)),
        403,
        "prescripteur_non_habilite",
    )
    problem(
        await gateway.post(f"/prescriptions/{pid}/arret", json={"motif": "x"}, headers=bad_rpps),
        403,
        "prescripteur_non_habilite",
    )
    invalid = await gateway.post(
        f"/dossiers/{did}/prescriptions", json=paracetamol(prises=[], medicament=None), headers=MEDECIN
    )
    assert invalid.status_code == 422
    assert {(e["field"], e["rule"]) for e in invalid.json()["errors"]} == {
        ("contenu.medicament", "medicament_requis"),
        ("contenu.prises", "posologie_requise"),
    }


async def test_each_version_is_kept_and_signed_in_the_same_decision(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Version-{unique}")
    pid = await prescribe(gateway, did, paracetamol())
    change = {**paracetamol(prises=[{"heure": "08:00", "quantite": 2, "unite": "comprimé"}]), "motif": "dose"}
    modified = await gateway.post(
        f"/prescriptions/{pid}/modification", json={**change, "version": 1}, headers=MEDECIN
    )
    assert (await ok(modified))["version"] == 2
    retried = await gateway.post(  # the same request again, without a key: nothing new, answered as then
        f"/prescriptions/{pid}/modification", json={**change, "version": 1}, headers=MEDECIN
    )
    assert (await ok(retried))["version"] == 2
    other = paracetamol(prises=[{"heure": "08:00", "quantite": 3, "unite": "comprimé"}])
    stale = await gateway.post(
        f"/prescriptions/{pid}/modification",
        json={**other, "version": 1, "motif": "encore"},
        headers=MEDECIN,
    )
    problem(stale, 409, "version_perimee")
    stored = await store.read(f"dui.evt.*.soins.prescription.{pid}")
    assert [e.envelope.name for e in stored] == [
        "PrescriptionEmise",
        "PrescriptionSignee",
        "PrescriptionModifiee",
        "PrescriptionSignee",
    ]
    assert stored[1].seq == stored[0].seq + 1 and stored[3].seq == stored[2].seq + 1  # one atomic batch each
    versions = await ok(await gateway.get(f"/prescriptions/{pid}/versions", headers=fresh(modified, MEDECIN)))
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["depuis"] is None and versions[1]["depuis"] is not None
    assert versions[1]["motif"] == "dose"
    assert [v["contenu"]["prises"][0]["quantite"] for v in versions] == [1, 2]
    for v, event in zip(versions, (stored[1], stored[3]), strict=True):
        # what a verifier in any language computes: SHA-256 of the RFC 8785 form, where the quantity 1 is `1`
        canonical = rfc8785.dumps(v["contenu"])
        assert b'"quantite":1,' in canonical or b'"quantite":2,' in canonical
        assert v["signature"]["empreinte"] == hashlib.sha256(canonical).hexdigest()
        assert v["signature"]["signataire"] == RPPS
        assert event.envelope.data["empreinte"] == v["signature"]["empreinte"]
    current = await ok(await gateway.get(f"/prescriptions/{pid}", headers=fresh(modified, ide(unique))))
    assert (current["version"], current["statut"], current["libelle"]) == (
        2,
        "en_cours",
        "Paracétamol 500 mg (orale)",
    )


async def test_acts_on_a_prescription_follow_its_plan_and_stop_with_it(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Acte-{unique}")
    pid = await prescribe(gateway, did, paracetamol())
    acte = {
        "prescription_id": pid,
        "prevu_le": "2026-10-06T08:00:00",
        "statut": "realise",
        "realise_le": "2026-10-06T08:10:00",
    }
    await ok(await gateway.post(f"/dossiers/{did}/actes", json=acte, headers=aide(unique)))
    again = await ok(await gateway.post(f"/dossiers/{did}/actes", json=acte, headers=aide(unique)))
    assert again["id"] == pid
    assert (await events_of(store, "prescription", pid)).count("ActeRealise") == 1
    other = {**acte, "statut": "non_realise", "motif": "refus", "realise_le": None}
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=other, headers=aide(unique)), 409, "acte_deja_trace"
    )
    off_plan = {**acte, "prevu_le": "2026-10-06T09:00:00"}
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=off_plan, headers=aide(unique)),
        422,
        "creneau_hors_plan",
    )
    problem(
        await gateway.post(
            f"/dossiers/{did}/actes", json={**acte, "prevu_le": "2026-10-06T20:00:00"}, headers=OG_WIDE
        ),
        403,
        "role_soignant_requis",
    )
    stopped = await gateway.post(
        f"/prescriptions/{pid}/arret", json={"motif": "effet indésirable"}, headers=MEDECIN
    )
    await ok(stopped)
    before_stop = {**acte, "prevu_le": "2026-10-06T20:00:00", "realise_le": "2026-10-06T20:05:00"}
    await ok(await gateway.post(f"/dossiers/{did}/actes", json=before_stop, headers=aide(unique)))
    tomorrow = (datetime.now(PARIS) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    after_stop = {**acte, "prevu_le": tomorrow.isoformat(), "realise_le": None}
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=after_stop, headers=aide(unique)),
        409,
        "prescription_arretee",
    )
    view = await ok(await gateway.get(f"/prescriptions/{pid}", headers=fresh(stopped, aide(unique))))
    assert (view["statut"], view["motif_arret"]) == ("arretee", "effet indésirable")
    listed = await ok(
        await gateway.get(
            f"/dossiers/{did}/prescriptions", params={"statut": "en_cours"}, headers=fresh(stopped, MEDECIN)
        )
    )
    assert listed == []
    ended = await prescribe(gateway, did, paracetamol(fin="2026-10-07"))
    after_end = {
        **acte,
        "prescription_id": ended,
        "prevu_le": "2026-10-08T08:00:00",
        "realise_le": "2026-10-08T08:00:00",
    }
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=after_end, headers=aide(unique)),
        422,
        "apres_fin_prescription",
    )


# -- the care plan -------------------------------------------------------------------------------------


async def _planned_person(gateway: httpx.AsyncClient, unique: str, nom: str) -> tuple[str, str, str, str]:
    """A person of "Les Lilas" with paracetamol at 8:00 and 20:00, kinésithérapie at 10:00 on Mon/Wed/Fri and a
    toilette at 08:30, all from Monday 5 October 2026."""
    did = await admitted_dossier(gateway, nom)
    await ok(
        await gateway.put(f"/dossiers/{did}/plan-soins/unite", json={"unite": "Les Lilas"}, headers=OG_WIDE)
    )
    para = await prescribe(gateway, did, paracetamol())
    kine = await prescribe(gateway, did, KINE)
    toilette = {
        "type": "toilette",
        "libelle": "Toilette au lavabo",
        "heures": ["08:30"],
        "debut": "2026-10-05T00:00:00",
    }
    soin = await ok(
        await gateway.post(f"/dossiers/{did}/plan-soins", json=toilette, headers=ide(unique)), 201
    )
    return did, para, kine, str(soin["id"])


async def test_the_care_plan_of_a_day_lists_every_slot_with_its_status(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did, para, _, soin = await _planned_person(gateway, unique, f"Plan-{unique}")
    await ok(
        await gateway.post(
            f"/dossiers/{did}/actes",
            json={
                "prescription_id": para,
                "prevu_le": "2026-10-05T08:00:00",
                "statut": "realise",
                "realise_le": "2026-10-05T08:05:00",
            },
            headers=aide(unique),
        )
    )
    last = await gateway.post(
        f"/dossiers/{did}/actes",
        json={
            "soin_id": soin,
            "prevu_le": "2026-10-05T08:30:00",
            "statut": "non_realise",
            "motif": "refus",
            "commentaire": "douche le soir",
        },
        headers=aide(unique),
    )
    await ok(last)
    plan = await ok(
        await gateway.get(
            "/plan-soins",
            params={"esms": EHPAD, "unite": "Les Lilas", "jour": "2026-10-05"},
            headers=fresh(last, ide(unique)),
        )
    )
    assert mine(plan["creneaux"], did) == [
        ("05 08:00", "Paracétamol 500 mg (orale)", "realise"),
        ("05 08:30", "Toilette au lavabo", "non_realise"),
        ("05 10:00", "rééducation à la marche", "en_retard"),
        ("05 20:00", "Paracétamol 500 mg (orale)", "en_retard"),
    ]
    refus = next(c for c in plan["creneaux"] if c["soin_id"] == soin)
    assert (refus["acte"]["motif"], refus["acte"]["par"]) == ("refus", f"as-{unique}")
    tuesday = await ok(
        await gateway.get(
            f"/dossiers/{did}/plan-soins", params={"jour": "2026-10-06"}, headers=fresh(last, ide(unique))
        )
    )
    assert tuesday["unite"] == "Les Lilas"
    assert [s["libelle"] for s in tuesday["soins"]] == ["Toilette au lavabo"]
    assert [c[1] for c in mine(tuesday["jour"]["creneaux"], did)] == [
        "Paracétamol 500 mg (orale)",
        "Toilette au lavabo",
        "Paracétamol 500 mg (orale)",
    ]  # no kinésithérapie on Tuesdays
    other_unit = await ok(
        await gateway.get(
            "/plan-soins",
            params={"esms": EHPAD, "unite": "Les Glycines", "jour": "2026-10-05"},
            headers=fresh(last, ide(unique)),
        )
    )
    assert mine(other_unit["creneaux"], did) == []


async def test_si_besoin_administrations_are_listed_and_capped(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"SiBesoin-{unique}")
    pid = await prescribe(
        gateway, did, paracetamol(prises=[], si_besoin={"condition": "douleur EVA > 3", "max_par_jour": 1})
    )
    given = {
        "prescription_id": pid,
        "statut": "realise",
        "realise_le": "2026-10-05T15:00:00",
        "commentaire": "EVA 6",
    }
    done = await gateway.post(f"/dossiers/{did}/actes", json=given, headers=ide(unique))
    await ok(done)
    second = {**given, "realise_le": "2026-10-05T22:00:00"}
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=second, headers=ide(unique)),
        409,
        "max_par_jour_atteint",
    )
    plan = await ok(
        await gateway.get(
            "/plan-soins", params={"dossier_id": did, "jour": "2026-10-05"}, headers=fresh(done, ide(unique))
        )
    )
    assert plan["creneaux"] == []
    assert [(a["prescription_id"], a["commentaire"]) for a in plan["si_besoin"]] == [(pid, "EVA 6")]
    actes = await ok(
        await gateway.get(
            f"/dossiers/{did}/actes", params={"jour": "2026-10-05"}, headers=fresh(done, ide(unique))
        )
    )
    assert [(a["statut"], a["prevu_le"]) for a in actes] == [("realise", None)]


async def test_overdue_slots_are_those_past_the_tolerance_without_a_trace(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did, para, _, _ = await _planned_person(gateway, unique, f"Retard-{unique}")
    last = await gateway.post(
        f"/dossiers/{did}/actes",
        json={
            "prescription_id": para,
            "prevu_le": "2026-10-05T08:00:00",
            "statut": "realise",
            "realise_le": "2026-10-05T08:20:00",
        },
        headers=aide(unique),
    )
    await ok(last)

    async def overdue(when: str, **params: Any) -> list[tuple[str, str, str]]:
        query = {"esms": EHPAD, "unite": "Les Lilas", "a": when, **params}
        body = await ok(await gateway.get("/actes/en-retard", params=query, headers=fresh(last, ide(unique))))
        return mine(body["creneaux"], did)

    assert await overdue("2026-10-05T09:29:00") == []  # the toilette is due at 08:30, 60 minutes of tolerance
    assert await overdue("2026-10-05T09:31:00") == [("05 08:30", "Toilette au lavabo", "en_retard")]
    assert await overdue("2026-10-05T11:30:00") == [
        ("05 08:30", "Toilette au lavabo", "en_retard"),
        ("05 10:00", "rééducation à la marche", "en_retard"),
    ]
    assert await overdue("2026-10-05T10:20:00", tolerance_minutes=15) == [
        ("05 08:30", "Toilette au lavabo", "en_retard"),
        ("05 10:00", "rééducation à la marche", "en_retard"),
    ]
    assert await overdue("2026-10-06T09:15:00", fenetre_heures=2) == [
        ("06 08:00", "Paracétamol 500 mg (orale)", "en_retard")
    ]


async def test_an_absence_from_the_dossier_service_marks_slots_absent_not_overdue(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did, _, _, _ = await _planned_person(gateway, unique, f"Absent-{unique}")
    absence = await gateway.post(
        f"/dossiers/{did}/absences",
        json={"type": "hospitalisation", "debut": "2026-10-06T09:00:00", "fin_prevue": "2026-10-07T09:00:00"},
        headers=OG_WIDE,
    )
    created = await ok(absence, 201)
    plan = await ok(
        await gateway.get(
            "/plan-soins",
            params={"dossier_id": did, "jour": "2026-10-06"},
            headers=fresh(absence, ide(unique)),
        )
    )
    assert mine(plan["creneaux"], did) == [
        ("06 08:00", "Paracétamol 500 mg (orale)", "en_retard"),
        ("06 08:30", "Toilette au lavabo", "en_retard"),
        ("06 20:00", "Paracétamol 500 mg (orale)", "absent"),
    ]
    assert plan["creneaux"][-1]["absence"] == "hospitalisation" and plan["creneaux"][-1]["absent"]
    retards = await ok(
        await gateway.get(
            "/actes/en-retard",
            params={"esms": EHPAD, "a": "2026-10-07T12:00:00"},
            headers=fresh(absence, ide(unique)),
        )
    )
    assert mine(retards["creneaux"], did) == [("07 10:00", "rééducation à la marche", "en_retard")]
    cancelled = await gateway.post(
        f"/dossiers/{did}/absences/{created['id']}/annulation",
        json={"motif": "erreur de saisie"},
        headers=OG_WIDE,
    )
    await ok(cancelled)
    plan = await ok(
        await gateway.get(
            "/plan-soins",
            params={"dossier_id": did, "jour": "2026-10-06"},
            headers=fresh(cancelled, ide(unique)),
        )
    )
    assert [c[2] for c in mine(plan["creneaux"], did)] == ["en_retard"] * 3


# -- transmissions ---------------------------------------------------------------------------------------


async def test_transmissions_per_unit_shift_person_and_cible(gateway: httpx.AsyncClient, unique: str) -> None:
    did = await admitted_dossier(gateway, f"Trans-{unique}")
    await ok(
        await gateway.put(
            f"/dossiers/{did}/plan-soins/unite", json={"unite": "Les Glycines"}, headers=OG_WIDE
        )
    )
    notes = [
        {
            "type": "ciblee",
            "categorie": "soins",
            "cible": "Douleur",
            "donnees": "genou droit, EVA 6",
            "actions": "antalgique",
            "le": "2026-10-10T08:15:00",
        },
        {
            "type": "libre",
            "categorie": "vie_sociale",
            "texte": "visite de sa fille",
            "le": "2026-10-10T15:00:00",
            "auteur_nom": "Éducatrice",
        },
        {
            "type": "ciblee",
            "categorie": "nuit",
            "cible": "Douleur nocturne",
            "resultats": "dort après antalgique",
            "le": "2026-10-11T02:30:00",
        },
        {
            "type": "libre",
            "categorie": "soins",
            "texte": "bonne journée",
            "le": "2026-10-11T10:00:00",
            "unite": "Les Lilas",
        },
    ]
    for note in notes:
        last = await gateway.post(f"/dossiers/{did}/transmissions", json=note, headers=aide(unique))
        await ok(last, 201)
    h = fresh(last, ide(unique))

    async def listed(**params: Any) -> list[tuple[str | None, str | None, str]]:
        body = await ok(
            await gateway.get(
                "/transmissions", params={"esms": EHPAD, "dossier_id": did, **params}, headers=h
            )
        )
        return [(t["unite"], t["poste"], t["le"][:16]) for t in body["items"]]

    assert await listed(unite="Les Glycines", jour="2026-10-10") == [
        ("Les Glycines", "matin", "2026-10-10T08:15"),
        ("Les Glycines", "apres_midi", "2026-10-10T15:00"),
        ("Les Glycines", "nuit", "2026-10-11T02:30"),  # the night of the 10th
    ]
    assert await listed(jour="2026-10-10", poste="nuit") == [("Les Glycines", "nuit", "2026-10-11T02:30")]
    assert await listed(jour="2026-10-11") == [("Les Lilas", "matin", "2026-10-11T10:00")]
    assert await listed(cible="douleur") == [
        ("Les Glycines", "nuit", "2026-10-11T02:30"),
        ("Les Glycines", "matin", "2026-10-10T08:15"),
    ]
    person = await ok(await gateway.get(f"/dossiers/{did}/transmissions", headers=h))
    assert person["total"] == 4
    assert [t["le"][:10] for t in person["items"]] == ["2026-10-11", "2026-10-11", "2026-10-10", "2026-10-10"]
    first = person["items"][-1]
    assert (first["auteur"], first["profession"], first["usager"]["unite"]) == (
        f"as-{unique}",
        "aide_soignant",
        "Les Glycines",
    )
    refused = await gateway.post(
        f"/dossiers/{did}/transmissions",
        json={"type": "ciblee", "categorie": "soins", "unite": "Les Roses", "texte": "x"},
        headers=aide(unique),
    )
    assert refused.status_code == 422
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} == {
        ("cible", "cible_requise"),
        ("donnees", "dar_requis"),
        ("texte", "champ_reserve_libre"),
    }
    problem(
        await gateway.post(
            f"/dossiers/{did}/transmissions",
            json={"categorie": "soins", "texte": "x", "unite": "Les Roses"},
            headers=aide(unique),
        ),
        422,
        "unite_inconnue",
    )


async def test_unread_transmissions_of_a_professional_and_medical_ones(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Lu-{unique}")
    written = []
    for text in ("a bien mangé", "chute sans gravité"):
        response = await gateway.post(
            f"/dossiers/{did}/transmissions", json={"categorie": "soins", "texte": text}, headers=aide(unique)
        )
        written.append((await ok(response, 201))["id"])
    medical = await gateway.post(
        f"/dossiers/{did}/transmissions",
        json={
            "categorie": "soins",
            "categorie_donnees": "medical",
            "texte": "suspicion d'embolie : bilan demandé",
        },
        headers=MEDECIN,
    )
    medical_id = (await ok(medical, 201))["id"]

    async def unread(headers: dict[str, str], response: httpx.Response) -> list[str]:
        body = await ok(
            await gateway.get(
                "/transmissions/non-lues", params={"esms": EHPAD}, headers=fresh(response, headers)
            )
        )
        assert all(t["lue"] is False for t in body["items"])
        return [t["id"] for t in body["items"] if t["dossier_id"] == did]

    assert await unread(ide(unique), medical) == [*written, medical_id]
    assert await unread(aide(unique), medical) == []  # their own, and a medical one they may not read
    marked = await gateway.post(
        "/transmissions/lectures", json={"ids": [written[0], medical_id]}, headers=ide(unique)
    )
    assert (await ok(marked))["lues"] == 2
    again = await gateway.post("/transmissions/lectures", json={"ids": [written[0]]}, headers=ide(unique))
    assert (await ok(again))["lues"] == 0
    assert await unread(ide(unique), marked) == [written[1]]
    assert await unread(headers_for(EHPAD, role="medecin_coordonnateur", who=f"medco-{unique}"), marked) == [
        *written,
        medical_id,
    ]
    problem(
        await gateway.post("/transmissions/lectures", json={"ids": [medical_id]}, headers=aide(unique)),
        404,
        "introuvable",
    )
    problem(
        await gateway.post(
            "/transmissions/lectures", json={"ids": [str(uuid.uuid4())]}, headers=aide(unique)
        ),
        404,
        "introuvable",
    )
    seen_by_aide = await ok(
        await gateway.get(f"/dossiers/{did}/transmissions", headers=fresh(marked, aide(unique)))
    )
    assert [t["id"] for t in seen_by_aide["items"]] == written[::-1]
    problem(
        await gateway.get(f"/transmissions/{medical_id}", headers=fresh(marked, aide(unique))),
        404,
        "introuvable",
    )
    day = await ok(
        await gateway.get(
            "/transmissions", params={"esms": EHPAD, "dossier_id": did}, headers=fresh(marked, aide(unique))
        )
    )
    assert medical_id not in [t["id"] for t in day["items"]]
    assert (await ok(await gateway.get(f"/transmissions/{medical_id}", headers=fresh(marked, ide(unique)))))[
        "texte"
    ]


async def test_reading_transmissions_of_several_days_counts_each_once_and_keeps_one_record_per_day(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Jours-{unique}")
    now = datetime.now(PARIS)
    ids = []
    for le in (now - timedelta(days=2), now - timedelta(hours=1)):
        note = {"categorie": "soins", "texte": f"note du {le:%d/%m}", "le": le.isoformat()}
        ids.append(
            (
                await ok(
                    await gateway.post(f"/dossiers/{did}/transmissions", json=note, headers=aide(unique)), 201
                )
            )["id"]
        )
    marked = await gateway.post("/transmissions/lectures", json={"ids": ids}, headers=ide(unique))
    assert (await ok(marked))["lues"] == 2
    again = await gateway.post("/transmissions/lectures", json={"ids": ids[::-1]}, headers=ide(unique))
    assert (await ok(again))["lues"] == 0
    unread = await ok(
        await gateway.get(
            "/transmissions/non-lues", params={"esms": EHPAD}, headers=fresh(marked, ide(unique))
        )
    )
    assert [t for t in unread["items"] if t["dossier_id"] == did] == []
    # what was read is kept per shift day: marking replays that day's record, not everything ever read
    for tid in ids:
        jour = (await ok(await gateway.get(f"/transmissions/{tid}", headers=fresh(marked, ide(unique)))))[
            "jour_poste"
        ]
        suivi = suivi_id(EHPAD, f"ide-{unique}", date.fromisoformat(jour))
        assert await events_of(store, "suivilectures", str(suivi)) == [
            "SuiviLecturesOuvert",
            "TransmissionsLues",
        ]


# -- observations ------------------------------------------------------------------------------------------


async def test_observations_are_written_by_physicians_and_received_ones_keep_their_source(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Obs-{unique}")
    body = {"texte": "auscultation : crépitants base droite", "motif": "toux"}
    problem(
        await gateway.post(f"/dossiers/{did}/observations", json=body, headers=ide(unique)),
        403,
        "observation_reservee_medecin",
    )
    await ok(
        await gateway.post(
            f"/dossiers/{did}/observations",
            json={**body, "observee_le": "2026-10-12T10:00:00"},
            headers=MEDECIN,
        ),
        201,
    )
    received = {
        "texte": "compte rendu de consultation de cardiologie",
        "source": "recue_professionnel",
        "observee_le": "2026-10-02T14:00:00",
    }
    problem(
        await gateway.post(f"/dossiers/{did}/observations", json=received, headers=ide(unique)),
        422,
        "source_detail_requis",
    )
    last = await gateway.post(
        f"/dossiers/{did}/observations",
        json={**received, "source_detail": "Dr Martin, cardiologue, courrier"},
        headers=ide(unique),
    )
    await ok(last, 201)
    listed = await ok(await gateway.get(f"/dossiers/{did}/observations", headers=fresh(last, ide(unique))))
    assert [(o["source"], o["profession"]) for o in listed] == [
        ("saisie", "medecin"),
        ("recue_professionnel", "infirmier"),
    ]
    problem(  # the shipped matrix opens no medical data to an aide-soignant
        await gateway.get(f"/dossiers/{did}/observations", headers=fresh(last, aide(unique))),
        403,
        "categorie_non_habilitee",
    )
    one = await ok(await gateway.get(last.headers["Location"], headers=fresh(last, MEDECIN)))
    assert one["source_detail"] == "Dr Martin, cardiologue, courrier"


# -- dossiers as the soins service knows them -------------------------------------------------------------


async def test_unknown_and_archived_dossiers_refuse_writes(gateway: httpx.AsyncClient, unique: str) -> None:
    problem(
        await gateway.post(
            f"/dossiers/{uuid.uuid4()}/transmissions",
            json={"categorie": "soins", "texte": "x"},
            headers=ide(unique),
        ),
        404,
        "introuvable",
    )
    sejour_id, position = await admit(gateway, f"Archive-{unique}")
    did = (await dossier_of(gateway, sejour_id, position))["id"]
    sortie = await gateway.post(
        f"/sejours/{sejour_id}/sortie",
        json={"sortie_le": "2026-11-01T10:00:00", "motif": "retour_domicile"},
        headers=OG_WIDE,
    )
    await ok(sortie)
    await ok(await gateway.get(f"/dossiers/{did}", headers=fresh(sortie, OG_WIDE)))
    archived = await gateway.post(f"/dossiers/{did}/archivage", headers=OG_WIDE)
    await ok(archived)
    readable = await ok(
        await gateway.get(f"/dossiers/{did}/transmissions", headers=fresh(archived, ide(unique)))
    )
    assert readable["total"] == 0
    for path, body, headers in (
        ("transmissions", {"categorie": "soins", "texte": "x"}, ide(unique)),
        ("prescriptions", paracetamol(), MEDECIN),
        ("observations", {"texte": "x"}, MEDECIN),
        ("plan-soins", {"type": "toilette", "libelle": "t", "heures": ["08:00"]}, ide(unique)),
    ):
        problem(
            await gateway.post(f"/dossiers/{did}/{path}", json=body, headers=headers), 409, "dossier_archive"
        )


async def test_another_esms_never_sees_nor_writes_soins_data(gateway: httpx.AsyncClient, unique: str) -> None:
    did, para, _, soin = await _planned_person(gateway, unique, f"Cloison-{unique}")
    note = await gateway.post(
        f"/dossiers/{did}/transmissions", json={"categorie": "soins", "texte": "RAS"}, headers=aide(unique)
    )
    tid = (await ok(note, 201))["id"]
    ssiad_ide = {
        **headers_for(SSIAD, role="infirmier", who=f"ide-ssiad-{unique}"),
        "X-Dui-Min-Position": note.headers["X-Dui-Position"],
    }
    ssiad_med = {
        **headers_for(SSIAD, role="medecin", who=RPPS),
        "X-Dui-Min-Position": note.headers["X-Dui-Position"],
    }
    for path in ("transmissions", "observations", "prescriptions", "plan-soins", "actes"):
        problem(await gateway.get(f"/dossiers/{did}/{path}", headers=ssiad_ide), 404, "introuvable")
    for path in (f"/prescriptions/{para}", f"/prescriptions/{para}/versions", f"/transmissions/{tid}"):
        problem(await gateway.get(path, headers=ssiad_ide), 404, "introuvable")
    for path, params in (
        ("/transmissions", {"esms": EHPAD, "dossier_id": did}),
        ("/transmissions", {"dossier_id": did}),
        ("/transmissions/non-lues", {}),
    ):
        body = await ok(await gateway.get(path, params=params, headers=ssiad_ide))
        assert [t for t in body["items"] if t["dossier_id"] == did] == [], path
    plan = await ok(
        await gateway.get("/plan-soins", params={"esms": EHPAD, "jour": "2026-10-05"}, headers=ssiad_ide)
    )
    assert mine(plan["creneaux"], did) == []
    late = await ok(
        await gateway.get("/actes/en-retard", params={"a": "2026-10-05T23:00:00"}, headers=ssiad_ide)
    )
    assert mine(late["creneaux"], did) == []
    own = await ok(
        await gateway.get(
            "/actes/en-retard",
            params={"a": "2026-10-05T23:00:00"},
            headers={**ide(unique), "X-Dui-Min-Position": note.headers["X-Dui-Position"]},
        )
    )
    assert len(mine(own["creneaux"], did)) == 4
    writes = [
        (f"/dossiers/{did}/transmissions", {"categorie": "soins", "texte": "x"}, ssiad_ide),
        (f"/dossiers/{did}/prescriptions", paracetamol(), ssiad_med),
        (f"/prescriptions/{para}/arret", {"motif": "x"}, ssiad_med),
        (
            f"/dossiers/{did}/actes",
            {"soin_id": soin, "prevu_le": "2026-10-05T08:30:00", "statut": "realise"},
            ssiad_ide,
        ),
        ("/transmissions/lectures", {"ids": [tid]}, ssiad_ide),
    ]
    for path, body, headers in writes:
        problem(await gateway.post(path, json=body, headers=headers), 404, "introuvable")


# -- retries -------------------------------------------------------------------------------------------------


async def test_retries_with_the_same_idempotency_key_create_nothing_twice(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Retry-{unique}")

    async def twice(path: str, body: dict[str, Any], headers: dict[str, str], status: int = 201) -> Any:
        keyed = {**headers, "Idempotency-Key": f"{path}-{unique}"}
        first = await ok(await gateway.post(path, json=body, headers=keyed), status)
        again = await ok(await gateway.post(path, json=body, headers=keyed), status)
        assert first == again
        return first

    tid = (
        await twice(f"/dossiers/{did}/transmissions", {"categorie": "soins", "texte": "RAS"}, aide(unique))
    )["id"]
    pid = (
        await twice(
            f"/dossiers/{did}/prescriptions",
            paracetamol(prises=[], si_besoin={"condition": "douleur"}),
            MEDECIN,
        )
    )["id"]
    oid = (await twice(f"/dossiers/{did}/observations", {"texte": "examen normal"}, MEDECIN))["id"]
    await twice(
        f"/dossiers/{did}/plan-soins",
        {"type": "change", "libelle": "Change", "heures": ["07:00"]},
        aide(unique),
    )
    await twice(f"/dossiers/{did}/actes", {"prescription_id": pid, "statut": "realise"}, ide(unique), 200)
    await twice("/transmissions/lectures", {"ids": [tid]}, ide(unique), 200)
    await twice(
        f"/prescriptions/{pid}/modification",
        {**paracetamol(prises=[], si_besoin={"condition": "fièvre"}), "motif": "m"},
        MEDECIN,
        200,
    )
    assert await events_of(store, "transmission", tid) == ["TransmissionSaisie"]
    assert await events_of(store, "observation", oid) == ["ObservationSaisie"]
    assert await events_of(store, "prescription", pid) == [
        "PrescriptionEmise",
        "PrescriptionSignee",
        "ActeRealise",  # a "si besoin" without a key would be a second administration
        "PrescriptionModifiee",
        "PrescriptionSignee",
    ]
    plan = [
        e.envelope.name
        for e in await store.read("dui.evt.*.soins.plansoins.>")
        if e.envelope.data.get("dossier_id") == did
    ]
    assert plan == ["PlanSoinsOuvert", "SoinPlanifie"]


async def test_a_retry_answers_what_the_first_request_answered_even_after_later_changes(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Rejeu-{unique}")
    emission = {**MEDECIN, "Idempotency-Key": f"emission-{unique}"}
    first = await ok(
        await gateway.post(f"/dossiers/{did}/prescriptions", json=paracetamol(), headers=emission), 201
    )
    pid = first["id"]
    change = {**paracetamol(fin="2026-12-31"), "motif": "durée"}
    modification = {**MEDECIN, "Idempotency-Key": f"modification-{unique}"}
    modified = await ok(
        await gateway.post(f"/prescriptions/{pid}/modification", json=change, headers=modification)
    )
    assert modified["version"] == 2
    other = {**paracetamol(fin="2027-01-31"), "motif": "prolongation"}
    later = await ok(await gateway.post(f"/prescriptions/{pid}/modification", json=other, headers=MEDECIN))
    assert later["version"] == 3
    await ok(await gateway.post(f"/prescriptions/{pid}/arret", json={"motif": "fin"}, headers=MEDECIN))
    again = await ok(
        await gateway.post(f"/prescriptions/{pid}/modification", json=change, headers=modification)
    )
    assert again == modified  # version 2 at its position, not version 3 nor the stop's position
    again = await ok(
        await gateway.post(f"/dossiers/{did}/prescriptions", json=paracetamol(), headers=emission), 201
    )
    assert again == first


# -- who reads -------------------------------------------------------------------------------------------------


async def test_prescriptions_and_the_care_plan_are_for_care_roles_and_drugs_for_those_who_give_them(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did, para, kine, _ = await _planned_person(gateway, unique, f"Lecteurs-{unique}")
    last = await gateway.post(
        f"/dossiers/{did}/actes",
        json={
            "prescription_id": para,
            "prevu_le": "2026-10-05T08:00:00",
            "statut": "realise",
            "realise_le": "2026-10-05T08:05:00",
        },
        headers=aide(unique),
    )
    await ok(last)

    def as_(role: str) -> dict[str, str]:
        return fresh(last, headers_for(EHPAD, role=role, who=f"{role}-{unique}"))

    for role in ("secretariat", "animateur"):
        for path, params in (
            (f"/dossiers/{did}/prescriptions", {}),
            (f"/prescriptions/{para}", {}),
            (f"/prescriptions/{para}/versions", {}),
            (f"/dossiers/{did}/plan-soins", {"jour": "2026-10-05"}),
            ("/plan-soins", {"esms": EHPAD, "jour": "2026-10-05"}),
            (f"/dossiers/{did}/actes", {"jour": "2026-10-05"}),
            ("/actes/en-retard", {"esms": EHPAD, "a": "2026-10-05T23:00:00"}),
        ):
            refused = await gateway.get(path, params=params, headers=as_(role))
            problem(refused, 403, "categorie_non_habilitee")  # neither soins nor medical data in their line
            assert "Paracétamol" not in refused.text, path
    # a physiotherapist reads the prescriptions of acts, not the drugs
    kinesitherapeute = as_("kinesitherapeute")
    listed = await ok(await gateway.get(f"/dossiers/{did}/prescriptions", headers=kinesitherapeute))
    assert [p["id"] for p in listed] == [kine]
    await ok(await gateway.get(f"/prescriptions/{kine}/versions", headers=kinesitherapeute))
    for path in (f"/prescriptions/{para}", f"/prescriptions/{para}/versions"):
        problem(await gateway.get(path, headers=kinesitherapeute), 403, "medicaments_reserves")
    plan = await ok(
        await gateway.get(
            "/plan-soins", params={"dossier_id": did, "jour": "2026-10-05"}, headers=kinesitherapeute
        )
    )
    assert [c[1] for c in mine(plan["creneaux"], did)] == ["Toilette au lavabo", "rééducation à la marche"]
    actes = await ok(
        await gateway.get(f"/dossiers/{did}/actes", params={"jour": "2026-10-05"}, headers=kinesitherapeute)
    )
    assert actes == []
    # the aide-soignant, who helps give drugs, reads them all
    plan = await ok(
        await gateway.get(
            "/plan-soins", params={"dossier_id": did, "jour": "2026-10-05"}, headers=aide(unique)
        )
    )
    assert "Paracétamol 500 mg (orale)" in [c[1] for c in mine(plan["creneaux"], did)]
    listed = await ok(await gateway.get(f"/dossiers/{did}/prescriptions", headers=fresh(last, aide(unique))))
    assert {p["id"] for p in listed} == {para, kine}


# -- time -------------------------------------------------------------------------------------------------------


async def test_acts_at_impossible_times_are_refused(gateway: httpx.AsyncClient, unique: str) -> None:
    did, para, _, soin = await _planned_person(gateway, unique, f"Temps-{unique}")
    in_ten_days = (datetime.now(PARIS) + timedelta(days=10)).replace(
        hour=8, minute=30, second=0, microsecond=0
    )
    refus = {"soin_id": soin, "prevu_le": in_ten_days.isoformat(), "statut": "non_realise", "motif": "refus"}
    problem(
        await gateway.post(f"/dossiers/{did}/actes", json=refus, headers=aide(unique)), 422, "dans_le_futur"
    )
    given = {"prescription_id": para, "prevu_le": "2026-10-06T08:00:00", "statut": "realise"}
    problem(
        await gateway.post(
            f"/dossiers/{did}/actes",
            json={**given, "realise_le": "1901-10-06T08:00:00"},
            headers=aide(unique),
        ),
        422,
        "avant_debut_prescription",
    )
    problem(
        await gateway.post(
            f"/dossiers/{did}/actes",
            json={**given, "realise_le": "2026-10-08T08:00:00"},
            headers=aide(unique),
        ),
        422,
        "realise_loin_du_creneau",
    )
    overdue = await ok(
        await gateway.get(
            "/actes/en-retard", params={"esms": EHPAD, "a": "2026-10-06T12:00:00"}, headers=ide(unique)
        )
    )
    assert ("06 08:00", "Paracétamol 500 mg (orale)", "en_retard") in mine(overdue["creneaux"], did)


async def test_the_plan_on_clock_change_days_has_one_slot_per_time_and_flags_a_skipped_one(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Heure-{unique}")
    nuit = {
        "type": "change",
        "libelle": "Change de nuit",
        "heures": ["02:30", "03:30"],
        "debut": "2026-10-01T00:00:00",
    }
    created = await gateway.post(f"/dossiers/{did}/plan-soins", json=nuit, headers=ide(unique))
    await ok(created, 201)

    async def slots(jour: str) -> list[tuple[str, str | None]]:
        plan = await ok(
            await gateway.get(
                "/plan-soins", params={"dossier_id": did, "jour": jour}, headers=fresh(created, ide(unique))
            )
        )
        return [(c["prevu_le"], c["heure_inexistante"]) for c in plan["creneaux"]]

    # autumn: 02:30 happens twice, planned once (the first); spring: 02:30 does not happen, planned at 03:00
    assert await slots("2026-10-25") == [
        ("2026-10-25T02:30:00+02:00", None),
        ("2026-10-25T03:30:00+01:00", None),
    ]
    assert await slots("2027-03-28") == [
        ("2027-03-28T03:00:00+02:00", "02:30:00"),
        ("2027-03-28T03:30:00+02:00", None),
    ]


async def test_the_acts_of_a_day_are_read_through_the_indexes_not_every_act_ever(pool: asyncpg.Pool) -> None:
    """Three years of a person's acts (an act every two hours, one in ten "si besoin"): the plan of a day reads
    that day's acts through the indexes' ranges (rolled back: nothing stays)."""
    person = uuid.uuid4()
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            await conn.execute(
                """INSERT INTO soins.acte (id, dossier_id, esms, statut, prevu_le, realise_le, par, par_role,
                       trace_le)
                   SELECT gen_random_uuid(), $1, $2, 'realise', CASE WHEN i % 10 = 0 THEN NULL ELSE t END, t,
                          'ide', 'infirmier', t
                   FROM generate_series(1, 13000) i, LATERAL (SELECT $3::timestamptz + i * interval '2 hours' AS t) s""",
                person,
                EHPAD,
                at("2023-10-01T00:00:00"),
            )
            await conn.execute("ANALYZE soins.acte")
            explained = json.loads(
                await conn.fetchval(
                    "EXPLAIN (FORMAT JSON) " + ACTES,
                    [person],
                    at("2025-10-05T00:00:00"),
                    at("2025-10-06T00:00:00"),
                )
            )
        finally:
            await tr.rollback()

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    on_acte = {
        n["Index Name"]: n for n in nodes(explained[0]["Plan"]) if n.get("Index Name", "").startswith("acte_")
    }
    assert set(on_acte) == {"acte_prevu", "acte_realise"}, explained
    for name, column in (("acte_prevu", "prevu_le"), ("acte_realise", "realise_le")):
        # the day bounds each index range: only the acts of that day are read, not three years of them
        assert f"{column} >=" in on_acte[name]["Index Cond"] and f"{column} <" in on_acte[name]["Index Cond"]


# -- operations ---------------------------------------------------------------------------------------------


async def test_the_read_model_is_rebuilt_identical_and_its_lag_is_visible(
    gateway: httpx.AsyncClient, nc: NATS, pool: asyncpg.Pool, store: EventStore, unique: str
) -> None:
    did, para, _, soin = await _planned_person(gateway, unique, f"Rebuild-{unique}")
    await ok(
        await gateway.post(
            f"/dossiers/{did}/absences",
            json={"type": "vacances", "debut": "2026-10-08T10:00:00", "fin_prevue": "2026-10-09T18:00:00"},
            headers=OG_WIDE,
        ),
        201,
    )
    await ok(await gateway.post(f"/dossiers/{did}/observations", json={"texte": "RAS"}, headers=MEDECIN), 201)
    change = {**paracetamol(fin="2026-10-31"), "motif": "durée"}
    await ok(await gateway.post(f"/prescriptions/{para}/modification", json=change, headers=MEDECIN))
    await ok(await gateway.post(f"/prescriptions/{para}/arret", json={"motif": "fin"}, headers=MEDECIN))
    note = await gateway.post(
        f"/dossiers/{did}/transmissions",
        json={
            "categorie": "nuit",
            "type": "ciblee",
            "cible": "Sommeil",
            "donnees": "agitée",
            "le": "2026-10-06T03:00:00",
        },
        headers=aide(unique),
    )
    await ok(
        await gateway.post(
            "/transmissions/lectures", json={"ids": [(await ok(note, 201))["id"]]}, headers=ide(unique)
        )
    )
    last = await gateway.post(
        f"/dossiers/{did}/actes",
        json={
            "soin_id": soin,
            "prevu_le": "2026-10-05T08:30:00",
            "statut": "realise",
            "realise_le": "2026-10-05T08:40:00",
        },
        headers=aide(unique),
    )
    await ok(last)
    schema = await rebuild(SoinsReadModel(), nc=nc, pool=pool, registry=registry, swap=False)
    try:
        # the live read model reflects at least what the rebuild replayed
        rebuilt_at = str(await stored_position(pool, schema))
        await ok(
            await gateway.get(
                f"/dossiers/{did}/actes", headers={**ide(unique), "X-Dui-Min-Position": rebuilt_at}
            )
        )
        async with pool.acquire() as conn:
            tables = [
                r["table_name"]
                for r in await conn.fetch(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'soins'"
                    " AND table_name <> 'projection_position' ORDER BY 1"
                )
            ]
            assert len(tables) == 11  # every table of the read model
            for table in tables:
                live = await conn.fetch(f"SELECT * FROM soins.{table} ORDER BY 1, 2")
                rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY 1, 2')
                assert [dict(r) for r in rebuilt] == [dict(r) for r in live], table
                assert live, table
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    request = RpcRequest(
        actor=Actor(id="ops", role="exploitation", og_wide=True), correlation_id=str(uuid.uuid4())
    )
    reply = RpcReply.model_validate_json(
        (
            await nc.request("dui.rpc.soins.soins_projections", request.model_dump_json().encode(), timeout=5)
        ).data
    )
    assert [p["projection"] for p in reply.body] == ["soins"]
    denied = RpcRequest(actor=Actor(id="x", role="infirmier", esms=(EHPAD,)), correlation_id="c")
    reply = RpcReply.model_validate_json(
        (
            await nc.request("dui.rpc.soins.soins_projections", denied.model_dump_json().encode(), timeout=5)
        ).data
    )
    assert reply.status == 403
