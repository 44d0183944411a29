"""Identity value objects (RNIV / INS): the traits, the matricule INS and the identity status. Not events."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Any, Self

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dui_shared.contracts import Contract
from dui_shared.contracts.admission import Sexe
from dui_shared.ins import OIDS, matricule_problem


def _stored(info: ValidationInfo) -> bool:
    # What the log already holds is read as it is, whatever the rules became (as in `Contract`).
    return bool(info.context and info.context.get("stored"))


class StatutIdentite(StrEnum):
    """The four exclusive statuses of the RNIV: got from INSi or not, checked against an ID document or not."""

    provisoire = "provisoire"
    recuperee = "recuperee"
    validee = "validee"
    qualifiee = "qualifiee"

    @property
    def code(self) -> str:
        """The code other systems exchange (HL7 v2 table 0445, FR Core identity reliability)."""
        return _CODES[self]

    @classmethod
    def from_code(cls, code: str) -> StatutIdentite:
        for statut, known in _CODES.items():
            if known == code:
                return statut
        raise ValueError(f"code de statut d'identité inconnu : {code}")


_CODES: dict[StatutIdentite, str] = {
    StatutIdentite.provisoire: "PROV",
    StatutIdentite.recuperee: "RECUP",
    StatutIdentite.validee: "VALI",
    StatutIdentite.qualifiee: "QUAL",
}

# Commune of birth as its INSEE code (2A/2B in Corsica, 97x overseas), or 99 + the country's code abroad.
_LIEU = re.compile(r"(?:0[1-9]|[1-9][0-9]|2A|2B)[0-9]{3}")
_SEPARATORS = re.compile(r"[-‐‑–'’‘`´\s]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def comparable_text(text: str) -> str:
    """A name as INS traits compare: case, accents, hyphens, apostrophes and extra spaces do not count.

    INSi answers in capitals without diacritics, and "Jean-Pierre" / "JEAN PIERRE" or "D'ARC" / "D ARC" are the
    same person; any other difference in spelling is a real difference.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare).strip().casefold()


class TraitsIdentite(Contract):
    """An identity as the INS sees it (the five INS traits), plus the names the person uses day to day.

    `premier_prenom`, when not given, is the first word of `prenoms`: a hyphenated first prénom (Jean-Pierre)
    stays whole, a compound one written with a space (Marie Claire) has to be given explicitly.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    nom_naissance: str = Field(min_length=1, max_length=100)
    prenoms: str = Field(min_length=1, max_length=200)
    premier_prenom: str = Field("", max_length=100)
    date_naissance: date
    sexe: Sexe
    lieu_naissance: str | None = None
    nom_utilise: str | None = Field(None, max_length=100)
    prenom_utilise: str | None = Field(None, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _premier_prenom_par_defaut(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("premier_prenom") and isinstance(data.get("prenoms"), str):
            words = data["prenoms"].split()
            if words:
                return {**data, "premier_prenom": words[0]}
        return data

    @field_validator("nom_naissance", "prenoms")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not _stored(info) and not value.strip():
            raise PydanticCustomError("texte_vide", "le texte ne peut pas être fait que d'espaces")
        return value

    @field_validator("premier_prenom")
    @classmethod
    def _premier_des_prenoms(cls, value: str, info: ValidationInfo) -> str:
        prenoms = info.data.get("prenoms")
        if _stored(info) or prenoms is None:
            return value  # a missing or broken `prenoms` is reported on its own field
        premier, tous = comparable_text(value), comparable_text(prenoms)
        if not premier or not (tous == premier or tous.startswith(premier + " ")):
            raise PydanticCustomError(
                "premier_prenom", "le premier prénom doit être le premier des prénoms de naissance"
            )
        return value

    @field_validator("lieu_naissance")
    @classmethod
    def _lieu(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _stored(info) and not _LIEU.fullmatch(value):
            raise PydanticCustomError(
                "lieu_naissance_format",
                "le lieu de naissance est le code INSEE de la commune sur 5 caractères (2A/2B pour la Corse), "
                "ou 99 suivi du code du pays pour une naissance à l'étranger",
            )
        return value


class MatriculeIns(Contract):
    """A NIR or NIA with the OID of the authority that assigned it (which also says test or demonstration)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valeur: str
    oid: str

    @model_validator(mode="after")
    def _matricule(self, info: ValidationInfo) -> Self:
        problem = None if _stored(info) else matricule_problem(self.valeur, self.oid)
        if problem:
            raise PydanticCustomError(problem[0], problem[1])
        return self

    @property
    def libelle(self) -> str:
        return OIDS.get(self.oid, self.oid)


TRAITS_INS = ("nom_naissance", "prenoms", "date_naissance", "sexe", "lieu_naissance")


def differences(local: TraitsIdentite, insi: TraitsIdentite) -> list[str]:
    """The INS traits (in `TRAITS_INS` order) on which the local identity and INSi's disagree.

    Names compare with `comparable_text`; a birthplace unknown on either side is not a difference, since a
    candidature often does not know it and INSi then brings it.
    """
    found = []
    if comparable_text(local.nom_naissance) != comparable_text(insi.nom_naissance):
        found.append("nom_naissance")
    if comparable_text(local.prenoms) != comparable_text(insi.prenoms):
        found.append("prenoms")
    if local.date_naissance != insi.date_naissance:
        found.append("date_naissance")
    if local.sexe != insi.sexe:
        found.append("sexe")
    if local.lieu_naissance and insi.lieu_naissance and local.lieu_naissance != insi.lieu_naissance:
        found.append("lieu_naissance")
    return found
