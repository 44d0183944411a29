"""Prescription rules: who may prescribe, what a prescription must say, versions and their signatures, the stop,
and the administrations traced against its schedule.

Each test builds a prescription through its own commands, then checks what the team would notice: the refusal
(its rule and field), the slots of the plan, and the events recorded — none when a command changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import rfc8785

from dui_shared.aggregate import AggregateMapper, CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.soins import (
    ActePrescrit,
    ContenuPrescription,
    JourSemaine,
    Medicament,
    MotifNonRealisation,
    NaturePrescription,
    Prise,
    SiBesoin,
    TypeActe,
    Voie,
)
from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, Forbidden, InvalidInput
from dui_shared.eventstore import StoredEvent
from dui_shared.rpps import with_key
from dui_shared.timezone import PARIS, to_utc
from dui_soins.domain.planning import Version, creneaux_prescription
from dui_soins.domain.prescription import Intervenant, Prescripteur, Prescription
from dui_soins.domain.roles import voit_prescription
from tests.unit.builders import EHPAD

RPPS = with_key("1000000001")  # 10000000017
MEDECIN = Prescripteur(RPPS, "medecin", "Dr Leroy")
IDE = Intervenant("ide-1", "infirmier", "Sophie")
EMISE_LE = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)  # 08:00 in Paris
mapper = AggregateMapper(registry)


def paris(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return to_utc(datetime(2026, month, day, hour, minute, tzinfo=PARIS))


def paracetamol(**changes: Any) -> ContenuPrescription:
    fields: dict[str, Any] = {
        "nature": NaturePrescription.medicament,
        "medicament": Medicament(denomination="Paracétamol", dosage="500 mg", voie=Voie.orale),
        "prises": (Prise(heure=time(8), quantite=1, unite="comprimé"), Prise(heure=time(20), quantite=1)),
        "debut": EMISE_LE,
        "fin": date(2026, 10, 10),
    }
    fields.update(changes)
    return ContenuPrescription(**fields)


def emise(contenu: ContenuPrescription | None = None, le: datetime = EMISE_LE) -> Prescription:
    return Prescription.emettre(uuid.uuid4(), uuid.uuid4(), EHPAD, contenu or paracetamol(), MEDECIN, le)


def events(p: Prescription) -> list[str]:
    return [type(e).__name__ for e in p.collect_events()]


def rules(exc: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in exc.errors}


NOW = paris(12, 12)


# -- who prescribes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["infirmier", "aide_soignant", "secretariat", "medecin_traitant"])
def test_only_a_physician_may_prescribe(role: str) -> None:
    with pytest.raises(Forbidden) as refused:
        Prescription.emettre(
            uuid.uuid4(), uuid.uuid4(), EHPAD, paracetamol(), Prescripteur(RPPS, role), EMISE_LE
        )
    assert refused.value.rule == "prescripteur_non_habilite"
    assert role in refused.value.message and "médecin" in refused.value.message


@pytest.mark.parametrize(
    ("identifiant", "why"),
    [("10000000018", "clé"), ("med-0001", "11 chiffres"), ("1000000001", "11 chiffres")],
)
def test_a_physician_without_a_valid_rpps_number_may_not_prescribe(identifiant: str, why: str) -> None:
    with pytest.raises(Forbidden) as refused:
        Prescription.emettre(
            uuid.uuid4(), uuid.uuid4(), EHPAD, paracetamol(), Prescripteur(identifiant, "medecin"), EMISE_LE
        )
    assert refused.value.rule == "prescripteur_non_habilite"
    assert why in refused.value.message


def test_the_medecin_coordonnateur_prescribes_too() -> None:
    p = Prescription.emettre(
        uuid.uuid4(),
        uuid.uuid4(),
        EHPAD,
        paracetamol(),
        Prescripteur(RPPS, "medecin_coordonnateur"),
        EMISE_LE,
    )
    assert events(p) == ["PrescriptionEmise", "PrescriptionSignee"]


def test_modifying_or_stopping_needs_an_authorised_prescriber_too() -> None:
    p = emise()
    for intrus in (Prescripteur(RPPS, "infirmier"), Prescripteur("10000000018", "medecin")):
        with pytest.raises(Forbidden) as refused:
            p.modifier(paracetamol(fin=date(2026, 10, 5)), "dose", intrus, NOW)
        assert refused.value.rule == "prescripteur_non_habilite"
        with pytest.raises(Forbidden):
            p.arreter("fin du traitement", intrus, NOW)


# -- what a prescription says ----------------------------------------------------------------------------


def test_a_drug_needs_its_drug_and_a_when() -> None:
    with pytest.raises(InvalidInput) as refused:
        emise(paracetamol(medicament=None, prises=()))
    assert rules(refused.value) == {
        ("contenu.medicament", "medicament_requis"),
        ("contenu.prises", "posologie_requise"),
    }


def test_an_exam_describes_the_exam_and_names_no_drug() -> None:
    with pytest.raises(InvalidInput) as refused:
        emise(paracetamol(nature=NaturePrescription.examen, prises=(), le=paris(3, 8)))
    assert rules(refused.value) == {
        ("contenu.acte", "acte_requis"),
        ("contenu.medicament", "medicament_non_attendu"),
        ("contenu.fin", "duree_sans_objet"),
    }


def test_schedule_rules_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as refused:
        emise(
            paracetamol(
                prises=(Prise(heure=time(8), quantite=1), Prise(heure=time(8)), Prise(heure=time(12))),
                jours_semaine=(JourSemaine.lundi, JourSemaine.lundi),
                fin=date(2026, 9, 30),
            )
        )
    assert rules(refused.value) == {
        ("contenu.prises", "heure_dupliquee"),
        ("contenu.prises.1.quantite", "quantite_requise"),
        ("contenu.prises.2.quantite", "quantite_requise"),
        ("contenu.jours_semaine", "jour_duplique"),
        ("contenu.fin", "fin_avant_debut"),
    }


def test_an_end_date_and_a_duration_must_agree() -> None:
    with pytest.raises(InvalidInput) as refused:
        emise(paracetamol(fin=date(2026, 10, 10), duree_jours=7))
    assert rules(refused.value) == {("contenu.duree_jours", "fin_et_duree_incoherentes")}
    assert emise(paracetamol(fin=date(2026, 10, 7), duree_jours=7)).version == 2  # emitted and signed


def test_a_single_date_excludes_a_schedule_and_weekdays_need_a_schedule() -> None:
    with pytest.raises(InvalidInput) as refused:
        emise(paracetamol(le=paris(3, 8), fin=None))
    assert rules(refused.value) == {("contenu.le", "le_ou_prises")}
    with pytest.raises(InvalidInput) as refused:
        emise(
            paracetamol(
                prises=(), jours_semaine=(JourSemaine.lundi,), si_besoin=SiBesoin(condition="douleur")
            )
        )
    assert rules(refused.value) == {("contenu.jours_semaine", "jours_sans_prises")}


def test_the_start_defaults_to_the_emission() -> None:
    p = emise(paracetamol(debut=None))
    assert p.contenu.debut == EMISE_LE


# -- versions and signatures -------------------------------------------------------------------------------


def canonical_sha256(contenu: ContenuPrescription) -> str:
    """SHA-256 of the content in the JSON Canonicalization Scheme (RFC 8785), as any verifier computes it."""
    return hashlib.sha256(rfc8785.dumps(json.loads(contenu.model_dump_json()))).hexdigest()


def test_the_fingerprint_is_that_of_the_rfc8785_form_where_a_quantity_of_1_is_written_1() -> None:
    contenu = ContenuPrescription(
        nature=NaturePrescription.medicament,
        medicament=Medicament(denomination="Paracétamol", voie=Voie.orale),
        prises=(Prise(heure=time(8), quantite=1), Prise(heure=time(20), quantite=0.5)),
        debut=EMISE_LE,
    )
    jcs = (
        '{"acte":null,"debut":"2026-10-01T06:00:00Z","duree_jours":null,"fin":null,"instructions":null,'
        '"jours_semaine":[],"le":null,"medicament":{"denomination":"Paracétamol","dosage":null,"forme":null,'
        '"voie":"orale"},"nature":"medicament","prises":[{"heure":"08:00:00","quantite":1,"unite":null},'
        '{"heure":"20:00:00","quantite":0.5,"unite":null}],"si_besoin":null}'
    )
    assert contenu.empreinte() == hashlib.sha256(jcs.encode("utf-8")).hexdigest()
    python_repr = jcs.replace(
        '"quantite":1,', '"quantite":1.0,'
    )  # what a JavaScript or Go verifier never writes
    assert contenu.empreinte() != hashlib.sha256(python_repr.encode("utf-8")).hexdigest()


def test_an_emission_is_signed_in_the_same_decision_with_the_hash_of_its_content() -> None:
    p = emise()
    [emission, signature] = mapper.to_envelopes(p, CommandContext(actor=Actor(id=RPPS, role="medecin")))
    assert emission.envelope.type == "soins.PrescriptionEmise.v1"
    assert signature.envelope.type == "soins.PrescriptionSignee.v1"
    assert signature.subject == emission.subject
    data = signature.envelope.data
    assert (data["version"], data["signataire"], data["algorithme"]) == (1, RPPS, "SHA-256")
    assert data["signee_le"] == "2026-10-01T06:00:00Z"
    assert data["empreinte"] == canonical_sha256(p.contenu)


def test_a_modification_is_a_new_signed_version_and_keeps_the_previous_one() -> None:
    p = emise()
    p.collect_events()
    changed = paracetamol(prises=(Prise(heure=time(8), quantite=2),))
    assert p.modifier(changed, "douleur mal contrôlée", MEDECIN, paris(5, 10)) == 2
    assert events(p) == ["PrescriptionModifiee", "PrescriptionSignee"]
    assert p.courante == 2
    assert p.versions[1].contenu == paracetamol()
    assert p.versions[2].contenu == changed
    assert p.versions[2].empreinte == canonical_sha256(changed)
    assert p.versions[1].empreinte == canonical_sha256(paracetamol())


def test_the_same_content_again_signs_nothing() -> None:
    p = emise()
    p.collect_events()
    assert p.modifier(paracetamol(debut=None), "relecture", MEDECIN, paris(5, 10)) == 1
    assert events(p) == []


def test_the_same_modification_again_answers_its_version_even_with_the_version_read_then() -> None:
    p = emise()
    prolongee = paracetamol(fin=date(2026, 10, 20))
    assert p.modifier(prolongee, "prolongation", MEDECIN, paris(5, 10), version_attendue=1) == 2
    p.collect_events()
    # an unkeyed retry of the request that went through: nothing new, answered as then (not version_perimee)
    assert p.modifier(prolongee, "prolongation", MEDECIN, paris(5, 10, 1), version_attendue=1) == 2
    assert events(p) == []


def test_a_modification_keeps_the_nature_and_may_check_the_version_read() -> None:
    p = emise()
    p.modifier(paracetamol(fin=date(2026, 10, 20)), "prolongation", MEDECIN, paris(5, 10))
    with pytest.raises(DomainError) as stale:
        p.modifier(
            paracetamol(fin=date(2026, 10, 25)), "prolongation", MEDECIN, paris(5, 11), version_attendue=1
        )
    assert (stale.value.status, stale.value.rule) == (409, "version_perimee")
    kine = ContenuPrescription(
        nature=NaturePrescription.acte,
        acte=ActePrescrit(type=TypeActe.kinesitherapie, libelle="rééducation à la marche"),
        prises=(Prise(heure=time(10)),),
    )
    with pytest.raises(InvalidInput) as refused:
        p.modifier(kine, "autre chose", MEDECIN, paris(5, 12))
    assert rules(refused.value) == {("contenu.nature", "nature_modifiee")}


def test_a_version_governs_from_its_change_and_earlier_slots_keep_the_earlier_one() -> None:
    p = emise()
    p.modifier(paracetamol(prises=(Prise(heure=time(8), quantite=2),)), "dose", MEDECIN, paris(5, 10))
    versions = [Version(v.numero, v.contenu, v.depuis) for _, v in sorted(p.versions.items())]
    slots = creneaux_prescription(versions, None, paris(4, 0), paris(7, 0))
    assert [(s.prevu_le, s.version, s.quantite) for s in slots] == [
        (paris(4, 8), 1, 1),
        (paris(4, 20), 1, 1),
        (paris(5, 8), 1, 1),  # before the change at 10:00
        (paris(6, 8), 2, 2),  # version 2 has no 20:00 intake
    ]
    assert p.planifie(paris(5, 8)) and not p.planifie(paris(5, 20)) and p.planifie(paris(6, 8))


def test_a_stop_is_recorded_once_and_ends_the_plan() -> None:
    p = emise()
    p.collect_events()
    p.arreter("effet indésirable", MEDECIN, paris(4, 12))
    p.arreter("effet indésirable", MEDECIN, paris(4, 13))
    assert events(p) == ["PrescriptionArretee"]
    assert p.planifie(paris(4, 8)) and not p.planifie(paris(4, 20))
    with pytest.raises(DomainError) as refused:
        p.modifier(paracetamol(fin=date(2026, 10, 20)), "reprise", MEDECIN, paris(4, 14))
    assert (refused.value.status, refused.value.rule) == (409, "prescription_arretee")


# -- acts ----------------------------------------------------------------------------------------------------


def test_an_administration_is_traced_against_a_planned_slot_once() -> None:
    p = emise()
    p.collect_events()
    p.realiser(paris(3, 8), paris(3, 8, 10), IDE, 1, None, NOW)
    p.realiser(paris(3, 8), paris(3, 8, 15), IDE, 1, "again", NOW)  # the same outcome again: nothing new
    assert events(p) == ["ActeRealise"]
    with pytest.raises(DomainError) as refused:
        p.non_realiser(paris(3, 8), MotifNonRealisation.refus, None, IDE, NOW)
    assert (refused.value.status, refused.value.rule, refused.value.field) == (
        409,
        "acte_deja_trace",
        "prevu_le",
    )


def test_a_slot_not_done_is_traced_with_its_reason_once() -> None:
    p = emise()
    p.collect_events()
    p.non_realiser(paris(3, 20), MotifNonRealisation.refus, "refuse le comprimé", IDE, NOW)
    p.non_realiser(paris(3, 20), MotifNonRealisation.refus, None, IDE, NOW)
    assert events(p) == ["ActeNonRealise"]
    with pytest.raises(DomainError) as refused:
        p.non_realiser(paris(3, 20), MotifNonRealisation.autre, None, IDE, NOW)
    assert refused.value.rule == "acte_deja_trace"
    with pytest.raises(InvalidInput) as missing:
        p.non_realiser(None, MotifNonRealisation.refus, None, IDE, NOW)
    assert rules(missing.value) == {("prevu_le", "prevu_le_requis")}


def test_no_act_on_a_slot_after_the_stop() -> None:
    p = emise()
    p.arreter("arrêt", MEDECIN, paris(4, 12))
    for act in (
        lambda: p.realiser(paris(4, 20), paris(4, 20), IDE, 1, None, NOW),
        lambda: p.non_realiser(paris(4, 20), MotifNonRealisation.absent, None, IDE, NOW),
        lambda: p.realiser(paris(5, 8), paris(5, 8), IDE, 1, None, NOW),
    ):
        with pytest.raises(DomainError) as refused:
            act()
        assert (refused.value.status, refused.value.rule) == (409, "prescription_arretee")


def test_a_slot_planned_before_the_stop_is_still_traced_after_it() -> None:
    p = emise()
    p.arreter("effet indésirable", MEDECIN, paris(4, 20, 30))  # the physician stops it at 20:30
    p.collect_events()
    p.realiser(
        paris(4, 20), paris(4, 20, 5), IDE, 1, "donné avant l'arrêt", NOW
    )  # the 20:00 dose, traced later
    p.non_realiser(paris(4, 8), MotifNonRealisation.refus, None, IDE, NOW)
    assert events(p) == ["ActeRealise", "ActeNonRealise"]
    with pytest.raises(DomainError) as refused:
        p.realiser(paris(5, 8), paris(5, 8), IDE, 1, None, NOW)
    assert refused.value.rule == "prescription_arretee"


def test_a_slot_is_declared_not_done_only_once_its_time_is_near() -> None:
    p = emise(paracetamol(fin=date(2026, 10, 30)))
    with pytest.raises(InvalidInput) as refused:
        p.non_realiser(paris(22, 8), MotifNonRealisation.refus, None, IDE, NOW)  # ten days ahead
    assert rules(refused.value) == {("prevu_le", "dans_le_futur")}
    with pytest.raises(InvalidInput) as refused:
        p.non_realiser(paris(12, 20), MotifNonRealisation.refus, None, IDE, NOW)  # tonight, at noon
    assert rules(refused.value) == {("prevu_le", "dans_le_futur")}
    p.non_realiser(paris(12, 20), MotifNonRealisation.refus, "refuse d'avance", IDE, paris(12, 19, 15))
    assert events(p)[-1] == "ActeNonRealise"


def test_an_act_done_is_dated_after_the_start_and_near_its_slot() -> None:
    p = emise()
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(3, 8), datetime(1901, 10, 3, 8, tzinfo=UTC), IDE, 1, None, NOW)
    assert rules(refused.value) == {("realise_le", "avant_debut_prescription")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(3, 8), paris(4, 8, 1), IDE, 1, None, NOW)  # a day and a minute after the slot
    assert rules(refused.value) == {("realise_le", "realise_loin_du_creneau")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(2, 20), paris(1, 8), IDE, 1, None, NOW)  # at the start, but 36 h before the slot
    assert rules(refused.value) == {("realise_le", "realise_loin_du_creneau")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(1, 20), paris(1, 7), IDE, 1, None, NOW)  # before the 08:00 start
    assert rules(refused.value) == {("realise_le", "avant_debut_prescription")}
    p.collect_events()
    p.realiser(paris(3, 8), paris(4, 7, 30), IDE, 1, "tracé le lendemain", NOW)
    p.realiser(paris(3, 20), paris(3, 19, 30), IDE, 1, None, NOW)
    assert events(p) == ["ActeRealise", "ActeRealise"]


def test_no_act_on_a_slot_outside_the_plan_nor_after_the_end() -> None:
    p = emise()
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(3, 9), paris(3, 9), IDE, 1, None, NOW)
    assert rules(refused.value) == {("prevu_le", "creneau_hors_plan")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(1, 7), paris(1, 7), IDE, 1, None, NOW)  # before the start at 08:00
    assert rules(refused.value) == {("prevu_le", "creneau_hors_plan")}
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(11, 8), paris(11, 8), IDE, 1, None, NOW)  # the last day was the 10th
    assert rules(refused.value) == {("prevu_le", "apres_fin_prescription")}


def test_an_act_is_traced_once_done_not_ahead() -> None:
    p = emise()
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(3, 8), NOW + timedelta(hours=1), IDE, 1, None, NOW)
    assert rules(refused.value) == {("realise_le", "dans_le_futur")}
    p = emise(paracetamol(fin=date(2026, 10, 20)))
    p.realiser(paris(12, 8), NOW + timedelta(minutes=4), IDE, 1, None, NOW)  # clock skew


def test_only_care_roles_trace_acts() -> None:
    p = emise()
    with pytest.raises(Forbidden) as refused:
        p.realiser(paris(3, 8), paris(3, 8), Intervenant("sec-1", "secretariat"), 1, None, NOW)
    assert refused.value.rule == "role_soignant_requis"


def test_weekdays_restrict_the_slots() -> None:
    p = emise(paracetamol(prises=(Prise(heure=time(9), quantite=1),), jours_semaine=(JourSemaine.lundi,)))
    assert p.planifie(paris(5, 9))  # Monday 5 October 2026
    assert not p.planifie(paris(6, 9))


def test_si_besoin_administrations_have_no_slot_and_respect_the_daily_maximum() -> None:
    p = emise(paracetamol(prises=(), si_besoin=SiBesoin(condition="douleur EVA > 3", max_par_jour=2)))
    p.collect_events()
    p.realiser(None, paris(3, 9), IDE, 1, "EVA 5", NOW)
    p.realiser(None, paris(3, 15), IDE, 1, None, NOW)
    with pytest.raises(DomainError) as refused:
        p.realiser(None, paris(3, 21), IDE, 1, None, NOW)
    assert (refused.value.status, refused.value.rule) == (409, "max_par_jour_atteint")
    p.realiser(None, paris(4, 1), IDE, 1, None, NOW)  # another Paris day
    assert events(p) == ["ActeRealise"] * 3
    with pytest.raises(InvalidInput) as refused:
        p.realiser(None, paris(11, 9), IDE, 1, None, NOW)
    assert rules(refused.value) == {("realise_le", "apres_fin_prescription")}


def test_an_administration_without_a_slot_needs_a_si_besoin() -> None:
    p = emise()
    with pytest.raises(InvalidInput) as refused:
        p.realiser(None, paris(3, 9), IDE, 1, None, NOW)
    assert rules(refused.value) == {("prevu_le", "prevu_le_requis")}


def test_a_one_off_exam_has_one_slot() -> None:
    bilan = ContenuPrescription(
        nature=NaturePrescription.examen,
        acte=ActePrescrit(type=TypeActe.biologie, libelle="NFS, ionogramme"),
        le=paris(6, 7, 30),
    )
    p = emise(bilan)
    assert p.planifie(paris(6, 7, 30)) and not p.planifie(paris(7, 7, 30))
    p.realiser(paris(6, 7, 30), paris(6, 7, 40), IDE, None, None, NOW)
    with pytest.raises(InvalidInput) as refused:
        p.realiser(paris(7, 7, 30), paris(7, 7, 30), IDE, None, None, NOW)
    assert rules(refused.value) == {("prevu_le", "apres_fin_prescription")}


def test_a_prescription_replayed_from_its_events_has_the_same_state() -> None:
    p = emise()
    p.realiser(paris(3, 8), paris(3, 8, 5), IDE, 1, None, NOW)
    p.modifier(paracetamol(fin=date(2026, 10, 20)), "prolongation", MEDECIN, paris(5, 10))
    p.non_realiser(paris(5, 20), MotifNonRealisation.hospitalise, None, IDE, NOW)
    p.arreter("fin", MEDECIN, paris(8, 10))
    pending = mapper.to_envelopes(p, CommandContext(actor=Actor(id=RPPS, role="medecin")))
    replayed = mapper.replay(
        Prescription, [StoredEvent(i, e.subject, e.envelope) for i, e in enumerate(pending, 1)]
    )
    assert [e.envelope.aggregate_version for e in pending] == list(range(1, 8))
    assert replayed.courante == 2 and replayed.arretee_le == paris(8, 10)
    assert replayed.traces == p.traces
    assert {n: v.empreinte for n, v in replayed.versions.items()} == {
        n: v.empreinte for n, v in p.versions.items()
    }


# -- who reads -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "medicament", "acte"),
    [
        ("medecin", True, True),
        ("infirmier", True, True),
        ("aide_soignant", True, True),  # aide à la prise
        ("pharmacien", True, True),
        ("kinesitherapeute", False, True),  # their own prescriptions of acts, no drugs
        ("secretariat", False, False),
        ("animateur", False, False),
    ],
)
def test_drug_prescriptions_are_read_by_those_who_give_drugs(role: str, medicament: bool, acte: bool) -> None:
    assert voit_prescription(role, NaturePrescription.medicament) is medicament
    assert voit_prescription(role, NaturePrescription.acte) is acte
    assert voit_prescription(role, NaturePrescription.examen) is acte
