"""Events leave an aggregate as envelopes checked against their contract, and old versions are upcast on read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from dui_admission.domain.candidature import Candidature, CandidatureError
from dui_admission.domain.sejour import Sejour
from dui_shared.aggregate import AggregateMapper, CommandContext
from dui_shared.contracts import ContractRegistry, EventData, MalformedEvent, UnknownEventType, registry
from dui_shared.contracts.admission import ActionSortie, Decision, MotifSortie, StatutVisite, Usager
from dui_shared.envelope import Actor, Envelope
from dui_shared.eventstore import PendingEvent, StoredEvent
from tests.unit.builders import ADMIS_LE, EHPAD, RECUE_LE, candidature_recue, jours, sejour_admis

SECRETAIRE = Actor(id="sec-0001", role="secretariat", esms=(EHPAD,))
mapper = AggregateMapper(registry)


def as_stored(pending: list[PendingEvent]) -> list[StoredEvent]:
    """What reading the subject back from the log would give."""
    return [StoredEvent(seq=i, subject=p.subject, envelope=p.envelope) for i, p in enumerate(pending, 1)]


# -- aggregate ↔ envelopes -------------------------------------------------------------------------------


def test_a_received_candidature_leaves_as_a_versioned_envelope_on_its_esms_subject() -> None:
    candidature = candidature_recue()
    ctx = CommandContext(actor=SECRETAIRE, causation_id="cmd-1")

    [pending] = mapper.to_envelopes(candidature, ctx)
    envelope = pending.envelope

    assert pending.subject == f"dui.evt.{EHPAD}.admission.candidature.{candidature.id}"
    assert envelope.type == "admission.CandidatureRecue.v1"
    assert envelope.subject == str(candidature.id)
    assert envelope.source == "dui/admission"
    assert envelope.esms == EHPAD
    assert envelope.aggregate_type == "candidature"
    assert envelope.aggregate_version == 1
    assert envelope.time.utcoffset() == timedelta(0)
    assert envelope.actor == SECRETAIRE
    assert (envelope.correlation_id, envelope.causation_id) == (ctx.correlation_id, "cmd-1")
    assert envelope.data["recue_le"] == "2026-03-02T09:00:00Z"
    assert envelope.data["usager"]["nom_naissance"] == "Martin"


def test_a_candidature_replayed_from_its_envelopes_is_the_candidature_that_was_saved() -> None:
    candidature = candidature_recue()
    candidature.planifier_contact(RECUE_LE + jours(1), "famille", "telephone", "rappeler")
    candidature.tracer_visite(RECUE_LE + jours(7), StatutVisite.realisee, "visite de la chambre")
    candidature.prononcer_decision(Decision.acceptee, RECUE_LE + jours(10), None)
    sejour_id = uuid.uuid4()
    candidature.admettre(sejour_id, RECUE_LE + jours(20))

    pending = mapper.to_envelopes(candidature, CommandContext(actor=SECRETAIRE))
    replayed = mapper.replay(Candidature, as_stored(pending))

    assert [p.envelope.type for p in pending] == [
        "admission.CandidatureRecue.v1",
        "admission.ContactPlanifie.v1",
        "admission.VisitePreadmission.v1",
        "admission.DecisionPrononcee.v1",
        "admission.CandidatureAdmise.v1",
    ]
    assert [p.envelope.aggregate_version for p in pending] == [1, 2, 3, 4, 5]
    assert replayed.id == candidature.id
    assert replayed.version == candidature.version == 5
    assert replayed.statut == "admise"
    assert replayed.sejour_id == sejour_id
    assert replayed.demande_id == candidature.demande_id
    assert replayed.usager == candidature.usager
    assert replayed.recue_le == RECUE_LE
    assert replayed.subject == candidature.subject
    assert replayed.collect_events() == []


def test_a_replayed_candidature_keeps_enforcing_its_rules() -> None:
    candidature = candidature_recue()
    candidature.prononcer_decision(Decision.refusee, RECUE_LE + jours(2), "hors secteur")
    replayed = mapper.replay(
        Candidature, as_stored(mapper.to_envelopes(candidature, CommandContext(actor=SECRETAIRE)))
    )

    with pytest.raises(CandidatureError, match="refusée") as refused:
        replayed.admettre(uuid.uuid4(), RECUE_LE + jours(5))

    assert refused.value.rule == "admission_non_acceptee"


def test_a_sejour_with_its_deces_and_actions_survives_the_round_trip() -> None:
    sejour = sejour_admis()
    deces_le = ADMIS_LE + jours(100)
    famille = ActionSortie(libelle="famille prévenue", realisee_le=deces_le, commentaire=None)
    sejour.prononcer_sortie(deces_le, MotifSortie.deces, None, (famille,))
    sejour.tracer_action_sortie(
        ActionSortie(libelle="effets restitués", realisee_le=deces_le + jours(3), commentaire="à la fille")
    )

    replayed = mapper.replay(Sejour, as_stored(mapper.to_envelopes(sejour, CommandContext(actor=SECRETAIRE))))

    assert replayed.version == sejour.version == 3
    assert not replayed.actif
    assert replayed.sortie_le == deces_le
    assert replayed.motif_sortie is MotifSortie.deces
    assert replayed.actions_sortie == sejour.actions_sortie
    assert replayed.place == "chambre 12"


def test_an_event_whose_data_breaks_its_contract_is_refused_before_it_reaches_the_log() -> None:
    candidature = candidature_recue()
    # the domain does not type-check its arguments; the contract must
    candidature.planifier_contact("demain matin", "famille", "telephone", None)  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match="planifie_le"):
        mapper.to_envelopes(candidature, CommandContext(actor=SECRETAIRE))


def test_an_aggregate_whose_events_have_no_contract_cannot_be_saved() -> None:
    candidature = candidature_recue()

    with pytest.raises(UnknownEventType):
        AggregateMapper(ContractRegistry()).to_envelopes(candidature, CommandContext(actor=SECRETAIRE))


# -- contract versions -----------------------------------------------------------------------------------

essais = ContractRegistry()


@essais.register
class ChambreAttribuee(EventData):
    """v2 splits v1's free-text `chambre` ("12B") into a number and a wing."""

    service: ClassVar[str] = "essai"
    schema_version: ClassVar[int] = 2

    numero: int
    aile: str


