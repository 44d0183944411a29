"""Fault injection with real servers: nothing acknowledged is ever lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import pytest

from dui_admission.application import AdmissionApp
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.envelope import Actor
from dui_shared.errors import Unavailable
from dui_shared.eventstore import EventStore
from dui_shared.referentiel import Referentiel
from dui_shared.runtime.embedded import EmbeddedNats
from tests.support.builders import nouvelle_candidature

CTX = CommandContext(Actor(id="test", role="secretariat", og_wide=True))


@pytest.mark.slow
async def test_every_append_acknowledged_before_a_nats_server_kill_is_in_the_stream_after_restart(
    store: EventStore, embedded_nats: EmbeddedNats, unique: str
) -> None:
    app = AdmissionApp(store, registry, Referentiel.load(None))
    acknowledged: list[str] = []
    refused = 0
    stop = asyncio.Event()
    goal: list[int] = []  # set after the restart: how many acknowledgements prove that appends resumed
    resumed = asyncio.Event()

    async def keep_appending() -> None:
        nonlocal refused
        n = 0
        while not stop.is_set():
            n += 1
            try:
                demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Panne-{unique}-{n}"), CTX)
            except Unavailable:
                refused += 1  # the caller was told: nothing was promised
                continue
            acknowledged.append(str(demande.candidatures[0]))
            if goal and len(acknowledged) >= goal[0]:
                resumed.set()

    writer = asyncio.create_task(keep_appending())
    await asyncio.sleep(0.5)
    before_kill = len(acknowledged)
    await asyncio.to_thread(embedded_nats.restart, kill=True)  # SIGKILL, then the same port and store dir
    goal.append(len(acknowledged) + 50)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(resumed.wait(), timeout=20)
    stop.set()
    await writer

    assert before_kill > 0
    assert resumed.is_set(), "appends resume once the server is back"
    stored = Counter(
        e.envelope.subject for e in await store.read("dui.evt.690004122.admission.candidature.*")
    )
    assert [c for c in acknowledged if stored[c] != 1] == []  # each one there, and only once
