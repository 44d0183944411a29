"""Agenda rules: planning an event (its end after its start, its participants, its recurrence), moving it,
cancelling it, recording what became of an occurrence and who was there, and information put in an agenda.

Each test builds an event through its own commands, then checks the refusal (its rule and field) or the events
recorded — none when a command changes nothing. The events also go through the contract mapper and back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from dui_agenda.domain.evenement import AgendaError, Evenement, Planification, PresenceDonnee
from dui_agenda.domain.information import Information
from dui_shared.aggregate import AggregateMapper, CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.agenda import (
    CanalInformation,
    Participants,
    StatutRealisation,
    TypeDestinataire,
    TypeEvenement,
)
from dui_shared.envelope import Actor
from dui_shared.errors import Forbidden, InvalidInput
from dui_shared.eventstore import StoredEvent
from dui_shared.timezone import to_utc
from tests.unit.builders import EHPAD

USAGER = uuid.uuid4()
CANDIDATURE = uuid.uuid4()
KINE = "kine-0007"
IDE = "ide-0042"
DEBUT = to_utc(datetime(2026, 10, 19, 15, 0))  # a Monday
MAINTENANT = to_utc(datetime(2027, 6, 1, 12, 0))  # every occurrence below is past
HEURE_5 = timedelta(minutes=5)
REALISE, NON_REALISE, ANNULE = (
    StatutRealisation.realise,
    StatutRealisation.non_realise,
    StatutRealisation.annule,
)
mapper = AggregateMapper(registry)
ACTOR = Actor(id="sec-0001", role="secretariat", esms=(EHPAD,))


def planification(**changes: Any) -> Planification:
    fields: dict[str, Any] = {
        "type": TypeEvenement.activite,
        "titre": "Atelier mémoire",
        "description": None,
        "lieu": "salon",
        "intervenant": None,
        "debut": DEBUT,
        "fin": DEBUT + timedelta(hours=1),
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "participants": Participants(usagers=(USAGER,), professionnels=(IDE,)),
    }
    fields.update(changes)
    return Planification(**fields)


def evenement(**changes: Any) -> Evenement:
    e = Evenement.planifier(uuid.uuid4(), EHPAD, planification(**changes))
    e.collect_events()
    return e


def semaine(n: int) -> datetime:
    """The n-th weekly occurrence: 15:00 Paris time, whatever the season."""
    return to_utc(datetime(2026, 10, 19, 15, 0) + timedelta(weeks=n))


def names(e: Evenement) -> list[str]:
    return [type(x).__name__ for x in e.collect_events()]


def refusal(error: InvalidInput) -> list[tuple[str, str]]:
    return [(e.field, e.rule) for e in error.errors]


def realiser(
    e: Evenement,
    occurrence: datetime = DEBUT,
    statut: StatutRealisation = REALISE,
    motif: str | None = None,
    presences: tuple[PresenceDonnee, ...] = (),
    correction: str | None = None,
    commentaire: str | None = None,
) -> None:
    e.realiser(occurrence, statut, motif, commentaire, presences, correction, MAINTENANT)


# -- planning -----------------------------------------------------------------------------------------------


def test_a_planned_event_leaves_as_a_contract_event_on_its_esms_subject_and_replays() -> None:
    e = Evenement.planifier(uuid.uuid4(), EHPAD, planification(recurrence="RRULE:freq=weekly;byday=mo"))
    realiser(e, semaine(1), presences=(PresenceDonnee(str(USAGER), True),))
    pending = mapper.to_envelopes(e, CommandContext(actor=ACTOR))
    assert pending[0].subject == f"dui.evt.{EHPAD}.agenda.evenement.{e.id}"
    assert [p.envelope.type for p in pending] == [
        "agenda.EvenementPlanifie.v1",
        "agenda.EvenementRealise.v1",
        "agenda.PresenceRelevee.v1",
    ]
    assert pending[0].envelope.data["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    stored = [StoredEvent(i, p.subject, p.envelope) for i, p in enumerate(pending, 1)]
    replayed = mapper.replay(Evenement, stored)
    assert replayed.planification == e.planification
    assert replayed.realisations == e.realisations
    assert replayed.presences == {(semaine(1), str(USAGER)): (True, None)}


def test_the_end_of_an_event_must_follow_its_start() -> None:
    for fin in (DEBUT, DEBUT - timedelta(minutes=1)):
        with pytest.raises(InvalidInput) as caught:
            evenement(fin=fin)
        assert refusal(caught.value) == [("fin", "fin_avant_debut")]


def test_an_invalid_recurrence_is_refused_naming_recurrence() -> None:
    with pytest.raises(InvalidInput) as caught:
        evenement(recurrence="FREQ=WEEKLY;BYDAY=TU")
    assert refusal(caught.value) == [("recurrence", "debut_hors_recurrence")]


def test_a_series_whose_occurrences_would_overlap_each_other_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        evenement(recurrence="FREQ=DAILY", fin=DEBUT + timedelta(hours=25))
    assert refusal(caught.value) == [("recurrence", "recurrence_trop_dense")]
    with pytest.raises(InvalidInput) as caught:
        evenement(recurrence="FREQ=HOURLY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55", fin=DEBUT + HEURE_5)
    assert refusal(caught.value) == [("recurrence", "recurrence_trop_dense")]
    with pytest.raises(InvalidInput) as caught:
        evenement(recurrence="FREQ=WEEKLY;UNTIL=99991231T235959Z")
    assert refusal(caught.value) == [("recurrence", "recurrence_invalide")]


def test_a_professionals_id_is_letters_digits_and_a_few_signs_but_the_log_is_read_as_it_is() -> None:
    for wrong in ("a\x00b", "a b", 'a"b', "a\r\nX-Evil: 1", "€"):
        with pytest.raises(ValidationError) as caught:
            Participants.model_validate({"professionnels": [IDE, wrong]})
        errors = [(e["loc"], e["type"]) for e in caught.value.errors()]
        assert errors == [(("professionnels", 1), "identifiant_invalide")], wrong
    assert Participants.model_validate({"professionnels": ["rpps:10000000017@ehpad.fr", "ide_0042.b"]})
    stored = Participants.model_validate({"professionnels": ["Dr Martin"]}, context={"stored": True})
    assert stored.professionnels == ("Dr Martin",)


def test_participants_are_required_once_each_and_a_contact_has_its_candidature() -> None:
    with pytest.raises(InvalidInput) as caught:
        evenement(participants=Participants())
    assert refusal(caught.value) == [("participants", "participant_requis")]
    with pytest.raises(InvalidInput) as caught:
        evenement(participants=Participants(usagers=(USAGER, USAGER), professionnels=(IDE, IDE)))
    assert refusal(caught.value) == [
        ("participants.usagers", "participant_duplique"),
        ("participants.professionnels", "participant_duplique"),
    ]
    with pytest.raises(InvalidInput) as caught:
        evenement(type=TypeEvenement.contact, participants=Participants(professionnels=(IDE,)))
    assert refusal(caught.value) == [("participants.candidatures", "candidature_requise")]
    contact = evenement(
        type=TypeEvenement.contact,
        recurrence=None,
        participants=Participants(professionnels=(IDE,), candidatures=(CANDIDATURE,)),
    )
    assert contact.participants.type_of(str(CANDIDATURE)) == "candidature"


def test_every_broken_rule_of_a_planning_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        evenement(fin=DEBUT, participants=Participants())
    assert refusal(caught.value) == [("fin", "fin_avant_debut"), ("participants", "participant_requis")]


def test_instants_are_kept_to_the_second() -> None:
    e = evenement(debut=DEBUT.replace(microsecond=123), recurrence=None)
    assert e.planification.debut == DEBUT


# -- moving, cancelling -------------------------------------------------------------------------------------


def test_moving_an_event_records_the_new_planning_and_the_same_move_again_nothing() -> None:
    e = evenement()
    moved = planification(debut=DEBUT + timedelta(hours=1), fin=DEBUT + timedelta(hours=2))
    e.modifier(moved)
    assert names(e) == ["EvenementModifie"]
    assert e.planification.debut == DEBUT + timedelta(hours=1)
    e.modifier(moved)
    assert names(e) == []


def test_a_move_must_keep_what_was_realised_in_the_series() -> None:
    e = evenement()
    realiser(e, semaine(1))
    realiser(e, semaine(2), ANNULE, "sortie au musée")
    e.collect_events()
    with pytest.raises(AgendaError) as caught:
        e.modifier(planification(debut=DEBUT + timedelta(hours=1), fin=DEBUT + timedelta(hours=2)))
    assert (caught.value.rule, caught.value.field) == ("occurrence_realisee_hors_serie", "debut")
    # ending the series after the realised occurrence keeps it: fine, the cancelled one may go
    e.modifier(planification(recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=2"))
    assert names(e) == ["EvenementModifie"]


def test_a_cancelled_event_is_cancelled_once_and_changes_no_more() -> None:
    e = evenement()
    e.annuler("animateur absent")
    e.annuler("animateur absent")
    assert names(e) == ["EvenementAnnule"]
    with pytest.raises(AgendaError) as caught:
        e.modifier(planification(titre="Autre"))
    assert caught.value.rule == "evenement_annule"
    with pytest.raises(AgendaError) as caught:
        realiser(e)
    assert caught.value.rule == "evenement_annule"


# -- realisation and presences ------------------------------------------------------------------------------


def test_an_occurrence_that_is_not_in_the_series_is_a_422() -> None:
    e = evenement()
    for wrong in (DEBUT + timedelta(hours=1), DEBUT + timedelta(days=1), DEBUT - timedelta(weeks=1)):
        with pytest.raises(InvalidInput) as caught:
            realiser(e, wrong)
        assert refusal(caught.value) == [("occurrence", "occurrence_hors_serie")]
    realiser(e, semaine(30))
    assert names(e) == ["EvenementRealise"]


def test_the_second_2h30_of_the_autumn_night_is_no_occurrence_of_a_daily_2h30_event() -> None:
    """25 October 2026: 02:30 comes twice (summer, then winter time); the event occurs at the first only."""
    debut = to_utc(datetime(2026, 10, 1, 2, 30))
    e = evenement(debut=debut, fin=debut + timedelta(minutes=30), recurrence="FREQ=DAILY")
    premiere = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    seconde = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter time
    with pytest.raises(InvalidInput) as caught:
        realiser(e, seconde)
    assert refusal(caught.value) == [("occurrence", "occurrence_hors_serie")]
    realiser(e, premiere)
    assert names(e) == ["EvenementRealise"]


def test_an_occurrence_not_done_or_cancelled_needs_a_reason() -> None:
    e = evenement()
    for statut in (NON_REALISE, ANNULE):
        with pytest.raises(InvalidInput) as caught:
            realiser(e, statut=statut)
        assert refusal(caught.value) == [("motif", "motif_obligatoire")]


def test_a_future_occurrence_can_be_cancelled_but_not_realised() -> None:
    e = evenement()
    futur = semaine(60)
    assert futur > MAINTENANT
    with pytest.raises(InvalidInput) as caught:
        realiser(e, futur, REALISE)
    assert refusal(caught.value) == [("occurrence", "occurrence_a_venir")]
    realiser(e, futur, ANNULE, "jour férié")
    assert names(e) == ["EvenementRealise"]


def test_presences_name_participants_once_and_not_at_a_cancelled_occurrence() -> None:
    e = evenement()
    with pytest.raises(InvalidInput) as caught:
        realiser(
            e,
            presences=(
                PresenceDonnee("inconnu", True),
                PresenceDonnee(IDE, True),
                PresenceDonnee(IDE, False),
            ),
        )
    assert refusal(caught.value) == [
        ("presences.0.participant", "participant_inconnu"),
        ("presences.2.participant", "presence_dupliquee"),
    ]
    with pytest.raises(InvalidInput) as caught:
        realiser(e, statut=ANNULE, motif="pluie", presences=(PresenceDonnee(IDE, True),))
    assert refusal(caught.value) == [("presences", "presence_occurrence_annulee")]


def test_realising_twice_the_same_way_records_nothing_new() -> None:
    e = evenement()
    presences = (PresenceDonnee(str(USAGER), False, "fatiguée"), PresenceDonnee(IDE, True))
    realiser(e, presences=presences)
    assert names(e) == ["EvenementRealise", "PresenceRelevee", "PresenceRelevee"]
    realiser(e, presences=presences)
    realiser(e)  # the same status without the presences: nothing new either
    assert names(e) == []


def test_presences_can_be_added_after_the_realisation() -> None:
    e = evenement()
    realiser(e, presences=(PresenceDonnee(IDE, True),))
    e.collect_events()
    realiser(e, presences=(PresenceDonnee(IDE, True), PresenceDonnee(str(USAGER), True)))
    assert names(e) == ["PresenceRelevee"]


def test_realising_differently_is_a_409_unless_it_is_a_correction() -> None:
    e = evenement()
    realiser(e, presences=(PresenceDonnee(str(USAGER), True),))
    e.collect_events()
    with pytest.raises(AgendaError) as caught:
        realiser(e, statut=NON_REALISE, motif="refus de la personne")
    assert (caught.value.status, caught.value.rule) == (409, "occurrence_deja_realisee")
    with pytest.raises(AgendaError) as caught:
        realiser(e, presences=(PresenceDonnee(str(USAGER), False, "à l'hôpital"),))
    assert (caught.value.status, caught.value.rule) == (409, "presence_deja_relevee")
    assert names(e) == []

    realiser(
        e,
        statut=NON_REALISE,
        motif="refus de la personne",
        presences=(PresenceDonnee(str(USAGER), False, "refus"),),
        correction="saisie sur la mauvaise séance",
    )
    events = e.collect_events()
    assert [type(x).__name__ for x in events] == ["EvenementRealise", "PresenceRelevee"]
    assert all(getattr(x, "correction", None) == "saisie sur la mauvaise séance" for x in events)
    assert e.realisations[DEBUT].statut is NON_REALISE
    assert e.presences[(DEBUT, str(USAGER))] == (False, "refus")


def test_a_first_realisation_does_not_carry_a_correction() -> None:
    e = evenement()
    realiser(e, correction="rien à corriger")
    [realise] = e.collect_events()
    assert vars(realise)["correction"] is None


def test_the_occurrences_of_a_series_are_realised_independently() -> None:
    e = evenement()
    realiser(e, semaine(0))
    realiser(e, semaine(1), NON_REALISE, "grève des transports")
    realiser(e, semaine(2), ANNULE, "sortie")
    assert {o: r.statut for o, r in e.realisations.items()} == {
        semaine(0): REALISE,
        semaine(1): NON_REALISE,
        semaine(2): ANNULE,
    }


def test_a_single_event_has_one_occurrence_its_start() -> None:
    e = evenement(recurrence=None)
    with pytest.raises(InvalidInput):
        realiser(e, semaine(1))
    realiser(e, DEBUT)
    assert names(e) == ["EvenementRealise"]


# -- information --------------------------------------------------------------------------------------------


def information(**changes: Any) -> Information:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "esms": EHPAD,
        "destinataire_type": TypeDestinataire.professionnel,
        "destinataire": KINE,
        "objet": "Chute",
        "message": "Mme Martin a chuté cette nuit : adapter la séance",
        "afficher_le": DEBUT,
        "rappeler_le": None,
        "canal": CanalInformation.agenda,
        "adresse_mssante": None,
    }
    fields.update(changes)
    return Information.transmettre(**fields)


def test_information_is_transmitted_ready_for_mssante() -> None:
    info = information(adresse_mssante="kine@kine.mssante.fr")
    [pending] = mapper.to_envelopes(info, CommandContext(actor=ACTOR))
    assert pending.envelope.type == "agenda.InformationTransmise.v1"
    assert pending.envelope.data["canal"] == "agenda"
    assert pending.envelope.data["adresse_mssante"] == "kine@kine.mssante.fr"
    assert pending.envelope.data["mssante_message_id"] is None


def test_information_rules() -> None:
    with pytest.raises(InvalidInput) as caught:
        information(
            canal=CanalInformation.mssante,
            rappeler_le=DEBUT - timedelta(hours=1),
            adresse_mssante="pas une adresse",
        )
    assert refusal(caught.value) == [
        ("canal", "canal_indisponible"),
        ("rappeler_le", "rappel_avant_affichage"),
        ("adresse_mssante", "adresse_mssante_format"),
    ]


def test_a_professional_marks_their_own_information_read_once() -> None:
    info = information()
    info.collect_events()
    with pytest.raises(Forbidden) as caught:
        info.marquer_lue(IDE, MAINTENANT)
    assert caught.value.rule == "destinataire_seul"
    info.marquer_lue(KINE, MAINTENANT)
    info.marquer_lue(KINE, MAINTENANT + timedelta(hours=1))
    assert [type(x).__name__ for x in info.collect_events()] == ["InformationLue"]
    assert info.lue_le == MAINTENANT


def test_a_persons_information_is_marked_read_by_a_professional() -> None:
    info = information(destinataire_type=TypeDestinataire.usager, destinataire=str(USAGER))
    info.collect_events()
    info.marquer_lue(IDE, MAINTENANT)
    assert [type(x).__name__ for x in info.collect_events()] == ["InformationLue"]
