"""Exemple d'abonné « événements indésirables » (EI) aux événements publics du DUI.

    python examples/subscribers/ei.py --nats nats://localhost:4222 [--durable ei-qualite] [--une-fois]

Un consommateur JetStream DURABLE sur le flux DUI_INT, filtré sur `dui.int.ei.>` : chutes, fugues, médicaments
non administrés, tels que le domaine les marque (voir README.md). La personne n'est désignée que par l'identifiant
de son dossier ; aucun texte de la source n'est copié. Chaque message est acquitté après traitement. Ne dépend
que de nats-py.
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
FILTRE = "dui.int.ei.>"
DURABLE = "ei-qualite"


def ligne(sujet: str, e: dict[str, Any]) -> str:
    """Une ligne en français par événement."""
    evenement = sujet.split(".")[3]
    quoi = {
        "chute": "chute",
        "fugue": "fugue",
        "medicament_non_administre": f"médicament non administré (motif {e.get('motif')})",
    }.get(evenement, evenement)
    return f"[EI] {quoi} — dossier {e['dossier_id']} ({e['esms']}), constaté le {e['constate_le']} par {e['signale_par']}"


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
