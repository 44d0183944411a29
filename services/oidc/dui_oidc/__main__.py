"""`python -m dui_oidc [serve]` runs the local provider; `rotation` rotates its signing key; `jeton <identifiant>`
prints an access token of a demo account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from dui_oidc.accounts import Accounts, default_accounts_file
from dui_oidc.client import EchecConnexion, obtain_tokens
from dui_oidc.keys import rotate
from dui_oidc.server import serve_forever
from dui_shared.config import Settings


def _issuer(settings: Settings) -> str:
    if "oidc_issuer" in settings.model_fields_set:  # DUI_OIDC_ISSUER was given
        return settings.oidc_issuer.rstrip("/")
    return f"http://127.0.0.1:{settings.oidc_port}"


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    keys_file = settings.data_dir / "oidc" / "cles.json"
    parser = argparse.ArgumentParser(
        prog="python -m dui_oidc", description="Fournisseur OpenID Connect local du DUI"
    )
    commands = parser.add_subparsers(dest="commande")
    serve = commands.add_parser("serve", help="servir le fournisseur (par défaut)")
    serve.add_argument("--host", default="127.0.0.1")
    rotation = commands.add_parser(
        "rotation", help="nouvelle clé de signature (les précédentes restent publiées)"
    )
    rotation.add_argument("--cles", type=Path, default=keys_file, help="fichier des clés")
    jeton = commands.add_parser("jeton", help="afficher un jeton d'accès d'un compte de démonstration")
    jeton.add_argument("identifiant")
    jeton.add_argument(
        "--issuer", default=None, help="URL du fournisseur (défaut : DUI_OIDC_ISSUER ou le port local)"
    )
    jeton.add_argument("--client", default="dui-outils")
    args = parser.parse_args(argv)

    accounts_file = settings.oidc_accounts or default_accounts_file()
    if args.commande == "rotation":
        print(rotate(args.cles))
        return 0
    if args.commande == "jeton":
        accounts = Accounts.load(accounts_file)
        if args.identifiant not in accounts.by_login:
            print(f"compte inconnu : {args.identifiant} (comptes : {accounts_file})", file=sys.stderr)
            return 2
        try:
            tokens = obtain_tokens(
                args.issuer or _issuer(settings),
                args.identifiant,
                accounts.password(args.identifiant),
                client_id=args.client,
            )
        except (EchecConnexion, httpx.HTTPError) as exc:
            print(f"jeton non obtenu : {exc}", file=sys.stderr)
            return 1
        print(tokens["access_token"])
        return 0
    issuer = _issuer(settings)
    print(
        f"fournisseur OIDC local : {issuer} (comptes : {accounts_file}, clés : {keys_file})", file=sys.stderr
    )
    try:
        serve_forever(
            getattr(args, "host", "127.0.0.1"),
            settings.oidc_port,
            issuer=issuer,
            audience=settings.oidc_audience,
            accounts_file=accounts_file,
            keys_file=keys_file,
        )
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
