"""AGGIR → GIR: the national autonomy grid turned into a GIR (groupe iso-ressources), as pure functions.

Sources (Code de l'action sociale et des familles, as published in the GitHub repository
etalab/codes-juridiques-francais, folder codes-en-vigueur/code-de-l-action-sociale-et-des-familles/annexe):

- Weights, thresholds and ranks (`GROUPES`): annexe 2-2 "Algorithme de la grille AGGIR", file
  article-annexe-2-2.md (commit c2af2b664929fe298360c1cdc6cd0ef04a4dbefa), part "1 Calcul des rangs": one table
  per group A..H giving a value per variable for modality C and for modality B (A is always worth 0), followed by
  its "Sommation des valeurs des variables" thresholds.
- Rank → GIR (`gir_du_rang`): the same annexe, part "2 Passage des rangs aux groupes".
- Combining sub-variables into toilette, habillage, alimentation and élimination: annexe 2-1 "Guide de
  remplissage de la grille nationale AGGIR", file article-annexe-2-1.md (commit
  c2af2b664929fe298360c1cdc6cd0ef04a4dbefa), sections 3 (Toilette: "CC = C ; AA = A ; autres = B"),
  4 (Habillage: "CCC = C ; AAA = A ; autres = B"), 5 (Alimentation: "CC = C ; BC = C ; CB = C ; AA = A ;
  autres = B") and 6 (Élimination: "CC = C ; CB = C ; CA = C ; BC = C ; AC = C ; AA = A ; autres = B").
- The adverbs and the cohérence (communication, comportement) and orientation (temps, espace) sub-variables
  come from the guide that replaced annexe 2-1 in 2008 (décret n° 2008-821 du 21 août 2008). The repository's
  current annexe 2-1 (commit 94a5ad764e63a9396a2ea880e6e10381aff08b1d) only says "Guide non reproduit,
  consulter le fac-similé", so those two rules are not quoted from it: adverbs are coded A when all four hold,
  C when none holds ("ne fait pas"), B otherwise; cohérence and orientation are coded like élimination
  (AA = A, any C = C, otherwise B). Check them against the Journal officiel fac-similé before relying on them.

The 1997 publication of the algorithm (see Licence below) prints other values in group F (déplacement intérieur
C = 500, déplacement extérieur C = 200, cohérence B = 0); the codified annexe 2-2 used here has 200, 0 and 100.

The annexe 2-2 tables list ten variables; déplacements à l'extérieur and communication à distance (the 2008
guide's "alerter") weigh 0 in every group, so only eight discriminate. They are kept in the tables, at 0, so
that the code reads line for line like the text.

Licence: the algorithm belongs to the Syndicat national de gérontologie clinique (SNGC). Its publication
(décret n° 97-427 du 28 avril 1997, annexe II, in etalab/lois-non-codifiees-et-reglements-francais) states that,
made available to State services and local authorities, it may not be used by other persons, in particular for
lucrative purposes, without the SNGC's prior written authorisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dui_shared.contracts.aggir import (
    Adverbes,
    Alimentation,
    Coherence,
    Elimination,
    Habillage,
    Modalite,
    Orientation,
    Reponse,
    ReponsesAggir,
    ResultatAggir,
    Toilette,
)

A, B, C = Modalite.A, Modalite.B, Modalite.C

VARIABLES: tuple[str, ...] = (
    "coherence",
    "orientation",
    "toilette",
    "habillage",
    "alimentation",
    "elimination",
    "transferts",
    "deplacements_interieur",
    "deplacements_exterieur",
    "alerter",
)
"""The discriminant variables, in the order of the annexe 2-2 tables; the keys of `ResultatAggir.modalites`."""


# -- coding one activity ---------------------------------------------------------------------------------


def modalite(answer: Reponse) -> Modalite:
    """The letter of one activity: its letter as entered, or what its four adverbs give."""
    if isinstance(answer, Modalite):
        return answer
    return _from_adverbs(answer)


def _from_adverbs(adverbes: Adverbes) -> Modalite:
    held = (adverbes.spontanement, adverbes.totalement, adverbes.correctement, adverbes.habituellement)
    if all(held):
        return A
    if not any(held):
        return C  # "ne fait pas": nothing is done alone, someone does it or has it done
    return B


# -- combining sub-variables -----------------------------------------------------------------------------


def _all_a_all_c_else_b(*letters: Modalite) -> Modalite:
    if all(m is A for m in letters):
        return A
    if all(m is C for m in letters):
        return C
    return B


def _any_c_else_all_a_else_b(*letters: Modalite) -> Modalite:
    if C in letters:
        return C
    if all(m is A for m in letters):
        return A
    return B


def modalite_toilette(toilette: Toilette) -> Modalite:
    """CC = C ; AA = A ; autres = B: washing only the top half is partial, not absent."""
    return _all_a_all_c_else_b(modalite(toilette.haut), modalite(toilette.bas))


def modalite_habillage(habillage: Habillage) -> Modalite:
    """CCC = C ; AAA = A ; autres = B."""
    return _all_a_all_c_else_b(modalite(habillage.haut), modalite(habillage.moyen), modalite(habillage.bas))


def modalite_alimentation(alimentation: Alimentation) -> Modalite:
    """CC = C ; BC = C ; CB = C ; AA = A ; autres = B (so AC and CA give B, as the text says)."""
    pair = (modalite(alimentation.se_servir), modalite(alimentation.manger))
    if pair in {(C, C), (B, C), (C, B)}:
        return C
    return _all_a_all_c_else_b(*pair)


def modalite_elimination(elimination: Elimination) -> Modalite:
    """Any C gives C ; AA = A ; autres = B: one unmanaged elimination is enough to need someone."""
    return _any_c_else_all_a_else_b(modalite(elimination.urinaire), modalite(elimination.fecale))


def modalite_coherence(coherence: Coherence) -> Modalite:
    """Communication and comportement, combined like élimination (2008 guide, see the module docstring)."""
    return _any_c_else_all_a_else_b(modalite(coherence.communication), modalite(coherence.comportement))


def modalite_orientation(orientation: Orientation) -> Modalite:
    """Temps and espace, combined like élimination (2008 guide, see the module docstring)."""
    return _any_c_else_all_a_else_b(modalite(orientation.temps), modalite(orientation.espace))


def modalites(reponses: ReponsesAggir) -> dict[str, Modalite]:
    """The letter of each discriminant variable, keyed as in `VARIABLES`."""
    return {
        "coherence": modalite_coherence(reponses.coherence),
        "orientation": modalite_orientation(reponses.orientation),
        "toilette": modalite_toilette(reponses.toilette),
        "habillage": modalite_habillage(reponses.habillage),
        "alimentation": modalite_alimentation(reponses.alimentation),
        "elimination": modalite_elimination(reponses.elimination),
        "transferts": modalite(reponses.transferts),
        "deplacements_interieur": modalite(reponses.deplacements_interieur),
        "deplacements_exterieur": modalite(reponses.deplacements_exterieur),
        "alerter": modalite(reponses.alerter),
    }


# -- the annexe 2-2 algorithm ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Groupe:
    """One table of annexe 2-2: a value per variable for C and for B, then the rank its sum gives."""

    lettre: str
    valeurs: Mapping[str, tuple[int, int]]  # variable → (value if C, value if B); A is worth 0
    seuils: tuple[tuple[int, int], ...]  # (minimum sum, included; rank), highest threshold first
    rang_sinon: int | None = None  # rank below every threshold; None: test the next group

    def somme(self, lettres: Mapping[str, Modalite]) -> int:
        total = 0
        for variable, (si_c, si_b) in self.valeurs.items():
            letter = lettres[variable]
            total += si_c if letter is C else si_b if letter is B else 0
        return total

    def rang(self, lettres: Mapping[str, Modalite]) -> int | None:
        total = self.somme(lettres)
        for minimum, given in self.seuils:
            if total >= minimum:
                return given
        return self.rang_sinon


def _table(c: tuple[int, ...], b: tuple[int, ...]) -> dict[str, tuple[int, int]]:
    """Columns in the order of the text's rows: cohérence, orientation, toilette, habillage, alimentation,
    élimination, transfert, déplacement intérieur, déplacement extérieur, communication."""
    assert len(c) == len(b) == len(VARIABLES)
    return {variable: (c[i], b[i]) for i, variable in enumerate(VARIABLES)}


# Annexe 2-2, "1 Calcul des rangs", group by group, tested in this order.
# fmt: off
GROUPES: tuple[Groupe, ...] = (
    Groupe("A", _table(c=(2000, 1200, 40, 40, 60, 100, 800, 200, 0, 0),
                       b=(0, 0, 16, 16, 20, 16, 120, 32, 0, 0)),
           seuils=((4380, 1), (4140, 2), (3390, 3))),
    Groupe("B", _table(c=(1500, 1200, 40, 40, 60, 100, 800, -80, 0, 0),
                       b=(320, 120, 16, 16, 0, 16, 120, -40, 0, 0)),
           seuils=((2016, 4),)),
    Groupe("C", _table(c=(0, 0, 40, 40, 60, 160, 1000, 400, 0, 0),
                       b=(0, 0, 16, 16, 20, 20, 200, 40, 0, 0)),
           seuils=((1700, 5), (1432, 6))),
    Groupe("D", _table(c=(0, 0, 0, 0, 2000, 400, 2000, 200, 0, 0),
                       b=(0, 0, 0, 0, 200, 200, 200, 0, 0, 0)),
           seuils=((2400, 7),)),
    Groupe("E", _table(c=(400, 400, 400, 400, 400, 800, 800, 200, 0, 0),
                       b=(0, 0, 100, 100, 100, 100, 100, 0, 0, 0)),
           seuils=((1200, 8),)),
    Groupe("F", _table(c=(200, 200, 500, 500, 500, 500, 500, 200, 0, 0),
                       b=(100, 100, 100, 100, 100, 100, 100, 0, 0, 0)),
           seuils=((800, 9),)),
    Groupe("G", _table(c=(150, 150, 300, 300, 500, 500, 400, 200, 0, 0),
                       b=(0, 0, 200, 200, 200, 200, 200, 100, 0, 0)),
           seuils=((650, 10),)),
    Groupe("H", _table(c=(0, 0, 3000, 3000, 3000, 3000, 1000, 1000, 0, 0),
                       b=(0, 0, 2000, 2000, 2000, 2000, 2000, 1000, 0, 0)),
           seuils=((4000, 11), (2000, 12)), rang_sinon=13),
)
# fmt: on

_GIR_DU_RANG = {1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 3, 9: 3, 10: 4, 11: 4, 12: 5, 13: 6}
"""Annexe 2-2, "2 Passage des rangs aux groupes"."""


def classer(lettres: Mapping[str, Modalite]) -> tuple[str, int]:
    """The first group whose sum reaches one of its thresholds, and the rank it gives."""
    for groupe in GROUPES:
        found = groupe.rang(lettres)
        if found is not None:
            return groupe.lettre, found
    raise AssertionError("le groupe H attribue toujours un rang")  # pragma: no cover - H has rang_sinon


def gir_du_rang(rang: int) -> int:
    return _GIR_DU_RANG[rang]


def code_cisis(gir: int) -> str:
    """The JDV_GIR_CISIS code of a GIR: GIR 1..6 = MED-339..MED-344."""
    if not 1 <= gir <= 6:
        raise ValueError(f"GIR hors limites: {gir}")
    return f"MED-{338 + gir}"


def calculer(reponses: ReponsesAggir) -> ResultatAggir:
    """Combine the sub-variables, test groups A..H in order, and turn the rank into a GIR."""
    lettres = modalites(reponses)
    groupe, found = classer(lettres)
    gir = gir_du_rang(found)
    return ResultatAggir(gir=gir, rang=found, groupe=groupe, modalites=lettres, code_cisis=code_cisis(gir))
