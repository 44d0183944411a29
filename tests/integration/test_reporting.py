"""The reporting service against real NATS JetStream and PostgreSQL, driving the real services through the gateway:
hand-computed scenarios — several ESMS, entries and exits inside and across month boundaries (Paris days), a
person with and without a projet personnalisé, a décès, a transfer between two ESMS of the OG, agenda events
planned, held, cancelled — checked member by member through the drill-down, with each definition's parameter;
figures as of an instant; the write condition on the current month; the facts; the DMP and MSSanté facts of
services still to come; a rebuild of the read model that gives the live one.

Other tests write into the same log and the same ESMS: every assertion is restricted to the persons created
here (their pseudonymous ids are derived from their séjours), except where a figure is checked against its own
drill-down.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from dui_reporting.bootstrap import ReportingService
from dui_reporting.indicateurs import fin_du_mois
from dui_reporting.parametres import NatureEvenement, ParametresIndicateurs
from dui_reporting.projections import ReportingReadModel
from dui_reporting.projections.faits import TABLE_KEYS
from dui_reporting.queries import ReportingQueries
from dui_shared.contracts import EventData, registry
from dui_shared.contracts.reporting import CodeIndicateur, personne_id
from dui_shared.contracts.reporting_api import FiltreDetail
from dui_shared.envelope import Actor, Envelope
from dui_shared.eventstore import (
    DEAD_LETTER_STREAM,
    EventStore,
    Expectation,
    PendingEvent,
    event_subject,
)
from dui_shared.projection import read_at, rebuild, wait_for_position
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import today_paris
from tests.support.builders import EHPAD, FAM, MARTIN, OG_WIDE, SSIAD, aggir, candidature, headers_for, usager

H = OG_WIDE
DIRECTION = Actor(id="dir-tests", role="direction", og_wide=True)
C = CodeIndicateur


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _pos(response: httpx.Response) -> int:
    return int(response.headers["X-Dui-Position"])


class Journal:
    """The last log position written by the scenario, to read with `X-Dui-Min-Position`."""

    def __init__(self) -> None:
        self.position = 0

    def note(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code < 300, response.text
        self.position = max(self.position, _pos(response))
        return response

    @property
    def fresh(self) -> dict[str, str]:
        return {**H, "X-Dui-Min-Position": str(self.position)}


class Personne:
    def __init__(self, esms: str, sejour_id: str, dossier_id: str) -> None:
        self.esms = esms
        self.sejour_id = sejour_id
        self.dossier_id = dossier_id
        self.id = personne_id(esms, sejour_id)


async def _admettre(
    gateway: httpx.AsyncClient, journal: Journal, nom: str, esms: str, admis_le: str, **traits: Any
) -> Personne:
    body = candidature(nom, esms, usager=usager(nom, **traits))
    created = await _ok(await gateway.post("/candidatures", json=body, headers=H), 201)
    cid = created["candidatures"][0]
    await _ok(await gateway.post(f"/candidatures/{cid}/decision", json={"decision": "acceptee"}, headers=H))
    admitted = journal.note(
        await gateway.post(f"/candidatures/{cid}/admission", json={"admis_le": admis_le}, headers=H)
    )
    sejour_id = (await _ok(admitted, 201))["id"]
    page = await _ok(
        await gateway.get(
            "/dossiers",
            params={"sejour_id": sejour_id},
            headers={**H, "X-Dui-Min-Position": str(_pos(admitted))},
        )
    )
    assert page["total"] == 1, page
    return Personne(esms, sejour_id, page["items"][0]["id"])


async def _sortie(
    gateway: httpx.AsyncClient,
    journal: Journal,
    p: Personne,
    le: str,
    motif: str,
    destination: str | None = None,
) -> None:
    body = {"sortie_le": le, "motif": motif, "destination": destination}
    journal.note(await gateway.post(f"/sejours/{p.sejour_id}/sortie", json=body, headers=H))


async def _projet(
    gateway: httpx.AsyncClient, journal: Journal, p: Personne, valide_le: str | None, revision: str
) -> None:
    contenu = {
        "objectifs": [{"code": "marche", "libelle": "Maintenir la marche", "domaine": "autonomie"}],
        "participation": {"usager_present": True},
        "date_prochaine_revision": revision,
    }
    d = f"/dossiers/{p.dossier_id}/projet-personnalise"
    await _ok(await gateway.post(d, json=contenu, headers=H), 201)
    body = {"valide_le": valide_le} if valide_le else {}
    journal.note(await gateway.post(f"{d}/versions/1/validation", json=body, headers=H))


async def _evenement(
    gateway: httpx.AsyncClient, journal: Journal, p: Personne, debut: str, fin: str, **more: Any
) -> str:
    body = {
        "type": "rendez_vous",
        "titre": "Rendez-vous",
        "debut": debut,
        "fin": fin,
        "participants": {"usagers": [p.dossier_id], "professionnels": [], "candidatures": []},
        **more,
    }
    created = journal.note(await gateway.post("/evenements", json=body, headers=H))
    return str((await _ok(created, 201))["id"])


async def _events(store: EventStore, subject: str) -> dict[str, list[UUID]]:
    """The ids of the events of a subject, by event name."""
    out: dict[str, list[UUID]] = {}
    for e in await store.read(subject):
        out.setdefault(e.envelope.name, []).append(e.envelope.id)
    return out


def _mine(membres: Iterable[dict[str, Any]], persons: dict[str, Personne]) -> dict[str, dict[str, Any]]:
    """The members that are persons of this scenario, by the scenario's name for them."""
    by_id = {str(p.id): name for name, p in persons.items()}
    return {by_id[m["personne"]]: m for m in membres if m["personne"] in by_id}


