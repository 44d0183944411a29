"""Who the gateway says calls, from a token's claims: Pro Santé Connect professionals by RPPS number and mapped
profession, the OG's own professionals by login and profession, persons by their quality; and the demo accounts
and profession mapping operators start from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dui_gateway.jetons import (
    FournisseurIdentiteIndisponible,
    JetonRefuse,
    JetonsRevoques,
    charger_professions,
    identite,
    www_authenticate,
)
from dui_oidc.accounts import Accounts
from dui_shared.rpps import rpps_problem

PROFESSIONS = charger_professions(None)
DUI_PROFESSIONS = {
    "aide_soignant",
    "educateur",
    "aes",
    "secretariat",
    "direction",
    "administrateur_og",
    "dpo",
    "medecin_coordonnateur",
    "infirmier_coordonnateur",
    "cadre_de_sante",
    "assistant_social",
    "animateur",
}


def psc_claims(rpps: str = "10000000017", code: str = "10", **extra: Any) -> dict[str, Any]:
    return {
        "sub": "f:0d2c1c8a:8" + rpps,
        "jti": "j1",
        "exp": 2_000_000_000,
        "preferred_username": "dr.martin",
        "SubjectNameID": "8" + rpps,
        "SubjectRefPro": {
            "codeCivilite": "MME",
            "exercices": [
                {
                    "codeProfession": code,
                    "codeCategorieProfession": "C",
                    "nomDexercice": "Martin",
                    "prenomDexercice": "Sophie",
                }
            ],
        },
        **extra,
    }


def test_a_pro_sante_connect_physician_is_known_by_rpps_number_and_mapped_profession() -> None:
    who = identite(psc_claims(), PROFESSIONS)

    assert who.identifiant == "10000000017"
    assert who.profession == "medecin"
    assert who.profil == "professionnel"
    assert (who.nom, who.prenom) == (
        "Martin",
        "Sophie",
    )  # from the exercice when the token has no family_name
    assert (who.jti, who.exp) == ("j1", 2_000_000_000)


def test_given_and_family_names_of_the_token_win_over_the_exercice_names() -> None:
    who = identite(psc_claims(given_name="Sophie-Anne", family_name="Martin-Roux"), PROFESSIONS)

    assert (who.nom, who.prenom) == ("Martin-Roux", "Sophie-Anne")


@pytest.mark.parametrize(
    ("code", "profession"),
    [("21", "pharmacien"), ("60", "infirmier"), ("70", "kinesitherapeute"), ("91", "orthophoniste")],
)
def test_each_psc_profession_code_maps_to_the_dui_profession_of_the_operator_file(
    code: str, profession: str
) -> None:
    assert identite(psc_claims(code=code), PROFESSIONS).profession == profession


def test_a_psc_profession_the_operator_did_not_map_gives_no_profession() -> None:
    # 40: chirurgien-dentiste, absent from config/professions.json
    who = identite(psc_claims(code="40"), PROFESSIONS)

    assert who.profession is None
    assert who.identifiant == "10000000017"


def test_a_psc_profession_is_not_overridden_by_a_dui_profession_claim() -> None:
    who = identite(psc_claims(code="60", dui_profession="direction"), PROFESSIONS)

    assert who.profession == "infirmier"


def test_a_subject_name_id_that_is_not_an_rpps_falls_back_to_the_login() -> None:
    claims = psc_claims()
    claims["SubjectNameID"] = "0123456789"  # an ADELI-type identifier, not 8 + 11 digits

    assert identite(claims, PROFESSIONS).identifiant == "dr.martin"


def test_an_organisation_professional_is_known_by_login_and_dui_profession() -> None:
    claims = {
        "sub": "u-1",
        "jti": "j",
        "exp": 1,
        "preferred_username": "as.petit",
        "dui_profession": "aide_soignant",
    }

    who = identite(claims, PROFESSIONS)

    assert (who.identifiant, who.profession, who.profil) == ("as.petit", "aide_soignant", "professionnel")


def test_without_login_the_subject_is_the_identifier() -> None:
    who = identite({"sub": "u-7", "jti": "j", "exp": 1, "dui_profession": "dpo"}, PROFESSIONS)

    assert who.identifiant == "u-7"


@pytest.mark.parametrize("profil", ["usager", "personne_de_confiance", "representant_legal"])
def test_a_person_has_their_quality_as_profile_and_never_a_profession(profil: str) -> None:
    claims = {"sub": "p", "jti": "j", "exp": 1, "preferred_username": "x", "dui_profil": profil}
    claims["dui_profession"] = "direction"  # a person's account cannot borrow a professional's rights

    who = identite(claims, PROFESSIONS)

    assert (who.profil, who.profession) == (profil, None)


def test_an_unknown_person_quality_is_refused() -> None:
    with pytest.raises(JetonRefuse) as refused:
        identite({"sub": "p", "jti": "j", "exp": 1, "dui_profil": "administrateur"}, PROFESSIONS)

    assert refused.value.status == 401
    assert refused.value.rule == "jeton_invalide"


def test_the_operator_file_maps_every_psc_code_of_the_demo_to_a_profession() -> None:
    assert PROFESSIONS == {
        "10": "medecin",
        "21": "pharmacien",
        "60": "infirmier",
        "70": "kinesitherapeute",
        "80": "pedicure_podologue",
        "91": "orthophoniste",
        "93": "psychologue",
        "94": "ergotherapeute",
        "95": "dieteticien",
        "96": "psychomotricien",
    }


def test_an_operator_file_of_its_own_replaces_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "professions.json"
    path.write_text(json.dumps({"_commentaire": "x", "psc": {"10": "medecin", "50": "sage_femme"}}))

    assert charger_professions(path) == {"10": "medecin", "50": "sage_femme"}


@pytest.mark.parametrize(
    "content", [{"10": "medecin"}, {"psc": {"10": "Médecin"}}, {"psc": {"10": None}}, {"psc": ["10"]}]
)
def test_a_malformed_operator_file_is_refused_at_start(tmp_path: Path, content: Any) -> None:
    path = tmp_path / "professions.json"
    path.write_text(json.dumps(content))

    with pytest.raises(ValueError, match=r"professions\.json"):
        charger_professions(path)


def test_the_demo_accounts_cover_every_profession_and_person_quality_with_valid_rpps_numbers() -> None:
    accounts = Accounts.load()
    psc_codes: set[str] = set()
    dui: set[str] = set()
    profils: set[str] = set()
    for account in accounts.by_login.values():
        who = identite({**account.claims, "sub": account.sub, "jti": "j", "exp": 1}, PROFESSIONS)
        if "SubjectNameID" in account.claims:
            assert rpps_problem(who.identifiant) is None, account.identifiant
            psc_codes.add(account.claims["SubjectRefPro"]["exercices"][0]["codeProfession"])
            assert who.profession is not None, account.identifiant
        elif who.profil == "professionnel":
            assert who.profession is not None
            dui.add(who.profession)
        else:
            profils.add(who.profil)
        assert (who.nom, who.prenom) != (None, None)
    assert psc_codes == set(PROFESSIONS)
    assert dui - {"infirmier"} == DUI_PROFESSIONS  # the soins demo's nurses log in at the OG's provider
    assert profils == {"usager", "personne_de_confiance", "representant_legal"}
    assert accounts.by_login["dr.martin"].sub == "810000000017"


def test_the_demo_clients_accept_loopback_redirects_on_any_port_only_where_registered() -> None:
    clients = Accounts.load().clients
    front, outils = clients["dui-front"], clients["dui-outils"]

    assert front.check_redirect_uri("http://127.0.0.1:49152/connexion/rappel")
    assert front.check_redirect_uri("http://localhost:3000/")
    assert not front.check_redirect_uri("https://attaquant.example/rappel")
    assert not front.check_redirect_uri("http://127.0.0.1.attaquant.example/rappel")
    assert outils.check_redirect_uri("http://127.0.0.1:8765/rappel")
    assert not outils.check_redirect_uri("http://127.0.0.1:8765/ailleurs")


def test_the_www_authenticate_value_names_the_refusal_in_ascii() -> None:
    header = www_authenticate(JetonRefuse("jeton expiré « vraiment »", rule="jeton_expire"))

    assert header == 'Bearer realm="dui", error="invalid_token", error_description="jeton expire  vraiment "'
    assert header.isascii()


def test_the_www_authenticate_value_has_no_error_code_when_no_token_was_sent() -> None:
    assert www_authenticate(JetonRefuse("jeton d'accès absent", rule="jeton_absent"), realm=None) == "Bearer"


def test_an_unreachable_provider_is_a_503_that_does_not_blame_the_token() -> None:
    err = FournisseurIdentiteIndisponible("jeu de clés illisible")

    assert (err.status, err.rule) == (503, "fournisseur_identite_indisponible")
    assert www_authenticate(err) == 'Bearer realm="dui"'


@pytest.mark.parametrize(
    ("jti", "key"),
    [("uqEVbjzaDTK0aJEd", "uqEVbjzaDTK0aJEd"), ("6f1c-77_a=", "6f1c-77_a=")],
)
def test_a_revocation_key_is_the_jti_when_it_fits_the_bucket_rules(jti: str, key: str) -> None:
    assert JetonsRevoques.cle(jti) == key


@pytest.mark.parametrize("jti", ["a.b", "a b", "é", "x" * 200, "*", ">"])
def test_a_jti_the_bucket_cannot_hold_is_hashed_into_a_valid_key(jti: str) -> None:
    key = JetonsRevoques.cle(jti)

    assert key.startswith("h.") and len(key) == 66
    assert key != JetonsRevoques.cle(jti + "x")
