"""Public integration events on DUI_INT, against the real services through the gateway: a séjour lived through
(admission, absence and return, a prestation, a drug not given, a fall and a risk of fall written, an activity held,
a death), the events each write gives to the GEF, RH and EI subscribers with their contracts and content, exactly
once even when the publisher replays the whole log; and the example subscribers' durable consumers.

Other tests publish on the same stream: assertions are restricted to this test's séjour, dossier and professionals.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from dui_reporting.integration import IntegrationPublisher
from dui_shared.contracts import registry
from dui_shared.contracts.integration import (
    BY_SUBJECT,
    INTEGRATION_STREAM,
    AbsenceDebutee,
    AbsenceFinie,
    ActeTrace,
    AdmissionGef,
    ChuteSignalee,
    IntegrationEvent,
    InterventionTenue,
    MedicamentNonAdministre,
    PrestationOuverteGef,
    SortieGef,
    TransmissionEcrite,
)
from dui_shared.eventstore import EventStore
from dui_shared.projection import ProjectionRunner, wait_for_position
from dui_shared.timezone import today_paris
from tests.support.builders import EHPAD, OG_WIDE, admit, dossier_of, headers_for

MEDECIN = headers_for(EHPAD, role="medecin", who="10000000017")
ROOT = Path(__file__).resolve().parents[2]


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat()


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def example(name: str) -> ModuleType:
    """An example subscriber, imported from its file like `python examples/subscribers/<name>.py` runs it."""
    path = ROOT / "examples" / "subscribers" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"subscriber_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def published(nc: NATS) -> list[tuple[str, dict[str, str], IntegrationEvent]]:
    """Every message of DUI_INT: subject, headers, and the payload decoded by its subject's contract."""
    js = nc.jetstream()
    sub = await js.pull_subscribe("dui.int.>", stream=INTEGRATION_STREAM)
    out: list[tuple[str, dict[str, str], IntegrationEvent]] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(batch=1000, timeout=1.0)
            except TimeoutError:  # nats-py raises its own subclass, or asyncio's when the deadline is spent
                return out
            for msg in msgs:
                contract = BY_SUBJECT[msg.subject]
                out.append((msg.subject, dict(msg.headers or {}), contract.model_validate_json(msg.data)))
                await msg.ack()
    finally:
        await sub.unsubscribe()


def mine(
    events: list[tuple[str, dict[str, str], IntegrationEvent]], sejour: str, dossier: str, pros: set[str]
) -> list[IntegrationEvent]:
    def about_me(e: IntegrationEvent) -> bool:
        data = e.model_dump(mode="json")
        return (
            data.get("sejour_id") == sejour
            or data.get("dossier_id") == dossier
            or data.get("professionnel") in pros
        )

    return [e for _, _, e in events if about_me(e)]


