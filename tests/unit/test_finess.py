"""FINESS numbers: what the secretariat types is accepted only when it is a well-formed number with its key."""

from __future__ import annotations

import pytest

from dui_shared.finess import finess_problem, luhn_key, with_key

WRONG_KEY = ("finess_cle", "la clé de contrôle du numéro FINESS est fausse")
WRONG_FORMAT = (
    "finess_format",
    "un numéro FINESS compte 9 caractères : 2 pour le département (ou 2A/2B) puis 7 chiffres",
)


@pytest.mark.parametrize("finess", ["690004122", "130008154", "2A0002319"])
def test_the_demo_establishments_have_valid_finess_numbers(finess: str) -> None:
    assert finess_problem(finess) is None


@pytest.mark.parametrize("typo", ["690004123", "130008155", "2A0002310", "960004122"])
def test_a_mistyped_digit_is_caught_by_the_check_digit(typo: str) -> None:
    assert finess_problem(typo) == WRONG_KEY


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "69000412",  # one digit short
        "6900041220",  # one digit too many
        "69 0004122",
        "AB0004122",  # only Corsica has letters
        "2C0002319",
        "2a0002319",  # Corsican letters are capitals
        "6900041A2",  # letters only in the département
        "69000412X",
    ],
)
def test_a_number_of_the_wrong_shape_is_refused_with_the_format_explained(malformed: str) -> None:
    assert finess_problem(malformed) == WRONG_FORMAT


@pytest.mark.parametrize("body", ["69000412", "13000815", "75000001", "2A000231", "2B000555"])
def test_completing_a_body_with_its_key_gives_a_valid_number_that_starts_with_the_body(body: str) -> None:
    finess = with_key(body)

    assert finess.startswith(body)
    assert len(finess) == 9
    assert finess_problem(finess) is None


@pytest.mark.parametrize("finess", ["690004122", "130008154", "2A0002319"])
def test_with_key_gives_back_the_demo_numbers_from_their_first_eight_characters(finess: str) -> None:
    assert with_key(finess[:8]) == finess


def test_corsican_numbers_compute_their_key_as_if_the_departement_were_still_20() -> None:
    assert finess_problem("2A0002319") is None
    assert finess_problem("2B0002319") is None
    assert finess_problem("200002319") is None
    assert with_key("2A000231")[-1] == with_key("2B000231")[-1] == with_key("20000231")[-1]


def test_a_corsican_number_with_a_wrong_key_is_refused_for_its_key_not_its_letters() -> None:
    assert finess_problem("2B0002318") == WRONG_KEY


def test_the_luhn_key_doubles_every_other_digit_from_the_right() -> None:
    # 7992739871 is the textbook Luhn example: its check digit is 3.
    assert luhn_key("7992739871") == 3
    assert luhn_key("00000000") == 0


def test_a_number_followed_by_a_line_break_is_not_a_finess() -> None:
    assert finess_problem("690004122\n") == WRONG_FORMAT


def test_a_number_written_in_arabic_indic_digits_is_not_a_finess() -> None:
    assert finess_problem("٦٩٠٠٠٤١٢٢") == WRONG_FORMAT
