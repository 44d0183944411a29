"""The operator dashboard in a real browser: headless Chromium opens `/tableau-de-bord` on a gateway served by
uvicorn (the session's services behind it), with a direction token in the URL fragment, and must render the
ESMS's figures — the three ESMS Numérique rates, the TBB.1 figures, a zero the vérification d'aptitude needs in
red — and its twelve-month charts. A screenshot is kept under the test's tmp dir (its path is printed).

Chromium is Debian's `chromium` package (`make test` installs it when missing); without it this test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import html.parser
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from dui_shared.config import Settings
from tests.support.builders import EHPAD, admit, headers_for
from tests.support.identites import IdentitesDeTest
from tests.support.passerelle import passerelle_uvicorn

LARGEUR, HAUTEUR = 1280, 2000
ESMS_NUMERIQUE = (
    "Taux de dossiers usagers actifs",
    "Taux de dossiers actifs avec un projet personnalisé",
    "Taux de dossiers actifs ayant au moins un événement",
)
DIRECTION = ("dir-tableau-de-bord", "direction", EHPAD)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium introuvable : ce test a besoin du paquet Debian `chromium` "
            "(`apt-get install -y chromium` ; `make test` l'installe s'il manque)"
        )
    return path


@pytest.fixture(scope="module")
async def passerelle(gateway: httpx.AsyncClient, gateway_settings: Settings) -> AsyncIterator[str]:
    """`gateway` is asked for so that every service it needs runs, on pytest's event loop."""
    async with passerelle_uvicorn(gateway_settings, "tableau") as url:
        yield url


CHROMIUM_HEADLESS = (
    "--headless=new",
    "--no-sandbox",  # root in CI containers
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--hide-scrollbars",
    f"--window-size={LARGEUR},{HAUTEUR}",
    "--virtual-time-budget=10000",
)