@essais.upcaster("essai.ChambreAttribuee", from_version=1)
def _chambre_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    chambre = data.pop("chambre")
    return {**data, "numero": int(chambre[:-1]), "aile": chambre[-1]}


def envelope(type_: str, data: dict[str, Any]) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=type_,
        source="dui/essai",
        subject=str(uuid.uuid4()),
        time=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        esms=EHPAD,
        aggregate_type="chambre",
        aggregate_version=1,
        actor=SECRETAIRE,
        correlation_id="corr-1",
        data=data,
    )


def test_an_event_written_in_v1_is_read_as_the_current_v2_contract() -> None:
    decoded = essais.decode(envelope("essai.ChambreAttribuee.v1", {"chambre": "12B"}))

    assert decoded == ChambreAttribuee(numero=12, aile="B")


def test_an_event_written_in_the_current_version_is_read_without_upcasting() -> None:
    decoded = essais.decode(envelope("essai.ChambreAttribuee.v2", {"numero": 3, "aile": "A"}))

    assert decoded == ChambreAttribuee(numero=3, aile="A")


def test_the_throwaway_contract_does_not_leak_into_the_platform_registry() -> None:
    with pytest.raises(UnknownEventType):
        registry.decode(envelope("essai.ChambreAttribuee.v2", {"numero": 3, "aile": "A"}))


def test_an_event_type_nobody_registered_is_reported_as_unknown() -> None:
    with pytest.raises(UnknownEventType, match=r"essai\.LitDemenage"):
        essais.decode(envelope("essai.LitDemenage.v1", {}))


def test_an_event_newer_than_the_known_contract_is_reported_as_malformed() -> None:
    with pytest.raises(MalformedEvent, match="version plus récente"):
        essais.decode(envelope("essai.ChambreAttribuee.v3", {"numero": 3, "aile": "A", "etage": 1}))


def test_an_old_version_without_upcaster_is_reported_as_malformed() -> None:
    sans_upcaster = ContractRegistry()
    sans_upcaster.register(ChambreAttribuee)

    with pytest.raises(MalformedEvent, match="pas d'upcaster depuis v1"):
        sans_upcaster.decode(envelope("essai.ChambreAttribuee.v1", {"chambre": "12B"}))


def test_stored_data_that_breaks_the_contract_is_reported_as_malformed() -> None:
    with pytest.raises(MalformedEvent):
        essais.decode(envelope("essai.ChambreAttribuee.v2", {"numero": "douze", "aile": "B"}))


def test_a_contract_without_service_cannot_be_registered() -> None:
    class SansService(EventData):
        pass

    with pytest.raises(TypeError):
        ContractRegistry().register(SansService)


def test_an_event_already_in_the_log_reads_back_even_if_todays_input_rules_refuse_it() -> None:
    born_1899 = {"nom_naissance": "Ancien", "prenoms": "Jules", "date_naissance": "1899-12-31", "sexe": "M"}
    with pytest.raises(ValidationError):
        Usager.model_validate(born_1899)  # a new input must be between 1900 and 2100
    stored = envelope(
        "admission.AdmissionPrononcee.v1",
        {
            "candidature_id": str(uuid.uuid4()),
            "esms": "690004122",
            "usager": born_1899,
            "type_accueil": "permanent",
            "admis_le": "2020-01-01T10:00:00Z",
            "place": None,
        },
    )
    assert registry.decode(stored).usager.date_naissance.year == 1899
