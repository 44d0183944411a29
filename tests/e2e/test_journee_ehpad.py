"""A day in an EHPAD unit, as its team lives it through the gateway: the physician prescribes, the care plan
follows, the morning nurse traces the administrations and writes transmissions the afternoon shift reads, an
activity is held with the residents' presences, and one resident's hospitalisation shows everywhere it should.

The day is yesterday (Paris): acts and transmissions cannot be dated in the future."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from dui_shared.timezone import today_paris
from tests.support.builders import EHPAD, OG_WIDE, admitted_dossier, headers_for

MEDECIN = headers_for(EHPAD, role="medecin", who="10000000017")  # a valid RPPS number
IDE_MATIN = headers_for(EHPAD, role="infirmier", who="ide-matin")
AS_APRES_MIDI = headers_for(EHPAD, role="aide_soignant", who="as-apres-midi")
ANIMATRICE = headers_for(EHPAD, role="animateur", who="anim-1")
UNITE = "Les Lilas"


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat()


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def fresh(headers: dict[str, str], position: int | str) -> dict[str, str]:
    return {**headers, "X-Dui-Min-Position": str(position)}


async def test_a_day_in_an_ehpad_unit(gateway: httpx.AsyncClient, unique: str) -> None:
    day = today_paris() - timedelta(days=1)
    residents = [await admitted_dossier(gateway, f"Journee{i}-{unique}") for i in range(3)]
    jeanne, marcel, odette = residents
    for did in residents:
        await ok(
            await gateway.put(f"/dossiers/{did}/plan-soins/unite", json={"unite": UNITE}, headers=IDE_MATIN)
        )

    # the physician prescribes; a nurse may not
    paracetamol = {
        "nature": "medicament",
        "medicament": {"denomination": "Paracétamol", "dosage": "1 g", "forme": "comprimé", "voie": "orale"},
        "prises": [{"heure": "08:00", "quantite": 1}, {"heure": "20:00", "quantite": 1}],
        "debut": at(day - timedelta(days=3), 9),
    }
    refused = await gateway.post(
        f"/dossiers/{jeanne}/prescriptions", json={"contenu": paracetamol}, headers=IDE_MATIN
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:dui:probleme:prescripteur_non_habilite"
    p1 = await ok(
        await gateway.post(
            f"/dossiers/{jeanne}/prescriptions", json={"contenu": paracetamol}, headers=MEDECIN
        ),
        201,
    )
    pansement = {
        "nature": "acte",
        "acte": {"type": "soins_infirmiers", "libelle": "Pansement talon droit"},
        "prises": [{"heure": "10:00"}],
        "debut": at(day - timedelta(days=3), 9),
    }
    p2 = await ok(
        await gateway.post(f"/dossiers/{marcel}/prescriptions", json={"contenu": pansement}, headers=MEDECIN),
        201,
    )
    versions = await ok(
        await gateway.get(f"/prescriptions/{p1['id']}/versions", headers=fresh(MEDECIN, p2["position"]))
    )
    assert versions[0]["signature"]["signataire"] == "10000000017"

    # planned care without prescription, and Odette hospitalised since the day before
    toilette = {
        "type": "toilette",
        "libelle": "Toilette complète au lit",
        "heures": ["07:30"],
        "debut": at(day - timedelta(days=3), 7),
    }
    soin = await ok(
        await gateway.post(f"/dossiers/{marcel}/plan-soins", json=toilette, headers=IDE_MATIN), 201
    )
    hospi = await gateway.post(
        f"/dossiers/{odette}/absences",
        json={
            "type": "hospitalisation",
            "debut": at(day - timedelta(days=1), 16),
            "fin_prevue": at(day + timedelta(days=3), 12),
        },
        headers=OG_WIDE,
    )
    await ok(hospi, 201)
    toilette_odette = await ok(
        await gateway.post(f"/dossiers/{odette}/plan-soins", json=toilette, headers=IDE_MATIN), 201
    )

    # the care plan of the unit for the day
    plan = await ok(
        await gateway.get(
            "/plan-soins",
            params={"esms": EHPAD, "unite": UNITE, "jour": day.isoformat()},
            headers=fresh(IDE_MATIN, toilette_odette["position"]),
        )
    )
    slots = {(c["usager"]["dossier_id"], c["prevu_le"][11:16]) for c in plan["creneaux"]}
    assert {
        (jeanne, "08:00"),
        (jeanne, "20:00"),
        (marcel, "10:00"),
        (marcel, "07:30"),
        (odette, "07:30"),
    } <= slots
    odette_slot = next(c for c in plan["creneaux"] if c["usager"]["dossier_id"] == odette)
    assert odette_slot["absent"] is True

    # the morning nurse traces what she did and did not do
    await ok(
        await gateway.post(
            f"/dossiers/{jeanne}/actes",
            json={
                "prescription_id": p1["id"],
                "prevu_le": at(day, 8),
                "statut": "realise",
                "realise_le": at(day, 8, 10),
            },
            headers=IDE_MATIN,
        )
    )
    await ok(
        await gateway.post(
            f"/dossiers/{marcel}/actes",
            json={
                "soin_id": soin["id"],
                "prevu_le": at(day, 7, 30),
                "statut": "realise",
                "realise_le": at(day, 7, 45),
            },
            headers=IDE_MATIN,
        )
    )
    refus = await gateway.post(
        f"/dossiers/{marcel}/actes",
        json={
            "prescription_id": p2["id"],
            "prevu_le": at(day, 10),
            "statut": "non_realise",
            "motif": "refus",
            "commentaire": "douleur, reporté",
        },
        headers=IDE_MATIN,
    )
    await ok(refus)
    await ok(
        await gateway.post(
            f"/dossiers/{marcel}/transmissions",
            json={
                "type": "ciblee",
                "categorie": "soins",
                "cible": "douleur",
                "donnees": "Douleur talon 6/10, refuse le pansement",
                "actions": "Antalgique proposé, médecin prévenu",
                "resultats": "À réévaluer à 14 h",
                "le": at(day, 10, 30),
                "unite": UNITE,
            },
            headers=IDE_MATIN,
        ),
        201,
    )
    written = await gateway.post(
        f"/dossiers/{jeanne}/transmissions",
        json={
            "type": "libre",
            "categorie": "accompagnement",
            "texte": "A bien dormi, souhaite appeler sa fille",
            "le": at(day, 11),
            "unite": UNITE,
        },
        headers=IDE_MATIN,
    )
    await ok(written, 201)

    # the afternoon shift reads the morning's transmissions, then has nothing left unread
    matin = await ok(
        await gateway.get(
            "/transmissions",
            params={"esms": EHPAD, "unite": UNITE, "jour": day.isoformat(), "poste": "matin"},
            headers=fresh(AS_APRES_MIDI, written.headers["X-Dui-Position"]),
        )
    )
    assert {t["dossier_id"] for t in matin["items"] if t["auteur"] == "ide-matin"} >= {jeanne, marcel}
    unread = await ok(
        await gateway.get(
            "/transmissions/non-lues",
            params={"esms": EHPAD, "unite": UNITE},
            headers=fresh(AS_APRES_MIDI, written.headers["X-Dui-Position"]),
        )
    )
    mine = [t["id"] for t in unread["items"] if t["dossier_id"] in residents]
    assert len(mine) == 2
    lues = await ok(await gateway.post("/transmissions/lectures", json={"ids": mine}, headers=AS_APRES_MIDI))
    unread = await ok(
        await gateway.get(
            "/transmissions/non-lues",
            params={"esms": EHPAD, "unite": UNITE},
            headers=fresh(AS_APRES_MIDI, lues["position"]),
        )
    )
    assert not [t for t in unread["items"] if t["dossier_id"] in residents]

    # an activity at 15:00 for the three residents; Odette, in hospital, shows absent without anyone saying so
    activite = await ok(
        await gateway.post(
            "/evenements",
            json={
                "esms": EHPAD,
                "type": "activite",
                "titre": "Atelier mémoire",
                "lieu": "Salon des Lilas",
                "debut": at(day, 15),
                "fin": at(day, 16),
                "participants": {"usagers": residents, "professionnels": ["anim-1"]},
            },
            headers=ANIMATRICE,
        ),
        201,
    )
    seen = await ok(
        await gateway.get(
            f"/agendas/usagers/{odette}",
            params={"du": day.isoformat(), "au": day.isoformat()},
            headers=fresh(ANIMATRICE, activite["position"]),
        )
    )
    (occurrence,) = [o for o in seen["occurrences"] if o["evenement_id"] == activite["id"]]
    (her,) = [p for p in occurrence["participants"] if p["id"] == odette]
    assert (her["presence"], her["source"]) == ("absent", "absence_dossier")
    held = await gateway.post(
        f"/evenements/{activite['id']}/realisations",
        json={
            "occurrence": at(day, 15),
            "statut": "realise",
            "presences": [
                {"participant": jeanne, "present": True},
                {"participant": marcel, "present": False, "motif": "fatigué, resté en chambre"},
            ],
        },
        headers=ANIMATRICE,
    )
    await ok(held)
    agenda = await ok(
        await gateway.get(
            f"/agendas/usagers/{marcel}",
            params={"du": day.isoformat(), "au": day.isoformat()},
            headers=fresh(ANIMATRICE, held.headers["X-Dui-Position"]),
        )
    )
    (occurrence,) = [o for o in agenda["occurrences"] if o["evenement_id"] == activite["id"]]
    assert occurrence["statut"] == "realise"
    presences = {
        p["id"]: (p["presence"], p["source"]) for p in occurrence["participants"] if p["type"] == "usager"
    }
    assert presences == {
        jeanne: ("present", "releve"),
        marcel: ("absent", "releve"),
        odette: ("absent", "absence_dossier"),
    }

    # in the evening, Jeanne's 20:00 dose is not traced yet: it is what is overdue at 21:30
    overdue = await ok(
        await gateway.get(
            "/actes/en-retard",
            params={"esms": EHPAD, "unite": UNITE, "a": at(day, 21, 30)},
            headers=fresh(IDE_MATIN, held.headers["X-Dui-Position"]),
        )
    )
    late = {(c["usager"]["dossier_id"], c["prevu_le"][11:16]) for c in overdue["creneaux"]}
    assert (jeanne, "20:00") in late
    assert (jeanne, "08:00") not in late and (marcel, "10:00") not in late  # traced, even as not done
    assert all(d != odette for d, _ in late)  # in hospital: not overdue
    plan = await ok(
        await gateway.get(
            "/plan-soins",
            params={"esms": EHPAD, "unite": UNITE, "jour": day.isoformat()},
            headers=fresh(IDE_MATIN, held.headers["X-Dui-Position"]),
        )
    )
    statuses = {(c["usager"]["dossier_id"], c["prevu_le"][11:16]): c["statut"] for c in plan["creneaux"]}
    assert statuses[(jeanne, "08:00")] == "realise"
    assert statuses[(marcel, "10:00")] == "non_realise"
