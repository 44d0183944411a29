"""RPPS numbers: 11 digits identifying a health professional, the last one a Luhn check digit."""

from __future__ import annotations

import re

from dui_shared.finess import luhn_key

_FORMAT = re.compile(r"[0-9]{11}")


def rpps_problem(value: str) -> tuple[str, str] | None:
    """None when `value` is a well-formed RPPS number with the right key, else (rule, reason in French)."""
    if not _FORMAT.fullmatch(value):
        return "rpps_format", "un numéro RPPS compte 11 chiffres"
    if luhn_key(value[:10]) != int(value[10]):
        return "rpps_cle", "la clé de contrôle du numéro RPPS est fausse"
    return None


def with_key(body: str) -> str:
    """Complete a 10-digit RPPS body with its key (for fixtures and demo data)."""
    return body + str(luhn_key(body))
