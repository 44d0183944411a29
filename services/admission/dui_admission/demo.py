"""Demo data for `make run`: an OG of 3 ESMS and ~30 candidatures at every step, loaded through the gateway.

Runs only when the waiting list is empty, so a restart keeps the data it finds."""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from dui_shared.runtime.demo import demo_auth

EHPAD, SSIAD, FAM = "690004122", "130008154", "2A0002319"
HEADERS = {"X-Dui-Professionnel": "demo-secretariat", "X-Dui-Role": "secretariat", "X-Dui-Esms": "*"}
NOMS = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefevre",
    "Faure",
    "Andre",
]
PRENOMS_F = ["Jeanne", "Marie", "Germaine", "Simone", "Paulette", "Odette", "Yvonne", "Lucienne", "Madeleine"]
PRENOMS_M = ["Jean", "Pierre", "André", "Marcel", "René", "Louis", "Roger", "Henri", "Robert"]


def _usager(rng: random.Random, i: int) -> dict[str, Any]:
    sexe = rng.choice("FM")
    naissance = date(1928, 1, 1) + timedelta(days=rng.randrange(0, 365 * 22))
    return {
        "nom_naissance": NOMS[i % len(NOMS)],
        "prenoms": rng.choice(PRENOMS_F if sexe == "F" else PRENOMS_M),
        "date_naissance": naissance.isoformat(),
        "sexe": sexe,
        "commune_residence": rng.choice(["Villeurbanne", "Lyon", "Marseille", "Ajaccio", "Bron", "Aubagne"]),
    }


def viatrajectoire_file(rng: random.Random) -> dict[str, Any]:
    """A ViaTrajectoire-like export (format in docs/viatrajectoire-import.md)."""
    dossiers = []
    for i in range(10):
        dossiers.append(
            {
                "numero_dossier": f"VT-2026-{4100 + i:06d}",
                "date_demande": (date(2026, 9, 1) + timedelta(days=7 * i)).isoformat(),
                "usager": _usager(rng, i),
                "etablissements_demandes": [EHPAD, FAM] if i % 3 == 0 else [EHPAD],
                "type_accueil": "temporaire" if i % 4 == 0 else "permanent",
                "date_entree_souhaitee": (date(2027, 1, 1) + timedelta(days=10 * i)).isoformat(),
                "urgence": i == 2,
            }
        )
    return {"format": "dui-viatrajectoire/1", "exporte_le": "2026-11-20T08:00:00+01:00", "dossiers": dossiers}


def load(gateway: str) -> None:
    rng = random.Random(2026)
    with httpx.Client(base_url=gateway, headers=HEADERS, timeout=30, auth=demo_auth()) as http:
        if http.get("/candidatures", params={"limit": 1}).json()["total"] > 0:
            print("Données de démonstration déjà présentes : rien à charger.")
            return

        def post(path: str, body: dict[str, Any]) -> httpx.Response:
            response = http.post(path, json=body)
            response.raise_for_status()
            return response

        rapport = post("/imports/viatrajectoire", viatrajectoire_file(rng)).json()
        ids: list[str] = list(rapport["candidatures"])
        for i in range(10, 26):
            esms = [SSIAD] if i % 4 == 0 else [EHPAD] if i % 2 else [FAM]
            recue = datetime(2026, 10, 1, 9) + timedelta(days=i, hours=rng.randrange(0, 8))
            body = {
                "usager": _usager(rng, i),
                "esms": esms,
                "type_accueil": "permanent",
                "recue_le": recue.isoformat(),
                "urgence": i % 7 == 0,
                "date_entree_souhaitee": (date(2027, 2, 1) + timedelta(days=i)).isoformat(),
            }
            ids.extend(post("/candidatures", body).json()["candidatures"])

        # move part of the list along the parcours: contact, visit, decision, admission, sortie
        for n, cid in enumerate(ids[:20]):
            start = datetime(2026, 11, 2, 10) + timedelta(days=n)
            post(
                f"/candidatures/{cid}/contacts",
                {"planifie_le": start.isoformat(), "interlocuteur": "famille"},
            )
            if n >= 16:
                continue
            post(
                f"/candidatures/{cid}/visites-preadmission",
                {
                    "le": (start + timedelta(days=3)).isoformat(),
                    "statut": "realisee",
                    "compte_rendu": "Visite de pré-admission avec la famille.",
                },
            )
            if n >= 12:
                continue
            decision = {"decision": "acceptee"}
            if n in (9, 10):
                decision = {
                    "decision": "refusee",
                    "motif": "Besoins en soins incompatibles avec le projet d'établissement",
                }
            elif n == 11:
                decision = {"decision": "retiree"}
            post(f"/candidatures/{cid}/decision", decision)
            if n >= 7:
                continue
            sejour = post(
                f"/candidatures/{cid}/admission",
                {"admis_le": (start + timedelta(days=10)).isoformat(), "place": f"Chambre {101 + n}"},
            )
            if n in (0, 1):
                sortie = {
                    "sortie_le": (start + timedelta(days=40)).isoformat(),
                    "motif": "deces" if n == 0 else "retour_domicile",
                    "actions": [
                        {
                            "libelle": "Famille informée",
                            "realisee_le": (start + timedelta(days=40, hours=1)).isoformat(),
                        }
                    ],
                }
                post(f"/sejours/{sejour.json()['id']}/sortie", sortie)
        total = http.get("/candidatures", params={"limit": 1}).json()["total"]
        print(f"Données de démonstration chargées : {total} candidatures sur 3 ESMS.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    load(parser.parse_args().gateway)