async def _detail_http(
    gateway: httpx.AsyncClient,
    journal: Journal,
    code: CodeIndicateur,
    esms: str,
    du: date,
    au: date,
    **more: Any,
) -> dict[str, Any]:
    params = {"esms": esms, "du": str(du), "au": str(au), "limit": 2000, **more}
    detail: dict[str, Any] = await _ok(
        await gateway.get(f"/reporting/indicateurs/{code.value}/detail", params=params, headers=journal.fresh)
    )
    assert detail["numerateur"] == len(detail["membres_numerateur"])  # everything fits in one page here
    if detail["membres_denominateur"] is not None:
        assert detail["denominateur"] == len(detail["membres_denominateur"])
    return detail


class Vue:
    """The drill-down of the figures with given definitions, read directly from the service's queries."""

    def __init__(
        self, queries: ReportingQueries, persons: dict[str, Personne], au_sens: datetime | None = None
    ) -> None:
        self.queries = queries
        self.persons = persons
        self.au_sens = au_sens

    async def __call__(
        self, code: CodeIndicateur, esms: str, du: date, au: date
    ) -> tuple[set[str], set[str] | None]:
        filtre = FiltreDetail(esms=esms, du=du, au=au, au_sens=self.au_sens, limit=2000)
        detail = (await self.queries.detail(DIRECTION, code, filtre)).model_dump(mode="json")
        assert detail["numerateur"] == len(detail["membres_numerateur"])
        num = set(_mine(detail["membres_numerateur"], self.persons))
        den = detail["membres_denominateur"]
        return num, (set(_mine(den, self.persons)) if den is not None else None)


def _queries(pool: asyncpg.Pool, store: EventStore, **parametres: Any) -> ReportingQueries:
    return ReportingQueries(pool, store, Referentiel.load(None), ParametresIndicateurs(**parametres))


JAN, FEV, MAR, AVR = ((date(2025, m, 1), fin_du_mois(date(2025, m, 1))) for m in (1, 2, 3, 4))


