"""FINESS numbers: 9 characters, département (2A/2B for Corsica) + 6 digits + a Luhn check digit."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{7}")


def _digits(finess: str) -> str:
    # Corsican numbers keep the pre-1976 département code 20 in the key computation.
    return "20" + finess[2:] if finess[:2] in ("2A", "2B") else finess


def luhn_key(body: str) -> int:
    """The Luhn digit to append to `body` (digits only)."""
    total = 0
    for i, char in enumerate(reversed(body)):
        n = int(char)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def finess_problem(value: str) -> tuple[str, str] | None:
    """None when `value` is a well-formed FINESS with the right key, else (rule, reason in French)."""
    if not _FORMAT.fullmatch(value):
        return (
            "finess_format",
            "un numéro FINESS compte 9 caractères : 2 pour le département (ou 2A/2B) puis 7 chiffres",
        )
    digits = _digits(value)
    if luhn_key(digits[:8]) != int(digits[8]):
        return "finess_cle", "la clé de contrôle du numéro FINESS est fausse"
    return None


def with_key(body: str) -> str:
    """Complete an 8-character FINESS body with its key (for fixtures and demo data)."""
    return body + str(luhn_key(_digits(body + "0")[:8]))
