"""Exemple d'abonné RH aux événements publics du DUI : l'activité des professionnels.

    python examples/subscribers/rh.py --nats nats://localhost:4222 [--durable rh-activite] [--une-fois]

Un consommateur JetStream DURABLE sur le flux DUI_INT, filtré sur `dui.int.rh.>` : un événement par acte tracé,
transmission écrite et intervention tenue, avec le professionnel et le jour ; l'abonné agrège (ici : un compteur
par professionnel et jour, affiché à chaque événement). Rien sur la personne accompagnée. Chaque message est
acquitté après traitement. Ne dépend que de nats-py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from typing import Any

import nats
from nats.aio.client import Client as NATS

STREAM = "DUI_INT"
FILTRE = "dui.int.rh.>"
DURABLE = "rh-activite"


_COMPTEURS: dict[tuple[str, str], int] = {}


def ligne(sujet: str, e: dict[str, Any]) -> str:
    """Une ligne en français par événement, avec le cumul du professionnel pour le jour."""
    evenement = sujet.split(".")[3]
    cle = (e["professionnel"], e["jour"])
    _COMPTEURS[cle] = _COMPTEURS.get(cle, 0) + 1
    quoi = {
        "acte": "acte " + ("réalisé" if e.get("realise") else "non réalisé"),
        "transmission": "transmission écrite",
        "intervention": f"intervention tenue ({e.get('type')})",
    }.get(evenement, evenement)
    return f"[RH] {e['professionnel']} le {e['jour']} : {quoi} — {_COMPTEURS[cle]} activité(s) ce jour"


async def consume(
    nc: NATS,
    *,
    durable: str = DURABLE,
    filtre: str = FILTRE,
    une_fois: bool = False,
    afficher: Callable[[str], None] = print,
) -> int:
    """Traite les messages du consommateur durable, acquitte chacun ; rend le nombre traité.

    `une_fois` : s'arrête dès qu'il n'y a plus rien à lire (sinon attend les suivants indéfiniment)."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(filtre, durable=durable, stream=STREAM)
    traites = 0
    try:
        while True:
            try:
                msgs = await sub.fetch(batch=100, timeout=1.0)
            except TimeoutError:  # nats-py raises its own subclass, or asyncio's when the deadline is spent
                if une_fois:
                    return traites
                continue
            for msg in msgs:
                afficher(ligne(msg.subject, json.loads(msg.data)))
                await msg.ack_sync()  # acquitté seulement une fois traité : un arrêt brutal le fait relivrer
                traites += 1
    finally:
        await sub.unsubscribe()  # le consommateur durable reste, avec sa position, sur le serveur


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nats", default="nats://localhost:4222")
    parser.add_argument("--durable", default=DURABLE)
    parser.add_argument("--une-fois", action="store_true", help="s'arrêter quand il n'y a plus rien à lire")
    args = parser.parse_args()
    nc = await nats.connect(args.nats)
    try:
        n = await consume(nc, durable=args.durable, une_fois=args.une_fois)
        print(f"{n} événement(s) traité(s)")
    finally:
        await nc.drain()


if __name__ == "__main__":
    asyncio.run(main())
