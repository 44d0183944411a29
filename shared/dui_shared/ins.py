"""Matricule INS: a NIR or NIA, 13 characters (sexe, année, mois, lieu, ordre) + a 2-digit key, 97 - (n mod 97)."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

OID_NIR: Final = "1.2.250.1.213.1.4.8"
OID_NIA: Final = "1.2.250.1.213.1.4.9"
OID_NIR_TEST: Final = "1.2.250.1.213.1.4.10"
OID_NIR_DEMO: Final = "1.2.250.1.213.1.4.11"

OIDS: Final[dict[str, str]] = {
    OID_NIR: "INS-NIR",
    OID_NIA: "INS-NIA",
    OID_NIR_TEST: "INS-NIR de test",
    OID_NIR_DEMO: "INS-NIR de démonstration",
}
"""The assigning authorities a matricule INS may carry, by OID (FR Core `fr-core-patient-ins` slices)."""

# Sexe 1/2, 3/4 (foreigners being registered), 7/8 (temporary numbers): odd is male, even is female.
# Month 20-42 and 50-99 are pseudo-months for civil records that give no month. Lieu: département (2A/2B in
# Corsica, 20 before 1976, 97x/98x overseas, 91-96 or 99 abroad) + commune or country, always 5 characters.
_FORMAT = re.compile(
    r"[1-478][0-9]{2}(?:0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])(?:0[1-9]|[1-9][0-9]|2A|2B)[0-9]{3}[0-9]{3}[0-9]{2}"
)
_DIGITS13 = re.compile(r"[0-9]{13}")

FORMAT_MESSAGE: Final = (
    "un matricule INS compte 15 caractères : sexe (1, 2, 3, 4, 7 ou 8), année et mois de naissance, "
    "lieu de naissance (2A/2B pour la Corse, 99 pour l'étranger), numéro d'ordre, puis la clé à 2 chiffres"
)
CLE_MESSAGE: Final = "la clé de contrôle du matricule INS est fausse"
OID_MESSAGE: Final = (
    "l'OID du matricule INS doit être celui de l'INS-NIR, de l'INS-NIA, de l'INS-NIR de test "
    "ou de l'INS-NIR de démonstration"
)


def _digits(body13: str) -> str:
    # Letters cannot enter a modulo: the NIR rule counts Corsica's 2A as 19 and 2B as 18.
    place = body13[5:7]
    if place == "2A":
        return body13[:5] + "19" + body13[7:]
    if place == "2B":
        return body13[:5] + "18" + body13[7:]
    return body13


def cle_nir(body13: str) -> int:
    """The key (1..97) of the first 13 characters of a NIR or NIA; raises ValueError on anything else."""
    digits = _digits(body13)
    if not _DIGITS13.fullmatch(digits):
        raise ValueError(f"not the 13 first characters of a NIR: {body13!r}")
    return 97 - int(digits) % 97


def matricule_problem(valeur: str, oid: str) -> tuple[str, str] | None:
    """None when `valeur` is a well-formed matricule with the right key under a known OID, else (rule, reason)."""
    if not _FORMAT.fullmatch(valeur):
        return "ins_format", FORMAT_MESSAGE
    if cle_nir(valeur[:13]) != int(valeur[13:]):
        return "ins_cle", CLE_MESSAGE
    if oid not in OIDS:
        return "ins_oid", OID_MESSAGE
    return None


def with_key(body13: str) -> str:
    """Complete a 13-character body with its key (for fixtures and demo data)."""
    return f"{body13}{cle_nir(body13):02d}"


def coherence_traits(matricule: str, sexe: str, date_naissance: date) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each trait the matricule contradicts; what it cannot tell is not compared.

    `sexe` is F, M or I: I (indéterminé) is never compared. Pseudo-months (outside 01-12) say the month was
    unknown when the number was issued. A malformed matricule gives no answer here: `matricule_problem` says why.
    """
    if not _FORMAT.fullmatch(matricule):
        return []
    problems: list[tuple[str, str, str]] = []
    sexe_matricule = "M" if int(matricule[0]) % 2 else "F"
    if sexe in ("F", "M") and sexe != sexe_matricule:
        problems.append(("sexe", "ins_sexe", "le sexe ne correspond pas au premier chiffre du matricule INS"))
    annee, mois = int(matricule[1:3]), int(matricule[3:5])
    if annee != date_naissance.year % 100:
        problems.append(
            (
                "date_naissance",
                "ins_date_naissance",
                "l'année de naissance ne correspond pas au matricule INS (2e et 3e chiffres)",
            )
        )
    elif 1 <= mois <= 12 and mois != date_naissance.month:
        problems.append(
            (
                "date_naissance",
                "ins_date_naissance",
                "le mois de naissance ne correspond pas au matricule INS (4e et 5e chiffres)",
            )
        )
    return problems
