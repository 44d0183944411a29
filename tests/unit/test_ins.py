"""Matricule INS: a NIR or NIA is accepted only well-formed, with its key, under a known OID, and agreeing with the traits."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from dui_shared.contracts.admission import Sexe
from dui_shared.contracts.identite import (
    MatriculeIns,
    StatutIdentite,
    TraitsIdentite,
    comparable_text,
    differences,
)
from dui_shared.ins import (
    OID_NIA,
    OID_NIR,
    OID_NIR_DEMO,
    OID_NIR_TEST,
    OIDS,
    cle_nir,
    coherence_traits,
    matricule_problem,
    with_key,
)

WRONG_KEY = ("ins_cle", "la clé de contrôle du matricule INS est fausse")
WRONG_FORMAT = (
    "ins_format",
    "un matricule INS compte 15 caractères : sexe (1, 2, 3, 4, 7 ou 8), année et mois de naissance, "
    "lieu de naissance (2A/2B pour la Corse, 99 pour l'étranger), numéro d'ordre, puis la clé à 2 chiffres",
)

# Keys worked out by hand as 97 - (13-digit number mod 97), Corsica's 2A counted as 19 and 2B as 18.
MARTIN = "238036912304554"  # 2380369123045 mod 97 = 43 -> 97 - 43 = 54
ROSSI_2A = "242072A00403106"  # 2420719004031 mod 97 = 91 -> 06
ALBERTINI_2B = "181022B03301947"  # 1810218033019 mod 97 = 50 -> 47
FERREIRA_ETRANGER = "150089913920487"  # born in Portugal (99139): 1500899139204 mod 97 = 10 -> 87
KOWALSKA_NIA = "852109912231075"  # NIA, temporary number (sexe 8): 8521099122310 mod 97 = 22 -> 75
HOARAU_OUTRE_MER = "147129741105207"  # born in La Réunion (97411): 1471297411052 mod 97 = 90 -> 07
CLE_97 = "145093306315297"  # 1450933063152 mod 97 = 0 -> 97, the largest key
MOIS_INCONNU = "140257505620806"  # pseudo-month 25: 1402575056208 mod 97 = 91 -> 06
CORSE_AVANT_1976 = (
    "242072000403176"  # département 20 as numbered before 1976: 2420720004031 mod 97 = 21 -> 76
)

# Published examples that carry a wrong key, kept here so nobody copies them into fixtures.
EXEMPLE_FHIR_ANS = (
    "180126978912536"  # INS-NIR-TEST of a FHIR example: 1801269789125 mod 97 = 45 -> 52, not 36
)
EXEMPLE_HL7_PAM = "288091234567823"  # HL7 v2 PAM example: 2880912345678 mod 97 = 3 -> 94, not 23


# -- the key --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "matricule",
    [
        MARTIN,
        ROSSI_2A,
        ALBERTINI_2B,
        FERREIRA_ETRANGER,
        KOWALSKA_NIA,
        HOARAU_OUTRE_MER,
        CLE_97,
        MOIS_INCONNU,
        CORSE_AVANT_1976,
    ],
)
def test_a_matricule_with_its_key_is_accepted(matricule: str) -> None:
    assert matricule_problem(matricule, OID_NIR_DEMO) is None


def test_a_nia_is_accepted_under_the_nia_oid() -> None:
    assert matricule_problem(KOWALSKA_NIA, OID_NIA) is None


@pytest.mark.parametrize(
    "typo",
    [
        "238036912304555",  # last key digit
        "238036912314554",  # one digit of the order number
        "238036912305454",  # two digits swapped (045 -> 054): its key would be 45
        "242072A00403107",
        "181022B03301948",
        "852109912231076",
        "238036912304500",  # 00 is never a key
        "238036912304598",  # nor anything above 97
    ],
)
def test_a_mistyped_matricule_is_caught_by_its_key(typo: str) -> None:
    assert matricule_problem(typo, OID_NIR_DEMO) == WRONG_KEY


@pytest.mark.parametrize("published", [EXEMPLE_FHIR_ANS, EXEMPLE_HL7_PAM])
def test_a_published_example_with_a_wrong_key_is_refused(published: str) -> None:
    assert matricule_problem(published, OID_NIR_TEST) == WRONG_KEY


def test_a_corsican_matricule_keyed_as_if_the_departement_were_20_is_refused() -> None:
    # 76 is the key of the same number written with 20; with 2A it must be 06.
    assert matricule_problem("242072A00403176", OID_NIR_DEMO) == WRONG_KEY


def test_2a_and_2b_do_not_share_a_key() -> None:
    # 2420719004031 mod 97 = 91 -> 06 ; 2420718004031 mod 97 = 91 - 1 000 000 mod 97 (= 27) = 64 -> 33
    assert cle_nir("242072A004031") == 6
    assert cle_nir("242072B004031") == 33


def test_the_key_is_97_minus_the_number_modulo_97() -> None:
    assert cle_nir("2380369123045") == 54
    assert cle_nir("1450933063152") == 97
    assert cle_nir("0000000000000") == 97


@pytest.mark.parametrize(
    "body", ["238036912304", "23803691230455", "2380369123O45", "2380369 23045", "٢٣٨٠٣٦٩١٢٣٠٤٥"]
)
def test_the_key_of_something_that_is_not_13_characters_of_a_nir_is_not_computed(body: str) -> None:
    with pytest.raises(ValueError):
        cle_nir(body)


@pytest.mark.parametrize("matricule", [MARTIN, ROSSI_2A, ALBERTINI_2B, KOWALSKA_NIA, CLE_97])
def test_with_key_gives_back_the_matricule_from_its_first_13_characters(matricule: str) -> None:
    assert with_key(matricule[:13]) == matricule


def test_with_key_pads_small_keys_to_two_digits() -> None:
    assert with_key("242072A004031") == "242072A00403106"


# -- the shape ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "23803691230455",  # one character short
        "2380369123045540",  # one too many
        "2 38 03 69 123 045 54",  # as printed on a carte Vitale: spaces go before the check
        "538036912304554",  # sexe 5 does not exist
        "038036912304554",  # nor 0
        "238006912304554",  # month 00
        "238136912304554",  # month 13
        "238456912304554",  # 43-49 are not pseudo-months
        "238030012304554",  # département 00
        "242072C00403106",  # only Corsica has letters
        "242072a00403106",  # and they are capitals
        "2A2072000403106",  # letters only in the département
        "23803691230455X",
        "238036912304554\n",
        "٢٣٨٠٣٦٩١٢٣٠٤٥٥٤",  # Arabic-Indic digits
    ],
)
def test_a_matricule_of_the_wrong_shape_is_refused_with_the_format_explained(malformed: str) -> None:
    assert matricule_problem(malformed, OID_NIR_DEMO) == WRONG_FORMAT


# -- the OID --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("oid", [OID_NIR, OID_NIA, OID_NIR_TEST, OID_NIR_DEMO])
def test_the_four_ins_authorities_are_known(oid: str) -> None:
    assert oid in OIDS
    assert matricule_problem(MARTIN, oid) is None


@pytest.mark.parametrize(
    "oid", ["", "1.2.250.1.213.1.4.2", "1.2.250.1.213.1.4.5", "urn:oid:1.2.250.1.213.1.4.8"]
)
def test_a_matricule_under_an_unknown_oid_is_refused_for_its_oid(oid: str) -> None:
    assert matricule_problem(MARTIN, oid) == (
        "ins_oid",
        "l'OID du matricule INS doit être celui de l'INS-NIR, de l'INS-NIA, de l'INS-NIR de test "
        "ou de l'INS-NIR de démonstration",
    )


def test_the_oids_have_french_labels_that_say_test_and_demonstration() -> None:
    assert OIDS == {
        "1.2.250.1.213.1.4.8": "INS-NIR",
        "1.2.250.1.213.1.4.9": "INS-NIA",
        "1.2.250.1.213.1.4.10": "INS-NIR de test",
        "1.2.250.1.213.1.4.11": "INS-NIR de démonstration",
    }


# -- the matricule against the traits -------------------------------------------------------------------------


def test_a_matricule_that_agrees_with_sex_and_birth_date_raises_nothing() -> None:
    assert coherence_traits(MARTIN, Sexe.F, date(1938, 3, 12)) == []


def test_a_man_given_a_womans_matricule_is_told_the_sex_disagrees() -> None:
    assert coherence_traits(MARTIN, Sexe.M, date(1938, 3, 12)) == [
        ("sexe", "ins_sexe", "le sexe ne correspond pas au premier chiffre du matricule INS")
    ]


def test_an_undetermined_sex_is_not_compared() -> None:
    assert coherence_traits(MARTIN, Sexe.I, date(1938, 3, 12)) == []


def test_temporary_numbers_follow_odd_for_men_and_even_for_women() -> None:
    assert coherence_traits(KOWALSKA_NIA, Sexe.F, date(1952, 10, 5)) == []
    assert [p[1] for p in coherence_traits(KOWALSKA_NIA, Sexe.M, date(1952, 10, 5))] == ["ins_sexe"]


def test_a_wrong_birth_year_is_pointed_at() -> None:
    assert coherence_traits(MARTIN, Sexe.F, date(1939, 3, 12)) == [
        (
            "date_naissance",
            "ins_date_naissance",
            "l'année de naissance ne correspond pas au matricule INS (2e et 3e chiffres)",
        )
    ]


def test_a_wrong_birth_month_is_pointed_at() -> None:
    assert coherence_traits(MARTIN, Sexe.F, date(1938, 12, 3)) == [
        (
            "date_naissance",
            "ins_date_naissance",
            "le mois de naissance ne correspond pas au matricule INS (4e et 5e chiffres)",
        )
    ]


@pytest.mark.parametrize("month", [1, 6, 12])
def test_a_pseudo_month_means_the_month_was_unknown_and_is_not_compared(month: int) -> None:
    assert coherence_traits(MOIS_INCONNU, Sexe.M, date(1940, month, 15)) == []
    assert coherence_traits(MOIS_INCONNU, Sexe.M, date(1941, month, 15))[0][0] == "date_naissance"


def test_the_ins_publicly_exemplified_for_a_man_born_in_january_says_december() -> None:
    assert coherence_traits(EXEMPLE_FHIR_ANS, Sexe.M, date(1980, 1, 15))[0][2].startswith("le mois")


def test_a_malformed_matricule_gives_no_coherence_answer() -> None:
    assert coherence_traits("2 38 03 69 123 045 54", Sexe.M, date(1900, 1, 1)) == []


# -- contracts ------------------------------------------------------------------------------------------------


def traits(**changes: Any) -> TraitsIdentite:
    fields: dict[str, Any] = {
        "nom_naissance": "Martin",
        "prenoms": "Jeanne Louise",
        "date_naissance": date(1938, 3, 12),
        "sexe": Sexe.F,
        "lieu_naissance": "69123",
    }
    fields.update(changes)
    return TraitsIdentite(**fields)


def rules(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in exc.value.errors()]


def test_a_matricule_with_a_wrong_key_reaches_the_api_as_the_ins_cle_rule() -> None:
    with pytest.raises(ValidationError) as exc:
        MatriculeIns(valeur=EXEMPLE_FHIR_ANS, oid=OID_NIR_TEST)

    assert rules(exc) == [("", "ins_cle")]
    assert exc.value.errors()[0]["msg"] == WRONG_KEY[1]


@pytest.mark.parametrize(
    ("valeur", "oid", "rule"),
    [("2380369123045", OID_NIR, "ins_format"), (MARTIN, "1.2.3", "ins_oid")],
)
def test_a_broken_matricule_is_refused_with_its_rule(valeur: str, oid: str, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        MatriculeIns(valeur=valeur, oid=oid)

    assert rules(exc) == [("", rule)]


def test_a_stored_matricule_is_read_back_even_if_the_rules_changed() -> None:
    stored = MatriculeIns.model_validate({"valeur": "1", "oid": "x"}, context={"stored": True})

    assert stored.valeur == "1"


def test_a_matricule_says_which_authority_gave_it() -> None:
    assert MatriculeIns(valeur=KOWALSKA_NIA, oid=OID_NIA).libelle == "INS-NIA"


def test_the_first_prenom_defaults_to_the_first_word_of_the_prenoms() -> None:
    assert traits(prenoms="Jeanne Louise").premier_prenom == "Jeanne"
    assert traits(prenoms="Jean-Pierre Marcel", sexe=Sexe.M).premier_prenom == "Jean-Pierre"


def test_a_compound_first_prenom_written_with_a_space_can_be_given() -> None:
    assert (
        traits(prenoms="Marie Claire Louise", premier_prenom="Marie Claire").premier_prenom == "Marie Claire"
    )


def test_a_first_prenom_that_is_not_the_first_of_the_prenoms_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        traits(prenoms="Jeanne Louise", premier_prenom="Louise")

    assert rules(exc) == [("premier_prenom", "premier_prenom")]


@pytest.mark.parametrize("lieu", ["69123", "2A004", "2B033", "99139", "97411", None])
def test_a_birthplace_is_an_insee_code_or_unknown(lieu: str | None) -> None:
    assert traits(lieu_naissance=lieu).lieu_naissance == lieu


@pytest.mark.parametrize("lieu", ["6912", "691230", "Lyon", "2C004", "2a004", "00123", "69 123"])
def test_a_birthplace_that_is_not_an_insee_code_is_refused_in_french(lieu: str) -> None:
    with pytest.raises(ValidationError) as exc:
        traits(lieu_naissance=lieu)

    assert rules(exc) == [("lieu_naissance", "lieu_naissance_format")]
    assert exc.value.errors()[0]["msg"].startswith("le lieu de naissance est le code INSEE")


def test_a_name_made_only_of_spaces_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        traits(nom_naissance="   ")

    assert rules(exc) == [("nom_naissance", "texte_vide")]


def test_identity_statuses_carry_the_rniv_codes() -> None:
    assert [s.code for s in StatutIdentite] == ["PROV", "RECUP", "VALI", "QUAL"]
    assert StatutIdentite.from_code("QUAL") is StatutIdentite.qualifiee
    with pytest.raises(ValueError):
        StatutIdentite.from_code("VIDE")


def test_names_compare_without_case_accents_hyphens_or_apostrophes() -> None:
    assert comparable_text("Lefèbvre-D’Arc  Œuvray") == comparable_text("LEFEBVRE D'ARC OEUVRAY")
    assert comparable_text("Martin") != comparable_text("Martins")


def test_identical_traits_in_insi_spelling_show_no_difference() -> None:
    insi = traits(nom_naissance="MARTIN", prenoms="JEANNE LOUISE", nom_utilise="DUPRÉ")

    assert differences(traits(), insi) == []


def test_every_ins_trait_that_differs_is_listed_in_order() -> None:
    insi = traits(
        nom_naissance="MARTINEZ",
        prenoms="JEANNE",
        date_naissance=date(1938, 3, 13),
        sexe=Sexe.M,
        lieu_naissance="69266",
    )

    assert differences(traits(), insi) == [
        "nom_naissance",
        "prenoms",
        "date_naissance",
        "sexe",
        "lieu_naissance",
    ]


def test_an_unknown_local_birthplace_is_not_a_difference() -> None:
    assert differences(traits(lieu_naissance=None), traits()) == []


def test_used_names_are_not_ins_traits() -> None:
    assert differences(traits(nom_utilise="Dupré", prenom_utilise="Jeannette"), traits()) == []
