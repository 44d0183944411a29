"""AGGIR → GIR: the GIR the dossier shows is the one the CASF annexes 2-1 and 2-2 give for the same answers.

Every expected value below is worked out by hand from the official tables (see docs/aggir.md), never by running
the code: "A = …" in a comment is the sum of group A's values for the profile, and so on down the groups until
one reaches a threshold. Profiles are written as letters in the order of the annexe 2-2 tables: cohérence,
orientation, toilette, habillage, alimentation, élimination, transferts, déplacements intérieur (then
déplacements extérieur and alerter, "A" when omitted).
"""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from dui_dossier.domain.aggir import (
    calculer,
    code_cisis,
    gir_du_rang,
    modalite,
    modalite_alimentation,
    modalite_coherence,
    modalite_elimination,
    modalite_habillage,
    modalite_orientation,
    modalite_toilette,
)
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
TOUT_SEUL = Adverbes(spontanement=True, totalement=True, correctement=True, habituellement=True)
NE_FAIT_PAS = Adverbes(spontanement=False, totalement=False, correctement=False, habituellement=False)


def reponses(lettres: str, **autres: Reponse | None) -> ReponsesAggir:
    """A grid where every sub-variable of a variable carries that variable's letter."""
    if len(lettres) == 8:
        lettres += "AA"
    assert len(lettres) == 10, lettres
    coh, ori, toi, hab, ali, eli, tra, dint, dext, ale = (Modalite(x) for x in lettres)
    return ReponsesAggir(
        coherence=Coherence(communication=coh, comportement=coh),
        orientation=Orientation(temps=ori, espace=ori),
        toilette=Toilette(haut=toi, bas=toi),
        habillage=Habillage(haut=hab, moyen=hab, bas=hab),
        alimentation=Alimentation(se_servir=ali, manger=ali),
        elimination=Elimination(urinaire=eli, fecale=eli),
        transferts=tra,
        deplacements_interieur=dint,
        deplacements_exterieur=dext,
        alerter=ale,
        **autres,
    )


def pair(lettres: str) -> tuple[Modalite, ...]:
    return tuple(Modalite(x) for x in lettres)


# -- the six GIR, from the people the guide describes ----------------------------------------------------


