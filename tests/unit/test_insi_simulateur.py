"""The INSi simulator answers a search or a check the way the téléservice would: found, unknown, several, or traits that differ."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dui_dossier.insi import DEMO_INSI_FILE, InsiSimulateur, ResultatInsi
from dui_shared.contracts.admission import Sexe
from dui_shared.contracts.identite import MatriculeIns, TraitsIdentite
from dui_shared.ins import OID_NIA, OID_NIR_DEMO, OID_NIR_TEST, coherence_traits, matricule_problem

# Keys worked out by hand as 97 - (13-digit number mod 97).
MARTIN = "238036912304554"  # 2380369123045 mod 97 = 43 -> 54
DURAND_MARIE_ANNE = "236064410901267"  # 2360644109012 mod 97 = 30 -> 67
INCONNU = "140017505620909"  # 1400175056209 mod 97 = 88 -> 09, valid but given to nobody in the fixture


def traits(nom: str, prenoms: str, naissance: date, sexe: Sexe, lieu: str | None = None) -> TraitsIdentite:
    return TraitsIdentite(
        nom_naissance=nom, prenoms=prenoms, date_naissance=naissance, sexe=sexe, lieu_naissance=lieu
    )


JEANNE_MARTIN = traits("Martin", "Jeanne Louise", date(1938, 3, 12), Sexe.F, "69123")


@pytest.fixture(scope="module")
def insi() -> InsiSimulateur:
    return InsiSimulateur.demo()


# -- rechercher -----------------------------------------------------------------------------------------------


async def test_a_search_by_traits_finds_the_ins_and_gives_insi_spelling(insi: InsiSimulateur) -> None:
    reponse = await insi.rechercher(JEANNE_MARTIN)

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.matricule == MatriculeIns(valeur=MARTIN, oid=OID_NIR_DEMO)
    assert reponse.traits is not None
    assert (reponse.traits.nom_naissance, reponse.traits.prenoms) == ("MARTIN", "JEANNE LOUISE")
    assert (reponse.candidats, reponse.differences) == (1, [])


@pytest.mark.parametrize(
    "demo",
    [
        JEANNE_MARTIN,
        traits("Dupont", "Marcel", date(1935, 11, 2), Sexe.M, "13055"),
        traits("Rossi", "Maria", date(1942, 7, 21), Sexe.F, "2A004"),
        traits("Bernard", "Lucien", date(1940, 1, 15), Sexe.M, "75056"),
        traits("Lefebvre", "Odette", date(1931, 5, 30), Sexe.F, "59350"),
        traits("Petit", "Henri", date(1945, 9, 9), Sexe.M, "33063"),
    ],
    ids=lambda t: t.nom_naissance,
)
async def test_every_demo_resident_has_an_ins_that_agrees_with_their_traits(
    insi: InsiSimulateur, demo: TraitsIdentite
) -> None:
    reponse = await insi.rechercher(demo)

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.matricule is not None
    assert coherence_traits(reponse.matricule.valeur, demo.sexe, demo.date_naissance) == []


async def test_a_search_ignores_case_accents_and_a_birthplace_the_candidature_did_not_know(
    insi: InsiSimulateur,
) -> None:
    reponse = await insi.rechercher(traits("martin", "Jéanne  louise", date(1938, 3, 12), Sexe.F))

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.traits is not None and reponse.traits.lieu_naissance == "69123"


@pytest.mark.parametrize(
    "absent",
    [
        traits("Martinez", "Jeanne", date(1938, 3, 12), Sexe.F),
        traits("Martin", "Jeanne Louise", date(1938, 3, 13), Sexe.F),  # one day off
        traits("Martin", "Louise Jeanne", date(1938, 3, 12), Sexe.F),  # first prénom is Jeanne
        traits("Martin", "Jeanne Louise", date(1938, 3, 12), Sexe.M),
    ],
)
async def test_a_search_that_matches_nobody_answers_introuvable(
    insi: InsiSimulateur, absent: TraitsIdentite
) -> None:
    reponse = await insi.rechercher(absent)

    assert reponse.resultat is ResultatInsi.introuvable
    assert (reponse.matricule, reponse.traits, reponse.candidats) == (None, None, 0)


async def test_two_homonyms_answer_plusieurs_without_giving_either_ins(insi: InsiSimulateur) -> None:
    reponse = await insi.rechercher(traits("Durand", "Marie", date(1936, 6, 18), Sexe.F))

    assert reponse.resultat is ResultatInsi.plusieurs
    assert reponse.candidats == 2
    assert (reponse.matricule, reponse.traits) == (None, None)


async def test_the_birthplace_tells_homonyms_apart(insi: InsiSimulateur) -> None:
    reponse = await insi.rechercher(traits("Durand", "Marie Anne", date(1936, 6, 18), Sexe.F, "44109"))

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.matricule is not None and reponse.matricule.valeur == DURAND_MARIE_ANNE


async def test_a_birthplace_that_fits_neither_homonym_still_answers_plusieurs(insi: InsiSimulateur) -> None:
    reponse = await insi.rechercher(traits("Durand", "Marie", date(1936, 6, 18), Sexe.F, "75056"))

    assert reponse.resultat is ResultatInsi.plusieurs


async def test_a_person_found_with_other_prenoms_and_birthplace_answers_traits_differents(
    insi: InsiSimulateur,
) -> None:
    reponse = await insi.rechercher(traits("Garcia", "Paulette", date(1939, 4, 4), Sexe.F, "31069"))

    assert reponse.resultat is ResultatInsi.traits_differents
    assert reponse.differences == ["prenoms", "lieu_naissance"]
    assert reponse.traits is not None
    assert (reponse.traits.prenoms, reponse.traits.lieu_naissance) == ("PAULETTE MARIE", "31555")


# -- verifier -------------------------------------------------------------------------------------------------


async def test_checking_a_known_matricule_with_its_traits_answers_trouve(insi: InsiSimulateur) -> None:
    reponse = await insi.verifier(MatriculeIns(valeur=MARTIN, oid=OID_NIR_DEMO), JEANNE_MARTIN)

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.differences == []


async def test_checking_a_matricule_insi_never_gave_answers_introuvable(insi: InsiSimulateur) -> None:
    reponse = await insi.verifier(MatriculeIns(valeur=INCONNU, oid=OID_NIR_DEMO), JEANNE_MARTIN)

    assert reponse.resultat is ResultatInsi.introuvable
    assert (reponse.matricule, reponse.traits) == (None, None)


async def test_a_demo_matricule_presented_as_a_test_one_is_not_found(insi: InsiSimulateur) -> None:
    reponse = await insi.verifier(MatriculeIns(valeur=MARTIN, oid=OID_NIR_TEST), JEANNE_MARTIN)

    assert reponse.resultat is ResultatInsi.introuvable


async def test_checking_a_matricule_against_a_wrong_birth_date_answers_traits_differents(
    insi: InsiSimulateur,
) -> None:
    local = JEANNE_MARTIN.model_copy(update={"date_naissance": date(1938, 12, 3)})

    reponse = await insi.verifier(MatriculeIns(valeur=MARTIN, oid=OID_NIR_DEMO), local)

    assert reponse.resultat is ResultatInsi.traits_differents
    assert reponse.differences == ["date_naissance"]
    assert reponse.traits is not None and reponse.traits.date_naissance == date(1938, 3, 12)


async def test_checking_one_homonyms_matricule_answers_for_that_one_never_plusieurs(
    insi: InsiSimulateur,
) -> None:
    local = traits("Durand", "Marie Anne", date(1936, 6, 18), Sexe.F)

    reponse = await insi.verifier(MatriculeIns(valeur=DURAND_MARIE_ANNE, oid=OID_NIR_DEMO), local)

    assert reponse.resultat is ResultatInsi.trouve
    assert reponse.candidats == 1


# -- the fixture ----------------------------------------------------------------------------------------------


def fixture_identities() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(DEMO_INSI_FILE.read_text(encoding="utf-8"))
    return loaded


def test_every_fixture_identity_has_a_valid_matricule_that_agrees_with_its_traits() -> None:
    for identite in fixture_identities():
        t = identite["traits"]
        assert matricule_problem(identite["matricule"], identite["oid"]) is None, identite
        assert (
            coherence_traits(identite["matricule"], t["sexe"], date.fromisoformat(t["date_naissance"])) == []
        )


def test_the_fixture_covers_corsica_abroad_and_a_nia() -> None:
    identities = fixture_identities()
    places = {i["matricule"][5:7] for i in identities}

    assert {"2A", "2B", "99"} <= places
    assert any(i["oid"] == OID_NIA for i in identities)


def test_a_fixture_with_a_wrong_key_is_refused_when_loaded(tmp_path: Path) -> None:
    identities = fixture_identities()
    identities[0]["matricule"] = MARTIN[:13] + "55"
    broken = tmp_path / "insi.json"
    broken.write_text(json.dumps(identities), encoding="utf-8")

    with pytest.raises(ValidationError, match="ins_cle"):
        InsiSimulateur(broken)


def test_a_fixture_whose_matricule_contradicts_its_traits_is_refused_when_loaded(tmp_path: Path) -> None:
    identities = fixture_identities()
    identities[0]["traits"]["sexe"] = "M"
    broken = tmp_path / "insi.json"
    broken.write_text(json.dumps(identities), encoding="utf-8")

    with pytest.raises(ValidationError, match="contradicts its traits"):
        InsiSimulateur(broken)


def test_a_fixture_listing_one_matricule_twice_is_refused(tmp_path: Path) -> None:
    identities = fixture_identities()
    identities.append(dict(identities[0]))
    broken = tmp_path / "insi.json"
    broken.write_text(json.dumps(identities), encoding="utf-8")

    with pytest.raises(ValueError, match="twice"):
        InsiSimulateur(broken)
