"""Exemple d'abonné GEF (gestion économique et financière) aux événements publics du DUI.

    python examples/subscribers/gef.py --nats nats://localhost:4222 [--durable gef-facturation] [--une-fois]

Un consommateur JetStream DURABLE sur le flux DUI_INT, filtré sur `dui.int.gef.>` : admissions, sorties, absences
et prestations, un séjour à la fois (jamais l'identité de la personne). Chaque message est acquitté après
traitement ; relancé avec le même nom durable, il reprend où il s'était arrêté. Ne dépend que de nats-py.
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
FILTRE = "dui.int.gef.>"
DURABLE = "gef-facturation"


def ligne(sujet: str, e: dict[str, Any]) -> str:
    """Une ligne en français par événement."""
    evenement = sujet.split(".")[3]
    sejour = e.get("sejour_id")
    if evenement == "admission":
        return f"[GEF] admission du séjour {sejour} ({e['esms']}), accueil {e['type_accueil']}, le {e['admis_le']}"
    if evenement == "sortie":
        deces = " — décès" if e["deces"] else ""
        return f"[GEF] sortie du séjour {sejour} le {e['sortie_le']}, motif {e['motif']}{deces}"
    if evenement == "absence_debut":
        return f"[GEF] absence ({e['type']}) du séjour {sejour} depuis le {e['debut']}"
    if evenement == "absence_fin":
        return f"[GEF] retour d'absence du séjour {sejour} le {e['fin']}"
    if evenement == "absence_annulee":
        return f"[GEF] absence {e['absence_id']} du séjour {sejour} annulée"
    if evenement.startswith("prestation_"):
        return f"[GEF] prestation {e['prestation_id']} du séjour {sejour} : {evenement.removeprefix('prestation_')}"
    return f"[GEF] {sujet} : {e['id']}"


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
