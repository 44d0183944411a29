"""`make run`: the whole platform on one machine — embedded NATS JetStream and PostgreSQL (unless NATS_URL /
DATABASE_URL name external ones), every service as its own process, demo data on first start (admission,
dossiers, then a day of care and agenda in the EHPAD's unit "Les Lilas"), the gateway URL.
Ctrl-C stops everything in order; data stays under DUI_DATA_DIR (default ./data) for the next start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import httpx

from dui_oidc.accounts import Accounts
from dui_oidc.client import EchecConnexion, JetonsDeDemo
from dui_shared.config import Settings
from dui_shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres, free_port

SERVICES = (
    ("oidc", ["-m", "dui_oidc", "serve"]),
    ("habilitations", ["-m", "dui_habilitations"]),
    ("admission", ["-m", "dui_admission"]),
    ("dossier", ["-m", "dui_dossier"]),
    ("soins", ["-m", "dui_soins"]),
    ("agenda", ["-m", "dui_agenda"]),
    ("reporting", ["-m", "dui_reporting"]),
    ("gateway", ["-m", "dui_gateway"]),
)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _say(text: str) -> None:
    print(text, flush=True)


class Platform:
    def __init__(self) -> None:
        self.settings = Settings()
        self.data = self.settings.data_dir.resolve()
        self.nats: EmbeddedNats | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False
        self.issuer = self.settings.oidc_issuer

    def start_servers(self, env: dict[str, str]) -> None:
        if "NATS_URL" not in os.environ:
            port = 4222 if _port_free(4222) else free_port()
            self.nats = EmbeddedNats(self.data / "nats", port=port).start()
            env["NATS_URL"] = self.nats.url
            _say(f"• NATS JetStream embarqué : {self.nats.url} (données : {self.data / 'nats'})")
        if "DATABASE_URL" not in os.environ:
            self.postgres = EmbeddedPostgres(self.data / "pg").start()
            env["DATABASE_URL"] = self.postgres.url
            _say(f"• PostgreSQL embarqué (données : {self.data / 'pg'})")

    def start_services(self, env: dict[str, str]) -> str:
        wanted = self.settings.gateway_port
        port = wanted if wanted and _port_free(wanted) else free_port()
        env["DUI_GATEWAY_PORT"] = str(port)
        if "DUI_OIDC_ISSUER" not in os.environ:  # the local provider, unless the operator names a real one
            oidc = self.settings.oidc_port if _port_free(self.settings.oidc_port) else free_port()
            env["DUI_OIDC_PORT"] = str(oidc)
            env["DUI_OIDC_ISSUER"] = f"http://127.0.0.1:{oidc}"
            env.setdefault("DUI_OIDC_CLAIM_ESMS", "dui_esms")
        self.issuer = env.get("DUI_OIDC_ISSUER", self.settings.oidc_issuer)
        logs = self.data / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name, args in SERVICES:
            log = open(logs / f"{name}.log", "ab")
            child = subprocess.Popen(
                [sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            self.children.append((name, child))
            _say(f"• service {name} démarré (pid {child.pid}, journal : {logs / f'{name}.log'})")
        return f"http://{self.settings.gateway_host}:{port}"

    def wait_ready(self, url: str, timeout: float = 60.0) -> None:
        """The gateway answers an authenticated call: provider, habilitations and admission are up."""
        deadline = time.monotonic() + timeout
        auth: httpx.Auth | None = None
        while time.monotonic() < deadline:
            self.check_children()
            try:
                auth = auth or JetonsDeDemo(self.issuer, Accounts.load())
                if httpx.get(f"{url}/esms", headers=DEMO_HEADERS, auth=auth, timeout=2).status_code == 200:
                    return
            except (httpx.HTTPError, EchecConnexion):
                auth = None
            time.sleep(0.3)
        raise RuntimeError("la passerelle ne répond pas : voir data/logs/")

    def check_children(self) -> None:
        for name, child in self.children:
            if child.poll() is not None and not self.stopping:
                raise RuntimeError(
                    f"le service {name} s'est arrêté (code {child.returncode}) : voir data/logs/"
                )

    def stop(self) -> None:
        """Services first, then the servers they use; a second Ctrl-C must not leave servers behind."""
        self.stopping = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            for name, child in reversed(self.children):
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
                    try:
                        child.wait(15)
                    except subprocess.TimeoutExpired:
                        child.kill()
                _say(f"• service {name} arrêté")
        finally:
            try:
                if self.nats:
                    self.nats.stop()
                    _say("• NATS arrêté")
            finally:
                if self.postgres:
                    self.postgres.stop()
                    _say("• PostgreSQL arrêté")


DEMO_INFIRMIER = {"X-Dui-Professionnel": "ide-0042"}
"""The care plan and prescriptions are for care roles: the hint that shows them speaks as a nurse. Demo scripts
name the demo account they speak as; `JetonsDeDemo` sends its real token instead."""
DEMO_HEADERS = {"X-Dui-Professionnel": "demo-secretariat"}


def main() -> int:
    platform = Platform()
    env = dict(os.environ)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        platform.start_servers(env)
        url = platform.start_services(env)
        platform.wait_ready(url)
        subprocess.run([sys.executable, "-m", "dui_admission.demo", "--gateway", url], env=env, check=True)
        subprocess.run([sys.executable, "-m", "dui_dossier.demo", "--gateway", url], env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "dui_habilitations.demo", "--gateway", url], env=env, check=True
        )
        subprocess.run([sys.executable, "-m", "dui_soins.demo", "--gateway", url], env=env, check=True)
        jeton = f"{sys.executable} -m dui_oidc jeton --issuer {platform.issuer}"
        _say("")
        _say(f"Passerelle DUI : {url}")
        _say(f"OpenAPI       : {url}/openapi.json   (documentation : {url}/docs)")
        _say(
            f"Tableau de bord: {url}/tableau-de-bord   (indicateurs ESMS Numérique et TBB.1 ; compte dir.girard)"
        )
        _say(
            f"Identité      : fournisseur OpenID Connect local {platform.issuer} (comptes : config/oidc-comptes.json)"
        )
        _say(f"Jeton         : TOKEN=$({jeton} sec.fournier)   (secrétariat, tous les ESMS)")
        _say(f"Essayez       : curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/candidatures?limit=5'")
        _say(
            f"Dossiers      : curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/dossiers?q=martin'"
            f"   (fiche de synthèse : {url}/dossiers/<id>/synthese)"
        )
        _say(
            f'Plan de soins : TOKEN=$({jeton} ide-0042) ; curl -s -H "Authorization: Bearer $TOKEN" '
            f"'{url}/plan-soins?esms=690004122&unite=Les%20Lilas'"
        )
        _say(
            f"Autres comptes: dr.martin (médecin, PSC), psy.dubois, as.petit, dir.girard, adm.bonnet (administrateur), "
            f"dpo.lambert, usager.martin et pdc.martin (espace personne : {url}/moi/dossiers)"
        )
        _say("Ctrl-C pour tout arrêter ; les données restent dans " + str(platform.data))
        while True:
            platform.check_children()
            time.sleep(0.5)
    except KeyboardInterrupt:
        _say("\nArrêt…")
        return 0
    except Exception as exc:
        _say(f"Erreur : {exc}")
        return 1
    finally:
        platform.stop()


if __name__ == "__main__":
    sys.exit(main())
