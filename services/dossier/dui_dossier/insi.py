"""INSi, the CNAM téléservice that gives an identity's INS: the port the dossier service uses, and a simulator.

The real téléservice only answers approved software holding health-professional credentials; until the platform
has them, the simulator answers from a fixture the way INSi would, so qualification can be built and shown.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from dui_shared.contracts.identite import MatriculeIns, TraitsIdentite, comparable_text, differences
from dui_shared.ins import coherence_traits

DEMO_INSI_FILE = Path(__file__).resolve().parents[3] / "config" / "insi-simulateur.json"


class ResultatInsi(StrEnum):
    trouve = "trouve"
    introuvable = "introuvable"
    plusieurs = "plusieurs"
    traits_differents = "traits_differents"


class ReponseInsi(BaseModel):
    """What INSi answered. `traits` and `matricule` are INSi's (capitals, no accents), never the local ones.

    With `traits_differents` they are given so the secretariat can see what differs; the INS must not be kept
    until the local traits are checked against an ID document and a new call answers `trouve`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    resultat: ResultatInsi
    matricule: MatriculeIns | None = None
    traits: TraitsIdentite | None = None
    candidats: int = 0
    differences: list[str] = Field(default_factory=list)


class Insi(Protocol):
    async def rechercher(self, traits: TraitsIdentite) -> ReponseInsi:
        """Search the INS of an identity by its traits."""
        ...

    async def verifier(self, matricule: MatriculeIns, traits: TraitsIdentite) -> ReponseInsi:
        """Check that a known matricule INS still goes with these traits."""
        ...


class _Identite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    matricule: str
    oid: str
    traits: TraitsIdentite

    @model_validator(mode="after")
    def _ins_valide(self) -> Self:
        # A fixture with a wrong key, or a matricule that contradicts its own traits, would hand out INS that
        # no real INSi could.
        self.ins()
        contradictions = coherence_traits(self.matricule, self.traits.sexe, self.traits.date_naissance)
        if contradictions:
            raise ValueError(f"{self.matricule} contradicts its traits: {[c[0] for c in contradictions]}")
        return self

    def ins(self) -> MatriculeIns:
        return MatriculeIns(valeur=self.matricule, oid=self.oid)


_FIXTURE = TypeAdapter(list[_Identite])


def _answer(identite: _Identite, local: TraitsIdentite) -> ReponseInsi:
    differ = differences(local, identite.traits)
    return ReponseInsi(
        resultat=ResultatInsi.traits_differents if differ else ResultatInsi.trouve,
        matricule=identite.ins(),
        traits=identite.traits,
        candidats=1,
        differences=differ,
    )


class InsiSimulateur:
    """INSi answered from a JSON file of identities (format in docs/insi-simulateur.md)."""

    def __init__(self, fixture: Path) -> None:
        identites = _FIXTURE.validate_json(fixture.read_bytes())
        self._identites = tuple(identites)
        self._par_matricule = {(i.matricule, i.oid): i for i in identites}
        if len(self._par_matricule) != len(identites):
            raise ValueError(f"{fixture}: the same matricule appears twice")

    @classmethod
    def demo(cls) -> InsiSimulateur:
        return cls(DEMO_INSI_FILE)

    async def rechercher(self, traits: TraitsIdentite) -> ReponseInsi:
        # Like INSi, the search rests on nom de naissance, premier prénom, date de naissance and sexe; the
        # birthplace only tells homonyms apart. Whatever else differs is said, not silently matched.
        nom, premier = comparable_text(traits.nom_naissance), comparable_text(traits.premier_prenom)
        candidats = [
            i
            for i in self._identites
            if comparable_text(i.traits.nom_naissance) == nom
            and comparable_text(i.traits.premier_prenom) == premier
            and i.traits.date_naissance == traits.date_naissance
            and i.traits.sexe == traits.sexe
        ]
        if len(candidats) > 1 and traits.lieu_naissance:
            meme_lieu = [i for i in candidats if i.traits.lieu_naissance == traits.lieu_naissance]
            candidats = meme_lieu or candidats
        if not candidats:
            return ReponseInsi(resultat=ResultatInsi.introuvable)
        if len(candidats) > 1:
            return ReponseInsi(resultat=ResultatInsi.plusieurs, candidats=len(candidats))
        return _answer(candidats[0], traits)

    async def verifier(self, matricule: MatriculeIns, traits: TraitsIdentite) -> ReponseInsi:
        identite = self._par_matricule.get((matricule.valeur, matricule.oid))
        if identite is None:
            return ReponseInsi(resultat=ResultatInsi.introuvable)
        return _answer(identite, traits)
