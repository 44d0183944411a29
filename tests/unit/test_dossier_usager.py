"""Dossier usager rules: identity and INS status, entourage, team, absences, mesures, prestations, archive.

Each test builds a dossier through its own commands, then checks what the person's professionals would notice:
the status shown, the refusal (its rule and field), and the events recorded — none when a command changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from dui_dossier.domain.dossier import DossierError, DossierUsager, echeance_conservation
from dui_shared.contracts.admission import MotifSortie, Sexe, TypeAccueil
from dui_shared.contracts.dossier import (
    Canal,
    Contact,
    Justificatif,
    OperationInsi,
    ProfessionnelEquipe,
    RoleEntourage,
    TypeAbsence,
    TypePrestation,
)
from dui_shared.contracts.identite import MatriculeIns, StatutIdentite, TraitsIdentite
from dui_shared.errors import InvalidInput, NotFound
from tests.unit.builders import EHPAD

ADMIS_LE = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
INS = MatriculeIns(valeur="238036912304554", oid="1.2.250.1.213.1.4.11")
AUTRE_INS = MatriculeIns(valeur="135111305511281", oid="1.2.250.1.213.1.4.11")
RPPS_VALIDE = "10001234565"  # body 1000123456, Luhn key 5 (see test_rpps.py)
MSSANTE = "dr.durand@medecin.mssante.fr"
CARTE = Justificatif.carte_identite


def jours(n: int) -> timedelta:
    return timedelta(days=n)


def traits(**changes: Any) -> TraitsIdentite:
    """A fictitious person, as entered at admission (no birthplace known yet)."""
    fields: dict[str, Any] = {
        "nom_naissance": "Martin",
        "prenoms": "Jeanne Louise",
        "date_naissance": date(1938, 3, 12),
        "sexe": Sexe.F,
    }
    fields.update(changes)
    return TraitsIdentite(**fields)


def traits_insi(**changes: Any) -> TraitsIdentite:
    """The same person as the INSi téléservice answers: capitals, no diacritics, the birthplace known."""
    fields: dict[str, Any] = {
        "nom_naissance": "MARTIN",
        "prenoms": "JEANNE LOUISE",
        "premier_prenom": "JEANNE",
        "date_naissance": date(1938, 3, 12),
        "sexe": Sexe.F,
        "lieu_naissance": "69123",
    }
    fields.update(changes)
    return TraitsIdentite(**fields)


def dossier(**changes: Any) -> DossierUsager:
    """An open dossier whose opening event was already collected: tests see only what their commands record."""
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "sejour_id": uuid.uuid4(),
        "esms": EHPAD,
        "traits": traits(),
        "type_accueil": TypeAccueil.permanent,
        "admis_le": ADMIS_LE,
    }
    fields.update(changes)
    created = DossierUsager(**fields)
    created.collect_events()
    return created


def events(aggregate: DossierUsager) -> list[Any]:
    return list(aggregate.collect_events())


def names(aggregate: DossierUsager) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def recuperer(d: DossierUsager, traits_: TraitsIdentite | None = None, now: datetime | None = None) -> None:
    d.recuperer_ins(OperationInsi.recherche, INS, traits_ or traits_insi(), now or ADMIS_LE + jours(1))


def sortir(
    d: DossierUsager, le: datetime = ADMIS_LE + jours(60), motif: MotifSortie = MotifSortie.retour_domicile
) -> None:
    d.clore(le, motif, None)


def contact(*roles: RoleEntourage, **changes: Any) -> Contact:
    fields: dict[str, Any] = {"nom": "Durand", "prenom": "Paul", "roles": roles or (RoleEntourage.famille,)}
    fields.update(changes)
    return Contact(**fields)


def medecin(**changes: Any) -> Contact:
    fields: dict[str, Any] = {
        "nom": "Lefèvre",
        "prenom": "Claire",
        "profession": "médecin généraliste",
        "rpps": RPPS_VALIDE,
        "adresse_mssante": MSSANTE,
    }
    fields.update(changes)
    return contact(RoleEntourage.medecin_traitant, **fields)


def pro(
    id_: str = "10101010101", nom: str = "Sophie Bernard", profession: str = "infirmière"
) -> ProfessionnelEquipe:
    return ProfessionnelEquipe(id=id_, nom=nom, profession=profession)


def field_rules(refused: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.rule) for e in refused.value.errors]


# -- opening and identity (INS) ----------------------------------------------------------------------------


def test_a_dossier_opens_at_admission_with_a_provisional_identity() -> None:
    opened = DossierUsager(
        id=uuid.uuid4(),
        sejour_id=uuid.uuid4(),
        esms=EHPAD,
        traits=traits(),
        type_accueil=TypeAccueil.permanent,
        admis_le=ADMIS_LE,
    )

    assert names(opened) == ["DossierOuvert"]
    assert opened.statut_identite is StatutIdentite.provisoire
    assert opened.matricule is None
    assert not opened.clos
    assert not opened.archive


def test_an_insi_answer_makes_the_identity_recuperee_but_not_yet_qualified() -> None:
    d = dossier()

    recuperer(d)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["InsRecuperee"]
    assert recorded[0].statut is StatutIdentite.recuperee
    assert recorded[0].matricule == INS
    assert d.statut_identite is StatutIdentite.recuperee
    assert d.matricule == INS


def test_an_identity_cannot_be_qualified_without_the_identity_document_check() -> None:
    d = dossier()
    recuperer(d)
    d.collect_events()
    verifiee_le = ADMIS_LE + jours(2)

    d.valider_identite(CARTE, verifiee_le)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["IdentiteValidee", "IdentiteQualifiee"]
    assert recorded[0].statut is StatutIdentite.qualifiee
    assert recorded[1].matricule == INS
    assert recorded[1].qualifiee_le == verifiee_le
    assert d.statut_identite is StatutIdentite.qualifiee


def test_a_validated_identity_is_qualified_when_insi_answers() -> None:
    d = dossier()

    d.valider_identite(Justificatif.passeport, ADMIS_LE + jours(1))

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["IdentiteValidee"]
    assert recorded[0].statut is StatutIdentite.validee
    assert d.statut_identite is StatutIdentite.validee

    now = ADMIS_LE + jours(3)
    recuperer(d, now=now)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["InsRecuperee", "IdentiteQualifiee"]
    assert recorded[0].statut is StatutIdentite.qualifiee
    assert recorded[1].matricule == INS
    assert recorded[1].qualifiee_le == now
    assert d.statut_identite is StatutIdentite.qualifiee


@pytest.mark.parametrize("justificatif", [Justificatif.livret_famille, Justificatif.extrait_acte_naissance])
def test_a_low_trust_document_does_not_validate_the_identity(justificatif: Justificatif) -> None:
    d = dossier()
    recuperer(d)
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.valider_identite(justificatif, ADMIS_LE + jours(2))

    assert field_rules(refused) == [("justificatif", "justificatif_insuffisant")]
    assert refused.value.status == 422
    assert d.statut_identite is StatutIdentite.recuperee
    assert names(d) == []


@pytest.mark.parametrize(
    "justificatif", [Justificatif.carte_identite, Justificatif.passeport, Justificatif.titre_sejour]
)
def test_each_high_trust_document_validates_the_identity(justificatif: Justificatif) -> None:
    d = dossier()

    d.valider_identite(justificatif, ADMIS_LE + jours(1))

    assert d.statut_identite is StatutIdentite.validee


def test_validating_an_already_validated_identity_again_records_nothing() -> None:
    d = dossier()
    d.valider_identite(CARTE, ADMIS_LE + jours(1))
    d.collect_events()

    d.valider_identite(Justificatif.passeport, ADMIS_LE + jours(2))

    assert names(d) == []
    assert d.statut_identite is StatutIdentite.validee


def test_a_qualified_identity_is_not_qualified_a_second_time_by_another_document() -> None:
    d = dossier()
    recuperer(d)
    d.valider_identite(CARTE, ADMIS_LE + jours(2))
    d.collect_events()

    d.valider_identite(Justificatif.passeport, ADMIS_LE + jours(3))

    assert names(d) == []


def test_traits_got_from_insi_cannot_be_corrected_by_hand() -> None:
    d = dossier()
    recuperer(d)
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.corriger_traits(traits_insi(prenoms="JEANNE LOUISETTE"), "faute de frappe")

    assert refused.value.rule == "traits_ins_verrouilles"
    assert refused.value.field == "traits"
    assert refused.value.status == 409
    assert d.traits.prenoms == "JEANNE LOUISE"
    assert d.statut_identite is StatutIdentite.recuperee
    assert names(d) == []


def test_correcting_the_traits_of_a_validated_identity_brings_it_back_to_provisoire() -> None:
    d = dossier()
    d.valider_identite(CARTE, ADMIS_LE + jours(1))
    d.collect_events()
    corrected = traits(prenoms="Jeanne Louisa")

    d.corriger_traits(corrected, "erreur de saisie à la candidature")

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["TraitsIdentiteCorriges"]
    assert recorded[0].statut is StatutIdentite.provisoire
    assert recorded[0].motif == "erreur de saisie à la candidature"
    assert d.traits == corrected
    assert d.statut_identite is StatutIdentite.provisoire


def test_the_same_correction_sent_twice_is_recorded_once() -> None:
    d = dossier()
    corrected = traits(nom_naissance="Martins")

    d.corriger_traits(corrected, "erreur de saisie")
    d.corriger_traits(corrected, "erreur de saisie")

    assert names(d) == ["TraitsIdentiteCorriges"]


def test_a_correction_identical_to_the_current_traits_records_nothing() -> None:
    d = dossier()

    d.corriger_traits(traits(), "relecture")

    assert names(d) == []


@pytest.mark.parametrize("step", ["recuperee", "validee", "qualifiee"])
def test_a_doubt_on_the_identity_brings_it_back_to_provisoire_and_drops_the_ins(step: str) -> None:
    d = dossier()
    if step in ("recuperee", "qualifiee"):
        recuperer(d)
    if step in ("validee", "qualifiee"):
        d.valider_identite(CARTE, ADMIS_LE + jours(2))
    assert d.statut_identite.value == step
    d.collect_events()

    d.signaler_doute("homonyme découvert dans l'établissement")

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["IdentiteDouteuse"]
    assert recorded[0].motif == "homonyme découvert dans l'établissement"
    assert d.statut_identite is StatutIdentite.provisoire
    assert d.matricule is None


def test_a_doubt_on_a_provisional_identity_records_nothing_and_a_second_doubt_is_a_no_op() -> None:
    d = dossier()

    d.signaler_doute("premier doute")

    assert names(d) == []

    recuperer(d)
    d.collect_events()
    d.signaler_doute("doute")
    d.signaler_doute("doute")

    assert names(d) == ["IdentiteDouteuse"]


def test_after_a_doubt_the_traits_can_be_corrected_and_insi_queried_again() -> None:
    d = dossier()
    recuperer(d)
    d.signaler_doute("date de naissance contestée par la famille")
    d.collect_events()

    d.corriger_traits(traits(date_naissance=date(1938, 3, 21)), "acte de naissance fourni par la famille")
    d.recuperer_ins(
        OperationInsi.recherche, AUTRE_INS, traits_insi(date_naissance=date(1938, 3, 21)), ADMIS_LE + jours(5)
    )

    assert names(d) == ["TraitsIdentiteCorriges", "InsRecuperee"]
    assert d.matricule == AUTRE_INS
    assert d.statut_identite is StatutIdentite.recuperee


def test_insi_traits_replace_the_local_ones_but_keep_the_names_the_esms_uses() -> None:
    d = dossier(traits=traits(nom_utilise="Dupont", prenom_utilise="Jeannette"))

    recuperer(d)

    recorded = events(d)
    assert d.traits.nom_naissance == "MARTIN"
    assert d.traits.lieu_naissance == "69123"
    assert d.traits.nom_utilise == "Dupont"
    assert d.traits.prenom_utilise == "Jeannette"
    assert recorded[0].traits.nom_utilise == "Dupont"
    assert recorded[0].traits.prenom_utilise == "Jeannette"


def test_the_same_insi_answer_twice_is_recorded_once() -> None:
    d = dossier()

    recuperer(d)
    d.recuperer_ins(OperationInsi.verification, INS, traits_insi(), ADMIS_LE + jours(9))

    assert names(d) == ["InsRecuperee"]


def test_the_same_insi_answer_twice_is_recorded_once_for_a_person_with_a_name_in_use() -> None:
    # INSi does not know the name in use: a second identical answer must not count a second qualification
    d = dossier(traits=traits(nom_utilise="Dupont"))
    d.valider_identite(CARTE, ADMIS_LE + jours(1))
    recuperer(d, now=ADMIS_LE + jours(2))
    assert names(d) == ["IdentiteValidee", "InsRecuperee", "IdentiteQualifiee"]

    d.recuperer_ins(OperationInsi.verification, INS, traits_insi(), ADMIS_LE + jours(30))

    assert names(d) == []


def test_the_names_in_use_can_still_be_corrected_once_insi_traits_are_recorded() -> None:
    # the nom/prénom utilisé are the ESMS's own, not INS traits: changing them keeps the qualification
    d = dossier()
    recuperer(d)
    d.valider_identite(CARTE, ADMIS_LE + jours(2))
    d.collect_events()

    d.corriger_traits(d.traits.model_copy(update={"nom_utilise": "Dupont"}), "nom d'usage (mariage)")

    assert d.traits.nom_utilise == "Dupont"
    assert d.statut_identite is StatutIdentite.qualifiee


# -- entourage -----------------------------------------------------------------------------------------------


def test_a_personne_de_confiance_is_added_to_the_entourage() -> None:
    d = dossier()
    cid = uuid.uuid4()
    fille = contact(RoleEntourage.personne_de_confiance, RoleEntourage.famille, lien="fille")

    d.ajouter_contact(cid, fille)

    assert names(d) == ["EntourageAjoute"]
    assert d.entourage == {cid: fille}


@pytest.mark.parametrize(
    ("role", "rule"),
    [
        (RoleEntourage.personne_de_confiance, "personne_de_confiance_unique"),
        (RoleEntourage.medecin_traitant, "medecin_traitant_unique"),
    ],
)
def test_a_person_has_one_personne_de_confiance_and_one_medecin_traitant_at_a_time(
    role: RoleEntourage, rule: str
) -> None:
    d = dossier()
    extra: dict[str, Any] = {"rpps": RPPS_VALIDE} if role is RoleEntourage.medecin_traitant else {}
    d.ajouter_contact(uuid.uuid4(), contact(role, nom="Premier", **extra))
    d.collect_events()
    second = uuid.uuid4()

    with pytest.raises(DossierError) as refused:
        d.ajouter_contact(second, contact(role, nom="Second", **extra))

    assert refused.value.rule == rule
    assert refused.value.field == "roles"
    assert second not in d.entourage
    assert names(d) == []


def test_another_personne_de_confiance_can_be_named_once_the_first_is_removed() -> None:
    d = dossier()
    first = uuid.uuid4()
    d.ajouter_contact(first, contact(RoleEntourage.personne_de_confiance, nom="Premier"))
    d.retirer_contact(first, "ne souhaite plus exercer ce rôle")
    d.collect_events()

    d.ajouter_contact(uuid.uuid4(), contact(RoleEntourage.personne_de_confiance, nom="Second"))

    assert names(d) == ["EntourageAjoute"]


def test_modifying_the_personne_de_confiance_herself_keeps_her_role() -> None:
    d = dossier()
    cid = uuid.uuid4()
    d.ajouter_contact(cid, contact(RoleEntourage.personne_de_confiance))
    d.collect_events()
    updated = contact(RoleEntourage.personne_de_confiance, telephone="06 12 34 56 78")

    d.modifier_contact(cid, updated)

    assert names(d) == ["EntourageModifie"]
    assert d.entourage[cid] == updated


def test_another_contact_cannot_be_made_personne_de_confiance_by_modification() -> None:
    d = dossier()
    d.ajouter_contact(uuid.uuid4(), contact(RoleEntourage.personne_de_confiance, nom="Premier"))
    voisin = uuid.uuid4()
    d.ajouter_contact(voisin, contact(RoleEntourage.contact_urgence, nom="Voisin"))
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.modifier_contact(
            voisin, contact(RoleEntourage.contact_urgence, RoleEntourage.personne_de_confiance, nom="Voisin")
        )

    assert refused.value.rule == "personne_de_confiance_unique"
    assert d.entourage[voisin].roles == (RoleEntourage.contact_urgence,)
    assert names(d) == []


@pytest.mark.parametrize("rpps", [None, ""])
def test_a_medecin_traitant_needs_an_rpps_number(rpps: str | None) -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.ajouter_contact(uuid.uuid4(), medecin(rpps=rpps))

    assert field_rules(refused) == [("rpps", "rpps_requis")]
    assert d.entourage == {}


@pytest.mark.parametrize(
    ("rpps", "rule"),
    [("10001234566", "rpps_cle"), ("1000123456", "rpps_format"), ("1000123456A", "rpps_format")],
)
def test_a_wrong_rpps_number_is_refused_on_its_field(rpps: str, rule: str) -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.ajouter_contact(uuid.uuid4(), medecin(rpps=rpps))

    assert field_rules(refused) == [("rpps", rule)]


def test_the_rpps_of_any_professional_is_checked_not_only_the_medecin_traitant() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.ajouter_contact(uuid.uuid4(), contact(RoleEntourage.professionnel, rpps="10001234560"))

    assert field_rules(refused) == [("rpps", "rpps_cle")]


def test_a_medecin_traitant_with_a_valid_rpps_and_mssante_address_is_added() -> None:
    d = dossier()
    cid = uuid.uuid4()

    d.ajouter_contact(cid, medecin())

    assert names(d) == ["EntourageAjoute"]
    assert d.entourage[cid].rpps == RPPS_VALIDE


@pytest.mark.parametrize(
    "adresse",
    ["dr.durand", "@medecin.mssante.fr", "dr.durand@localhost", "dr durand@mssante.fr", "a@b@mssante.fr"],
)
def test_a_malformed_mssante_address_is_refused(adresse: str) -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.ajouter_contact(uuid.uuid4(), medecin(adresse_mssante=adresse))

    assert field_rules(refused) == [("adresse_mssante", "adresse_mssante_format")]


def test_every_broken_contact_rule_is_reported_at_once() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.ajouter_contact(uuid.uuid4(), medecin(rpps=None, adresse_mssante="pas une adresse"))

    assert field_rules(refused) == [("rpps", "rpps_requis"), ("adresse_mssante", "adresse_mssante_format")]


def test_a_modification_breaking_a_contact_rule_is_refused_and_the_contact_kept() -> None:
    d = dossier()
    cid = uuid.uuid4()
    d.ajouter_contact(cid, medecin())
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.modifier_contact(cid, medecin(rpps="10001234566"))

    assert field_rules(refused) == [("rpps", "rpps_cle")]
    assert d.entourage[cid] == medecin()
    assert names(d) == []


def test_the_same_contact_added_twice_is_recorded_once() -> None:
    d = dossier()
    cid = uuid.uuid4()

    d.ajouter_contact(cid, contact())
    d.ajouter_contact(cid, contact())

    assert names(d) == ["EntourageAjoute"]


def test_another_contact_under_an_existing_id_is_refused() -> None:
    d = dossier()
    cid = uuid.uuid4()
    d.ajouter_contact(cid, contact())
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.ajouter_contact(cid, contact(nom="Autre"))

    assert refused.value.rule == "contact_existant"
    assert d.entourage[cid] == contact()


def test_modifying_a_contact_with_the_same_details_records_nothing() -> None:
    d = dossier()
    cid = uuid.uuid4()
    d.ajouter_contact(cid, contact())
    d.collect_events()

    d.modifier_contact(cid, contact())

    assert names(d) == []


def test_an_unknown_contact_cannot_be_modified() -> None:
    d = dossier()

    with pytest.raises(NotFound) as refused:
        d.modifier_contact(uuid.uuid4(), contact())

    assert refused.value.status == 404


def test_a_removed_contact_leaves_the_entourage_and_removing_it_again_changes_nothing() -> None:
    d = dossier()
    cid = uuid.uuid4()
    d.ajouter_contact(cid, contact())
    d.collect_events()

    d.retirer_contact(cid, "décédé")
    d.retirer_contact(cid, "décédé")
    d.retirer_contact(uuid.uuid4(), None)

    assert names(d) == ["EntourageRetire"]
    assert d.entourage == {}


# -- équipe --------------------------------------------------------------------------------------------------


def test_a_professional_assigned_as_referent_becomes_the_referent() -> None:
    d = dossier()
    mid = uuid.uuid4()

    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=True)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["MembreEquipeAffecte", "ReferentDesigne"]
    assert recorded[1].precedent is None
    assert d.referent == mid


def test_designating_another_referent_moves_the_role_and_keeps_the_former_in_the_team() -> None:
    d = dossier()
    first, second = uuid.uuid4(), uuid.uuid4()
    d.affecter(first, pro(), date(2026, 9, 1), None, referent=True)
    d.affecter(
        second, pro("20202020202", "Marc Petit", "aide-soignant"), date(2026, 9, 1), None, referent=False
    )
    d.collect_events()

    d.designer_referent(second)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["ReferentDesigne"]
    assert recorded[0].membre_id == second
    assert recorded[0].precedent == first
    assert d.referent == second
    assert d.equipe[first].au is None


def test_assigning_a_new_member_as_referent_moves_the_role() -> None:
    d = dossier()
    first, second = uuid.uuid4(), uuid.uuid4()
    d.affecter(first, pro(), date(2026, 9, 1), None, referent=True)
    d.collect_events()

    d.affecter(
        second, pro("20202020202", "Marc Petit", "aide-soignant"), date(2026, 10, 1), None, referent=True
    )

    assert names(d) == ["MembreEquipeAffecte", "ReferentDesigne"]
    assert d.referent == second


def test_designating_the_current_referent_again_records_nothing() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=True)
    d.collect_events()

    d.designer_referent(mid)
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=True)

    assert names(d) == []


def test_the_same_assignment_sent_twice_is_recorded_once() -> None:
    d = dossier()
    mid = uuid.uuid4()

    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)

    assert names(d) == ["MembreEquipeAffecte"]


def test_an_existing_member_assigned_again_as_referent_gets_the_role() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.collect_events()

    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=True)

    assert names(d) == ["ReferentDesigne"]
    assert d.referent == mid


def test_a_member_who_left_the_team_cannot_be_referent() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.retirer_membre(mid, date(2026, 10, 31))
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.designer_referent(mid, today=date(2026, 11, 26))

    assert refused.value.rule == "membre_retire"
    assert d.referent is None
    assert names(d) == []


def test_a_professional_assigned_until_a_planned_end_date_can_be_made_referent() -> None:
    # `au` is also the planned end of a fixed-term assignment (a contract, an intern): not a departure
    d = dossier()
    mid = uuid.uuid4()

    d.affecter(mid, pro(), date(2026, 9, 1), date(2027, 8, 31), referent=True, today=date(2026, 11, 26))

    assert d.referent == mid


def test_a_referent_leaving_at_a_future_date_stays_referent_until_another_is_designated() -> None:
    d = dossier()
    mid, other = uuid.uuid4(), uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=True)
    d.collect_events()

    d.retirer_membre(mid, date(2026, 12, 31))

    assert names(d) == ["MembreEquipeRetire"]
    assert d.referent == mid
    assert d.equipe[mid].au == date(2026, 12, 31)
    d.affecter(other, pro(id_="ide-0099"), date(2026, 12, 1), None, referent=True, today=date(2026, 12, 1))
    assert d.referent == other


def test_an_assignment_ending_before_it_starts_is_refused() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.affecter(uuid.uuid4(), pro(), date(2026, 9, 1), date(2026, 8, 31), referent=False)

    assert field_rules(refused) == [("au", "fin_avant_debut")]
    assert d.equipe == {}


def test_an_assignment_of_a_single_day_is_accepted() -> None:
    d = dossier()

    d.affecter(uuid.uuid4(), pro(), date(2026, 9, 1), date(2026, 9, 1), referent=False)

    assert names(d) == ["MembreEquipeAffecte"]


def test_a_member_cannot_leave_the_team_before_joining_it() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.retirer_membre(mid, date(2026, 8, 31))

    assert field_rules(refused) == [("au", "fin_avant_debut")]
    assert d.equipe[mid].au is None


def test_the_same_professional_cannot_be_in_the_team_twice() -> None:
    d = dossier()
    d.affecter(uuid.uuid4(), pro(), date(2026, 9, 1), None, referent=False)
    d.collect_events()
    again = uuid.uuid4()

    with pytest.raises(DossierError) as refused:
        d.affecter(again, pro(), date(2026, 10, 1), None, referent=False)

    assert refused.value.rule == "deja_membre"
    assert refused.value.field == "professionnel"
    assert again not in d.equipe


def test_a_professional_who_left_can_join_the_team_again() -> None:
    d = dossier()
    first = uuid.uuid4()
    d.affecter(first, pro(), date(2026, 9, 1), None, referent=False)
    d.retirer_membre(first, date(2026, 10, 31))
    d.collect_events()

    d.affecter(uuid.uuid4(), pro(), date(2027, 1, 1), None, referent=False)

    assert names(d) == ["MembreEquipeAffecte"]


def test_removing_a_member_again_at_the_same_or_a_later_date_records_nothing() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.retirer_membre(mid, date(2026, 12, 31))
    d.collect_events()

    d.retirer_membre(mid, date(2026, 12, 31))
    d.retirer_membre(mid, date(2027, 1, 15))

    assert names(d) == []
    assert d.equipe[mid].au == date(2026, 12, 31)


def test_removing_a_member_at_an_earlier_date_moves_the_end_back() -> None:
    d = dossier()
    mid = uuid.uuid4()
    d.affecter(mid, pro(), date(2026, 9, 1), None, referent=False)
    d.retirer_membre(mid, date(2026, 12, 31))
    d.collect_events()

    d.retirer_membre(mid, date(2026, 11, 30))

    assert names(d) == ["MembreEquipeRetire"]
    assert d.equipe[mid].au == date(2026, 11, 30)


@pytest.mark.parametrize("command", ["designer_referent", "retirer_membre"])
def test_an_unknown_member_is_not_found(command: str) -> None:
    d = dossier()

    with pytest.raises(NotFound):
        if command == "designer_referent":
            d.designer_referent(uuid.uuid4())
        else:
            d.retirer_membre(uuid.uuid4(), date(2026, 12, 31))


# -- absences ------------------------------------------------------------------------------------------------

HOSPI = TypeAbsence.hospitalisation
VACANCES = TypeAbsence.vacances


def test_an_absence_is_declared_and_declaring_it_again_changes_nothing() -> None:
    d = dossier()
    aid = uuid.uuid4()

    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), ADMIS_LE + jours(15), "chirurgie de la hanche")
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), ADMIS_LE + jours(15), "chirurgie de la hanche")

    assert names(d) == ["AbsenceDeclaree"]
    assert d.absences[aid].fin_prevue == ADMIS_LE + jours(15)


def test_an_absence_cannot_start_before_the_admission() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE - timedelta(minutes=1), None, None)

    assert field_rules(refused) == [("debut", "avant_admission")]
    assert d.absences == {}


def test_an_absence_may_start_at_the_admission_instant() -> None:
    d = dossier()

    d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE, ADMIS_LE + jours(1), None)

    assert names(d) == ["AbsenceDeclaree"]


@pytest.mark.parametrize("offset", [timedelta(0), jours(3)])
def test_an_absence_cannot_start_at_or_after_the_sortie(offset: timedelta) -> None:
    d = dossier()
    sortie = ADMIS_LE + jours(60)
    sortir(d, sortie)
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.declarer_absence(uuid.uuid4(), VACANCES, sortie + offset, None, None)

    assert field_rules(refused) == [("debut", "apres_sortie")]


def test_an_absence_before_the_sortie_can_still_be_recorded_in_a_closed_dossier() -> None:
    d = dossier()
    sortir(d, ADMIS_LE + jours(60))
    d.collect_events()

    d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE + jours(20), ADMIS_LE + jours(25), "oubli de saisie")

    assert names(d) == ["AbsenceDeclaree"]


@pytest.mark.parametrize("fin_prevue", [ADMIS_LE + jours(10), ADMIS_LE + jours(9)])
def test_an_absence_ending_at_or_before_its_start_is_refused(fin_prevue: datetime) -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(10), fin_prevue, None)

    assert field_rules(refused) == [("fin_prevue", "fin_avant_debut")]


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        # (start day, planned end day or None) after the admission
        ((10, 20), (15, 25)),  # starts during the other one
        ((10, 20), (5, 12)),  # ends during the other one
        ((10, 20), (12, 18)),  # inside
        ((10, 20), (5, 25)),  # around
        ((10, 20), (5, None)),  # open-ended, starting before the other one
        ((10, None), (30, 35)),  # after the start of an open-ended one
        ((10, None), (30, None)),  # two open-ended ones
    ],
)
def test_an_absence_overlapping_another_is_refused(
    existing: tuple[int, int | None], new: tuple[int, int | None]
) -> None:
    def at(day: int | None) -> datetime | None:
        return None if day is None else ADMIS_LE + jours(day)

    d = dossier()
    d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE + jours(existing[0]), at(existing[1]), None)
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(new[0]), at(new[1]), None)

    assert refused.value.rule == "absence_chevauchante"
    assert refused.value.field == "debut"
    assert len(d.absences) == 1


def test_absences_that_only_touch_are_accepted() -> None:
    d = dossier()
    d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE + jours(10), ADMIS_LE + jours(20), None)
    d.collect_events()

    d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(20), ADMIS_LE + jours(25), None)
    d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(5), ADMIS_LE + jours(10), None)

    assert names(d) == ["AbsenceDeclaree", "AbsenceDeclaree"]


def test_an_open_ended_absence_ends_at_the_return_for_the_next_ones() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), None, "urgences")
    d.terminer_absence(aid, ADMIS_LE + jours(14))
    d.collect_events()

    d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(14), ADMIS_LE + jours(21), None)

    assert names(d) == ["AbsenceDeclaree"]


def test_an_early_return_frees_the_rest_of_the_planned_period() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), ADMIS_LE + jours(30), None)
    d.terminer_absence(aid, ADMIS_LE + jours(12))
    d.collect_events()

    d.declarer_absence(uuid.uuid4(), VACANCES, ADMIS_LE + jours(20), ADMIS_LE + jours(25), None)

    assert names(d) == ["AbsenceDeclaree"]


def test_the_return_is_recorded_once() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), None, None)
    d.collect_events()

    d.terminer_absence(aid, ADMIS_LE + jours(14))
    d.terminer_absence(aid, ADMIS_LE + jours(14))

    assert names(d) == ["AbsenceTerminee"]
    assert d.absences[aid].fin == ADMIS_LE + jours(14)


def test_a_different_return_after_the_recorded_one_is_refused() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), None, None)
    d.terminer_absence(aid, ADMIS_LE + jours(14))
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.terminer_absence(aid, ADMIS_LE + jours(15))

    assert refused.value.rule == "absence_terminee"
    assert d.absences[aid].fin == ADMIS_LE + jours(14)


@pytest.mark.parametrize("day", [10, 9])
def test_a_return_at_or_before_the_start_of_the_absence_is_refused(day: int) -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), None, None)
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.terminer_absence(aid, ADMIS_LE + jours(day))

    assert field_rules(refused) == [("fin", "fin_avant_debut")]
    assert d.absences[aid].fin is None


def test_the_return_of_an_unknown_absence_is_not_found() -> None:
    d = dossier()

    with pytest.raises(NotFound):
        d.terminer_absence(uuid.uuid4(), ADMIS_LE + jours(3))


def test_a_cancelled_absence_frees_its_period_and_cancelling_it_again_changes_nothing() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, VACANCES, ADMIS_LE + jours(10), ADMIS_LE + jours(20), None)
    d.collect_events()

    d.annuler_absence(aid, "séjour en famille reporté")
    d.annuler_absence(aid, "séjour en famille reporté")
    d.annuler_absence(uuid.uuid4(), "inconnue")
    d.declarer_absence(uuid.uuid4(), HOSPI, ADMIS_LE + jours(12), ADMIS_LE + jours(14), None)

    assert names(d) == ["AbsenceAnnulee", "AbsenceDeclaree"]
    assert aid not in d.absences


# -- mesures de liberté d'aller et venir --------------------------------------------------------------------

DECIDEE_LE = date(2026, 9, 10)


def prendre(d: DossierUsager, mid: UUID, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "mesure_id": mid,
        "nature": "bracelet de géolocalisation",
        "justification": "risque de fugue lié aux troubles cognitifs",
        "decidee_par": "Dr Lefèvre, médecin coordonnateur",
        "decidee_le": DECIDEE_LE,
        "avis_usager": "accepte",
        "avis_representant": None,
        "debut": DECIDEE_LE,
        "revision_le": date(2026, 12, 10),
    }
    fields.update(changes)
    d.prendre_mesure(**fields)


def reviser(d: DossierUsager, mid: UUID, revisee_le: date, prochaine: date) -> None:
    d.reviser_mesure(mid, revisee_le, "maintenue", None, None, prochaine)


def test_a_mesure_is_taken_once_whatever_redelivers_it() -> None:
    d = dossier()
    mid = uuid.uuid4()

    prendre(d, mid)
    prendre(d, mid)

    assert names(d) == ["MesureLibertePrise"]
    assert d.mesures[mid].revision_le == date(2026, 12, 10)


@pytest.mark.parametrize("revision_le", [DECIDEE_LE, DECIDEE_LE - jours(1)])
def test_a_mesure_must_be_reviewed_after_its_decision(revision_le: date) -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        prendre(d, uuid.uuid4(), revision_le=revision_le)

    assert field_rules(refused) == [("revision_le", "revision_avant_decision")]
    assert d.mesures == {}


def test_a_mesure_cannot_start_before_it_is_decided() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        prendre(d, uuid.uuid4(), debut=DECIDEE_LE - jours(1))

    assert field_rules(refused) == [("debut", "avant_decision")]


def test_a_review_sets_the_next_review_date() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid)
    d.collect_events()

    reviser(d, mid, date(2026, 12, 10), date(2027, 3, 10))

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["MesureLiberteRevisee"]
    assert recorded[0].conclusion == "maintenue"
    assert d.mesures[mid].revision_le == date(2027, 3, 10)


@pytest.mark.parametrize("prochaine", [date(2026, 12, 10), date(2026, 12, 1)])
def test_the_next_review_must_follow_this_one(prochaine: date) -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid)
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        reviser(d, mid, date(2026, 12, 10), prochaine)

    assert field_rules(refused) == [("prochaine_revision_le", "revision_avant_decision")]
    assert d.mesures[mid].revision_le == date(2026, 12, 10)


def test_a_review_cannot_predate_the_mesure() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid, debut=date(2026, 9, 15))
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        reviser(d, mid, date(2026, 9, 14), date(2026, 12, 14))

    assert field_rules(refused) == [("revisee_le", "avant_decision")]


def test_a_lifted_mesure_cannot_be_reviewed() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid)
    d.lever_mesure(mid, date(2026, 11, 1), "troubles stabilisés")
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        reviser(d, mid, date(2026, 12, 10), date(2027, 3, 10))

    assert refused.value.rule == "mesure_levee"
    assert names(d) == []


def test_an_unknown_mesure_cannot_be_reviewed_or_lifted() -> None:
    d = dossier()

    with pytest.raises(NotFound):
        reviser(d, uuid.uuid4(), date(2026, 12, 10), date(2027, 3, 10))
    with pytest.raises(NotFound):
        d.lever_mesure(uuid.uuid4(), date(2026, 12, 10), "inconnue")


def test_a_mesure_is_lifted_once() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid)
    d.collect_events()

    d.lever_mesure(mid, date(2026, 11, 1), "troubles stabilisés")
    d.lever_mesure(mid, date(2026, 11, 5), "troubles stabilisés")

    assert names(d) == ["MesureLiberteLevee"]
    assert d.mesures[mid].levee_le == date(2026, 11, 1)


def test_a_mesure_cannot_be_lifted_before_it_starts() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid, debut=date(2026, 9, 15))
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.lever_mesure(mid, date(2026, 9, 14), "erreur")

    assert field_rules(refused) == [("levee_le", "avant_decision")]
    assert d.mesures[mid].levee_le is None


# -- prestations ----------------------------------------------------------------------------------------------

FIN_APA = date(2026, 12, 31)
DELAI = 30


def ouvrir(d: DossierUsager, pid: UUID, fin: date | None = FIN_APA, debut: date = date(2026, 1, 1)) -> None:
    d.ouvrir_prestation(
        pid, TypePrestation.apa, "Conseil départemental du Rhône", "APA-2026-0042", 450.0, debut, fin
    )


def prestation_apa() -> tuple[DossierUsager, UUID]:
    d = dossier()
    pid = uuid.uuid4()
    ouvrir(d, pid)
    d.collect_events()
    return d, pid


def test_a_prestation_is_opened_once_whatever_redelivers_it() -> None:
    d = dossier()
    pid = uuid.uuid4()

    ouvrir(d, pid)
    ouvrir(d, pid)

    assert names(d) == ["PrestationOuverte"]
    assert d.prestations[pid].fin == FIN_APA


def test_a_prestation_ending_before_it_starts_is_refused() -> None:
    d = dossier()

    with pytest.raises(InvalidInput) as refused:
        ouvrir(d, uuid.uuid4(), debut=date(2026, 1, 1), fin=date(2025, 12, 31))

    assert field_rules(refused) == [("fin", "fin_avant_debut")]
    assert d.prestations == {}


def test_a_prestation_of_a_single_day_is_accepted() -> None:
    d = dossier()

    ouvrir(d, uuid.uuid4(), debut=date(2026, 1, 1), fin=date(2026, 1, 1))

    assert names(d) == ["PrestationOuverte"]


def test_a_renewal_sets_the_new_end_and_amount_and_the_same_renewal_again_changes_nothing() -> None:
    d, pid = prestation_apa()

    d.renouveler_prestation(pid, date(2027, 12, 31), 480.0)
    d.renouveler_prestation(pid, date(2027, 12, 31), 480.0)

    assert names(d) == ["PrestationRenouvelee"]
    assert d.prestations[pid].fin == date(2027, 12, 31)
    assert d.prestations[pid].montant_mensuel == 480.0


def test_a_renewal_ending_before_the_start_is_refused() -> None:
    d, pid = prestation_apa()

    with pytest.raises(InvalidInput) as refused:
        d.renouveler_prestation(pid, date(2025, 6, 30), 450.0)

    assert field_rules(refused) == [("fin", "fin_avant_debut")]
    assert d.prestations[pid].fin == FIN_APA


def test_a_closed_prestation_cannot_be_renewed() -> None:
    d, pid = prestation_apa()
    d.cloturer_prestation(pid, date(2026, 10, 1), "changement de département")
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.renouveler_prestation(pid, date(2027, 12, 31), 450.0)

    assert refused.value.rule == "prestation_cloturee"
    assert d.prestations[pid].fin == FIN_APA


def test_a_prestation_is_closed_once() -> None:
    d, pid = prestation_apa()

    d.cloturer_prestation(pid, date(2026, 10, 1), None)
    d.cloturer_prestation(pid, date(2026, 10, 2), None)

    assert names(d) == ["PrestationCloturee"]


@pytest.mark.parametrize("command", ["renouveler", "cloturer"])
def test_an_unknown_prestation_is_not_found(command: str) -> None:
    d = dossier()

    with pytest.raises(NotFound):
        if command == "renouveler":
            d.renouveler_prestation(uuid.uuid4(), date(2027, 1, 1), None)
        else:
            d.cloturer_prestation(uuid.uuid4(), date(2027, 1, 1), None)


def test_nothing_is_signalled_before_the_warning_delay() -> None:
    d, _ = prestation_apa()

    d.signaler_echeances(FIN_APA - jours(DELAI + 1), DELAI)

    assert names(d) == []


def test_the_first_day_of_the_warning_delay_is_warned() -> None:
    d, pid = prestation_apa()

    d.signaler_echeances(FIN_APA - jours(DELAI), DELAI)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["PrestationBientotExpiree"]
    assert recorded[0].prestation_id == pid
    assert recorded[0].type is TypePrestation.apa
    assert recorded[0].fin == FIN_APA
    assert recorded[0].delai_jours == DELAI


def test_the_warning_before_the_end_is_given_once() -> None:
    d, _ = prestation_apa()

    d.signaler_echeances(FIN_APA - jours(20), DELAI)
    d.signaler_echeances(FIN_APA - jours(19), DELAI)
    d.signaler_echeances(FIN_APA - jours(1), DELAI)

    assert names(d) == ["PrestationBientotExpiree"]


def test_the_last_day_of_the_right_is_not_expired() -> None:
    d, _ = prestation_apa()
    d.signaler_echeances(FIN_APA - jours(10), DELAI)
    d.collect_events()

    d.signaler_echeances(FIN_APA, DELAI)

    assert names(d) == []


def test_the_day_after_the_end_the_prestation_expires_once() -> None:
    d, pid = prestation_apa()
    d.signaler_echeances(FIN_APA - jours(10), DELAI)
    d.collect_events()

    d.signaler_echeances(FIN_APA + jours(1), DELAI)
    d.signaler_echeances(FIN_APA + jours(2), DELAI)
    d.signaler_echeances(FIN_APA + jours(40), DELAI)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["PrestationExpiree"]
    assert recorded[0].prestation_id == pid
    assert recorded[0].fin == FIN_APA


def test_a_scheduler_that_missed_the_warning_only_signals_the_expiry() -> None:
    d, _ = prestation_apa()

    d.signaler_echeances(FIN_APA + jours(1), DELAI)

    assert names(d) == ["PrestationExpiree"]


def test_a_renewal_with_a_new_end_date_is_warned_again_for_that_date() -> None:
    d, pid = prestation_apa()
    d.signaler_echeances(FIN_APA - jours(10), DELAI)
    nouvelle_fin = date(2027, 12, 31)
    d.renouveler_prestation(pid, nouvelle_fin, 450.0)
    d.collect_events()

    d.signaler_echeances(FIN_APA + jours(1), DELAI)  # the former end passed: nothing, the right was renewed
    d.signaler_echeances(nouvelle_fin - jours(DELAI + 1), DELAI)
    assert names(d) == []

    d.signaler_echeances(nouvelle_fin - jours(5), DELAI)
    d.signaler_echeances(nouvelle_fin + jours(1), DELAI)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["PrestationBientotExpiree", "PrestationExpiree"]
    assert [e.fin for e in recorded] == [nouvelle_fin, nouvelle_fin]


def test_a_renewal_after_the_expiry_is_warned_and_expires_again_for_its_new_date() -> None:
    d, pid = prestation_apa()
    d.signaler_echeances(FIN_APA + jours(1), DELAI)
    nouvelle_fin = FIN_APA + jours(20)
    d.renouveler_prestation(pid, nouvelle_fin, 450.0)
    d.collect_events()

    d.signaler_echeances(FIN_APA + jours(2), DELAI)
    d.signaler_echeances(nouvelle_fin + jours(1), DELAI)

    assert names(d) == ["PrestationBientotExpiree", "PrestationExpiree"]


def test_nothing_is_signalled_for_a_closed_prestation_or_one_without_end() -> None:
    d, pid = prestation_apa()
    d.cloturer_prestation(pid, date(2026, 10, 1), None)
    ouvrir(d, uuid.uuid4(), fin=None)
    d.collect_events()

    d.signaler_echeances(FIN_APA - jours(5), DELAI)
    d.signaler_echeances(FIN_APA + jours(5), DELAI)

    assert names(d) == []


def test_each_prestation_is_signalled_on_its_own() -> None:
    d, first = prestation_apa()
    second = uuid.uuid4()
    d.ouvrir_prestation(
        second, TypePrestation.apl, "CAF du Rhône", None, 120.0, date(2026, 1, 1), date(2026, 12, 15)
    )
    d.collect_events()

    d.signaler_echeances(date(2026, 12, 20), DELAI)

    recorded = events(d)
    assert {(type(e).__name__, e.prestation_id) for e in recorded} == {
        ("PrestationBientotExpiree", first),
        ("PrestationExpiree", second),
    }


def test_nothing_is_signalled_once_the_person_has_left() -> None:
    d, _ = prestation_apa()
    sortir(d, ADMIS_LE + jours(60))
    d.collect_events()

    d.signaler_echeances(FIN_APA - jours(5), DELAI)
    d.signaler_echeances(FIN_APA + jours(5), DELAI)

    assert names(d) == []


def test_nothing_is_signalled_for_an_archived_dossier() -> None:
    d, _ = prestation_apa()
    sortir(d, ADMIS_LE + jours(60))
    d.archiver(ADMIS_LE + jours(400), 20, 10)
    d.collect_events()

    d.signaler_echeances(FIN_APA + jours(5), DELAI)

    assert names(d) == []


# -- échanges --------------------------------------------------------------------------------------------------


def test_an_exchange_is_traced_once_whatever_redelivers_it() -> None:
    d = dossier()
    eid = uuid.uuid4()

    for _ in range(2):
        d.tracer_echange(
            eid, ADMIS_LE + jours(3), Canal.telephone, ("fille", "IDEC"), "point sur l'adaptation", None
        )

    assert names(d) == ["EchangeTrace"]


def test_a_closed_dossier_can_still_be_completed() -> None:
    d = dossier()
    sortir(d)
    d.collect_events()

    d.tracer_echange(
        uuid.uuid4(), ADMIS_LE + jours(61), Canal.courrier, ("fille",), "restitution des effets", None
    )

    assert names(d) == ["EchangeTrace"]


# -- clôture and archive ----------------------------------------------------------------------------------------


def test_the_sortie_closes_the_dossier_once() -> None:
    d = dossier()
    sortie = ADMIS_LE + jours(60)

    d.clore(sortie, MotifSortie.transfert_esms, "EHPAD Les Tilleuls")
    d.clore(ADMIS_LE + jours(61), MotifSortie.deces, None)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["DossierClos"]
    assert recorded[0].destination == "EHPAD Les Tilleuls"
    assert d.clos
    assert d.sortie_le == sortie
    assert d.motif_sortie is MotifSortie.transfert_esms


def test_the_dossier_of_a_person_still_there_cannot_be_archived() -> None:
    d = dossier()

    with pytest.raises(DossierError) as refused:
        d.archiver(ADMIS_LE + jours(30), 20, 10)

    assert refused.value.rule == "dossier_non_clos"
    assert refused.value.status == 409
    assert not d.archive
    assert names(d) == []


def test_archiving_records_how_long_the_dossier_is_kept() -> None:
    d = dossier()
    sortir(d, datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
    d.collect_events()
    archive_le = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)

    d.archiver(archive_le, 20, 10)

    recorded = events(d)
    assert [type(e).__name__ for e in recorded] == ["DossierArchive"]
    assert recorded[0].archive_le == archive_le
    assert recorded[0].conservation_jusqu_au == date(2046, 11, 15)
    assert d.archive
    assert d.conservation_jusqu_au == date(2046, 11, 15)


def test_archiving_a_minor_s_dossier_keeps_it_until_their_28th_birthday() -> None:
    d = dossier(traits=traits(date_naissance=date(2019, 5, 10)), type_accueil=TypeAccueil.de_jour)
    sortir(d, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))

    d.archiver(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), 20, 10)

    assert d.conservation_jusqu_au == date(2047, 5, 10)


def test_clore_after_the_archive_changes_nothing() -> None:
    d = dossier()
    sortir(d)
    d.archiver(ADMIS_LE + jours(400), 20, 10)
    d.collect_events()

    d.clore(ADMIS_LE + jours(500), MotifSortie.deces, None)

    assert names(d) == []
    assert d.motif_sortie is MotifSortie.retour_domicile


@dataclass
class Ids:
    contact: UUID
    membre: UUID
    absence: UUID
    mesure: UUID
    prestation: UUID


def dossier_archive() -> tuple[DossierUsager, Ids]:
    d = dossier()
    ids = Ids(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    d.ajouter_contact(ids.contact, contact())
    d.affecter(ids.membre, pro(), date(2026, 9, 1), None, referent=False)
    d.declarer_absence(ids.absence, HOSPI, ADMIS_LE + jours(10), None, None)
    prendre(d, ids.mesure)
    ouvrir(d, ids.prestation)
    sortir(d)
    d.archiver(ADMIS_LE + jours(400), 20, 10)
    d.collect_events()
    return d, ids


WRITES: dict[str, Callable[[DossierUsager, Ids], None]] = {
    "corriger_traits": lambda d, _: d.corriger_traits(traits(nom_naissance="Martins"), "erreur"),
    "recuperer_ins": lambda d, _: recuperer(d),
    "valider_identite": lambda d, _: d.valider_identite(CARTE, ADMIS_LE + jours(401)),
    "signaler_doute": lambda d, _: d.signaler_doute("doute"),
    "ajouter_contact": lambda d, _: d.ajouter_contact(uuid.uuid4(), contact(nom="Nouveau")),
    "modifier_contact": lambda d, ids: d.modifier_contact(ids.contact, contact(nom="Modifié")),
    "retirer_contact": lambda d, ids: d.retirer_contact(ids.contact, None),
    "affecter": lambda d, _: d.affecter(uuid.uuid4(), pro("30303030303"), date(2027, 1, 1), None, False),
    "designer_referent": lambda d, ids: d.designer_referent(ids.membre),
    "retirer_membre": lambda d, ids: d.retirer_membre(ids.membre, date(2026, 12, 31)),
    "declarer_absence": lambda d, _: d.declarer_absence(
        uuid.uuid4(), VACANCES, ADMIS_LE + jours(30), None, None
    ),
    "terminer_absence": lambda d, ids: d.terminer_absence(ids.absence, ADMIS_LE + jours(12)),
    "annuler_absence": lambda d, ids: d.annuler_absence(ids.absence, "erreur"),
    "prendre_mesure": lambda d, _: prendre(d, uuid.uuid4()),
    "reviser_mesure": lambda d, ids: reviser(d, ids.mesure, date(2026, 12, 10), date(2027, 3, 10)),
    "lever_mesure": lambda d, ids: d.lever_mesure(ids.mesure, date(2026, 11, 1), "levée"),
    "ouvrir_prestation": lambda d, _: ouvrir(d, uuid.uuid4()),
    "renouveler_prestation": lambda d, ids: d.renouveler_prestation(ids.prestation, date(2027, 12, 31), None),
    "cloturer_prestation": lambda d, ids: d.cloturer_prestation(ids.prestation, date(2026, 10, 1), None),
    "tracer_echange": lambda d, _: d.tracer_echange(
        uuid.uuid4(), ADMIS_LE, Canal.email, ("fille",), "objet", None
    ),
}


@pytest.mark.parametrize("command", list(WRITES))
def test_an_archived_dossier_can_only_be_read(command: str) -> None:
    d, ids = dossier_archive()

    with pytest.raises(DossierError) as refused:
        WRITES[command](d, ids)

    assert refused.value.rule == "dossier_archive"
    assert refused.value.status == 409
    assert names(d) == []


# -- how long an archived dossier is kept ------------------------------------------------------------------


def sortie_a(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


ADULTE = date(1938, 3, 12)


def test_a_dossier_is_kept_20_years_after_the_sortie() -> None:
    assert echeance_conservation(
        sortie_a(date(2026, 11, 15)), MotifSortie.retour_domicile, ADULTE, 20, 10
    ) == date(2046, 11, 15)


def test_a_dossier_is_kept_10_years_after_a_death() -> None:
    assert echeance_conservation(sortie_a(date(2026, 11, 15)), MotifSortie.deces, ADULTE, 20, 10) == date(
        2036, 11, 15
    )


def test_the_kept_durations_come_from_the_og_s_settings() -> None:
    assert echeance_conservation(sortie_a(date(2026, 11, 15)), MotifSortie.autre, ADULTE, 25, 12) == date(
        2051, 11, 15
    )
    assert echeance_conservation(sortie_a(date(2026, 11, 15)), MotifSortie.deces, ADULTE, 25, 12) == date(
        2038, 11, 15
    )


def test_the_sortie_day_is_the_day_in_paris() -> None:
    # 23:30 UTC on 31 December is already 1 January in Paris (UTC+1 in winter)
    sortie = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)

    assert echeance_conservation(sortie, MotifSortie.retour_domicile, ADULTE, 20, 10) == date(2051, 1, 1)


def test_a_minor_s_dossier_is_kept_until_28_when_that_is_later() -> None:
    born = date(2019, 5, 10)

    assert echeance_conservation(
        sortie_a(date(2026, 10, 1)), MotifSortie.fin_accompagnement, born, 20, 10
    ) == date(2047, 5, 10)


def test_a_minor_s_dossier_is_kept_20_years_when_that_is_later_than_28() -> None:
    born = date(2010, 6, 15)

    assert echeance_conservation(
        sortie_a(date(2026, 10, 1)), MotifSortie.fin_accompagnement, born, 20, 10
    ) == date(2046, 10, 1)


def test_a_person_leaving_on_their_28th_birthday_horizon_is_kept_until_the_later_date() -> None:
    # 10 configured years end 2036-10-01, the 28th birthday is 2036-10-02: the birthday wins by one day
    born = date(2008, 10, 2)

    assert echeance_conservation(sortie_a(date(2026, 10, 1)), MotifSortie.autre, born, 10, 10) == date(
        2036, 10, 2
    )


def test_after_the_death_of_a_minor_the_dossier_is_kept_10_years_from_the_death() -> None:
    born = date(2015, 6, 1)

    assert echeance_conservation(sortie_a(date(2026, 10, 1)), MotifSortie.deces, born, 20, 10) == date(
        2036, 10, 1
    )


def test_a_death_on_29_february_is_kept_until_28_february_ten_years_later() -> None:
    assert echeance_conservation(sortie_a(date(2028, 2, 29)), MotifSortie.deces, ADULTE, 20, 10) == date(
        2038, 2, 28
    )


def test_a_sortie_on_29_february_is_kept_until_29_february_when_that_year_has_one() -> None:
    assert echeance_conservation(
        sortie_a(date(2028, 2, 29)), MotifSortie.retour_domicile, ADULTE, 20, 10
    ) == date(2048, 2, 29)


def test_a_minor_born_on_29_february_is_kept_until_their_28th_birthday() -> None:
    born = date(2012, 2, 29)

    assert echeance_conservation(sortie_a(date(2026, 10, 1)), MotifSortie.autre, born, 10, 10) == date(
        2040, 2, 29
    )


def test_archiving_an_archived_dossier_again_records_nothing() -> None:
    d = dossier()
    d.clore(ADMIS_LE + jours(300), MotifSortie.retour_domicile, None)
    d.archiver(ADMIS_LE + jours(400), 20, 10)
    d.collect_events()

    d.archiver(ADMIS_LE + jours(401), 20, 10)

    assert names(d) == []


def test_a_cancelled_absence_sent_again_is_not_resurrected() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, VACANCES, ADMIS_LE + jours(10), ADMIS_LE + jours(20), None)
    d.annuler_absence(aid, "saisie en double")
    d.collect_events()

    d.declarer_absence(aid, VACANCES, ADMIS_LE + jours(10), ADMIS_LE + jours(20), None)

    assert names(d) == []
    assert aid not in d.absences


def test_the_same_review_of_a_mesure_sent_twice_is_recorded_once() -> None:
    d = dossier()
    mid = uuid.uuid4()
    prendre(d, mid)
    d.collect_events()

    for _ in range(2):
        d.reviser_mesure(mid, date(2026, 10, 10), "maintenue", None, None, date(2027, 1, 10))

    assert names(d) == ["MesureLiberteRevisee"]


def test_a_professional_may_come_back_to_the_team_after_an_assignment_ended() -> None:
    d = dossier()
    d.affecter(uuid.uuid4(), pro(), date(2026, 9, 1), date(2026, 9, 30), referent=False)
    d.collect_events()

    with pytest.raises(DossierError) as overlapping:
        d.affecter(uuid.uuid4(), pro(), date(2026, 9, 15), None, referent=False)
    d.affecter(uuid.uuid4(), pro(), date(2026, 10, 1), None, referent=False)

    assert overlapping.value.rule == "deja_membre"
    assert names(d) == ["MembreEquipeAffecte"]


def test_a_return_that_would_overlap_the_next_absence_is_refused() -> None:
    d = dossier()
    first, second = uuid.uuid4(), uuid.uuid4()
    d.declarer_absence(first, VACANCES, ADMIS_LE + jours(10), ADMIS_LE + jours(14), None)
    d.declarer_absence(second, HOSPI, ADMIS_LE + jours(20), ADMIS_LE + jours(25), None)
    d.collect_events()

    with pytest.raises(DossierError) as refused:
        d.terminer_absence(first, ADMIS_LE + jours(22))
    d.terminer_absence(first, ADMIS_LE + jours(15))

    assert refused.value.rule == "absence_chevauchante"
    assert names(d) == ["AbsenceTerminee"]


def test_a_return_after_the_sortie_is_refused() -> None:
    d = dossier()
    aid = uuid.uuid4()
    d.declarer_absence(aid, HOSPI, ADMIS_LE + jours(10), None, None)
    sortir(d, ADMIS_LE + jours(20))
    d.collect_events()

    with pytest.raises(InvalidInput) as refused:
        d.terminer_absence(aid, ADMIS_LE + jours(21))

    assert field_rules(refused) == [("fin", "apres_sortie")]


def test_a_renewal_without_an_amount_keeps_the_amount_and_the_same_renewal_records_nothing() -> None:
    d, pid = prestation_apa()
    amount = d.prestations[pid].montant_mensuel
    fin = d.prestations[pid].fin

    d.renouveler_prestation(pid, fin, None)
    assert names(d) == []

    d.renouveler_prestation(pid, date(2028, 6, 30), None)
    recorded = d.collect_events()
    assert [type(e).__name__ for e in recorded] == ["PrestationRenouvelee"]
    assert recorded[0].montant_mensuel == amount == d.prestations[pid].montant_mensuel