async def test_integration_events_once_each(
    gateway: httpx.AsyncClient, nc: NATS, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    day = today_paris() - timedelta(days=1)
    ide, anim = f"ide-int-{unique}", f"anim-int-{unique}"
    IDE = headers_for(EHPAD, role="infirmier", who=ide)
    ANIM = headers_for(EHPAD, role="animateur", who=anim)
    sejour, position = await admit(gateway, f"Integration-{unique}")
    dossier = str((await dossier_of(gateway, sejour, position))["id"])

    absence = await ok(
        await gateway.post(
            f"/dossiers/{dossier}/absences",
            json={
                "type": "hospitalisation",
                "debut": at(day - timedelta(days=2), 9),
                "fin_prevue": at(day, 12),
            },
            headers=OG_WIDE,
        ),
        201,
    )
    await ok(
        await gateway.post(
            f"/dossiers/{dossier}/absences/{absence['id']}/retour", json={"fin": at(day, 11)}, headers=OG_WIDE
        )
    )
    await ok(
        await gateway.post(
            f"/dossiers/{dossier}/prestations",
            json={
                "type": "apa",
                "organisme": "Conseil départemental",
                "reference": "DOSSIER-APA-42",
                "montant_mensuel": 512.5,
                "debut": (day - timedelta(days=30)).isoformat(),
            },
            headers=OG_WIDE,
        ),
        201,
    )
    prescription = await ok(
        await gateway.post(
            f"/dossiers/{dossier}/prescriptions",
            json={
                "contenu": {
                    "nature": "medicament",
                    "medicament": {"denomination": "Paracétamol", "dosage": "1 g", "voie": "orale"},
                    "prises": [{"heure": "08:00", "quantite": 1}],
                    "debut": at(day - timedelta(days=3), 7),
                }
            },
            headers=MEDECIN,
        ),
        201,
    )
    await ok(
        await gateway.post(
            f"/dossiers/{dossier}/actes",
            json={
                "prescription_id": prescription["id"],
                "prevu_le": at(day, 8),
                "statut": "non_realise",
                "motif": "refus",
                "commentaire": "ne veut pas, texte qui ne doit jamais sortir",
            },
            headers=IDE,
        )
    )
    chute = await ok(
        await gateway.post(
            f"/dossiers/{dossier}/transmissions",
            json={
                "type": "ciblee",
                "categorie": "soins",
                "cible": "Chute dans la salle de bain",
                "donnees": "Retrouvée au sol à 9 h 40",
                "le": at(day, 9, 45),
            },
            headers=IDE,
        ),
        201,
    )
    risque = await ok(
        await gateway.post(
            f"/dossiers/{dossier}/transmissions",
            json={
                "type": "ciblee",
                "categorie": "soins",
                "cible": "Risque de chute",
                "donnees": "Se lève seule la nuit",
                "le": at(day, 10),
            },
            headers=IDE,
        ),
        201,
    )
    activite = await ok(
        await gateway.post(
            "/evenements",
            json={
                "esms": EHPAD,
                "type": "activite",
                "titre": "Gym douce",
                "debut": at(day, 15),
                "fin": at(day, 16),
                "participants": {"usagers": [dossier], "professionnels": [anim]},
            },
            headers=ANIM,
        ),
        201,
    )
    for _ in range(2):  # recorded twice (a correction): one intervention held
        await ok(
            await gateway.post(
                f"/evenements/{activite['id']}/realisations",
                json={"occurrence": at(day, 15), "statut": "realise"},
                headers=ANIM,
            )
        )
    sortie = await gateway.post(
        f"/sejours/{sejour}/sortie", json={"sortie_le": at(day, 18), "motif": "deces"}, headers=OG_WIDE
    )
    await ok(sortie)
    last = int(sortie.headers["X-Dui-Position"])

    assert await wait_for_position(store, pool, IntegrationPublisher, last, timeout=15) is not None
    events = await published(nc)
    assert all(h.get("Nats-Msg-Id") == str(e.id) and h.get("Ce-Type") == s for s, h, e in events)
    got = mine(events, sejour, dossier, {ide, anim})
    by_type: dict[type[IntegrationEvent], list[Any]] = {}
    for e in got:
        by_type.setdefault(type(e), []).append(e)

    (adm,) = by_type[AdmissionGef]
    assert (str(adm.sejour_id), adm.esms, adm.type_accueil.value) == (sejour, EHPAD, "permanent")
    (debut,) = by_type[AbsenceDebutee]
    (fin,) = by_type[AbsenceFinie]
    assert debut.absence_id == fin.absence_id == UUID(absence["id"])
    assert (debut.type.value, str(debut.sejour_id)) == ("hospitalisation", sejour)
    (prest,) = by_type[PrestationOuverteGef]
    assert (prest.type.value, prest.montant_mensuel, prest.organisme) == (
        "apa",
        512.5,
        "Conseil départemental",
    )
    # a beneficiary reference is not the GEF's business
    assert "DOSSIER-APA-42" not in prest.model_dump_json()
    (fin_sejour,) = by_type[SortieGef]
    assert (fin_sejour.motif.value, fin_sejour.deces, str(fin_sejour.sejour_id)) == ("deces", True, sejour)

    (acte,) = by_type[ActeTrace]
    assert (acte.professionnel, acte.realise, acte.nature.value) == (ide, False, "prescription")
    assert acte.jour > day  # a slot not done counts on the day it was traced (now), not the slot's day
    transmissions = by_type[TransmissionEcrite]
    assert [(t.professionnel, t.jour) for t in transmissions] == [(ide, day), (ide, day)]
    (held,) = by_type[InterventionTenue]
    assert (held.professionnel, held.jour, str(held.evenement_id), held.type) == (
        anim,
        day,
        activite["id"],
        "activite",
    )

    (non_donne,) = by_type[MedicamentNonAdministre]
    assert (str(non_donne.dossier_id), str(non_donne.prescription_id), non_donne.motif.value) == (
        dossier,
        prescription["id"],
        "refus",
    )
    assert non_donne.signale_par == ide
    (fall,) = by_type[ChuteSignalee]  # the risk of a fall is not one
    assert (str(fall.transmission_id), str(fall.dossier_id)) == (chute["id"], dossier)
    assert risque["id"] not in {str(getattr(e, "transmission_id", "")) for e in got}
    for e in got:  # never the person's identity nor the text written about them
        text = e.model_dump_json()
        assert f"Integration-{unique}" not in text and "Retrouvée" not in text and "texte qui" not in text
    assert len({e.id for e in got}) == len(got)

    # a replay of the whole log by a second publisher publishes nothing twice (JetStream de-duplication)
    replay = IntegrationPublisher(nc)
    runner = ProjectionRunner(
        replay, nc=nc, pool=pool, registry=registry, schema=f"integration_replay_{unique}", trace=False
    )
    await runner.setup()
    try:
        await runner.catch_up(until=last)
    finally:
        await runner.close()
        await nc.jetstream().delete_consumer(runner.stream, runner.consumer)
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA "integration_replay_{unique}" CASCADE')
    assert replay.published >= len(got)
    again = mine(await published(nc), sejour, dossier, {ide, anim})
    assert sorted(str(e.id) for e in again) == sorted(str(e.id) for e in got)

    # the example subscribers: a durable consumer each, every message acknowledged, nothing new on a second run
    for name, expected in (
        ("gef", f"sortie du séjour {sejour}"),
        ("rh", f"{anim} le {day}"),
        ("ei", f"chute — dossier {dossier}"),
    ):
        module = example(name)
        lines: list[str] = []
        durable = f"{name}-test-{unique}"
        count = await module.consume(nc, durable=durable, une_fois=True, afficher=lines.append)
        assert count == len(lines) > 0
        assert any(expected in line for line in lines), (name, [x for x in lines if unique in x][:5])
        assert await module.consume(nc, durable=durable, une_fois=True, afficher=lines.append) == 0
        info = await nc.jetstream().consumer_info(INTEGRATION_STREAM, durable)
        assert (info.num_pending, info.num_ack_pending) == (0, 0)
        await nc.jetstream().delete_consumer(INTEGRATION_STREAM, durable)
