"""Candidature rules: the parcours from reception to admission, and what the secretariat is not allowed to do."""

from __future__ import annotations

import uuid

import pytest

from dui_admission.domain.candidature import Candidature, CandidatureError
from dui_shared.contracts.admission import Decision, StatutVisite
from dui_shared.errors import DomainError, InvalidInput
from tests.unit.builders import RECUE_LE, candidature_acceptee, candidature_recue, jours


def refusee() -> Candidature:
    candidature = candidature_recue()
    candidature.prononcer_decision(Decision.refusee, RECUE_LE + jours(3), "pas de place adaptée")
    return candidature


def retiree() -> Candidature:
    candidature = candidature_recue()
    candidature.prononcer_decision(Decision.retiree, RECUE_LE + jours(3), None)
    return candidature


def admise() -> Candidature:
    candidature = candidature_acceptee()
    candidature.admettre(uuid.uuid4(), RECUE_LE + jours(20))
    return candidature


# -- the parcours ----------------------------------------------------------------------------------------


def test_a_candidature_moves_from_reception_to_admission_step_by_step() -> None:
    candidature = candidature_recue()
    assert candidature.statut == "recue"

    candidature.planifier_contact(RECUE_LE + jours(1), "famille", "telephone", "rappeler la fille")
    assert candidature.statut == "contact_planifie"

    candidature.tracer_visite(RECUE_LE + jours(7), StatutVisite.planifiee, None)
    assert candidature.statut == "visite_planifiee"

    candidature.tracer_visite(RECUE_LE + jours(7), StatutVisite.realisee, "visite de la chambre")
    assert candidature.statut == "visite_realisee"

    candidature.prononcer_decision(Decision.acceptee, RECUE_LE + jours(10), None)
    assert candidature.statut == "acceptee"

    sejour_id = uuid.uuid4()
    candidature.admettre(sejour_id, RECUE_LE + jours(20))
    assert candidature.statut == "admise"
    assert candidature.sejour_id == sejour_id
    assert candidature.version == 6


def test_each_step_of_the_parcours_is_recorded_as_an_event_named_in_the_past() -> None:
    candidature = candidature_acceptee()
    candidature.admettre(uuid.uuid4(), RECUE_LE + jours(20))

    names = [type(e).__name__ for e in candidature.collect_events()]

    assert names == [
        "CandidatureRecue",
        "ContactPlanifie",
        "VisitePreadmission",
        "DecisionPrononcee",
        "CandidatureAdmise",
    ]


def test_a_second_contact_does_not_move_a_candidature_back_from_visite() -> None:
    candidature = candidature_recue()
    candidature.tracer_visite(RECUE_LE + jours(2), StatutVisite.realisee, None)

    candidature.planifier_contact(RECUE_LE + jours(3), "usager", "telephone", None)

    assert candidature.statut == "visite_realisee"


def test_a_visit_traced_after_acceptance_keeps_the_candidature_acceptee() -> None:
    candidature = candidature_acceptee()

    candidature.tracer_visite(RECUE_LE + jours(12), StatutVisite.realisee, "seconde visite")

    assert candidature.statut == "acceptee"


# -- refusal needs a motif -------------------------------------------------------------------------------


@pytest.mark.parametrize("motif", [None, "", "   "])
def test_a_refusal_without_a_motif_is_refused_and_names_the_motif_field(motif: str | None) -> None:
    candidature = candidature_recue()

    with pytest.raises(InvalidInput) as refused:
        candidature.prononcer_decision(Decision.refusee, RECUE_LE + jours(3), motif)

    assert refused.value.status == 422
    assert [(e.field, e.rule) for e in refused.value.errors] == [("motif", "motif_obligatoire")]
    assert candidature.statut == "recue"


def test_a_refusal_with_a_motif_closes_the_candidature_as_refusee() -> None:
    candidature = candidature_recue()

    candidature.prononcer_decision(Decision.refusee, RECUE_LE + jours(3), "pas de place adaptée")

    assert candidature.statut == "refusee"


def test_an_acceptance_needs_no_motif() -> None:
    candidature = candidature_recue()

    candidature.prononcer_decision(Decision.acceptee, RECUE_LE + jours(3), None)

    assert candidature.statut == "acceptee"


