"""`make run` as an operator uses it: one command, demo data, the URL printed, Ctrl-C, data kept on restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dui_dossier.demo import SECTIONS
from dui_oidc.accounts import Accounts
from dui_oidc.client import JetonsDeDemo
from dui_shared.runtime.platform import DEMO_INFIRMIER
from tests.e2e.test_tableau_de_bord import CHROMIUM_HEADLESS, ESMS_NUMERIQUE
from tests.e2e.test_tableau_de_bord import _chromium as chromium
from tests.support.builders import EHPAD

SEC = {"X-Dui-Professionnel": "sec.fournier"}  # the OG's secretariat, every ESMS
DIRECTION = {"X-Dui-Professionnel": "dir.girard"}  # the EHPAD's director: reads every section of the fiche


def _client(lines: list[str], url: str) -> httpx.Client:
    """Requests name the demo account they speak as; they carry its real token from the provider `make run`
    started (printed in its hints)."""
    issuer = next(
        m.group(1) for line in lines if (m := re.search(r"OpenID Connect local (http://\S+)", line))
    )
    return httpx.Client(base_url=url, auth=JetonsDeDemo(issuer, Accounts.load()), timeout=10)


def _start(data: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUI_DATA_DIR=str(data), DUI_GATEWAY_PORT="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "dui_shared.runtime.platform"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    url = None
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if match := re.match(r"Passerelle DUI : (http://\S+)", line):
            url = match.group(1)
        if url and line.startswith("Ctrl-C"):
            return process, url, lines
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail("make run did not print the gateway URL:\n" + "\n".join(lines))


def _martin(http: httpx.Client) -> str:
    """The dossier of MARTIN Jeanne Louise, the demo resident whose dossier is filled in every section (her
    traits are INSi's, in capitals, once her INS is recovered)."""
    page = http.get("/dossiers", params={"q": "martin"}, headers=SEC).json()
    found = [
        d["id"]
        for d in page["items"]
        if d["traits"]["prenoms"].casefold() == "jeanne louise"
        and d["traits"]["date_naissance"] == "1938-03-12"
    ]
    assert len(found) == 1, page
    return str(found[0])


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out


@pytest.mark.slow
def test_make_run_serves_demo_data_stops_cleanly_and_keeps_data_across_a_restart(tmp_path: Path) -> None:
    process, url, lines = _start(tmp_path / "data")
    http = _client(lines, url)
    try:
        assert any("30 candidatures sur 3 ESMS" in line for line in lines), lines
        assert any(f"{url}/openapi.json" in line for line in lines), lines
        page = http.get("/candidatures", params={"limit": 1}, headers=SEC).json()
        assert page["total"] == 36  # 30 of the admission demo, 6 residents admitted by the dossier demo
        created = http.post(
            "/candidatures",
            headers=SEC,
            json={
                "usager": {
                    "nom_naissance": "Persistant",
                    "prenoms": "Paul",
                    "date_naissance": "1940-01-01",
                    "sexe": "M",
                },
                "esms": ["690004122"],
                "type_accueil": "permanent",
            },
        )
        assert created.status_code == 201
        written = created.headers["X-Dui-Position"]
        # 7 séjours of the admission demo, 6 residents of the dossier demo
        assert len(http.get("/sejours", headers=SEC).json()["items"]) == 13

        assert any(
            "Démo : 4 dossiers complétés (fiche de synthèse complète : MARTIN Jeanne Louise)" in line
            for line in lines
        ), lines
        assert any(f"{url}/dossiers?q=martin" in line and "/synthese" in line for line in lines), lines
        martin = _martin(http)
        fiche = http.get(f"/dossiers/{martin}/synthese", headers=DIRECTION).json()
        assert fiche["identite"]["statut"] == "qualifiee", fiche["identite"]
        assert [section for section in SECTIONS if not fiche[section]] == [], fiche
        entourage = len(fiche["entourage"])

        # the soins demo: a day of the unit Les Lilas, MARTIN away with her daughter, the weekly workshop
        assert any("Démo soins et agenda : journée de l'unité Les Lilas" in line for line in lines), lines
        assert any(f"{url}/plan-soins?esms={EHPAD}&unite=Les%20Lilas" in line for line in lines), lines
        plan = http.get(
            "/plan-soins",
            params={"esms": EHPAD, "unite": "Les Lilas"},
            headers=DEMO_INFIRMIER,
        ).json()
        assert any(c["acte"] is not None for c in plan["creneaux"]), plan
        hers = [c for c in plan["creneaux"] if c["usager"]["dossier_id"] == martin]
        assert hers and {c["statut"] for c in hers} == {"absent"}, hers
        agenda = http.get(f"/agendas/usagers/{martin}", headers=DIRECTION).json()
        assert any(o["titre"] == "Atelier mémoire" and o["recurrent"] for o in agenda["occurrences"]), agenda
        prescriptions = http.get(f"/dossiers/{martin}/prescriptions", headers=DEMO_INFIRMIER).json()
        assert prescriptions, prescriptions

        # the person's own access: MARTIN Jeanne logs in with her account and sees who read her dossier
        assert httpx.get(f"{url}/dossiers", timeout=10).status_code == 401
        moi = {"X-Dui-Professionnel": "usager.martin"}
        assert [d["dossier_id"] for d in http.get("/moi/dossiers", headers=moi).json()] == [martin]
        for _ in range(50):  # the journal is a read model of the audit stream: it follows within moments
            journal = http.get(f"/moi/dossiers/{martin}/journal-acces", headers=moi).json()
            if {"dir.girard", "ide-0042"} <= {e["identifiant"] for e in journal["items"]}:
                break
            time.sleep(0.1)
        assert {"dir.girard", "ide-0042"} <= {e["identifiant"] for e in journal["items"]}, journal
        assert http.get(f"/dossiers/{martin}/synthese", headers=moi).status_code == 403

        # the operator dashboard: its page and where it logs in, public (it reads with the operator's token)
        tableau = httpx.get(f"{url}/tableau-de-bord", timeout=10)
        assert tableau.status_code == 200 and "text/html" in tableau.headers["content-type"]
        config = httpx.get(f"{url}/tableau-de-bord/config", timeout=10)
        assert config.status_code == 200 and config.json()["client_id"] == "dui-front", config.text
        # … and it renders the demo data in a browser, for the EHPAD's director
        assert isinstance(http.auth, JetonsDeDemo)
        page = f"{url}/tableau-de-bord#jeton={http.auth.token('dir.girard')}"
        dom = subprocess.run(
            [chromium(), *CHROMIUM_HEADLESS, f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        assert f"FINESS {EHPAD}" in dom and all(libelle in dom for libelle in ESMS_NUMERIQUE), dom[-3000:]
    finally:
        out = _stop(process)
    assert "PostgreSQL arrêté" in out and "NATS arrêté" in out

    process, url, lines = _start(tmp_path / "data")
    http = _client(lines, url)
    try:
        assert any("déjà présentes" in line for line in lines), lines
        assert any("Dossiers de démonstration déjà présents" in line for line in lines), lines
        page = http.get(
            "/candidatures",
            params={"q": "persistant"},
            headers={**SEC, "X-Dui-Min-Position": written},
        ).json()
        assert page["total"] == 1
        assert http.get("/candidatures", params={"limit": 1}, headers=SEC).json()["total"] == 37
        # the dossier demo ran once: no second set of residents, no second entourage
        assert len(http.get("/sejours", headers=SEC).json()["items"]) == 13
        martin = _martin(http)
        fiche = http.get(f"/dossiers/{martin}/synthese", headers=DIRECTION).json()
        assert len(fiche["entourage"]) == entourage
        # nor did the soins demo: no second set of prescriptions
        assert any("Soins et agenda de démonstration déjà présents" in line for line in lines), lines
        again = http.get(f"/dossiers/{martin}/prescriptions", headers=DEMO_INFIRMIER).json()
        assert len(again) == len(prescriptions)
    finally:
        _stop(process)
