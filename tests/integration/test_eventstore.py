"""The event log on a real nats-server: optimistic concurrency, idempotent appends, atomic decisions, fast loads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from dui_admission.application import AdmissionApp
from dui_admission.domain.candidature import Candidature, Statut
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.admission import Decision
from dui_shared.contracts.admission_api import AdmissionAPrononcer, DecisionAPrononcer
from dui_shared.envelope import Actor
from dui_shared.errors import ConcurrencyConflict
from dui_shared.eventstore import EventStore, Expectation, PendingEvent
from dui_shared.referentiel import Referentiel
from tests.support.builders import EHPAD, FAM, nouvelle_candidature
from tests.unit.builders import candidature_recue

CTX = CommandContext(Actor(id="test", role="secretariat", og_wide=True))


@pytest.fixture(scope="module")
def app(store: EventStore) -> AdmissionApp:
    return AdmissionApp(store, registry, Referentiel.load(None))


async def test_an_aggregate_reads_back_as_it_was_decided(app: AdmissionApp, unique: str) -> None:
    demande, position = await app.recevoir_candidature(nouvelle_candidature(f"Lu-{unique}"), CTX)
    cid = demande.candidatures[0]
    await app.prononcer_decision(cid, DecisionAPrononcer(decision=Decision.acceptee), CTX)

    fresh = AdmissionApp(app.store, registry, app.referentiel)  # no subject cache: wildcard lookup by id
    candidature = await fresh.get(Candidature, cid)
    assert candidature.statut is Statut.acceptee
    assert candidature.version == 2
    assert candidature.usager.nom_naissance == f"Lu-{unique}"
    stored = await app.store.read(candidature.subject)
    assert [s.envelope.type for s in stored] == [
        "admission.CandidatureRecue.v1",
        "admission.DecisionPrononcee.v1",
    ]
    assert stored[0].seq == position


async def test_two_concurrent_decisions_on_one_candidature_let_exactly_one_win(
    app: AdmissionApp, unique: str
) -> None:
    demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Duel-{unique}"), CTX)
    cid = demande.candidatures[0]
    first, second = app.unit_of_work(CTX), app.unit_of_work(CTX)
    a = await first.get(Candidature, cid)
    b = await second.get(Candidature, cid)  # both decide on the same version
    a.prononcer_decision(Decision.acceptee, datetime.now(UTC), None)
    b.prononcer_decision(Decision.refusee, datetime.now(UTC), "Pas de place adaptée")

    results = await asyncio.gather(first.commit(), second.commit(), return_exceptions=True)

    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, ConcurrencyConflict) for r in results) == 1
    assert (await app.get(Candidature, cid)).version == 2


async def test_republishing_the_same_events_stores_them_once(
    store: EventStore, app: AdmissionApp, unique: str
) -> None:
    uow = app.unit_of_work(CTX)
    cmd = nouvelle_candidature(f"Double-{unique}")
    candidature = candidature_recue(esms=EHPAD, usager=cmd.usager, recue_le=datetime.now(UTC))
    candidature.prononcer_decision(Decision.acceptee, datetime.now(UTC), None)
    events = uow.repository.mapper.to_envelopes(candidature, CTX)
    expectation = [Expectation(candidature.subject, 0)]

    first = await store.append(events, expectation)  # an atomic batch of two events
    again = await store.append(events, expectation)  # the client retries after a lost acknowledgement
    single = [PendingEvent(events[0].subject, events[0].envelope)]
    once_more = await store.append(single, expectation)

    assert again == first
    assert once_more == first - 1  # the single event was already there: its own sequence comes back
    stored = await store.read(candidature.subject)
    assert [str(s.envelope.id) for s in stored] == [str(e.envelope.id) for e in events]


async def test_a_decision_touching_two_aggregates_lands_whole_or_not_at_all(
    store: EventStore, app: AdmissionApp, unique: str
) -> None:
    demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Atome-{unique}", EHPAD, FAM), CTX)
    ehpad, fam = demande.candidatures
    await app.prononcer_decision(ehpad, DecisionAPrononcer(decision=Decision.acceptee), CTX)
    uow = app.unit_of_work(CTX)
    a = await uow.get(Candidature, ehpad)
    b = await uow.get(Candidature, fam)
    a.planifier_contact(datetime.now(UTC), "famille", "telephone", None)
    b.planifier_contact(datetime.now(UTC), "famille", "telephone", None)
    # someone else writes to the second candidature in between
    await app.prononcer_decision(fam, DecisionAPrononcer(decision=Decision.retiree), CTX)

    with pytest.raises(ConcurrencyConflict):
        await uow.commit()

    assert (
        len(await store.read(a.subject)) == 2
    )  # reçue + décision: the contact of the failed batch is absent
    assert len(await store.read(b.subject)) == 2


async def test_admission_appends_the_sejour_and_closes_the_candidature_together(
    app: AdmissionApp, unique: str
) -> None:
    demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Entree-{unique}"), CTX)
    cid = demande.candidatures[0]
    await app.prononcer_decision(cid, DecisionAPrononcer(decision=Decision.acceptee), CTX)
    admission = AdmissionAPrononcer(admis_le=datetime(2027, 1, 4, 10, tzinfo=UTC), place="B12")

    results = await asyncio.gather(
        app.admettre(cid, admission, CTX), app.admettre(cid, admission, CTX), return_exceptions=True
    )

    winners = [r for r in results if isinstance(r, tuple)]
    assert len(winners) == 1, results
    assert (await app.get(Candidature, cid)).sejour_id == winners[0][0]


async def test_loading_a_long_aggregate_reads_past_one_direct_get_batch(
    app: AdmissionApp, unique: str
) -> None:
    demande, _ = await app.recevoir_candidature(nouvelle_candidature(f"Long-{unique}"), CTX)
    cid = demande.candidatures[0]
    for _ in range(4):
        uow = app.unit_of_work(CTX)
        candidature = await uow.get(Candidature, cid)
        for _ in range(200):
            candidature.planifier_contact(datetime.now(UTC), "famille", "telephone", None)
        await uow.commit()

    assert (await app.get(Candidature, cid)).version == 801
