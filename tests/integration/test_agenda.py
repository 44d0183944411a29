"""The agenda service through the gateway, against real NATS JetStream and PostgreSQL: one event in several
agendas, recurrences across the daylight-saving change, conflicts, iCalendar export, realisations and presences,
missed events, absences declared in the dossier service, information, ESMS isolation, idempotent retries, and a
rebuild of the read model; the bounds that keep one rule or one id from breaking the service (dense rules,
extreme UNTIL, ids in paths), writes answered as done whatever their conflicts, and what an agenda shows of
others (their overlaps, their information)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from icalendar import Calendar
from nats.aio.client import Client as NATS

from dui_agenda.bootstrap import AgendaService
from dui_agenda.domain.evenement import Evenement
from dui_agenda.projections import AgendaReadModel
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.agenda import Participants, TypeEvenement
from dui_shared.envelope import Actor
from dui_shared.eventstore import EventStore
from dui_shared.projection import rebuild, wait_for_position
from dui_shared.timezone import to_utc, today_paris
from tests.support.builders import EHPAD, OG_WIDE, SSIAD, admit, admitted_dossier, dossier_of, headers_for
from tests.support.builders import candidature as nouvelle_candidature


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _fresh(response: httpx.Response, headers: dict[str, str] = OG_WIDE) -> dict[str, str]:
    return {**headers, "X-Dui-Min-Position": response.headers["X-Dui-Position"]}


def _problem(response: httpx.Response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    body = response.json()
    return [(e["field"], e["rule"]) for e in body.get("errors", [])] or [("", body["type"])]


def jour(n: int) -> date:
    """A Paris calendar day relative to today (realisations need occurrences in the past)."""
    return today_paris() + timedelta(days=n)


def at(day: date, hour: int, minute: int = 0) -> str:
    """A Paris wall-clock instant, as clients send it (no zone)."""
    return datetime(day.year, day.month, day.day, hour, minute).isoformat()


def evenement(titre: str, debut: str, fin: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "rendez_vous",
        "titre": titre,
        "debut": debut,
        "fin": fin,
        "participants": {"usagers": [], "professionnels": [], "candidatures": []},
    }
    for kind in ("usagers", "professionnels", "candidatures"):
        if kind in changes:
            body["participants"][kind] = changes.pop(kind)
    body.update(changes)
    return body


async def _events(store: EventStore, aggregate: str, aggregate_id: str) -> list[str]:
    return [e.envelope.name for e in await store.read(f"dui.evt.*.agenda.{aggregate}.{aggregate_id}")]


async def _agenda(
    gateway: httpx.AsyncClient, path: str, headers: dict[str, str], du: date, au: date
) -> dict[str, Any]:
    result: dict[str, Any] = await _ok(
        await gateway.get(f"/agendas/{path}", params={"du": str(du), "au": str(au)}, headers=headers)
    )
    return result


async def test_one_event_appears_in_the_agendas_of_its_person_and_of_two_professionals(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Agenda-{unique}")
    pros = [f"med-{unique}", f"ide-{unique}"]
    body = evenement(
        "Consultation du médecin coordonnateur",
        "2027-01-12T10:00:00",
        "2027-01-12T10:30:00",
        usagers=[did],
        professionnels=pros,
        lieu="chambre 12",
    )
    created = await gateway.post("/evenements", json=body, headers=OG_WIDE)
    planned = await _ok(created, 201)
    assert created.headers["Location"] == f"/evenements/{planned['id']}"
    assert planned["conflits"] == []
    fresh = _fresh(created)
    for path in (f"usagers/{did}", *(f"professionnels/{p}" for p in pros)):
        agenda = await _agenda(gateway, path, fresh, date(2027, 1, 12), date(2027, 1, 12))
        [occurrence] = agenda["occurrences"]
        assert occurrence["evenement_id"] == planned["id"]
        assert occurrence["debut"] == "2027-01-12T10:00:00+01:00"  # shown in Paris time
        assert occurrence["esms"] == EHPAD  # the person's ESMS
        assert occurrence["statut"] == "planifie"
        assert [(p["type"], p["id"]) for p in occurrence["participants"]] == [
            ("usager", did),
            ("professionnel", pros[0]),
            ("professionnel", pros[1]),
        ]
        assert occurrence["participants"][0]["nom"] == f"AGENDA-{unique.upper()} Jeanne"
    outside = await _agenda(gateway, f"usagers/{did}", fresh, date(2027, 1, 13), date(2027, 2, 13))
    assert outside["occurrences"] == []
    vue = await _ok(await gateway.get(f"/evenements/{planned['id']}", headers=fresh))
    assert (vue["titre"], vue["lieu"], vue["statut"], vue["version"]) == (
        body["titre"],
        "chambre 12",
        "planifie",
        1,
    )
    assert [o["debut"] for o in vue["occurrences"]] == ["2027-01-12T10:00:00+01:00"]


async def test_a_weekly_activity_is_expanded_over_the_window_at_15h_across_the_spring_change(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    animateur = f"anim-{unique}"
    body = evenement(
        "Atelier mémoire",
        "2027-03-15T15:00:00",
        "2027-03-15T16:00:00",
        type="activite",
        professionnels=[animateur],
        esms=EHPAD,
        recurrence="FREQ=WEEKLY;BYDAY=MO",  # unbounded
    )
    created = await gateway.post("/evenements", json=body, headers=OG_WIDE)
    await _ok(created, 201)
    agenda = await _agenda(
        gateway, f"professionnels/{animateur}", _fresh(created), date(2027, 3, 14), date(2027, 4, 4)
    )
    assert [o["debut"] for o in agenda["occurrences"]] == [
        "2027-03-15T15:00:00+01:00",
        "2027-03-22T15:00:00+01:00",
        "2027-03-29T15:00:00+02:00",  # the day after the change (28 March): 15:00 still
    ]
    assert all(o["recurrent"] for o in agenda["occurrences"])
    far = await _agenda(
        gateway, f"professionnels/{animateur}", _fresh(created), date(2030, 1, 1), date(2030, 1, 31)
    )
    assert len(far["occurrences"]) == 4  # an unbounded rule, bounded by the window
    too_long = await gateway.get(
        f"/agendas/professionnels/{animateur}",
        params={"du": "2027-01-01", "au": "2028-06-01"},
        headers=OG_WIDE,
    )
    assert _problem(too_long, 422) == [("au", "fenetre_trop_longue")]


async def test_a_conflict_is_flagged_when_planning_and_moving_and_in_the_agendas(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Conflit-{unique}")
    ide = f"ide-{unique}"
    weekly = evenement(
        "Atelier équilibre",
        "2027-02-01T15:00:00",
        "2027-02-01T16:00:00",
        type="activite",
        usagers=[did],
        recurrence="FREQ=WEEKLY;COUNT=6",
    )
    activite = await _ok(await gateway.post("/evenements", json=weekly, headers=OG_WIDE), 201)
    kine = evenement(
        "Séance de kinésithérapie",
        "2027-02-15T15:30:00",
        "2027-02-15T16:15:00",
        type="intervention",
        intervenant="M. Kiné, kinésithérapeute libéral",
        usagers=[did],
        professionnels=[ide],
    )
    created = await gateway.post("/evenements", json=kine, headers=OG_WIDE)
    planned = await _ok(created, 201)  # flagged, not refused
    [conflit] = planned["conflits"]
    assert (conflit["evenement_id"], conflit["debut"], conflit["occurrences"]) == (
        activite["id"],
        "2027-02-15T15:00:00+01:00",
        1,
    )
    assert conflit["participants"] == [f"usager:{did}"]

    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(created), date(2027, 2, 15), date(2027, 2, 15))
    flagged = {o["evenement_id"]: [c["evenement_id"] for c in o["conflits"]] for o in agenda["occurrences"]}
    assert flagged == {activite["id"]: [planned["id"]], planned["id"]: [activite["id"]]}
    others = await _agenda(gateway, f"usagers/{did}", _fresh(created), date(2027, 2, 1), date(2027, 2, 14))
    assert all(o["conflits"] == [] for o in others["occurrences"])
    assert len(others["occurrences"]) == 2

    moved = await gateway.put(
        f"/evenements/{planned['id']}",
        json={**kine, "debut": "2027-02-15T10:00:00", "fin": "2027-02-15T10:45:00"},
        headers=OG_WIDE,
    )
    assert (await _ok(moved))["conflits"] == []
    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(moved), date(2027, 2, 15), date(2027, 2, 15))
    assert all(o["conflits"] == [] for o in agenda["occurrences"])
    back = await gateway.put(f"/evenements/{planned['id']}", json=kine, headers=OG_WIDE)
    assert [c["evenement_id"] for c in (await _ok(back))["conflits"]] == [activite["id"]]
    vue = await _ok(await gateway.get(f"/evenements/{planned['id']}", headers=_fresh(back)))
    assert vue["version"] == 3
    assert [c["evenement_id"] for c in vue["conflits"]] == [activite["id"]]


async def test_the_ical_export_parses_back_with_its_rrule_exdate_and_paris_times(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    pro = f"psy-{unique}"
    weekly = evenement(
        "Groupe de parole",
        "2027-03-01T14:00:00",
        "2027-03-01T15:00:00",
        type="activite",
        professionnels=[pro],
        esms=EHPAD,
        recurrence="FREQ=WEEKLY;UNTIL=20270531",
    )
    serie = await _ok(await gateway.post("/evenements", json=weekly, headers=OG_WIDE), 201)
    await _ok(
        await gateway.post(
            f"/evenements/{serie['id']}/realisations",
            json={"occurrence": "2027-04-05T14:00:00", "statut": "annule", "motif": "lundi de Pâques"},
            headers=OG_WIDE,
        )
    )
    once = evenement(
        "Réunion annulée", "2027-03-02T09:00:00", "2027-03-02T10:00:00", professionnels=[pro], esms=EHPAD
    )
    annule = await _ok(await gateway.post("/evenements", json=once, headers=OG_WIDE), 201)
    cancelled = await gateway.post(
        f"/evenements/{annule['id']}/annulation", json={"motif": "reportée"}, headers=OG_WIDE
    )
    await _ok(cancelled)

    export = await gateway.get(
        f"/agendas/professionnels/{pro}.ics",
        params={"du": "2027-01-01", "au": "2027-12-31"},
        headers=_fresh(cancelled),
    )
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/calendar")
    assert "DTSTART;TZID=Europe/Paris:20270301T140000" in export.text
    calendar = Calendar.from_ical(export.text)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {serie["id"], annule["id"]}
    recurring = events[serie["id"]]
    assert recurring["RRULE"].to_ical().decode() == "FREQ=WEEKLY;UNTIL=20270531T215959Z"
    assert recurring.decoded("DTSTART").isoformat() == "2027-03-01T14:00:00+01:00"
    assert recurring.decoded("DTEND").isoformat() == "2027-03-01T15:00:00+01:00"
    assert recurring["DTSTART"].params["TZID"] == "Europe/Paris"
    [exdate] = recurring["EXDATE"].dts
    assert exdate.dt.isoformat() == "2027-04-05T14:00:00+02:00"
    assert str(recurring["STATUS"]) == "CONFIRMED"
    assert str(events[annule["id"]]["STATUS"]) == "CANCELLED"
    assert str(recurring["SUMMARY"]) == "Groupe de parole"


async def test_an_occurrence_is_realised_with_presences_and_missed_ones_are_listed(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Manque-{unique}")
    ide = f"ide-{unique}"
    start = jour(-5)
    daily = evenement(
        "Aide à la toilette",
        at(start, 8),
        at(start, 8, 30),
        type="intervention",
        usagers=[did],
        professionnels=[ide],
        recurrence="FREQ=DAILY;COUNT=3",
    )
    planned = await _ok(await gateway.post("/evenements", json=daily, headers=OG_WIDE), 201)
    e = f"/evenements/{planned['id']}"
    first = {
        "occurrence": at(start, 8),
        "statut": "realise",
        "presences": [
            {"participant": did, "present": False, "motif": "refus ce matin"},
            {"participant": ide, "present": True},
        ],
    }
    done = await gateway.post(f"{e}/realisations", json=first, headers=OG_WIDE)
    await _ok(done)
    again = await gateway.post(f"{e}/realisations", json=first, headers=OG_WIDE)
    assert again.headers["X-Dui-Position"] == done.headers["X-Dui-Position"]  # nothing new
    differently = await gateway.post(
        f"{e}/realisations", json={**first, "statut": "non_realise", "motif": "x"}, headers=OG_WIDE
    )
    assert _problem(differently, 409) == [("statut", "occurrence_deja_realisee")]
    not_done = {
        "occurrence": at(start + timedelta(days=1), 8),
        "statut": "non_realise",
        "motif": "IDE absente",
    }
    recorded = await gateway.post(f"{e}/realisations", json=not_done, headers=OG_WIDE)
    await _ok(recorded)
    outside = await gateway.post(
        f"{e}/realisations", json={"occurrence": at(start, 9), "statut": "realise"}, headers=OG_WIDE
    )
    assert _problem(outside, 422) == [("occurrence", "occurrence_hors_serie")]
    unnamed = await gateway.post(f"{e}/realisations", json={"statut": "realise"}, headers=OG_WIDE)
    assert _problem(unnamed, 422) == [("occurrence", "occurrence_requise")]
    assert await _events(store, "evenement", planned["id"]) == [
        "EvenementPlanifie",
        "EvenementRealise",
        "PresenceRelevee",
        "PresenceRelevee",
        "EvenementRealise",
    ]
    fresh = _fresh(recorded)

    page = await _ok(
        await gateway.get("/evenements/manques", params={"esms": EHPAD, "usager": did}, headers=fresh)
    )
    assert [(o["debut"][:10], o["manque"], o["motif"]) for o in page["items"]] == [
        (str(start + timedelta(days=1)), "non_realise", "IDE absente"),
        (str(start + timedelta(days=2)), "non_renseigne", None),
    ]
    assert page["total"] == 2
    by_pro = await _ok(await gateway.get("/evenements/manques", params={"professionnel": ide}, headers=fresh))
    assert [o["evenement_id"] for o in by_pro["items"]] == [planned["id"]] * 2

    agenda = await _agenda(gateway, f"usagers/{did}", fresh, start, start)
    [occurrence] = agenda["occurrences"]
    assert occurrence["statut"] == "realise"
    assert [(p["presence"], p["motif"], p["source"]) for p in occurrence["participants"]] == [
        ("absent", "refus ce matin", "releve"),
        ("present", None, "releve"),
    ]
    vue = await _ok(await gateway.get(e, headers=fresh))
    assert [(r["statut"], len(r["presences"])) for r in vue["realisations"]] == [
        ("realise", 2),
        ("non_realise", 0),
    ]

    corrected = await gateway.post(
        f"{e}/realisations",
        json={
            **first,
            "presences": [{"participant": did.upper(), "present": True}],  # a UUID in any case
            "correction": "erreur de saisie",
        },
        headers=OG_WIDE,
    )
    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(corrected), start, start)
    assert agenda["occurrences"][0]["participants"][0]["presence"] == "present"


async def test_an_absence_declared_in_the_dossier_marks_the_person_absent_at_the_occurrences_it_covers(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Hospi-{unique}")
    start = jour(-9)
    weekly = evenement(
        "Atelier cuisine",
        at(start, 15),
        at(start, 16),
        type="activite",
        usagers=[did],
        recurrence="FREQ=DAILY;INTERVAL=3;COUNT=3",  # start, start+3, start+6
    )
    planned = await _ok(await gateway.post("/evenements", json=weekly, headers=OG_WIDE), 201)
    absence = await gateway.post(
        f"/dossiers/{did}/absences",
        json={
            "type": "hospitalisation",
            "debut": at(start + timedelta(days=2), 9),
            "fin_prevue": at(start + timedelta(days=8), 12),
        },
        headers=OG_WIDE,
    )
    absence_id = (await _ok(absence, 201))["id"]

    # read with the dossier service's position: the agenda reflects it
    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(absence), start, start + timedelta(days=7))
    statuses = [
        (p["presence"], p["motif"], p["source"]) for o in agenda["occurrences"] for p in o["participants"]
    ]
    assert statuses == [
        (None, None, None),
        ("absent", "hospitalisation", "absence_dossier"),
        ("absent", "hospitalisation", "absence_dossier"),
    ]
    vue = await _ok(
        await gateway.get(
            f"/evenements/{planned['id']}",
            params={"du": str(start), "au": str(jour(0))},
            headers=_fresh(absence),
        )
    )
    assert vue["occurrences"][1]["participants"][0]["presence"] == "absent"

    # the person came back earlier than planned: the third occurrence is no longer covered
    back = await gateway.post(
        f"/dossiers/{did}/absences/{absence_id}/retour",
        json={"fin": at(start + timedelta(days=5), 18)},
        headers=OG_WIDE,
    )
    await _ok(back)
    # an explicit presence recorded after the absence wins over it
    present = await gateway.post(
        f"/evenements/{planned['id']}/realisations",
        json={
            "occurrence": at(start + timedelta(days=3), 15),
            "statut": "realise",
            "presences": [{"participant": did, "present": True, "motif": "permission de sortie"}],
        },
        headers=OG_WIDE,
    )
    await _ok(present)
    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(present), start, start + timedelta(days=7))
    statuses = [(p["presence"], p["source"]) for o in agenda["occurrences"] for p in o["participants"]]
    assert statuses == [(None, None), ("present", "releve"), (None, None)]

    cancelled = await gateway.post(
        f"/dossiers/{did}/absences/{absence_id}/annulation", json={"motif": "erreur"}, headers=OG_WIDE
    )
    await _ok(cancelled)
    agenda = await _agenda(gateway, f"usagers/{did}", _fresh(cancelled), start, start + timedelta(days=7))
    assert [o["participants"][0]["source"] for o in agenda["occurrences"]] == [None, "releve", None]


async def test_information_to_a_professional_is_listed_shown_in_the_agenda_and_marked_read(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    kine = f"kine-{unique}"
    body = {
        "destinataire": {"type": "professionnel", "id": kine},
        "esms": EHPAD,
        "objet": "Chute cette nuit",
        "message": "Mme Martin a chuté à 3 h : adapter la séance de demain",
        "afficher_le": at(jour(0), 7),
        "rappeler_le": at(jour(1), 8),
    }
    created = await gateway.post("/informations", json=body, headers=OG_WIDE)
    info = await _ok(created, 201)
    assert created.headers["Location"] == f"/informations/{info['id']}"
    fresh = _fresh(created)
    listed = await _ok(await gateway.get("/informations", params={"destinataire": kine}, headers=fresh))
    assert [(i["id"], i["canal"], i["lue_le"]) for i in listed["items"]] == [(info["id"], "agenda", None)]
    agenda = await _agenda(gateway, f"professionnels/{kine}", fresh, jour(0), jour(1))
    assert [i["objet"] for i in agenda["informations"]] == ["Chute cette nuit"]

    someone_else = await gateway.post(
        f"/informations/{info['id']}/lecture", headers={**OG_WIDE, "X-Dui-Professionnel": f"ide-{unique}"}
    )
    assert _problem(someone_else, 403) == [("", "urn:dui:probleme:destinataire_seul")]
    kine_headers = headers_for(EHPAD, role="kinesitherapeute", who=kine)
    read = await gateway.post(f"/informations/{info['id']}/lecture", headers=kine_headers)
    await _ok(read)
    again = await gateway.post(f"/informations/{info['id']}/lecture", headers=kine_headers)
    assert again.headers["X-Dui-Position"] == read.headers["X-Dui-Position"]
    assert await _events(store, "information", info["id"]) == ["InformationTransmise", "InformationLue"]
    unread = await _ok(
        await gateway.get(
            "/informations", params={"destinataire": kine, "non_lues": "true"}, headers=_fresh(read)
        )
    )
    assert unread["total"] == 0
    vue = await _ok(await gateway.get(f"/informations/{info['id']}", headers=_fresh(read)))
    assert vue["lue_par"] == kine

    mssante = await gateway.post("/informations", json={**body, "canal": "mssante"}, headers=OG_WIDE)
    assert _problem(mssante, 422) == [("canal", "canal_indisponible")]
    did = await admitted_dossier(gateway, f"Info-{unique}")
    to_person = {**body, "destinataire": {"type": "usager", "id": did}, "esms": None}
    sent = await _ok(await gateway.post("/informations", json=to_person, headers=OG_WIDE), 201)
    listed = await _ok(await gateway.get("/informations", params={"destinataire": did}, headers=fresh))
    assert [i["id"] for i in listed["items"]] == [sent["id"]]
    unknown = await gateway.post(
        "/informations",
        json={**to_person, "destinataire": {"type": "usager", "id": str(uuid.uuid4())}},
        headers=OG_WIDE,
    )
    assert _problem(unknown, 422) == [("destinataire.id", "dossier_inconnu")]


async def test_participants_are_checked_against_the_dossiers_the_agenda_learnt_from_their_events(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    ehpad = await admitted_dossier(gateway, f"Regle-{unique}")
    ssiad = await admitted_dossier(gateway, f"Regle-S-{unique}", SSIAD)
    slot = ("2027-05-03T10:00:00", "2027-05-03T11:00:00")
    unknown = await gateway.post(
        "/evenements", json=evenement("x", *slot, usagers=[ehpad, str(uuid.uuid4())]), headers=OG_WIDE
    )
    assert _problem(unknown, 422) == [("participants.usagers.1", "dossier_inconnu")]
    mixed = await gateway.post(
        "/evenements", json=evenement("x", *slot, usagers=[ehpad, ssiad]), headers=OG_WIDE
    )
    assert _problem(mixed, 422) == [("participants.usagers.1", "dossier_autre_esms")]
    inverted = await gateway.post(
        "/evenements",
        json=evenement("x", slot[1], slot[0], usagers=[ehpad], recurrence="FREQ=FOO"),
        headers=OG_WIDE,
    )
    assert _problem(inverted, 422) == [("fin", "fin_avant_debut")]
    bad_rule = await gateway.post(
        "/evenements",
        json=evenement("x", *slot, usagers=[ehpad], recurrence="FREQ=WEEKLY;BYDAY=TU"),
        headers=OG_WIDE,
    )
    assert _problem(bad_rule, 422) == [("recurrence", "debut_hors_recurrence")]
    nobody = await gateway.post("/evenements", json=evenement("x", *slot, esms=EHPAD), headers=OG_WIDE)
    assert _problem(nobody, 422) == [("participants", "participant_requis")]
    no_esms = await gateway.post(
        "/evenements", json=evenement("x", *slot, professionnels=["p"]), headers=OG_WIDE
    )
    assert _problem(no_esms, 422) == [("esms", "esms_requis")]

    # an archived dossier receives nothing more (409)
    sejour_id, position = await admit(gateway, f"Archive-{unique}")
    archived = (await dossier_of(gateway, sejour_id, position))["id"]
    sortie = await gateway.post(
        f"/sejours/{sejour_id}/sortie",
        json={"sortie_le": at(jour(-1), 10), "motif": "retour_domicile"},
        headers=OG_WIDE,
    )
    await _ok(sortie)
    await _ok(await gateway.get(f"/dossiers/{archived}", headers=_fresh(sortie)))  # closed by now
    await _ok(await gateway.post(f"/dossiers/{archived}/archivage", headers=OG_WIDE))
    refused = await gateway.post(
        "/evenements", json=evenement("x", *slot, usagers=[archived]), headers=OG_WIDE
    )
    assert _problem(refused, 409) == [("participants.usagers.0", "dossier_archive")]


async def test_another_esms_sees_nothing_of_an_event_in_lists_agendas_exports_nor_writes(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Iso-{unique}")
    shared_pro = f"med-{unique}"
    candidature = str(uuid.uuid4())
    ehpad_event = evenement(
        "Visite EHPAD",
        at(jour(-2), 10),
        at(jour(-2), 11),
        usagers=[did],
        professionnels=[shared_pro],
        candidatures=[candidature],
    )
    in_ehpad = await _ok(await gateway.post("/evenements", json=ehpad_event, headers=OG_WIDE), 201)
    ssiad_event = evenement(
        "Tournée SSIAD", at(jour(-2), 10, 30), at(jour(-2), 11, 30), professionnels=[shared_pro]
    )
    ssiad_headers = headers_for(SSIAD, role="infirmier", who=f"ide-{unique}")
    in_ssiad = await gateway.post("/evenements", json=ssiad_event, headers=ssiad_headers)
    assert (await _ok(in_ssiad, 201))["conflits"] == []  # the EHPAD's event is not the SSIAD's to see
    info = {
        "destinataire": {"type": "professionnel", "id": shared_pro},
        "esms": EHPAD,
        "objet": "o",
        "message": "m",
    }
    ehpad_info = await _ok(await gateway.post("/informations", json=info, headers=OG_WIDE), 201)
    seen_og = await gateway.post(
        "/evenements", json={**ssiad_event, "esms": SSIAD, "titre": "Encore"}, headers=OG_WIDE
    )
    assert in_ehpad["id"] in [c["evenement_id"] for c in (await _ok(seen_og, 201))["conflits"]]

    ssiad = {**ssiad_headers, "X-Dui-Min-Position": seen_og.headers["X-Dui-Position"]}
    e = f"/evenements/{in_ehpad['id']}"
    hidden = (
        f"/agendas/usagers/{did}",
        f"/agendas/usagers/{did}.ics",
        e,
        f"/informations/{ehpad_info['id']}",
    )
    for path in hidden:
        assert (await gateway.get(path, headers=ssiad)).status_code == 404, path
    agenda = await _agenda(gateway, f"professionnels/{shared_pro}", ssiad, jour(-2), jour(-2))
    assert {o["esms"] for o in agenda["occurrences"]} == {SSIAD}
    assert agenda["informations"] == []
    assert in_ehpad["id"] not in [c["evenement_id"] for o in agenda["occurrences"] for c in o["conflits"]]
    export = await gateway.get(
        f"/agendas/professionnels/{shared_pro}.ics",
        params={"du": str(jour(-3)), "au": str(jour(0))},
        headers=ssiad,
    )
    uids = {str(v["UID"]) for v in Calendar.from_ical(export.text).walk("VEVENT")}
    assert in_ehpad["id"] not in uids and len(uids) == 2
    page = await _ok(
        await gateway.get("/evenements/manques", params={"professionnel": shared_pro}, headers=ssiad)
    )
    assert {o["esms"] for o in page["items"]} == {SSIAD}
    asked = {"professionnel": shared_pro, "esms": EHPAD}  # asking for another ESMS shows nothing of it
    assert (await _ok(await gateway.get("/evenements/manques", params=asked, headers=ssiad)))["items"] == []
    listed = await _ok(await gateway.get("/informations", params={"destinataire": shared_pro}, headers=ssiad))
    assert listed["total"] == 0
    contacts = await _ok(await gateway.get(f"/agendas/candidatures/{candidature}", headers=ssiad))
    assert contacts["occurrences"] == []
    export = await gateway.get(f"/agendas/candidatures/{candidature}.ics", headers=ssiad)
    assert Calendar.from_ical(export.text).walk("VEVENT") == []
    writes = [
        gateway.put(e, json=ehpad_event, headers=ssiad_headers),
        gateway.post(f"{e}/annulation", json={"motif": "intrus"}, headers=ssiad_headers),
        gateway.post(
            f"{e}/realisations",
            json={"occurrence": at(jour(-2), 10), "statut": "realise"},
            headers=ssiad_headers,
        ),
        gateway.post(f"/informations/{ehpad_info['id']}/lecture", headers=ssiad_headers),
    ]
    for write in writes:
        assert (await write).status_code == 404
    intruder = await gateway.post(
        "/evenements",
        json=evenement("x", at(jour(1), 9), at(jour(1), 10), usagers=[did]),
        headers=ssiad_headers,
    )
    assert _problem(intruder, 422) == [("participants.usagers.0", "dossier_inconnu")]
    og = {**OG_WIDE, "X-Dui-Min-Position": seen_og.headers["X-Dui-Position"]}
    everything = await _agenda(gateway, f"professionnels/{shared_pro}", og, jour(-2), jour(-2))
    assert {o["esms"] for o in everything["occurrences"]} == {EHPAD, SSIAD}


async def test_retries_with_the_same_idempotency_key_create_nothing_twice(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Retry-{unique}")
    body = evenement(
        "Coiffeur", "2027-06-01T14:00:00", "2027-06-01T14:45:00", type="intervention", usagers=[did]
    )
    keyed = {**OG_WIDE, "Idempotency-Key": f"plan-{unique}"}
    first = await gateway.post("/evenements", json=body, headers=keyed)
    again = await gateway.post("/evenements", json=body, headers=keyed)
    a, b = await _ok(first, 201), await _ok(again, 201)
    assert (a["id"], a["position"]) == (b["id"], b["position"])
    unkeyed = await _ok(await gateway.post("/evenements", json=body, headers=OG_WIDE), 201)
    assert unkeyed["id"] != a["id"]
    assert [c["evenement_id"] for c in unkeyed["conflits"]] == [a["id"]]  # the same slot: flagged

    e = f"/evenements/{a['id']}"
    cancel = {**OG_WIDE, "Idempotency-Key": f"cancel-{unique}"}
    one = await gateway.post(f"{e}/annulation", json={"motif": "coiffeur malade"}, headers=cancel)
    two = await gateway.post(f"{e}/annulation", json={"motif": "coiffeur malade"}, headers=cancel)
    assert (await _ok(one))["position"] == (await _ok(two))["position"]
    assert await _events(store, "evenement", a["id"]) == ["EvenementPlanifie", "EvenementAnnule"]
    after = await gateway.put(e, json=body, headers=OG_WIDE)
    assert _problem(after, 409) == [("", "urn:dui:probleme:evenement_annule")]

    info = {"destinataire": {"type": "usager", "id": did}, "objet": "Rappel", "message": "Coiffeur mardi"}
    keyed = {**OG_WIDE, "Idempotency-Key": f"info-{unique}"}
    x = await _ok(await gateway.post("/informations", json=info, headers=keyed), 201)
    y = await _ok(await gateway.post("/informations", json=info, headers=keyed), 201)
    assert x == y
    assert await _events(store, "information", x["id"]) == ["InformationTransmise"]


async def test_a_candidates_contacts_are_in_its_agenda(gateway: httpx.AsyncClient, unique: str) -> None:
    candidature = str(uuid.uuid4())
    body = evenement(
        "Appel de la famille",
        "2027-01-20T11:00:00",
        "2027-01-20T11:15:00",
        type="contact",
        candidatures=[candidature],
        professionnels=[f"sec-{unique}"],
        esms=EHPAD,
    )
    created = await gateway.post("/evenements", json=body, headers=OG_WIDE)
    planned = await _ok(created, 201)
    agenda = await _ok(await gateway.get(f"/agendas/candidatures/{candidature}", headers=_fresh(created)))
    assert [o["evenement_id"] for o in agenda["occurrences"]] == [planned["id"]]
    export = await gateway.get(f"/agendas/candidatures/{candidature}.ics", headers=_fresh(created))
    assert [str(v["UID"]) for v in Calendar.from_ical(export.text).walk("VEVENT")] == [planned["id"]]
    no_candidate = await gateway.post(
        "/evenements", json={**body, "participants": {"professionnels": ["p"]}}, headers=OG_WIDE
    )
    assert _problem(no_candidate, 422) == [("participants.candidatures", "candidature_requise")]


async def test_a_rebuild_of_the_agenda_read_model_gives_the_live_one(
    gateway: httpx.AsyncClient, nc: NATS, pool: asyncpg.Pool, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Rebuild-{unique}")
    start = jour(-3)
    body = evenement(
        "Marche",
        at(start, 10),
        at(start, 11),
        type="activite",
        usagers=[did],
        recurrence="FREQ=DAILY;COUNT=2",
    )
    planned = await _ok(await gateway.post("/evenements", json=body, headers=OG_WIDE), 201)
    await _ok(
        await gateway.post(
            f"/evenements/{planned['id']}/realisations",
            json={
                "occurrence": at(start, 10),
                "statut": "realise",
                "presences": [{"participant": did, "present": True}],
            },
            headers=OG_WIDE,
        )
    )
    info = {"destinataire": {"type": "usager", "id": did}, "objet": "o", "message": "m"}
    await _ok(await gateway.post("/informations", json=info, headers=OG_WIDE), 201)
    absence = {"type": "vacances", "debut": at(start, 12), "fin_prevue": at(jour(2), 12)}
    await _ok(await gateway.post(f"/dossiers/{did}/absences", json=absence, headers=OG_WIDE), 201)
    schema = await rebuild(AgendaReadModel(), nc=nc, pool=pool, registry=registry, swap=False)
    async with pool.acquire() as conn:
        target = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
        assert await wait_for_position(store, pool, AgendaReadModel, target) is not None
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'agenda'"
            " AND table_name <> 'projection_position' ORDER BY 1"
        )
        # each table in the order of its primary key: rows in a stable order, compared one by one
        keys = {
            "absence_connue": "id",
            "dossier_connu": "id",
            "evenement": "id",
            "information": "id",
            "presence": "evenement_id, occurrence, participant",
            "realisation": "evenement_id, occurrence",
        }
        assert sorted(t["table_name"] for t in tables) == sorted(keys)
        for table, key in keys.items():
            live = await conn.fetch(f"SELECT * FROM agenda.{table} ORDER BY {key}")
            rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY {key}')
            assert live, f"{table}: nothing to compare"
            assert [dict(r) for r in rebuilt] == [dict(r) for r in live], table
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# -- bounds: one rule, one id, one failure must not break the service -------------------------------------------


async def test_a_rule_too_dense_or_beyond_2100_is_refused_before_anything_is_written(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    pro = f"anim-{unique}"
    body = evenement(
        "Loto",
        "2027-01-04T14:00:00",
        "2027-01-04T14:01:00",
        type="activite",
        professionnels=[pro],
        esms=EHPAD,
    )
    every_minute = {**body, "recurrence": f"FREQ=HOURLY;BYMINUTE={','.join(str(m) for m in range(60))}"}
    refused = await gateway.post("/evenements", json=every_minute, headers=OG_WIDE)
    assert _problem(refused, 422) == [("recurrence", "recurrence_trop_dense")]
    for rule in (
        "FREQ=WEEKLY;UNTIL=99991231T235959Z",
        "FREQ=WEEKLY;UNTIL=00010101T000000",
        "FREQ=WEEKLY;FREQ=DAILY",
    ):
        refused = await gateway.post("/evenements", json={**body, "recurrence": rule}, headers=OG_WIDE)
        assert _problem(refused, 422) == [("recurrence", "recurrence_invalide")], rule
    nothing = await _agenda(gateway, f"professionnels/{pro}", OG_WIDE, date(2027, 1, 4), date(2027, 1, 10))
    assert nothing["occurrences"] == []

    # the densest series allowed: a quarter of an hour every quarter of an hour
    quarter = evenement(
        "Surveillance",
        "2027-01-04T00:00:00",
        "2027-01-04T00:15:00",
        type="intervention",
        professionnels=[pro],
        esms=EHPAD,
        recurrence="FREQ=HOURLY;BYMINUTE=0,15,30,45",
    )
    created = await gateway.post("/evenements", json=quarter, headers=OG_WIDE)
    await _ok(created, 201)
    day = await _agenda(gateway, f"professionnels/{pro}", _fresh(created), date(2027, 1, 5), date(2027, 1, 5))
    assert len(day["occurrences"]) == 96
    year = await gateway.get(
        f"/agendas/professionnels/{pro}",
        params={"du": "2027-01-04", "au": "2028-01-03"},
        headers=_fresh(created),
    )
    assert _problem(year, 422) == [("au", "trop_d_occurrences")]  # 35 040 occurrences: ask for less


async def test_an_event_whose_stored_rule_runs_to_the_year_9999_stays_in_the_agendas(
    gateway: httpx.AsyncClient, agenda_service: AgendaService, unique: str
) -> None:
    """A rule refused today may be in the log already: the read model applies it (never parks the event) and
    reads it as ending with 2100."""
    pro = f"psy-{unique}"
    debut = to_utc(datetime(2027, 1, 4, 10, 0))
    stored = Evenement(
        id=uuid.uuid4(),
        esms=EHPAD,
        type=TypeEvenement.rendez_vous,
        titre="Groupe de parole",
        description=None,
        lieu=None,
        intervenant=None,
        debut=debut,
        fin=debut + timedelta(hours=1),
        recurrence="FREQ=WEEKLY;UNTIL=99991231T235959Z",
        participants=Participants(professionnels=(pro,)),
    )
    assert agenda_service.app is not None
    uow = agenda_service.app.unit_of_work(
        CommandContext(actor=Actor(id="sec-0001", role="secretariat", og_wide=True))
    )
    uow.add(stored)
    fresh = {**OG_WIDE, "X-Dui-Min-Position": str(await uow.commit())}
    january = await _agenda(gateway, f"professionnels/{pro}", fresh, date(2027, 1, 1), date(2027, 1, 31))
    assert [o["debut"][:10] for o in january["occurrences"]] == [
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
    ]
    last = await _agenda(gateway, f"professionnels/{pro}", fresh, date(2100, 12, 20), date(2100, 12, 31))
    assert [o["debut"][:10] for o in last["occurrences"]] == ["2100-12-20", "2100-12-27"]
    vue = await _ok(await gateway.get(f"/evenements/{stored.id}", headers=fresh))
    assert vue["recurrence"] == "FREQ=WEEKLY;UNTIL=99991231T235959Z"
    export = await gateway.get(f"/agendas/professionnels/{pro}.ics", headers=fresh)
    assert [str(v["UID"]) for v in Calendar.from_ical(export.text).walk("VEVENT")] == [str(stored.id)]
    # planning beside it still answers its conflicts
    beside = evenement(
        "Entretien", "2027-01-11T10:30:00", "2027-01-11T11:00:00", professionnels=[pro], esms=EHPAD
    )
    planned = await _ok(await gateway.post("/evenements", json=beside, headers=fresh), 201)
    assert [c["evenement_id"] for c in planned["conflits"]] == [str(stored.id)]


async def test_a_write_is_answered_as_done_even_when_its_conflicts_cannot_be_computed(
    gateway: httpx.AsyncClient, agenda_service: AgendaService, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("lecture des conflits impossible")

    monkeypatch.setattr(agenda_service.queries, "conflits", unavailable)
    body = evenement(
        "Pédicure",
        "2027-02-02T10:00:00",
        "2027-02-02T10:30:00",
        professionnels=[f"pedi-{unique}"],
        esms=EHPAD,
    )
    created = await gateway.post("/evenements", json=body, headers=OG_WIDE)
    planned = await _ok(created, 201)
    assert planned["conflits"] == []
    vue = await _ok(await gateway.get(f"/evenements/{planned['id']}", headers=_fresh(created)))
    assert vue["titre"] == "Pédicure"
    moved = await gateway.put(
        f"/evenements/{planned['id']}",
        json={**body, "debut": "2027-02-02T11:00:00", "fin": "2027-02-02T11:30:00"},
        headers=OG_WIDE,
    )
    assert (await _ok(moved))["conflits"] == []
    vue = await _ok(await gateway.get(f"/evenements/{planned['id']}", headers=_fresh(moved)))
    assert (vue["debut"], vue["version"]) == ("2027-02-02T11:00:00+01:00", 2)


async def test_ids_in_paths_and_filters_are_checked_before_the_database_a_header_or_the_icalendar(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    for raw in ("a%00b", "%E2%82%AC", "a%0d%0aX-Evil:%201", "a%22b", "a%20b", "x" * 65):
        for suffix in ("", ".ics"):
            answer = await gateway.get(f"/agendas/professionnels/{raw}{suffix}", headers=OG_WIDE)
            assert answer.status_code == 422, (raw, suffix, answer.text)
            [error] = answer.json()["errors"]
            assert error["field"] == "professionnel_id", (raw, suffix)
            assert error["rule"] in ("identifiant_invalide", "string_too_long"), (raw, suffix)
    for path in (
        "/agendas/candidatures/pas-un-uuid",
        "/agendas/candidatures/a%00b.ics",
        "/agendas/usagers/a%00b",
    ):
        assert (await gateway.get(path, headers=OG_WIDE)).status_code == 422, path
    for path, name in (("/evenements/manques", "professionnel"), ("/informations", "destinataire")):
        answer = await gateway.get(path, params={name: "a\x00b"}, headers=OG_WIDE)
        assert _problem(answer, 422) == [(name, "identifiant_invalide")], path
    bad_participant = evenement(
        "x", "2027-03-01T10:00:00", "2027-03-01T11:00:00", professionnels=['a"b'], esms=EHPAD
    )
    answer = await gateway.post("/evenements", json=bad_participant, headers=OG_WIDE)
    assert _problem(answer, 422) == [("participants.professionnels.0", "identifiant_invalide")]

    # an RPPS-style id with `:` and `@`: exported under a file name of safe characters
    pro = f"rpps:{unique}@ehpad.fr"
    body = evenement("Visite", "2027-03-01T10:00:00", "2027-03-01T11:00:00", professionnels=[pro], esms=EHPAD)
    created = await gateway.post("/evenements", json=body, headers=OG_WIDE)
    await _ok(created, 201)
    export = await gateway.get(f"/agendas/professionnels/{pro}.ics", headers=_fresh(created))
    assert export.status_code == 200, export.text
    assert export.headers["content-disposition"] == (
        f'attachment; filename="agenda-professionnel-rpps_{unique}_ehpad.fr.ics"; '
        f"filename*=UTF-8''agenda-professionnel-rpps%3A{unique}%40ehpad.fr.ics"
    )
    assert len(Calendar.from_ical(export.text).walk("VEVENT")) == 1


# -- what an agenda shows of others -------------------------------------------------------------------------


async def test_a_persons_agenda_flags_only_the_overlaps_that_are_theirs(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    """Both residents play the Loto; the second has a psychiatric consultation during it. The first's agenda
    must not show it (a private appointment of another resident)."""
    a = await admitted_dossier(gateway, f"LotoA-{unique}")
    b = await admitted_dossier(gateway, f"LotoB-{unique}")
    anim, psy = f"anim-{unique}", f"psy-{unique}"
    loto = evenement(
        "Loto",
        "2027-04-06T14:00:00",
        "2027-04-06T16:00:00",
        type="activite",
        usagers=[a, b],
        professionnels=[anim],
    )
    planned_loto = await _ok(await gateway.post("/evenements", json=loto, headers=OG_WIDE), 201)
    consultation = evenement(
        "Consultation psychiatre",
        "2027-04-06T15:00:00",
        "2027-04-06T15:45:00",
        usagers=[b],
        professionnels=[psy],
    )
    created = await gateway.post("/evenements", json=consultation, headers=OG_WIDE)
    planned_psy = await _ok(created, 201)
    assert [c["evenement_id"] for c in planned_psy["conflits"]] == [planned_loto["id"]]  # to the planner
    fresh, day = _fresh(created), date(2027, 4, 6)

    def flagged(agenda: dict[str, Any]) -> dict[str, list[str]]:
        return {o["titre"]: [c["titre"] for c in o["conflits"]] for o in agenda["occurrences"]}

    assert flagged(await _agenda(gateway, f"usagers/{a}", fresh, day, day)) == {"Loto": []}
    assert flagged(await _agenda(gateway, f"usagers/{b}", fresh, day, day)) == {
        "Loto": ["Consultation psychiatre"],
        "Consultation psychiatre": ["Loto"],
    }
    assert flagged(await _agenda(gateway, f"professionnels/{anim}", fresh, day, day)) == {"Loto": []}
    assert flagged(await _agenda(gateway, f"professionnels/{psy}", fresh, day, day)) == {
        "Consultation psychiatre": []
    }


async def test_information_to_a_professional_is_seen_by_them_its_author_and_og_roles_only(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    kine, med, ide = f"kine-{unique}", f"med-{unique}", f"ide-{unique}"
    author = headers_for(EHPAD, role="medecin", who=med)
    body = {
        "destinataire": {"type": "professionnel", "id": kine},
        "esms": EHPAD,
        "objet": "Séance de demain",
        "message": "Reprise de la marche avec déambulateur, pas d'escaliers",
    }
    created = await gateway.post("/informations", json=body, headers=author)
    info = await _ok(created, 201)
    position = created.headers["X-Dui-Position"]
    seen_by = {
        "recipient": (headers_for(EHPAD, role="kinesitherapeute", who=kine), True),
        "author": (author, True),
        "og": (OG_WIDE, True),
        "colleague": (headers_for(EHPAD, role="infirmier", who=ide), False),
    }
    for who, (headers, sees) in seen_by.items():
        fresh = {**headers, "X-Dui-Min-Position": position}
        one = await gateway.get(f"/informations/{info['id']}", headers=fresh)
        assert one.status_code == (200 if sees else 404), who
        listed = await _ok(await gateway.get("/informations", params={"destinataire": kine}, headers=fresh))
        assert [i["id"] for i in listed["items"]] == ([info["id"]] if sees else []), who
        agenda = await _agenda(gateway, f"professionnels/{kine}", fresh, jour(0), jour(1))
        assert [i["id"] for i in agenda["informations"]] == ([info["id"]] if sees else []), who
    # a person's information is for every professional of the ESMS
    did = await admitted_dossier(gateway, f"InfoPers-{unique}")
    to_person = {**body, "destinataire": {"type": "usager", "id": did}}
    sent = await gateway.post("/informations", json=to_person, headers=author)
    person_info = await _ok(sent, 201)
    colleague = {**seen_by["colleague"][0], "X-Dui-Min-Position": sent.headers["X-Dui-Position"]}
    assert (await gateway.get(f"/informations/{person_info['id']}", headers=colleague)).status_code == 200


async def test_the_missed_list_covers_the_last_30_days_of_a_series_started_long_ago(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Ancien-{unique}")
    start = jour(-800)
    daily = evenement(
        "Prise de tension",
        at(start, 6),
        at(start, 6, 10),
        type="intervention",
        usagers=[did],
        recurrence="FREQ=DAILY",  # never ends
    )
    created = await gateway.post("/evenements", json=daily, headers=OG_WIDE)
    await _ok(created, 201)
    page = await _ok(
        await gateway.get("/evenements/manques", params={"usager": did}, headers=_fresh(created))
    )
    days = [o["debut"][:10] for o in page["items"]]
    assert days[:30] == [str(jour(n)) for n in range(-30, 0)]
    assert days[30:] in ([], [str(jour(0))])  # today's, once over
    assert page["total"] == len(days)


async def test_a_contact_planned_with_a_candidate_appears_in_the_candidate_and_planner_agendas(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    planner = headers_for(EHPAD, who=f"sec-{unique}")
    created = await gateway.post(
        "/candidatures", json=nouvelle_candidature(f"Contact-{unique}"), headers=planner
    )
    assert created.status_code == 201, created.text
    cid = created.json()["candidatures"][0]
    contact = await gateway.post(
        f"/candidatures/{cid}/contacts",
        json={
            "planifie_le": "2026-12-03T14:30:00",
            "interlocuteur": "famille",
            "moyen": "telephone",
            "note": "fille",
        },
        headers=planner,
    )
    assert contact.status_code == 200, contact.text
    fresh = {**planner, "X-Dui-Min-Position": contact.headers["X-Dui-Position"]}
    window = {"du": "2026-12-01", "au": "2026-12-05"}
    agenda = await gateway.get(f"/agendas/candidatures/{cid}", params=window, headers=fresh)
    assert agenda.status_code == 200, agenda.text
    (occurrence,) = agenda.json()["occurrences"]
    assert (occurrence["type"], occurrence["titre"]) == ("contact", "Contact avec la famille (telephone)")
    assert occurrence["debut"] == "2026-12-03T14:30:00+01:00"
    mine = await gateway.get(f"/agendas/professionnels/sec-{unique}", params=window, headers=fresh)
    assert [o["evenement_id"] for o in mine.json()["occurrences"]] == [occurrence["evenement_id"]]