def test_a_person_confined_to_bed_with_severe_cognitive_impairment_is_gir_1() -> None:
    # Everything C. A = 2000+1200+40+40+60+100+800+200 = 4440 >= 4380 → rang 1 → GIR 1.
    resultat = calculer(reponses("CCCCCCCCCC"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (1, 1, "A")
    assert resultat.code_cisis == "MED-339"


def test_a_person_with_dementia_who_still_walks_about_is_gir_2() -> None:
    # Cohérence and orientation C, the body still autonomous.
    # A = 2000+1200 = 3200 < 3390; B = 1500+1200 = 2700 >= 2016 → rang 4 → GIR 2.
    resultat = calculer(reponses("CCAAAAAA"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (2, 4, "B")
    assert resultat.code_cisis == "MED-340"


def test_a_lucid_person_needing_help_with_washing_dressing_and_continence_care_is_gir_3() -> None:
    # AABBACBA. A = 16+16+100+120 = 252; B = 16+16+100+120 = 252; C = 16+16+160+200 = 392; D = 400+200 = 600;
    # E = 100+100+800+100 = 1100 < 1200; F = 100+100+500+100 = 800 >= 800 → rang 9 → GIR 3.
    resultat = calculer(reponses("AABBACBA"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (3, 9, "F")
    assert resultat.code_cisis == "MED-341"


def test_a_person_who_cannot_get_up_alone_but_then_moves_about_indoors_is_gir_4() -> None:
    # AABBAACA. A = 16+16+800 = 832; B = 832; C = 16+16+1000 = 1032; D = 2000 < 2400; E = 100+100+800 = 1000;
    # F = 100+100+500 = 700 < 800; G = 200+200+400 = 800 >= 650 → rang 10 → GIR 4.
    resultat = calculer(reponses("AABBAACA"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (4, 10, "G")
    assert resultat.code_cisis == "MED-342"


def test_a_person_who_only_needs_occasional_help_with_washing_is_gir_5() -> None:
    # Toilette B only. A..C = 16; D = 0; E = F = 100; G = 200 < 650; H = 2000 → rang 12 → GIR 5.
    resultat = calculer(reponses("AABAAAAA"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (5, 12, "H")
    assert resultat.code_cisis == "MED-343"


def test_a_fully_autonomous_person_is_gir_6() -> None:
    # Every sum is 0; H = 0 < 2000 → rang 13 → GIR 6.
    resultat = calculer(reponses("AAAAAAAAAA"))

    assert (resultat.gir, resultat.rang, resultat.groupe) == (6, 13, "H")
    assert resultat.code_cisis == "MED-344"


# -- every rank of annexe 2-2 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lettres", "groupe", "rang", "gir"),
    [
        # A = 2000+1200+40+40+100+800+200 = 4380 → 1
        ("CCCCACCC", "A", 1, 1),
        # A = 2000+1200+40+40+60+800 = 4140 → 2
        ("CCCCCACA", "A", 2, 2),
        # A = 2000+1200+16+16+60+100 = 3392 → 3
        ("CCBBCCAA", "A", 3, 2),
        # A = 1200+16+800 = 2016 < 3390; B = 1200+16+800 = 2016 → 4
        ("ACAAABCA", "B", 4, 2),
        # A = 40+40+60+100+800+200 = 1240; B = 40+40+60+100+800-80 = 960; C = 40+40+60+160+1000+400 = 1700 → 5
        ("AACCCCCC", "C", 5, 2),
        # A = 16+16+800+200 = 1032; B = 16+16+800-80 = 752; C = 16+16+1000+400 = 1432 → 6
        ("AABBAACC", "C", 6, 2),
        # A = 16+800+200 = 1016; B = 16+800-80 = 736; C = 20+1000+400 = 1420; D = 200+2000+200 = 2400 → 7
        ("AAAAABCC", "D", 7, 2),
        # A = 40+800 = 840; B = 840; C = 40+1000 = 1040; D = 2000; E = 400+800 = 1200 → 8
        ("AAACAACA", "E", 8, 3),
        # A = 420; B = 100+120-80 = 140; C = 160+200+400 = 760; D = 800; E = 800+100+200 = 1100; F = 800 → 9
        ("AAAAACBC", "F", 9, 3),
        # A = B = 1200+60 = 1260; C = 60; D = 2000; E = 800; F = 200+500 = 700; G = 150+500 = 650 → 10
        ("ACAACAAA", "G", 10, 4),
        # A = B = 16+120 = 136; C = 220; D = 400; E = F = 200; G = 400; H = 2000+2000 = 4000 → 11
        ("AAAAABBA", "H", 11, 4),
        # A..C <= 20; D = 200; E = F = 100; G = 200; H = 2000 → 12
        ("AAAAABAA", "H", 12, 5),
        # every sum 0 → 13
        ("AAAAAAAA", "H", 13, 6),
    ],
)
def test_each_rank_of_the_algorithm_is_reached_by_the_profile_the_tables_give(
    lettres: str, groupe: str, rang: int, gir: int
) -> None:
    resultat = calculer(reponses(lettres))

    assert (resultat.groupe, resultat.rang, resultat.gir) == (groupe, rang, gir)


@pytest.mark.parametrize(
    ("rang", "gir"),
    [
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 2),
        (5, 2),
        (6, 2),
        (7, 2),
        (8, 3),
        (9, 3),
        (10, 4),
        (11, 4),
        (12, 5),
        (13, 6),
    ],
)
def test_ranks_turn_into_gir_as_in_the_passage_des_rangs_aux_groupes_table(rang: int, gir: int) -> None:
    assert gir_du_rang(rang) == gir


# -- thresholds: reached exactly vs the closest sum under them --------------------------------------------
# The values are multiples of 4, so "one point under" cannot happen: the second profile of each pair is the
# closest sum under the threshold the grid can produce.


@pytest.mark.parametrize(
    ("au_seuil", "sous_le_seuil", "attendu_au_seuil", "attendu_dessous"),
    [
        # A rang 1 at 4380: CCCCACCC = 4380 → 1; CCCBBCCC = 2000+1200+40+16+20+100+800+200 = 4376 → 2.
        pytest.param("CCCCACCC", "CCCBBCCC", (1, 1), (2, 2), id="A-4380"),
        # A rang 2 at 4140: CCCCCACA = 4140 → 2; CCABBCCA = 2000+1200+16+20+100+800 = 4136 → 3.
        pytest.param("CCCCCACA", "CCABBCCA", (2, 2), (3, 2), id="A-4140"),
        # A rang 3 at 3390 (unreachable, nearest sums 3392 and 3388): CCBBCCAA = 3392 → 3;
        # CCAABBBB: A = 2000+1200+20+16+120+32 = 3388 < 3390, B = 1500+1200+16+120-40 = 2796 >= 2016 → 4.
        pytest.param("CCBBCCAA", "CCAABBBB", (3, 2), (4, 2), id="A-3390"),
        # B rang 4 at 2016: ACAAABCA = 2016 → 4; ACABCBCC: A = 1200+16+60+16+800+200 = 2292,
        # B = 1200+16+60+16+800-80 = 2012 < 2016, C = 16+60+20+1000+400 = 1496 >= 1432 → 6.
        pytest.param("ACAAABCA", "ACABCBCC", (4, 2), (6, 2), id="B-2016"),
        # C rang 5 at 1700: AACCCCCC = 1700 → 5; AABCCCCC: A = 1216, B = 936, C = 16+40+60+160+1000+400 = 1676 → 6.
        pytest.param("AACCCCCC", "AABCCCCC", (5, 2), (6, 2), id="C-1700"),
        # C rang 6 at 1432: AABBAACC = 1432 → 6; AAAAABCC: C = 20+1000+400 = 1420 < 1432, D = 2400 → 7.
        pytest.param("AABBAACC", "AAAAABCC", (6, 2), (7, 2), id="C-1432"),
        # D rang 7 at 2400: AAAAABCC = 2400 → 7; AAAAAACC: A = 1000, B = 720, C = 1400, D = 2000+200 = 2200,
        # E = 800+200 = 1000, F = 500+200 = 700, G = 400+200 = 600, H = 1000+1000 = 2000 → 12.
        pytest.param("AAAAABCC", "AAAAAACC", (7, 2), (12, 5), id="D-2400"),
        # E rang 8 at 1200: AAACAACA = 1200 → 8; AAAAACBC: E = 800+100+200 = 1100, F = 500+100+200 = 800 → 9.
        pytest.param("AAACAACA", "AAAAACBC", (8, 3), (9, 3), id="E-1200"),
        # F rang 9 at 800: AAAAACBC = 800 → 9; AAAAACAC: A = 300, B = 20, C = 560, D = 600, E = 1000,
        # F = 500+200 = 700 < 800, G = 500+200 = 700 >= 650 → 10.
        pytest.param("AAAAACBC", "AAAAACAC", (9, 3), (10, 4), id="F-800"),
        # G rang 10 at 650: ACAACAAA = 650 → 10; AAAAABBC: A = 336, B = 56, C = 620, D = 600, E = F = 400,
        # G = 200+200+200 = 600 < 650, H = 2000+2000+1000 = 5000 → 11.
        pytest.param("ACAACAAA", "AAAAABBC", (10, 4), (11, 4), id="G-650"),
        # H rang 11 at 4000: AAAAABBA = 4000 → 11; AAAAAABB: A = 152, B = 80, C = 240, D = 200, E = F = 100,
        # G = 300, H = 2000+1000 = 3000 → 12.
        pytest.param("AAAAABBA", "AAAAAABB", (11, 4), (12, 5), id="H-4000"),
        # H rang 12 at 2000: AAAAABAA = 2000 → 12; AAAAAAAB: G = 100, H = 1000 < 2000 → 13.
        pytest.param("AAAAABAA", "AAAAAAAB", (12, 5), (13, 6), id="H-2000"),
    ],
)
def test_a_sum_exactly_at_a_threshold_takes_the_rank_and_the_closest_sum_under_it_does_not(
    au_seuil: str,
    sous_le_seuil: str,
    attendu_au_seuil: tuple[int, int],
    attendu_dessous: tuple[int, int],
) -> None:
    at, under = calculer(reponses(au_seuil)), calculer(reponses(sous_le_seuil))

    assert (at.rang, at.gir) == attendu_au_seuil
    assert (under.rang, under.gir) == attendu_dessous


# -- variables that never move the GIR --------------------------------------------------------------------


@pytest.mark.parametrize("exterieur_alerter", ["AA", "BB", "CC", "CA", "AC"])
def test_going_out_and_raising_the_alarm_are_recorded_but_never_change_the_gir(
    exterieur_alerter: str,
) -> None:
    # Both weigh 0 in every group: CCAAAAAA stays B = 1500+1200 = 2700 → rang 4 whatever they are.
    resultat = calculer(reponses("CCAAAAAA" + exterieur_alerter))

    assert (resultat.rang, resultat.gir) == (4, 2)
    assert resultat.modalites["deplacements_exterieur"] == Modalite(exterieur_alerter[0])
    assert resultat.modalites["alerter"] == Modalite(exterieur_alerter[1])


def test_domestic_and_social_variables_do_not_enter_the_gir() -> None:
    illustratives = dict.fromkeys(
        ("gestion", "cuisine", "menage", "transports", "achats", "suivi_traitement", "activites_temps_libre"),
        C,
    )

    resultat = calculer(reponses("AAAAAAAAAA", **illustratives))

    assert (resultat.rang, resultat.gir) == (13, 6)


def test_the_result_shows_each_discriminant_variable_after_combining_its_sub_variables() -> None:
    grille = reponses("AAAAAAAAAA").model_copy(
        update={
            "toilette": Toilette(haut=A, bas=C),  # → B
            "alimentation": Alimentation(se_servir=B, manger=C),  # → C
            "coherence": Coherence(communication=A, comportement=B),  # → B
        }
    )

    resultat = calculer(grille)

    assert resultat.modalites == {
        "coherence": B,
        "orientation": A,
        "toilette": B,
        "habillage": A,
        "alimentation": C,
        "elimination": A,
        "transferts": A,
        "deplacements_interieur": A,
        "deplacements_exterieur": A,
        "alerter": A,
    }
    # Cohérence B, toilette B, alimentation C. A = 0+16+60 = 76; B = 320+16+60 = 396; C = 0+16+60 = 76;
    # D = 2000 < 2400; E = 0+100+400 = 500; F = 100+100+500 = 700; G = 0+200+500 = 700 >= 650 → rang 10 → GIR 4.
    assert (resultat.groupe, resultat.rang, resultat.gir) == ("G", 10, 4)


# -- coding one activity with the four adverbs ------------------------------------------------------------


def test_an_activity_done_alone_spontaneously_totally_correctly_and_habitually_is_a() -> None:
    assert modalite(TOUT_SEUL) is A


def test_an_activity_the_person_does_not_do_at_all_is_c() -> None:
    assert modalite(NE_FAIT_PAS) is C


@pytest.mark.parametrize(
    "adverbes",
    [
        Adverbes(spontanement=S, totalement=T, correctement=Co, habituellement=H)
        for S, T, Co, H in itertools.product((True, False), repeat=4)
        if 0 < (S + T + Co + H) < 4
    ],
)
def test_an_activity_failing_one_to_three_adverbs_is_b(adverbes: Adverbes) -> None:
    assert modalite(adverbes) is B


@pytest.mark.parametrize("lettre", [A, B, C])
def test_a_letter_entered_directly_is_kept_as_is(lettre: Modalite) -> None:
    assert modalite(lettre) is lettre


def test_a_grid_entered_only_with_adverbs_gives_the_same_gir_as_with_letters() -> None:
    grille = ReponsesAggir(
        coherence=Coherence(communication=NE_FAIT_PAS, comportement=NE_FAIT_PAS),
        orientation=Orientation(temps=NE_FAIT_PAS, espace=NE_FAIT_PAS),
        toilette=Toilette(haut=NE_FAIT_PAS, bas=NE_FAIT_PAS),
        habillage=Habillage(haut=NE_FAIT_PAS, moyen=NE_FAIT_PAS, bas=NE_FAIT_PAS),
        alimentation=Alimentation(se_servir=NE_FAIT_PAS, manger=NE_FAIT_PAS),
        elimination=Elimination(urinaire=NE_FAIT_PAS, fecale=NE_FAIT_PAS),
        transferts=NE_FAIT_PAS,
        deplacements_interieur=NE_FAIT_PAS,
        deplacements_exterieur=TOUT_SEUL,
        alerter=TOUT_SEUL,
    )

    resultat = calculer(grille)

    # Same letters as CCCCCCCC: A = 4440 → rang 1 → GIR 1.
    assert (resultat.rang, resultat.gir) == (1, 1)


def test_sub_variables_answered_with_adverbs_combine_like_letters() -> None:
    washes_top_only_when_reminded = Adverbes(
        spontanement=False, totalement=True, correctement=True, habituellement=True
    )

    assert modalite_toilette(Toilette(haut=washes_top_only_when_reminded, bas=TOUT_SEUL)) is B
    assert modalite_elimination(Elimination(urinaire=TOUT_SEUL, fecale=NE_FAIT_PAS)) is C


# -- combining sub-variables (annexe 2-1, guide de remplissage) -------------------------------------------


@pytest.mark.parametrize(
    ("haut_bas", "attendu"),
    # "CC = C ; AA = A ; autres = B"
    [("AA", A), ("AB", B), ("AC", B), ("BA", B), ("BB", B), ("BC", B), ("CA", B), ("CB", B), ("CC", C)],
)
def test_washing_is_a_only_when_both_halves_are_a_and_c_only_when_neither_is_done(
    haut_bas: str, attendu: Modalite
) -> None:
    haut, bas = pair(haut_bas)

    assert modalite_toilette(Toilette(haut=haut, bas=bas)) is attendu


@pytest.mark.parametrize("haut_moyen_bas", ["AAA", "CCC"])
def test_dressing_is_a_or_c_when_top_middle_and_bottom_agree(haut_moyen_bas: str) -> None:
    haut, moyen, bas = pair(haut_moyen_bas)

    assert modalite_habillage(Habillage(haut=haut, moyen=moyen, bas=bas)) is Modalite(haut_moyen_bas[0])


@pytest.mark.parametrize(
    "haut_moyen_bas",
    # "CCC = C ; AAA = A ; autres = B": the 25 other combinations.
    ["".join(p) for p in itertools.product("ABC", repeat=3) if "".join(p) not in ("AAA", "CCC")],
)
def test_dressing_is_b_in_every_other_combination(haut_moyen_bas: str) -> None:
    haut, moyen, bas = pair(haut_moyen_bas)

    assert modalite_habillage(Habillage(haut=haut, moyen=moyen, bas=bas)) is B


@pytest.mark.parametrize(
    ("se_servir_manger", "attendu"),
    # "CC = C ; BC = C ; CB = C ; AA = A ; autres = B"
    [("AA", A), ("AB", B), ("AC", B), ("BA", B), ("BB", B), ("BC", C), ("CA", B), ("CB", C), ("CC", C)],
)
def test_eating_is_c_when_one_part_is_not_done_and_the_other_only_partly(
    se_servir_manger: str, attendu: Modalite
) -> None:
    se_servir, manger = pair(se_servir_manger)

    assert modalite_alimentation(Alimentation(se_servir=se_servir, manger=manger)) is attendu


ANY_C_IS_C = [
    ("AA", A),
    ("AB", B),
    ("AC", C),
    ("BA", B),
    ("BB", B),
    ("BC", C),
    ("CA", C),
    ("CB", C),
    ("CC", C),
]


@pytest.mark.parametrize(
    ("urinaire_fecale", "attendu"),
    # "CC = C ; CB = C ; CA = C ; BC = C ; AC = C ; AA = A ; autres = B"
    ANY_C_IS_C,
)
def test_continence_care_is_c_as_soon_as_one_elimination_is_not_managed(
    urinaire_fecale: str, attendu: Modalite
) -> None:
    urinaire, fecale = pair(urinaire_fecale)

    assert modalite_elimination(Elimination(urinaire=urinaire, fecale=fecale)) is attendu


@pytest.mark.parametrize(("communication_comportement", "attendu"), ANY_C_IS_C)
def test_coherence_is_c_as_soon_as_communication_or_behaviour_is_c(
    communication_comportement: str, attendu: Modalite
) -> None:
    communication, comportement = pair(communication_comportement)

    assert modalite_coherence(Coherence(communication=communication, comportement=comportement)) is attendu


@pytest.mark.parametrize(("temps_espace", "attendu"), ANY_C_IS_C)
def test_orientation_is_c_as_soon_as_time_or_space_orientation_is_c(
    temps_espace: str, attendu: Modalite
) -> None:
    temps, espace = pair(temps_espace)

    assert modalite_orientation(Orientation(temps=temps, espace=espace)) is attendu


# -- CI-SIS codes and the contracts carried in events -----------------------------------------------------


@pytest.mark.parametrize(
    ("gir", "code"),
    [(1, "MED-339"), (2, "MED-340"), (3, "MED-341"), (4, "MED-342"), (5, "MED-343"), (6, "MED-344")],
)
def test_each_gir_is_sent_with_its_jdv_gir_cisis_code(gir: int, code: str) -> None:
    assert code_cisis(gir) == code


@pytest.mark.parametrize("gir", [0, 7])
def test_there_is_no_cisis_code_outside_gir_1_to_6(gir: int) -> None:
    with pytest.raises(ValueError):
        code_cisis(gir)


def test_a_grid_mixing_letters_and_adverbs_survives_the_json_round_trip_of_an_event() -> None:
    grille = reponses("CCAAAAAA", cuisine=B).model_copy(
        update={"toilette": Toilette(haut=TOUT_SEUL, bas=Modalite.B)}
    )

    relue = ReponsesAggir.model_validate_json(grille.model_dump_json())

    assert relue == grille
    assert isinstance(relue.toilette.haut, Adverbes)
    assert relue.toilette.bas is B
    assert calculer(relue) == calculer(grille)


def test_answers_arrive_as_letters_or_as_the_four_adverbs() -> None:
    payload = reponses("AAAAAAAA").model_dump(mode="json")
    payload["transferts"] = "C"
    payload["deplacements_interieur"] = {
        "spontanement": True,
        "totalement": False,
        "correctement": True,
        "habituellement": True,
    }

    grille = ReponsesAggir.model_validate(payload)

    assert grille.transferts is C
    assert modalite(grille.deplacements_interieur) is B
    assert grille.gestion is None


@pytest.mark.parametrize(
    "change",
    [
        {"transferts": "D"},  # not a modality
        {"transferts": None},  # discriminant variables are required
        {"transferts": {"spontanement": True}},  # all four adverbs are answered
        {"autonomie": "A"},  # no such variable
    ],
)
def test_an_incomplete_or_unknown_answer_is_refused(change: dict[str, object]) -> None:
    payload = reponses("AAAAAAAA").model_dump(mode="json") | change

    with pytest.raises(ValidationError):
        ReponsesAggir.model_validate(payload)


def test_a_grid_without_a_discriminant_variable_is_refused() -> None:
    payload = reponses("AAAAAAAA").model_dump(mode="json")
    del payload["elimination"]

    with pytest.raises(ValidationError):
        ReponsesAggir.model_validate(payload)


@pytest.mark.parametrize(
    "change",
    [{"gir": 7}, {"gir": 0}, {"rang": 14}, {"groupe": "I"}, {"code_cisis": "MED-345"}],
)
def test_a_result_outside_the_official_ranges_is_refused(change: dict[str, object]) -> None:
    payload = calculer(reponses("AAAAAAAA")).model_dump(mode="json") | change

    with pytest.raises(ValidationError):
        ResultatAggir.model_validate(payload)