# -- one decision only -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Decision.acceptee, Decision.acceptee),
        (Decision.acceptee, Decision.refusee),
        (Decision.refusee, Decision.acceptee),
        (Decision.refusee, Decision.retiree),
        (Decision.retiree, Decision.acceptee),
        (Decision.retiree, Decision.retiree),
    ],
)
def test_a_second_decision_is_refused_once_one_has_been_pronounced(first: Decision, second: Decision) -> None:
    candidature = candidature_recue()
    candidature.prononcer_decision(first, RECUE_LE + jours(3), "motif")

    with pytest.raises(CandidatureError) as refused:
        candidature.prononcer_decision(second, RECUE_LE + jours(4), "autre motif")

    assert refused.value.rule == "decision_deja_prononcee"
    assert refused.value.status == 409
    assert candidature.statut == first.value


def test_an_accepted_candidature_can_still_be_withdrawn_by_the_family() -> None:
    candidature = candidature_acceptee()

    candidature.prononcer_decision(Decision.retiree, RECUE_LE + jours(12), "la famille a trouvé ailleurs")

    assert candidature.statut == "retiree"


def test_an_admitted_candidature_can_no_longer_be_withdrawn() -> None:
    candidature = admise()

    with pytest.raises(CandidatureError) as refused:
        candidature.prononcer_decision(Decision.retiree, RECUE_LE + jours(30), None)

    assert refused.value.rule == "candidature_close"
    assert candidature.statut == "admise"


# -- admission -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("closed", [refusee, retiree], ids=["refusee", "retiree"])
def test_a_refused_or_withdrawn_candidature_cannot_be_admitted(closed) -> None:  # type: ignore[no-untyped-def]
    candidature = closed()

    with pytest.raises(CandidatureError) as refused:
        candidature.admettre(uuid.uuid4(), RECUE_LE + jours(20))

    assert refused.value.rule == "admission_non_acceptee"
    assert candidature.sejour_id is None


def test_a_candidature_not_yet_decided_cannot_be_admitted_and_the_message_says_where_it_stands() -> None:
    candidature = candidature_recue()
    candidature.planifier_contact(RECUE_LE + jours(1), "famille", "telephone", None)

    with pytest.raises(CandidatureError) as refused:
        candidature.admettre(uuid.uuid4(), RECUE_LE + jours(20))

    assert refused.value.rule == "admission_non_acceptee"
    assert "contact planifie" in refused.value.message


def test_a_candidature_cannot_be_admitted_twice() -> None:
    candidature = admise()
    first_sejour = candidature.sejour_id

    with pytest.raises(CandidatureError) as refused:
        candidature.admettre(uuid.uuid4(), RECUE_LE + jours(21))

    assert refused.value.rule == "double_admission"
    assert candidature.sejour_id == first_sejour


# -- closed candidatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("closed", [refusee, retiree, admise], ids=["refusee", "retiree", "admise"])
def test_no_contact_can_be_planned_on_a_closed_candidature(closed) -> None:  # type: ignore[no-untyped-def]
    candidature = closed()
    version = candidature.version

    with pytest.raises(CandidatureError) as refused:
        candidature.planifier_contact(RECUE_LE + jours(30), "famille", "telephone", None)

    assert refused.value.rule == "candidature_close"
    assert candidature.version == version


@pytest.mark.parametrize("closed", [refusee, retiree, admise], ids=["refusee", "retiree", "admise"])
def test_no_visit_can_be_traced_on_a_closed_candidature(closed) -> None:  # type: ignore[no-untyped-def]
    candidature = closed()

    with pytest.raises(CandidatureError) as refused:
        candidature.tracer_visite(RECUE_LE + jours(30), StatutVisite.realisee, None)

    assert refused.value.rule == "candidature_close"


# -- visits ----------------------------------------------------------------------------------------------


def test_a_visit_said_realisee_before_the_candidature_was_received_is_refused() -> None:
    candidature = candidature_recue()

    with pytest.raises(InvalidInput) as refused:
        candidature.tracer_visite(RECUE_LE - jours(1), StatutVisite.realisee, "visite")

    assert [(e.field, e.rule) for e in refused.value.errors] == [("le", "visite_avant_candidature")]
    assert candidature.statut == "recue"
    assert candidature.version == 1


def test_a_visit_realisee_on_the_very_moment_of_reception_is_accepted() -> None:
    candidature = candidature_recue()

    candidature.tracer_visite(RECUE_LE, StatutVisite.realisee, None)

    assert candidature.statut == "visite_realisee"


def test_every_refusal_is_a_domain_error_the_edge_can_map_to_a_status() -> None:
    candidature = candidature_recue()

    with pytest.raises(DomainError) as refused:
        candidature.admettre(uuid.uuid4(), RECUE_LE + jours(1))

    assert refused.value.status == 409