async def _chromium_run(profile: Path, *args: str) -> str:
    """One headless Chromium run, off pytest's event loop (the services answer the page meanwhile)."""
    command = [_chromium(), *CHROMIUM_HEADLESS, f"--user-data-dir={profile}", *args]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class _Dom(html.parser.HTMLParser):
    """The rendered cells: (esms, code, classes, text) of every row cell of the period tables."""

    def __init__(self) -> None:
        super().__init__()
        self.esms: str | None = None
        self.code: str | None = None
        self.cell: list[str] | None = None
        self.classes = ""
        self.cells: list[tuple[str | None, str | None, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-code"):
            self.esms, self.code = a.get("data-esms"), a.get("data-code")
        elif tag == "td" and self.code:
            self.cell, self.classes = [], a.get("class") or ""

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.cells.append((self.esms, self.code, self.classes, "".join(self.cell)))
            self.cell = None
        elif tag == "tr":
            self.code = None


def _png(path: Path) -> tuple[int, int, int]:
    """Width, height and number of distinct colours of an 8-bit RGB(A) PNG (no Pillow in the lock)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, depth, colour = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, colours, offset = bytearray(stride), set(), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        colours.update(bytes(line[i : i + 3]) for i in range(0, stride, bpp * 4))
        previous = line
    return width, height, len(colours)


async def test_the_dashboard_renders_the_figures_of_the_esms_in_chromium(
    passerelle: str, gateway: httpx.AsyncClient, identites: IdentitesDeTest, tmp_path: Path
) -> None:
    _chromium()
    # two persons admitted this month: the ESMS Numérique figures are not zero
    for nom in ("Tableau", "Bord"):
        _, position = await admit(gateway, nom)
    lecteur = headers_for(EHPAD, role=DIRECTION[1], who=DIRECTION[0])
    vue = await gateway.get(
        "/reporting/indicateurs",
        params={"esms": EHPAD},
        headers={**lecteur, "X-Dui-Min-Position": position},
    )
    assert vue.status_code == 200, vue.text
    figures = {i["code"]: i for i in vue.json()["indicateurs"]}
    assert figures["dossiers_actifs"]["numerateur"] >= 2, figures
    # the DMP and MSSanté figures stay 0 until those services emit their facts: a TBB.1 zero to show in red
    zeros = [c for c in ("dmp_alimentations", "mssante_envoyes_usagers") if figures[c]["numerateur"] == 0]
    assert zeros, figures

    async with httpx.AsyncClient() as http:
        page = await http.get(f"{passerelle}/tableau-de-bord")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "script-src 'sha256-" in csp, csp

    url = f"{passerelle}/tableau-de-bord#jeton={identites.token(*DIRECTION)}"
    dom = await _chromium_run(tmp_path / "profil-dom", "--dump-dom", url)
    capture = tmp_path / "tableau-de-bord.png"
    await _chromium_run(tmp_path / "profil-capture", f"--screenshot={capture}", url)
    print(f"\ncapture du tableau de bord : {capture}")

    assert f"FINESS {EHPAD}" in dom, dom[-3000:]
    for libelle in ESMS_NUMERIQUE:
        assert libelle in dom, libelle
    assert "Ségur TBB.1" in dom and "Évolution sur douze mois" in dom
    assert dom.count("<svg") >= 11, "one chart per indicator"
    parser = _Dom()
    parser.feed(dom)
    cells = {
        (esms, code): (classes, text) for esms, code, classes, text in parser.cells if "valeur" in classes
    }
    actifs = cells[(EHPAD, "dossiers_actifs")]
    assert "zero-aptitude" not in actifs[0] and actifs[1].endswith("%"), actifs
    numerateurs = {
        code: text for esms, code, classes, text in parser.cells if esms == EHPAD and "numerateur" in classes
    }
    assert int(numerateurs["dossiers_actifs"]) >= figures["dossiers_actifs"]["numerateur"], numerateurs
    for code in zeros:
        classes, text = cells[(EHPAD, code)]
        assert "zero-aptitude" in classes and text == "0", (code, classes, text)
    assert "zero-aptitude" not in cells[(EHPAD, "mssante_recus_usagers")][0]  # not a figure the check needs
    assert re.search(r"Exporter en CSV", dom) and "Exporter en JSON" in dom

    assert capture.stat().st_size > 20_000, capture.stat().st_size
    width, height, colours = _png(capture)
    assert (width, height) == (LARGEUR, HAUTEUR)
    assert colours > 20, f"capture presque uniforme ({colours} couleurs)"


class _Cdp:
    """Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands on fd 3, answers
    on fd 4, JSON messages ended by NUL): no WebSocket client needed. One page, its session flattened."""

    def __init__(self, profile: Path) -> None:
        commands_in, self._commands = os.pipe()
        self._answers, answers_out = os.pipe()

        def fds() -> None:  # in the child: the two pipe ends where Chromium looks for them
            os.dup2(commands_in, 3)
            os.dup2(answers_out, 4)

        self.process = subprocess.Popen(
            [
                _chromium(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=fds,  # only dup2 between fork and exec
        )
        os.close(commands_in)
        os.close(answers_out)
        self._buffer = b""
        self._id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._answers, 65536)
                if not chunk:
                    raise AssertionError("Chromium closed its DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                assert "error" not in answer, answer
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            self.session,
        )
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except AssertionError:  # the page is navigating: its context is gone for a moment
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"{expression} : toujours faux ; page : {self.evaluate('location.href')}")

    def close(self) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.call("Browser.close")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        os.close(self._commands)
        os.close(self._answers)


def _login_with_pkce(
    passerelle: str, issuer: str, login: str, password: str, profile: Path
) -> dict[str, Any]:
    """The operator's way in: the page, « Se connecter », the provider's login form, back to the page."""
    browser = _Cdp(profile)
    try:
        browser.call("Page.navigate", {"url": f"{passerelle}/tableau-de-bord"}, browser.session)
        browser.wait("document.getElementById('etat').textContent.includes('Connectez-vous')")
        browser.evaluate("document.getElementById('se-connecter').click()")
        browser.wait(f"location.href.startsWith({json.dumps(issuer + '/authorize')}) && !!document.forms[0]")
        query = browser.evaluate("location.search")
        browser.evaluate(
            f"document.getElementById('identifiant').value = {json.dumps(login)};"
            f"document.getElementById('mot_de_passe').value = {json.dumps(password)};"
            "document.forms[0].submit()"
        )
        browser.wait(
            "document.getElementById('etat') && document.getElementById('etat').textContent"
            ".startsWith('Indicateurs de')"
        )
        return {
            "authorize": query,
            "href": browser.evaluate("location.href"),
            "finess": browser.evaluate(
                "Array.from(document.querySelectorAll('section.esms')).map(s => s.dataset.esms)"
            ),
            "jeton": browser.evaluate("!!sessionStorage.getItem('dui-tableau-de-bord:jeton')"),
        }
    finally:
        browser.close()


async def test_the_operator_logs_in_from_the_page_with_the_authorization_code_and_pkce(
    passerelle: str, identites: IdentitesDeTest, oidc_issuer: str, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=passerelle) as http:
        config = await http.get("/tableau-de-bord/config")
        csp = (await http.get("/tableau-de-bord")).headers["content-security-policy"]
    assert config.json() == {"issuer": oidc_issuer, "client_id": "dui-front"}
    assert f"connect-src 'self' {oidc_issuer}" in csp, csp
    login, password = "tableau-pkce", secrets.token_urlsafe(12)
    identites.accounts.add(login, password, identites.claims("dir-pkce", "direction", [EHPAD]))

    seen = await asyncio.to_thread(
        _login_with_pkce, passerelle, oidc_issuer, login, password, tmp_path / "profil-pkce"
    )

    authorize = dict(parse_qsl(seen["authorize"].lstrip("?")))
    assert authorize["client_id"] == "dui-front" and authorize["code_challenge_method"] == "S256", authorize
    assert authorize["redirect_uri"] == f"{passerelle}/tableau-de-bord", authorize
    assert seen["href"] == f"{passerelle}/tableau-de-bord", seen  # the code left the address bar
    assert seen["jeton"] and seen["finess"] == [EHPAD], seen
