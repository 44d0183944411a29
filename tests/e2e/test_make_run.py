"""`make run` as an operator uses it: one command, demo data, the URL printed, Ctrl-C, data kept on restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from dui_dossier.demo import SECTIONS
from dui_shared.runtime.platform import DEMO_INFIRMIER
from tests.support.builders import EHPAD, OG_WIDE


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


def _martin(url: str) -> str:
    """The dossier of MARTIN Jeanne Louise, the demo resident whose dossier is filled in every section (her
    traits are INSi's, in capitals, once her INS is recovered)."""
    page = httpx.get(f"{url}/dossiers", params={"q": "martin"}, headers=OG_WIDE, timeout=10).json()
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
    try:
        assert any("30 candidatures sur 3 ESMS" in line for line in lines), lines
        assert any(f"{url}/openapi.json" in line for line in lines), lines
        page = httpx.get(f"{url}/candidatures", params={"limit": 1}, headers=OG_WIDE, timeout=10).json()
        assert page["total"] == 36  # 30 of the admission demo, 6 residents admitted by the dossier demo
        created = httpx.post(
            f"{url}/candidatures",
            headers=OG_WIDE,
            timeout=10,
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
        assert len(httpx.get(f"{url}/sejours", headers=OG_WIDE, timeout=10).json()["items"]) == 13

        assert any(
            "Démo : 4 dossiers complétés (fiche de synthèse complète : MARTIN Jeanne Louise)" in line
            for line in lines
        ), lines
        assert any(f"{url}/dossiers?q=martin" in line and "/synthese" in line for line in lines), lines
        martin = _martin(url)
        fiche = httpx.get(f"{url}/dossiers/{martin}/synthese", headers=OG_WIDE, timeout=10).json()
        assert fiche["identite"]["statut"] == "qualifiee", fiche["identite"]
        assert [section for section in SECTIONS if not fiche[section]] == [], fiche
        entourage = len(fiche["entourage"])

        # the soins demo: a day of the unit Les Lilas, MARTIN away with her daughter, the weekly workshop
        assert any("Démo soins et agenda : journée de l'unité Les Lilas" in line for line in lines), lines
        assert any(f"{url}/plan-soins?esms={EHPAD}&unite=Les%20Lilas" in line for line in lines), lines
        plan = httpx.get(
            f"{url}/plan-soins",
            params={"esms": EHPAD, "unite": "Les Lilas"},
            headers=DEMO_INFIRMIER,
            timeout=10,
        ).json()
        assert any(c["acte"] is not None for c in plan["creneaux"]), plan
        hers = [c for c in plan["creneaux"] if c["usager"]["dossier_id"] == martin]
        assert hers and {c["statut"] for c in hers} == {"absent"}, hers
        agenda = httpx.get(f"{url}/agendas/usagers/{martin}", headers=OG_WIDE, timeout=10).json()
        assert any(o["titre"] == "Atelier mémoire" and o["recurrent"] for o in agenda["occurrences"]), agenda
        prescriptions = httpx.get(
            f"{url}/dossiers/{martin}/prescriptions", headers=DEMO_INFIRMIER, timeout=10
        ).json()
        assert prescriptions, prescriptions
    finally:
        out = _stop(process)
    assert "PostgreSQL arrêté" in out and "NATS arrêté" in out

    process, url, lines = _start(tmp_path / "data")
    try:
        assert any("déjà présentes" in line for line in lines), lines
        assert any("Dossiers de démonstration déjà présents" in line for line in lines), lines
        page = httpx.get(
            f"{url}/candidatures",
            params={"q": "persistant"},
            timeout=10,
            headers={**OG_WIDE, "X-Dui-Min-Position": written},
        ).json()
        assert page["total"] == 1
        assert (
            httpx.get(f"{url}/candidatures", params={"limit": 1}, headers=OG_WIDE, timeout=10).json()["total"]
            == 37
        )
        # the dossier demo ran once: no second set of residents, no second entourage
        assert len(httpx.get(f"{url}/sejours", headers=OG_WIDE, timeout=10).json()["items"]) == 13
        martin = _martin(url)
        fiche = httpx.get(f"{url}/dossiers/{martin}/synthese", headers=OG_WIDE, timeout=10).json()
        assert len(fiche["entourage"]) == entourage
        # nor did the soins demo: no second set of prescriptions
        assert any("Soins et agenda de démonstration déjà présents" in line for line in lines), lines
        again = httpx.get(f"{url}/dossiers/{martin}/prescriptions", headers=DEMO_INFIRMIER, timeout=10).json()
        assert len(again) == len(prescriptions)
    finally:
        _stop(process)
