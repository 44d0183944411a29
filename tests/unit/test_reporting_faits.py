"""The reporting projection's handlers without a database: which facts, rows and writes each event makes (the
statements queued on a `Db` whose reads are answered from a table of known rows)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import UUID

from dui_reporting.projections.faits import ReportingReadModel
from dui_shared.contracts import EventData
from dui_shared.contracts.admission import (
    AdmissionPrononcee,
    MotifSortie,
    Sexe,
    SortiePrononcee,
    TypeAccueil,
    Usager,
)
from dui_shared.contracts.agenda import EvenementRealise, StatutRealisation
from dui_shared.contracts.dossier import DossierOuvert, EvaluationRealisee, PrestationExpiree, TypePrestation
from dui_shared.contracts.identite import TraitsIdentite
from dui_shared.contracts.reporting import TypeFait, fait_id, personne_id
from dui_shared.contracts.soins import PlanSoinsOuvert
from dui_shared.envelope import Actor, Envelope
from dui_shared.eventstore import StoredEvent, event_subject
from dui_shared.projection import Db

EHPAD = "690004122"
LE = datetime(2025, 3, 31, 21, 30, tzinfo=UTC)  # 23:30 in Paris: the 31st


class FakeDb(Db):
    """Statements are queued as usual; reads are answered from `rows`: (a fragment of the SQL, first argument)."""

    def __init__(self, rows: dict[tuple[str, Any], dict[str, Any]] | None = None) -> None:
        super().__init__(conn=None)  # type: ignore[arg-type]
        self.rows = rows or {}

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return next(
            (row for (fragment, key), row in self.rows.items() if fragment in sql and args[0] == key), None
        )

    def into(self, table: str) -> list[tuple[Any, ...]]:
        return [args for sql, args in self._queue if f"INTO {table} " in sql or f"UPDATE {table} " in sql]

    def faits(self) -> list[dict[str, Any]]:
        keys = ("id", "type", "esms", "personne", "jour", "instant", "enregistre_le", "source_id")
        return [
            {**dict(zip(keys, args, strict=False)), "details": json.loads(args[-1])}
            for args in self.into("fait")
        ]


def stored(
    data: EventData, aggregate_id: Any, aggregate_type: str, role: str = "secretariat", seq: int = 7
) -> StoredEvent:
    envelope = Envelope(
        id=uuid.uuid4(),
        type=data.type_name(),
        source="tests",
        subject=str(aggregate_id),
        time=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        esms=EHPAD,
        aggregate_type=aggregate_type,
        aggregate_version=1,
        actor=Actor(id="u-1", role=role),
        correlation_id="c",
        data=data.model_dump(mode="json"),
    )
    return StoredEvent(seq, event_subject(EHPAD, data.service, aggregate_type, str(aggregate_id)), envelope)


async def apply(
    db: FakeDb, event: StoredEvent, data: EventData, model: ReportingReadModel | None = None
) -> None:
    await (model or ReportingReadModel()).apply(db, event, data)


USAGER = Usager(nom_naissance="Durand", prenoms="Anne", date_naissance=date(1940, 1, 1), sexe=Sexe.F)


async def test_an_admission_is_an_entry_of_a_pseudonymous_person_on_its_paris_day_and_a_write() -> None:
    sejour = uuid.uuid4()
    data = AdmissionPrononcee(
        candidature_id=uuid.uuid4(),
        esms=EHPAD,
        usager=USAGER,
        type_accueil=TypeAccueil.permanent,
        admis_le=LE,
    )
    event = stored(data, sejour, "sejour")
    db = FakeDb()
    await apply(db, event, data)
    personne = personne_id(EHPAD, sejour)
    [fait] = db.faits()
    assert fait["id"] == fait_id(event.envelope.id, TypeFait.entree)
    assert (fait["type"], fait["personne"], fait["jour"], fait["instant"]) == (
        "entree",
        personne,
        date(2025, 3, 31),
        LE,
    )
    assert fait["details"] == {"type_accueil": "permanent"}
    [row] = db.into("accompagnement")
    assert row[:4] == (personne, EHPAD, LE, date(2025, 3, 31))
    [ecriture] = db.into("ecriture")
    assert ecriture[:3] == (personne, date(2026, 11, 26), EHPAD)  # the day it was recorded
    assert "Durand" not in str(db._queue)


async def test_a_death_is_an_exit_with_its_motif() -> None:
    sejour = uuid.uuid4()
    data = SortiePrononcee(sortie_le=LE, motif=MotifSortie.deces)
    db = FakeDb()
    await apply(db, stored(data, sejour, "sejour"), data)
    [fait] = db.faits()
    assert (fait["type"], fait["details"]) == ("sortie", {"motif": "deces", "deces": True})
    [update] = db.into("accompagnement")
    assert update[:4] == (personne_id(EHPAD, sejour), LE, date(2025, 3, 31), "deces")


def _dossier_ouvert(sejour: UUID) -> DossierOuvert:
    traits = TraitsIdentite(
        nom_naissance="Durand", prenoms="Anne", date_naissance=date(1940, 1, 1), sexe=Sexe.F
    )
    return DossierOuvert(
        sejour_id=sejour, esms=EHPAD, traits=traits, type_accueil=TypeAccueil.permanent, admis_le=LE
    )


async def test_what_the_platform_records_itself_is_no_write_and_soins_events_write_to_their_dossier() -> None:
    sejour, dossier = uuid.uuid4(), uuid.uuid4()
    model = ReportingReadModel()
    db = FakeDb()
    ouvert = _dossier_ouvert(sejour)
    await apply(db, stored(ouvert, dossier, "dossierusager", role="systeme"), ouvert, model)
    assert db.into("dossier") == [(dossier, personne_id(EHPAD, sejour), EHPAD)]
    assert db.into("ecriture") == []  # the dossier opened in reaction to the admission
    expiree = PrestationExpiree(prestation_id=uuid.uuid4(), type=TypePrestation.apa, fin=date(2025, 3, 1))
    await apply(db, stored(expiree, dossier, "dossierusager", role="systeme"), expiree, model)
    assert db.into("ecriture") == []  # the scheduler's reminder
    plan = PlanSoinsOuvert(dossier_id=dossier, esms=EHPAD)
    await apply(
        db, stored(plan, uuid.uuid4(), "plansoins"), plan, model
    )  # known from the dossier opened above
    [ecriture] = db.into("ecriture")
    assert ecriture[0] == personne_id(EHPAD, sejour)
    inconnu = PlanSoinsOuvert(dossier_id=uuid.uuid4(), esms=EHPAD)
    await apply(db, stored(inconnu, uuid.uuid4(), "plansoins"), inconnu, model)
    assert len(db.into("ecriture")) == 1  # a dossier reporting never saw opened counts for nobody


async def test_an_aggir_evaluation_makes_a_gir_change_only_when_the_gir_differs_from_the_previous_one() -> (
    None
):
    dossier = uuid.uuid4()
    personne = uuid.uuid4()

    def evaluation(gir: int) -> EvaluationRealisee:
        return EvaluationRealisee(
            dossier_id=dossier,
            esms=EHPAD,
            grille="aggir",
            grille_version=1,
            grille_libelle="AGGIR",
            realisee_le=LE,
            evaluateur="ide",
            reponses={},
            gir=gir,
        )

    known = {("FROM dossier", dossier): {"personne": personne, "esms": EHPAD}}
    same = FakeDb({**known, ("FROM evaluation", personne): {"gir": 3}})
    await apply(same, stored(evaluation(3), uuid.uuid4(), "evaluation"), evaluation(3))
    assert [f["type"] for f in same.faits()] == ["evaluation_realisee"]
    changed = FakeDb({**known, ("FROM evaluation", personne): {"gir": 4}})
    await apply(changed, stored(evaluation(3), uuid.uuid4(), "evaluation"), evaluation(3))
    assert [(f["type"], f["details"]) for f in changed.faits()] == [
        ("evaluation_realisee", {"grille": "aggir", "gir": 3}),
        ("gir_evolue", {"gir": 3, "precedent": 4}),
    ]


async def test_an_occurrence_held_with_two_residents_is_one_fact_each() -> None:
    evenement = uuid.uuid4()
    p1, p2 = uuid.uuid4(), uuid.uuid4()
    db = FakeDb({("FROM evenement", evenement): {"esms": EHPAD, "personnes": [p1, p2]}})
    data = EvenementRealise(occurrence=LE, statut=StatutRealisation.realise)
    event = stored(data, evenement, "evenement")
    await apply(db, event, data)
    faits = db.faits()
    assert [(f["type"], f["personne"]) for f in faits] == [
        ("evenement_realise", p1),
        ("evenement_realise", p2),
    ]
    assert [f["id"] for f in faits] == [
        fait_id(event.envelope.id, TypeFait.evenement_realise, p1),
        fait_id(event.envelope.id, TypeFait.evenement_realise, p2),
    ]
    assert [r[1] for r in db.into("realisation")] == [p1, p2]
    assert [e[0] for e in db.into("ecriture")] == [p1, p2]


class DocumentVerseAuDmp(EventData):
    service: ClassVar[str] = "interop-dmp"
    dossier_id: UUID
    verse_le: datetime


class MessageRecu(EventData):
    service: ClassVar[str] = "mssante-gateway"
    expediteur_type: str | None = None


async def test_the_events_of_the_dmp_and_mssante_services_to_come_make_their_facts() -> None:
    dossier, personne = uuid.uuid4(), uuid.uuid4()
    db = FakeDb({("FROM dossier", dossier): {"personne": personne, "esms": EHPAD}})
    verse = DocumentVerseAuDmp(dossier_id=dossier, verse_le=LE)
    await apply(db, stored(verse, uuid.uuid4(), "dmpsubmission"), verse)
    for expediteur in ("usager", "autre", None):
        recu = MessageRecu(expediteur_type=expediteur)
        await apply(db, stored(recu, uuid.uuid4(), "message"), recu)
    assert [(f["type"], f["personne"], f["jour"], f["details"]) for f in db.faits()] == [
        ("dmp_alimentation", personne, date(2025, 3, 31), {}),
        ("mssante_message_recu", None, date(2026, 11, 26), {"interlocuteur": "usager"}),
        ("mssante_message_recu", None, date(2026, 11, 26), {"interlocuteur": "professionnel"}),
        ("mssante_message_recu", None, date(2026, 11, 26), {"interlocuteur": "professionnel"}),
    ]
    assert [e[0] for e in db.into("ecriture")] == [personne]  # an event naming the dossier writes to it
