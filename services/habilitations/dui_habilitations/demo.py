"""Demo habilitations for `make run`, through the gateway, after the dossier demo: the OG administrator assigns
the Pro Santé Connect demo professionals (who carry no ESMS in their tokens) to the OG's ESMS in the DUI's
directory, and the EHPAD's secretariat opens MARTIN Jeanne Louise's dossier to her own account and to her
personne de confiance's."""

from __future__ import annotations

import argparse
import sys

import httpx

from dui_shared.runtime.demo import demo_auth

EHPAD, SSIAD, FAM = "690004122", "130008154", "2A0002319"
ADMINISTRATEUR = {"X-Dui-Professionnel": "adm.bonnet"}
SECRETARIAT = {"X-Dui-Professionnel": "sec.fournier"}

AFFECTATIONS = {
    "10000000017": (["690004122", "130008154"], "Dr Sophie Martin"),  # dr.martin
    "10000100213": ([EHPAD], "Paul Durand"),  # pharm.durand
    "10000100601": ([EHPAD], "Claire Bernard"),  # inf.bernard
    "10000100700": ([EHPAD], "Hugo Thomas"),  # kine.thomas
    "10000100809": ([EHPAD], "Léa Robert"),  # podo.robert
    "10000100916": ([FAM], "Emma Richard"),  # ortho.richard
    "10000100932": ([FAM, EHPAD], "Louis Dubois"),  # psy.dubois
    "10000100940": ([EHPAD], "Chloé Moreau"),  # ergo.moreau
    "10000100957": ([EHPAD], "Jules Laurent"),  # diet.laurent
    "10000100965": ([FAM], "Inès Simon"),  # psychomot.simon
}
PERSONNES = (("usager.martin", "usager"), ("pdc.martin", "personne_de_confiance"))


def _check(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in expected:
        raise SystemExit(
            f"démo habilitations : {response.request.url} → {response.status_code} {response.text}"
        )
    return response


def load(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30, auth=demo_auth()) as http:
        for rpps, (esms, nom) in AFFECTATIONS.items():
            body = {"esms": esms, "nom": nom}
            _check(http.put(f"/habilitations/comptes/{rpps}", json=body, headers=ADMINISTRATEUR), 200)
        dossiers = _check(http.get("/dossiers", params={"q": "martin"}, headers=SECRETARIAT), 200).json()
        martin = next(
            (
                d
                for d in dossiers["items"]
                if d["traits"]["prenoms"].casefold() == "jeanne louise"
                and d["traits"]["date_naissance"] == "1938-03-12"
            ),
            None,
        )
        if martin is None:
            raise SystemExit("démo habilitations : dossier de MARTIN Jeanne introuvable")
        deja = _check(http.get(f"/dossiers/{martin['id']}/acces-personnes", headers=SECRETARIAT), 200).json()
        ouverts = {a["identifiant"] for a in deja}
        for identifiant, qualite in PERSONNES:
            if identifiant not in ouverts:
                body = {"identifiant": identifiant, "qualite": qualite}
                _check(
                    http.post(f"/dossiers/{martin['id']}/acces-personnes", json=body, headers=SECRETARIAT),
                    200,
                    201,
                )
    print(
        f"• habilitations de démonstration : {len(AFFECTATIONS)} professionnels affectés, accès de MARTIN Jeanne"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    load(parser.parse_args().gateway)
    return 0


if __name__ == "__main__":
    sys.exit(main())