async def test_esms_numerique_indicators_of_2025_member_by_member(
    gateway: httpx.AsyncClient, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    """Five persons of the EHPAD and a transfer to the FAM, in 2025. Every write happens today, so for 2025 the
    write condition is off here (`ecriture_requise=False`): a dossier is active when the person was accompanied.

    | person | stay                                     | projet (v1)             | agenda                                |
    |--------|------------------------------------------|-------------------------|---------------------------------------|
    | A      | EHPAD 10/01 →                            | valid 15/02, rev. 10/03 | 05/03 held                            |
    | B      | EHPAD 20/01 → 10/02 retour domicile      | —                       | 15/01 cancelled later; 05/02 planned  |
    | C      | EHPAD 25/02 → décès 01/03 00:30 (UTC 28) | —                       | —                                     |
    | D      | EHPAD 01/12/2024 → 28/02 transfer        | —                       | —                                     |
    | D-FAM  | FAM 01/03 →                              | —                       | —                                     |
    | E      | EHPAD 31/03 23:30 (21:30 UTC) →          | —                       | weekly 02/04, 09/04; 02/04 cancelled  |
    """
    journal = Journal()
    ehpad: dict[str, Personne] = {}
    ehpad["A"] = await _admettre(gateway, journal, f"RepA-{unique}", EHPAD, "2025-01-10T10:00:00")
    ehpad["B"] = await _admettre(gateway, journal, f"RepB-{unique}", EHPAD, "2025-01-20T10:00:00")
    ehpad["C"] = await _admettre(gateway, journal, f"RepC-{unique}", EHPAD, "2025-02-25T10:00:00")
    ehpad["D"] = await _admettre(gateway, journal, f"RepD-{unique}", EHPAD, "2024-12-01T10:00:00")
    ehpad["E"] = await _admettre(gateway, journal, f"RepE-{unique}", EHPAD, "2025-03-31T23:30:00")
    a, b, e = ehpad["A"], ehpad["B"], ehpad["E"]

    await _projet(gateway, journal, a, "2025-02-15", "2025-03-10")
    a_rdv = await _evenement(gateway, journal, a, "2025-03-05T10:00:00", "2025-03-05T10:30:00")
    realisation = {"occurrence": "2025-03-05T10:00:00", "statut": "realise"}
    await _ok(
        journal.note(await gateway.post(f"/evenements/{a_rdv}/realisations", json=realisation, headers=H))
    )
    b_janvier = await _evenement(gateway, journal, b, "2025-01-15T10:00:00", "2025-01-15T11:00:00")
    await _evenement(gateway, journal, b, "2025-02-05T10:00:00", "2025-02-05T11:00:00")
    e_serie = await _evenement(
        gateway,
        journal,
        e,
        "2025-04-02T15:00:00",
        "2025-04-02T16:00:00",
        type="activite",
        recurrence="FREQ=WEEKLY;COUNT=2",
    )
    await _ok(
        journal.note(
            await gateway.post(
                f"/evenements/{e_serie}/realisations",
                json={"occurrence": "2025-04-02T15:00:00", "statut": "annule", "motif": "animatrice absente"},
                headers=H,
            )
        )
    )
    for grille_reponses, le in ((aggir("B"), "2025-01-15T10:00:00"), (aggir("C"), "2025-03-15T10:00:00")):
        evaluation = {"grille": "aggir", "realisee_le": le, "reponses": grille_reponses}
        await _ok(
            journal.note(
                await gateway.post(f"/dossiers/{a.dossier_id}/evaluations", json=evaluation, headers=H)
            ),
            201,
        )
    absence = {"type": "hospitalisation", "debut": "2025-02-01T09:00:00", "fin_prevue": "2025-02-05T12:00:00"}
    declared = await _ok(
        journal.note(await gateway.post(f"/dossiers/{a.dossier_id}/absences", json=absence, headers=H)), 201
    )
    await _ok(
        journal.note(
            await gateway.post(
                f"/dossiers/{a.dossier_id}/absences/{declared['id']}/retour",
                json={"fin": "2025-02-04T17:00:00"},
                headers=H,
            )
        )
    )
    await asyncio.sleep(0.01)
    mid = datetime.now(UTC)  # before the exits and the cancellation were recorded
    await asyncio.sleep(0.01)

    await _ok(
        journal.note(
            await gateway.post(f"/evenements/{b_janvier}/annulation", json={"motif": "doublon"}, headers=H)
        )
    )
    await _sortie(gateway, journal, b, "2025-02-10T11:00:00", "retour_domicile")
    await _sortie(gateway, journal, ehpad["C"], "2025-03-01T00:30:00", "deces")
    await _sortie(gateway, journal, ehpad["D"], "2025-02-28T18:00:00", "transfert_esms", "FAM U Fiore")
    fam = {"D": await _admettre(gateway, journal, f"RepD-{unique}", FAM, "2025-03-01T10:00:00")}
    await read_at(store, pool, ReportingReadModel, journal.position)

    vue = Vue(_queries(pool, store, ecriture_requise=False), ehpad)

    # accompanied persons and active dossiers, month by month (Paris days)
    expected = {JAN: {"A", "B", "D"}, FEV: {"A", "B", "C", "D"}, MAR: {"A", "C", "E"}, AVR: {"A", "E"}}
    for (du, au), persons in expected.items():
        assert await vue(C.dossiers_actifs, EHPAD, du, au) == (persons, persons), du
    assert await Vue(vue.queries, fam)(C.dossiers_actifs, FAM, *FEV) == (set(), set())
    assert await Vue(vue.queries, fam)(C.dossiers_actifs, FAM, *MAR) == ({"D"}, {"D"})
    # any period: the first quarter
    assert await vue(C.dossiers_actifs, EHPAD, JAN[0], MAR[1]) == ({"A", "B", "C", "D", "E"},) * 2

    # projet personnalisé: A's version 1 is in force from 15/02, past its review date (10/03) by default
    assert await vue(C.dossiers_actifs_projet, EHPAD, *JAN) == (set(), expected[JAN])
    assert await vue(C.dossiers_actifs_projet, EHPAD, *FEV) == ({"A"}, expected[FEV])
    assert await vue(C.dossiers_actifs_projet, EHPAD, *MAR) == ({"A"}, expected[MAR])
    assert await vue(C.dossiers_actifs_projet, EHPAD, *AVR) == ({"A"}, expected[AVR])
    strict = Vue(_queries(pool, store, ecriture_requise=False, projet_revision_depassee=False), ehpad)
    assert await strict(C.dossiers_actifs_projet, EHPAD, *MAR) == ({"A"}, expected[MAR])
    assert await strict(C.dossiers_actifs_projet, EHPAD, *AVR) == (set(), expected[AVR])

    # at least one agenda event: planned (not cancelled) or held
    assert await vue(C.dossiers_actifs_evenement, EHPAD, *JAN) == (set(), expected[JAN])  # B's: cancelled
    assert await vue(C.dossiers_actifs_evenement, EHPAD, *FEV) == ({"B"}, expected[FEV])
    assert await vue(C.dossiers_actifs_evenement, EHPAD, *MAR) == ({"A"}, expected[MAR])
    assert await vue(C.dossiers_actifs_evenement, EHPAD, *AVR) == (
        {"E"},
        expected[AVR],
    )  # 09/04 still planned
    held_only = Vue(
        _queries(pool, store, ecriture_requise=False, evenements=(NatureEvenement.realise,)),
        ehpad,
    )
    assert await held_only(C.dossiers_actifs_evenement, EHPAD, *FEV) == (set(), expected[FEV])
    assert await held_only(C.dossiers_actifs_evenement, EHPAD, *MAR) == ({"A"}, expected[MAR])
    assert await held_only(C.dossiers_actifs_evenement, EHPAD, *AVR) == (set(), expected[AVR])

    # as of an instant: before the exits and the cancellation were recorded
    before = Vue(vue.queries, ehpad, au_sens=mid)
    assert await before(C.dossiers_actifs, EHPAD, *AVR) == ({"A", "B", "C", "D", "E"},) * 2
    assert await before(C.dossiers_actifs_evenement, EHPAD, *JAN) == ({"B"}, {"A", "B", "D"})
    assert await Vue(vue.queries, fam, au_sens=mid)(C.dossiers_actifs, FAM, *MAR) == (set(), set())

    # the drill-down names the events: B in February, by its admission and its exit
    detail = (
        await vue.queries.detail(DIRECTION, C.dossiers_actifs, FiltreDetail(esms=EHPAD, du=FEV[0], au=FEV[1]))
    ).model_dump(mode="json")
    b_events = await _events(store, f"dui.evt.*.admission.sejour.{b.sejour_id}")
    [b_membre] = [m for m in detail["membres_denominateur"] if m["personne"] == str(b.id)]
    assert [(s["id"], s["type"]) for s in b_membre["sources"]] == [
        (str(b_events["AdmissionPrononcee"][0]), "admission.AdmissionPrononcee.v1"),
        (str(b_events["SortiePrononcee"][0]), "admission.SortiePrononcee.v1"),
    ]
    assert b_membre["date"] == "2025-01-20"
    projet = (
        await vue.queries.detail(
            DIRECTION, C.dossiers_actifs_projet, FiltreDetail(esms=EHPAD, du=FEV[0], au=FEV[1])
        )
    ).model_dump(mode="json")
    [a_membre] = [m for m in projet["membres_numerateur"] if m["personne"] == str(a.id)]
    validated = await _events(store, f"dui.evt.*.dossier.projetpersonnalise.{a.dossier_id}")
    assert [s["id"] for s in a_membre["sources"]] == [str(validated["ProjetPersonnaliseValide"][0])]
    assert a_membre["date"] == "2025-02-15"
    agenda = (
        await vue.queries.detail(
            DIRECTION, C.dossiers_actifs_evenement, FiltreDetail(esms=EHPAD, du=AVR[0], au=AVR[1])
        )
    ).model_dump(mode="json")
    [e_membre] = [m for m in agenda["membres_numerateur"] if m["personne"] == str(e.id)]
    assert e_membre["date"] == "2025-04-09"
    assert [s["type"] for s in e_membre["sources"]] == ["agenda.EvenementPlanifie.v1"]

    # through the gateway, with the default definitions: no write in 2025, so no active dossier then
    for code in (C.dossiers_actifs, C.dossiers_actifs_projet):
        detail = await _detail_http(gateway, journal, code, EHPAD, *FEV)
        assert set(_mine(detail["membres_numerateur"], ehpad)) == set()
        if code is C.dossiers_actifs:
            assert set(_mine(detail["membres_denominateur"], ehpad)) == expected[FEV]
    summary = await _ok(
        await gateway.get(
            "/reporting/indicateurs",
            params={"esms": EHPAD, "du": "2025-02-01", "au": "2025-02-28"},
            headers=journal.fresh,
        )
    )
    assert summary["parametres"] == {
        "ecriture_requise": True,
        "evenements": ["planifie", "realise"],
        "projet_revision_depassee": True,
    }
    figures = {i["code"]: i for i in summary["indicateurs"]}
    assert list(figures) == [c.value for c in CodeIndicateur]
    assert figures["dossiers_actifs"]["denominateur"] >= 4

    # the facts of these persons: entries, exits (décès, transfer), projet, evaluations and GIR, absence, agenda
    faits = {"faits": []}
    params = {"esms": [EHPAD, FAM], "du": "2024-12-01", "au": "2025-04-30", "limit": 100}
    while True:  # every page: other tests may have facts in these months too
        page = await _ok(
            await gateway.get(
                "/reporting/faits", params={**params, "offset": len(faits["faits"])}, headers=journal.fresh
            )
        )
        faits["faits"] += page["faits"]
        if len(faits["faits"]) >= page["total"]:
            break
    everyone = {**ehpad, "D-FAM": fam["D"]}
    mine = sorted(
        (name, f["type"], f["date"], f["esms"])
        for f in faits["faits"]
        for name, p in everyone.items()
        if f["personne"] == str(p.id)
    )
    assert mine == sorted(
        [
            ("A", "entree", "2025-01-10", EHPAD),
            ("A", "evaluation_realisee", "2025-01-15", EHPAD),
            ("A", "gir_evolue", "2025-01-15", EHPAD),
            ("A", "absence_debut", "2025-02-01", EHPAD),
            ("A", "absence_retour", "2025-02-04", EHPAD),
            ("A", "projet_valide", "2025-02-15", EHPAD),
            ("A", "evenement_realise", "2025-03-05", EHPAD),
            ("A", "evaluation_realisee", "2025-03-15", EHPAD),
            ("A", "gir_evolue", "2025-03-15", EHPAD),
            ("B", "entree", "2025-01-20", EHPAD),
            ("B", "sortie", "2025-02-10", EHPAD),
            ("C", "entree", "2025-02-25", EHPAD),
            ("C", "sortie", "2025-03-01", EHPAD),
            ("D", "entree", "2024-12-01", EHPAD),
            ("D", "sortie", "2025-02-28", EHPAD),
            ("D-FAM", "entree", "2025-03-01", FAM),
            ("E", "entree", "2025-03-31", EHPAD),
        ]
    )
    by_key = {
        (name, f["type"]): f
        for f in faits["faits"]
        for name, p in everyone.items()
        if f["personne"] == str(p.id)
    }
    assert by_key[("C", "sortie")]["details"] == {"motif": "deces", "deces": True}
    assert by_key[("D", "sortie")]["details"] == {"motif": "transfert_esms", "deces": False}
    assert by_key[("E", "entree")]["instant"] == "2025-03-31T23:30:00+02:00"
    girs = [f["details"] for f in faits["faits"] if f["personne"] == str(a.id) and f["type"] == "gir_evolue"]
    assert girs[0]["precedent"] is None and girs[1]["precedent"] == girs[0]["gir"] != girs[1]["gir"]
    sortie_c = await _events(store, f"dui.evt.*.admission.sejour.{ehpad['C'].sejour_id}")
    assert by_key[("C", "sortie")]["source"]["id"] == str(sortie_c["SortiePrononcee"][0])
    assert unique not in str(faits)  # pseudonymous: no name anywhere


async def test_this_month_a_dossier_is_active_when_it_was_written_to_and_figures_follow_the_log(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    """With the default definitions: persons admitted last month but first written to today are accompanied in
    both months and active in this one only; INS and projet counted this month; as of an instant before they
    were recorded, they are not there."""
    today = today_paris()
    this_month = (today.replace(day=1), fin_du_mois(today))
    last_month_end = this_month[0] - timedelta(days=1)
    last_month = (last_month_end.replace(day=1), last_month_end)
    admis = f"{last_month[0]}T10:00:00"
    journal = Journal()
    before = datetime.now(UTC)
    await asyncio.sleep(0.01)
    persons = {
        "F": await _admettre(gateway, journal, f"RepF-{unique}", EHPAD, admis),
        "G": await _admettre(
            gateway,
            journal,
            "Martin",
            EHPAD,
            admis,
            **{k: v for k, v in MARTIN.items() if k != "nom_naissance"},
        ),
        "H": await _admettre(gateway, journal, f"RepH-{unique}", EHPAD, admis),
    }
    g = f"/dossiers/{persons['G'].dossier_id}/identite"
    traits = {"traits": {**MARTIN, "lieu_naissance": "69123"}, "motif": "lieu de naissance"}
    await _ok(await gateway.put(f"{g}/traits", json=traits, headers=H))
    await _ok(await gateway.post(f"{g}/insi", json={"operation": "recherche"}, headers=H))
    journal.note(await gateway.post(f"{g}/validation", json={"justificatif": "carte_identite"}, headers=H))
    await _projet(gateway, journal, persons["H"], None, str(today + timedelta(days=180)))

    actifs = await _detail_http(gateway, journal, C.dossiers_actifs, EHPAD, *this_month)
    assert set(_mine(actifs["membres_numerateur"], persons)) == {"F", "G", "H"}
    assert set(_mine(actifs["membres_denominateur"], persons)) == {"F", "G", "H"}
    f_membre = _mine(actifs["membres_numerateur"], persons)["F"]
    assert f_membre["date"] == str(today)
    # its first write today is the admission itself: one source
    assert [s["type"] for s in f_membre["sources"]] == ["admission.AdmissionPrononcee.v1"]
    precedent = await _detail_http(gateway, journal, C.dossiers_actifs, EHPAD, *last_month)
    assert set(_mine(precedent["membres_numerateur"], persons)) == set()
    assert set(_mine(precedent["membres_denominateur"], persons)) == {"F", "G", "H"}
    projet = await _detail_http(gateway, journal, C.dossiers_actifs_projet, EHPAD, *this_month)
    assert set(_mine(projet["membres_numerateur"], persons)) == {"H"}
    ins = await _detail_http(gateway, journal, C.dossiers_actifs_ins, EHPAD, *this_month)
    assert set(_mine(ins["membres_numerateur"], persons)) == {"G"}
    qualifiees = await _detail_http(gateway, journal, C.ins_qualifiees, EHPAD, *this_month)
    [fait_g] = _mine(qualifiees["membres_numerateur"], persons).values()
    identite = await _events(store, f"dui.evt.*.dossier.dossierusager.{persons['G'].dossier_id}")
    assert [s["id"] for s in fait_g["sources"]] == [str(identite["IdentiteQualifiee"][0])]
    assert qualifiees["denominateur"] is None and qualifiees["valeur"] == qualifiees["numerateur"]

    # as of an instant before these persons were recorded, they are not there
    asof = await _detail_http(
        gateway, journal, C.dossiers_actifs, EHPAD, *this_month, au_sens=before.isoformat()
    )
    assert set(_mine(asof["membres_denominateur"], persons)) == set()

    # the summary agrees with the drill-down, and the monthly series with the summary of each month
    instant = datetime.now(UTC).isoformat()
    params = {"esms": EHPAD, "du": str(this_month[0]), "au": str(this_month[1]), "au_sens": instant}
    summary = await _ok(await gateway.get("/reporting/indicateurs", params=params, headers=journal.fresh))
    figures = {i["code"]: i for i in summary["indicateurs"]}
    for code, figure in figures.items():
        detail = await _detail_http(
            gateway, journal, CodeIndicateur(code), EHPAD, *this_month, au_sens=instant
        )
        assert (figure["numerateur"], figure["denominateur"], figure["valeur"]) == (
            detail["numerateur"],
            detail["denominateur"],
            detail["valeur"],
        ), code
    assert figures["dossiers_actifs"]["valeur"] == round(
        figures["dossiers_actifs"]["numerateur"] / figures["dossiers_actifs"]["denominateur"], 4
    )
    series = await _ok(
        await gateway.get(
            "/reporting/indicateurs/mensuels",
            params={
                "esms": EHPAD,
                "de": f"{last_month[0]:%Y-%m}",
                "a": f"{this_month[0]:%Y-%m}",
                "au_sens": instant,
            },
            headers=journal.fresh,
        )
    )
    assert [m["mois"] for m in series["mois"]] == [f"{last_month[0]:%Y-%m}", f"{this_month[0]:%Y-%m}"]
    assert series["mois"][1]["indicateurs"] == summary["indicateurs"]


class DocumentVerseAuDmp(EventData):
    """What the interop-dmp service is expected to emit (its contract does not exist yet): registered here only."""

    service: ClassVar[str] = "interop-dmp"
    dossier_id: UUID
    verse_le: datetime


class MessageEnvoye(EventData):
    service: ClassVar[str] = "mssante-gateway"
    dossier_id: UUID | None = None
    destinataire_type: str
    envoye_le: datetime


class MessageRecu(EventData):
    service: ClassVar[str] = "mssante-gateway"
    dossier_id: UUID | None = None
    recu_le: datetime


for _contract in (DocumentVerseAuDmp, MessageEnvoye, MessageRecu):
    try:
        registry.contract(f"{_contract.service}.{_contract.__name__}")
    except Exception:
        registry.register(_contract)


async def _append(store: EventStore, esms: str, aggregate_type: str, data: EventData) -> int:
    aggregate_id = str(uuid.uuid4())
    envelope = Envelope(
        id=uuid.uuid4(),
        type=data.type_name(),
        source=f"tests/{data.service}",
        subject=aggregate_id,
        time=datetime.now(UTC),
        esms=esms,
        aggregate_type=aggregate_type,
        aggregate_version=1,
        actor=Actor(id="tests", role="secretariat"),
        correlation_id=str(uuid.uuid4()),
        data=data.model_dump(mode="json"),
    )
    subject = event_subject(esms, data.service, aggregate_type, aggregate_id)
    return await store.append([PendingEvent(subject, envelope)], [Expectation(subject, 0)])


async def test_dmp_and_mssante_facts_count_as_soon_as_their_events_appear(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    journal = Journal()
    p = await _admettre(gateway, journal, f"RepDmp-{unique}", SSIAD, "2025-06-01T10:00:00")
    le = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
    dossier = UUID(p.dossier_id)
    positions = [
        await _append(store, SSIAD, "dmpsubmission", DocumentVerseAuDmp(dossier_id=dossier, verse_le=le)),
        await _append(
            store,
            SSIAD,
            "message",
            MessageEnvoye(dossier_id=dossier, destinataire_type="usager", envoye_le=le),
        ),
        await _append(
            store,
            SSIAD,
            "message",
            MessageEnvoye(dossier_id=dossier, destinataire_type="professionnel", envoye_le=le),
        ),
        await _append(store, SSIAD, "message", MessageRecu(dossier_id=dossier, recu_le=le)),
    ]
    journal.position = max(positions)
    juin = (date(2025, 6, 1), date(2025, 6, 30))
    expected = {
        C.dmp_alimentations: 1,
        C.dmp_consultations: 0,
        C.mssante_envoyes_usagers: 1,
        C.mssante_envoyes_professionnels: 1,
        C.mssante_recus_professionnels: 1,  # no sender type: a professional
        C.mssante_recus_usagers: 0,
    }
    for code, n in expected.items():
        detail = await _detail_http(gateway, journal, code, SSIAD, *juin)
        mine = [m for m in detail["membres_numerateur"] if m["personne"] == str(p.id)]
        assert len(mine) == n, code
        assert all(m["date"] == "2025-06-10" and m["fait"] for m in mine)
    faits = await _ok(
        await gateway.get(
            "/reporting/faits",
            params={
                "esms": SSIAD,
                "type": ["mssante_message_envoye"],
                "du": "2025-06-10",
                "au": "2025-06-10",
            },
            headers=journal.fresh,
        )
    )
    assert sorted(f["details"]["interlocuteur"] for f in faits["faits"] if f["personne"] == str(p.id)) == [
        "professionnel",
        "usager",
    ]


async def test_reporting_reads_are_for_the_revue_acces_profiles_within_their_esms(
    gateway: httpx.AsyncClient,
) -> None:
    params = {"esms": EHPAD, "du": "2025-01-01", "au": "2025-01-31"}
    refused = await gateway.get(
        "/reporting/indicateurs", params=params, headers=headers_for(EHPAD, role="medecin")
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("droit_revue_acces")
    cadre = headers_for(EHPAD, role="cadre_de_sante", who="cadre-rep")
    assert (await gateway.get("/reporting/indicateurs", params=params, headers=cadre)).status_code == 200
    other = await gateway.get("/reporting/indicateurs", params={**params, "esms": SSIAD}, headers=cadre)
    assert other.status_code == 403 and other.json()["type"].endswith("esms_non_autorise")
    unknown = await gateway.get("/reporting/indicateurs", params={**params, "esms": "000000000"}, headers=H)
    assert unknown.status_code == 422
    backwards = await gateway.get("/reporting/indicateurs", params={**params, "du": "2025-02-01"}, headers=H)
    assert [(e["field"], e["rule"]) for e in backwards.json()["errors"]] == [("au", "fin_avant_debut")]
    code = await gateway.get("/reporting/indicateurs/inconnu/detail", params=params, headers=H)
    assert code.status_code == 422
    faits = await _ok(
        await gateway.get("/reporting/faits", params={"esms": SSIAD, "limit": 5}, headers=cadre)
    )
    assert faits["faits"] == [] and faits["total"] == 0  # another ESMS's facts are left out


async def test_a_rebuild_of_the_reporting_read_model_gives_the_live_one(
    gateway: httpx.AsyncClient,
    reporting_service: ReportingService,
    nc: NATS,
    pool: asyncpg.Pool,
    store: EventStore,
) -> None:
    """Replay equals incremental: the whole log replayed from sequence 1 into a fresh schema gives the rows the
    live projection built event by event, table by table. The only events it parked are those no contract
    can read (other tests put garbage in the log on purpose): none was refused by a handler."""
    [runner] = [r for r in reporting_service.runners if r.schema == ReportingReadModel.name]
    if runner.parked:
        dlq = await nc.jetstream().subscribe(
            f"dui.dlq.{ReportingReadModel.name}", stream=DEAD_LETTER_STREAM, ordered_consumer=True
        )
        reasons = [(await dlq.next_msg(timeout=2)).headers["Dui-Reason"] for _ in range(runner.parked)]
        await dlq.unsubscribe()
        unreadable = ("ValidationError", "UnknownEventType", "MalformedEvent")
        assert all(r.startswith(unreadable) for r in reasons), reasons
    for _attempt in range(3):
        schema = await rebuild(ReportingReadModel(), nc=nc, pool=pool, registry=registry, swap=False)
        async with pool.acquire() as conn:
            target = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
            assert await wait_for_position(store, pool, ReportingReadModel, target) is not None
            live = await conn.fetchval("SELECT position FROM reporting.projection_position")
            if live != target:  # something was appended meanwhile: replay again
                await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
                continue
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting'"
                " AND table_name <> 'projection_position' ORDER BY 1"
            )
            assert sorted(t["table_name"] for t in tables) == sorted(TABLE_KEYS)
            for table, key in TABLE_KEYS.items():
                rows_live = await conn.fetch(f"SELECT * FROM reporting.{table} ORDER BY {key}")
                rows_rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY {key}')
                assert rows_live, f"{table}: nothing to compare"
                assert [dict(r) for r in rows_rebuilt] == [dict(r) for r in rows_live], table
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return
    raise AssertionError("the log kept growing during three replays")
