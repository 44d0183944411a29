"""One person from admission to archive, as the professionals of an EHPAD drive the dossier through the gateway."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.builders import EHPAD, MARTIN, OG_WIDE, admit, aggir, dossier_of

MEDECIN_RPPS = "10000000017"  # 10 digits + Luhn key


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_person_is_followed_from_admission_to_archive(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    h = OG_WIDE
    sejour_id, position = await admit(
        gateway, "Martin", EHPAD, **{k: v for k, v in MARTIN.items() if k != "nom_naissance"}
    )
    dossier = await dossier_of(gateway, sejour_id, position)
    did = dossier["id"]
    assert dossier["statut"] == "actif"
    assert dossier["statut_identite"] == "provisoire"
    d = f"/dossiers/{did}"

    # identity: the birthplace completes the traits, INSi finds the INS, the identity card qualifies it
    traits = {**MARTIN, "lieu_naissance": "69123"}
    await _ok(
        await gateway.put(
            f"{d}/identite/traits", json={"traits": traits, "motif": "lieu de naissance"}, headers=h
        )
    )
    insi = await _ok(await gateway.post(f"{d}/identite/insi", json={"operation": "recherche"}, headers=h))
    assert insi["resultat"] == "trouve"
    assert insi["statut_identite"] == "recuperee"
    refused = await gateway.post(
        f"{d}/identite/validation", json={"justificatif": "livret_famille"}, headers=h
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "justificatif_insuffisant"
    await _ok(
        await gateway.post(f"{d}/identite/validation", json={"justificatif": "carte_identite"}, headers=h)
    )

    # entourage, team
    pdc = {
        "nom": "Martin",
        "prenom": "Claire",
        "roles": ["personne_de_confiance"],
        "lien": "fille",
        "telephone": "0600000000",
        "consentement_contact": True,
    }
    await _ok(await gateway.post(f"{d}/entourage", json=pdc, headers=h), 201)
    second = await gateway.post(f"{d}/entourage", json={**pdc, "prenom": "Paul", "lien": "fils"}, headers=h)
    assert second.status_code == 409
    assert second.json()["type"] == "urn:dui:probleme:personne_de_confiance_unique"
    medecin = {
        "nom": "Durand",
        "prenom": "Luc",
        "roles": ["medecin_traitant"],
        "rpps": MEDECIN_RPPS,
        "adresse_mssante": "luc.durand@medecin.mssante.fr",
    }
    await _ok(await gateway.post(f"{d}/entourage", json=medecin, headers=h), 201)
    ide = {
        "professionnel": {"id": "ide-0042", "nom": "Sophie Bernard", "profession": "infirmier"},
        "du": "2026-09-01",
        "referent": True,
    }
    await _ok(await gateway.post(f"{d}/equipe", json=ide, headers=h), 201)

    # an hospitalisation of 5 nights in October: 4 full days away
    absence = {"type": "hospitalisation", "debut": "2026-10-10T15:00:00", "fin_prevue": "2026-10-15T11:00:00"}
    await _ok(await gateway.post(f"{d}/absences", json=absence, headers=h), 201)
    overlap = await gateway.post(
        f"{d}/absences", json={**absence, "type": "vacances", "debut": "2026-10-12T09:00:00"}, headers=h
    )
    assert overlap.status_code == 409

    mesure = {
        "nature": "porte du service fermée la nuit",
        "justification": "déambulation nocturne avec risque de chute dans l'escalier",
        "decidee_par": "Dr Leroy, médecin coordonnateur",
        "decidee_le": "2026-09-15",
        "avis_usager": "accepte",
        "avis_representant": "favorable",
        "revision_le": "2026-10-15",
    }
    await _ok(await gateway.post(f"{d}/mesures-liberte", json=mesure, headers=h), 201)
    apa = {
        "type": "apa",
        "organisme": "Métropole de Lyon",
        "debut": "2026-09-01",
        "fin": "2026-12-31",
        "montant_mensuel": 450.0,
    }
    await _ok(await gateway.post(f"{d}/prestations", json=apa, headers=h), 201)
    echange = {
        "le": "2026-09-20T16:00:00",
        "canal": "telephone",
        "participants": ["Claire Martin", "IDE Sophie Bernard"],
        "objet": "nouvelles après l'installation",
    }
    await _ok(await gateway.post(f"{d}/echanges", json=echange, headers=h), 201)

    # projet personnalisé: version 1 validated, then a review changes one objective
    contenu = {
        "objectifs": [
            {
                "code": "marche",
                "libelle": "Maintenir la marche",
                "domaine": "autonomie",
                "actions": [{"libelle": "Kiné 2x/semaine"}],
            },
            {
                "code": "lien-social",
                "libelle": "Participer à une activité par semaine",
                "domaine": "vie sociale",
            },
        ],
        "participation": {"usager_present": True, "representant_present": True},
        "expression_usager": "rester le plus autonome possible",
        "date_prochaine_revision": "2027-03-01",
    }
    await _ok(await gateway.post(f"{d}/projet-personnalise", json=contenu, headers=h), 201)
    await _ok(
        await gateway.post(
            f"{d}/projet-personnalise/versions/1/validation", json={"valide_le": "2026-10-01"}, headers=h
        )
    )
    revision = await _ok(
        await gateway.post(f"{d}/projet-personnalise/revision", json={"motif": "chute"}, headers=h), 201
    )
    assert revision["version"] == 2
    changed = {
        **contenu,
        "objectifs": [{**contenu["objectifs"][0], "libelle": "Reprendre la marche après la chute"}],
    }
    await _ok(await gateway.put(f"{d}/projet-personnalise/versions/2", json=changed, headers=h))

    # evaluations: AGGIR twice (GIR over time), and an answer outside its domain named by its item
    await _ok(
        await gateway.post(
            f"{d}/evaluations",
            json={"grille": "aggir", "realisee_le": "2026-09-05T10:00:00", "reponses": aggir("B")},
            headers=h,
        ),
        201,
    )
    last = await _ok(
        await gateway.post(
            f"{d}/evaluations",
            json={"grille": "aggir", "realisee_le": "2026-11-05T10:00:00", "reponses": aggir("C")},
            headers=h,
        ),
        201,
    )
    bad = await gateway.post(
        f"{d}/evaluations", json={"grille": "aggir", "reponses": aggir("C", transferts="Z")}, headers=h
    )
    assert bad.status_code == 422
    assert any(e["field"].startswith("reponses.transferts") for e in bad.json()["errors"])

    fresh = {**h, "X-Dui-Min-Position": str(last["position"])}
    fiche = await _ok(await gateway.get(f"{d}/synthese", headers=fresh))
    assert fiche["identite"]["statut"] == "qualifiee"
    assert fiche["identite"]["matricule"]["valeur"] == "238036912304554"
    assert fiche["gir"]["valeur"] == 1
    assert fiche["projet_personnalise"]["version"] == 1  # in force until version 2 is validated
    assert fiche["projet_personnalise"]["brouillon_en_cours"] == 2
    assert fiche["personne_de_confiance"]["prenom"] == "Claire"
    assert fiche["referent"]["professionnel"]["id"] == "ide-0042"
    assert [p["type"] for p in fiche["prestations"]] == ["apa"]
    assert [m["nature"] for m in fiche["mesures_liberte"]] == [mesure["nature"]]
    assert {a["code"] for a in fiche["alertes"]} >= {"mesure_a_reexaminer"}
    assert "identite_non_qualifiee" not in {a["code"] for a in fiche["alertes"]}
    assert [e["objet"] for e in fiche["derniers_echanges"]] == [echange["objet"]]

    history = await _ok(await gateway.get(f"{d}/evaluations", params={"grille": "aggir"}, headers=fresh))
    gir = [e["gir"] for e in history]  # most recent first
    assert len(gir) == 2 and gir[0] == 1 and gir[1] > 1
    diff = await _ok(
        await gateway.get(f"{d}/projet-personnalise/comparaison", params={"de": 1, "a": 2}, headers=fresh)
    )
    assert [o["code"] for o in diff["objectifs_retires"]] == ["lien-social"]
    assert (
        diff["objectifs_modifies"][0]["changements"]["libelle"]["apres"]
        == "Reprendre la marche après la chute"
    )
    identite = await _ok(await gateway.get(f"{d}/identite", headers=fresh))
    assert [e["evenement"] for e in identite["historique"]] == [
        "ouverture",
        "correction_traits",
        "insi_recherche",
        "validation",
        "qualification",
    ]
    octobre = await _ok(await gateway.get(f"{d}/presences", params={"annee": 2026}, headers=fresh))
    assert {
        "mois": "2026-10",
        "jours_presence": 27,
        "jours_absence": 4,
        "jours_absence_par_type": {"hospitalisation": 4},
    } in octobre

    # sortie in the admission service closes the dossier; archiving makes it read-only
    sortie = await gateway.post(
        f"/sejours/{sejour_id}/sortie", json={"sortie_le": "2026-11-20T10:00:00", "motif": "deces"}, headers=h
    )
    assert sortie.status_code == 200, sortie.text
    closed = await _ok(
        await gateway.get(d, headers={**h, "X-Dui-Min-Position": sortie.headers["X-Dui-Position"]})
    )
    assert closed["statut"] == "clos"
    archived = await _ok(await gateway.post(f"{d}/archivage", headers=h))
    refused_write = await gateway.post(f"{d}/echanges", json=echange, headers=h)
    assert refused_write.status_code == 409
    assert refused_write.json()["type"] == "urn:dui:probleme:dossier_archive"
    fresh = {**h, "X-Dui-Min-Position": str(archived["position"])}
    still_readable = await _ok(await gateway.get(f"{d}/synthese", headers=fresh))
    assert still_readable["dossier"]["statut"] == "archive"
    assert still_readable["dossier"]["conservation_jusqu_au"] == "2036-11-20"  # 10 years after a death
    actifs = await _ok(await gateway.get("/dossiers", params={"sejour_id": sejour_id}, headers=fresh))
    assert actifs["total"] == 0
    archives = await _ok(
        await gateway.get("/dossiers", params={"sejour_id": sejour_id, "statut": "archive"}, headers=fresh)
    )
    assert archives["total"] == 1
