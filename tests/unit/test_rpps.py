"""RPPS numbers: 11 digits, the last one the Luhn key of the first ten.

Keys computed by hand (Luhn: from the rightmost digit of the body, double every other digit starting with that
one, subtract 9 from doubles above 9, sum everything; the key is (10 - sum % 10) % 10):

    body 1000123456 → from the right 6 5 4 3 2 1 0 0 0 1, doubled at even positions:
        12→3, 5, 8, 3, 4, 1, 0, 0, 0, 1 → sum 25 → key (10 - 5) % 10 = 5 → 10001234565
    body 1012345678 → from the right 8 7 6 5 4 3 2 1 0 1:
        16→7, 7, 12→3, 5, 8, 3, 4, 1, 0, 1 → sum 39 → key 1 → 10123456781
    body 1000000009 → from the right 9 0 0 0 0 0 0 0 0 1:
        18→9, 0, 0, 0, 0, 0, 0, 0, 0, 1 → sum 10 → key (10 - 0) % 10 = 0 → 10000000090
"""

from __future__ import annotations

import pytest

from dui_shared.rpps import rpps_problem, with_key


@pytest.mark.parametrize("rpps", ["10001234565", "10123456781", "10000000090"])
def test_a_number_with_its_luhn_key_is_a_valid_rpps(rpps: str) -> None:
    assert rpps_problem(rpps) is None


@pytest.mark.parametrize("rpps", ["10001234565", "10123456781", "10000000090"])
def test_the_fixture_helper_appends_the_same_key_as_by_hand(rpps: str) -> None:
    assert with_key(rpps[:10]) == rpps


@pytest.mark.parametrize("key", [k for k in "0123456789" if k != "5"])
def test_any_other_key_is_refused_as_a_wrong_key(key: str) -> None:
    assert rpps_problem("1000123456" + key) == ("rpps_cle", "la clé de contrôle du numéro RPPS est fausse")


def test_two_swapped_digits_are_caught_by_the_key() -> None:
    # 10001234565 with its 3 and 4 swapped
    problem = rpps_problem("10001243565")

    assert problem is not None
    assert problem[0] == "rpps_cle"


@pytest.mark.parametrize(
    "rpps",
    [
        "",
        "1000123456",  # 10 digits
        "100012345650",  # 12 digits
        "1000123456A",
        " 10001234565",
        "10001234565 ",
        "1000 123456",
        "1000-1234565",
        "１０００１２３４５６５",  # full-width digits
    ],
)
def test_anything_but_eleven_ascii_digits_is_a_format_problem(rpps: str) -> None:
    assert rpps_problem(rpps) == ("rpps_format", "un numéro RPPS compte 11 chiffres")
