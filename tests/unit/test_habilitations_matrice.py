"""The habilitation matrix: the shipped default, a profession's line defined or retired, and the rules that keep
the OG from locking itself out. Each test changes the matrix through its own commands and checks the refusal
(its rule and field) and the events recorded — none when a command changes nothing."""

from __future__ import annotations

import pytest

from dui_habilitations.application import profils_defaut
from dui_habilitations.domain.matrice import MATRICE_ID, HabilitationError, Matrice
from dui_shared.contracts.habilitations import CategorieDonnees, Niveau, Portee, ProfilHabilitation
from dui_shared.errors import InvalidInput

OG = "750000001"


def matrice() -> Matrice:
    m = Matrice.initialiser(MATRICE_ID, OG, profils_defaut())
    m.collect_events()
    return m


def profil(profession: str, **changes: object) -> ProfilHabilitation:
    fields: dict[str, object] = {"profession": profession, "libelle": profession.capitalize()}
    fields.update(changes)
    return ProfilHabilitation.model_validate(fields)


def events(m: Matrice) -> list[str]:
    return [type(e).__name__ for e in m.collect_events()]


def rules(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.rule) for e in exc.value.errors]


def test_the_shipped_default_matrix_is_valid_and_held_at_the_og_level() -> None:
    m = Matrice.initialiser(MATRICE_ID, OG, profils_defaut())
    assert events(m) == ["MatriceInitialisee"]
    assert m.esms == OG
    assert m.subject == f"dui.evt.{OG}.habilitation.matrice.{MATRICE_ID}"
    infirmier = m.profil("infirmier")
    assert infirmier is not None and infirmier.peut_ecrire(CategorieDonnees.medical)
    assert not infirmier.peut_lire(CategorieDonnees.psychologique)
    admin = m.profil("administrateur_og")
    assert admin is not None and admin.administration and admin.portee is Portee.og
    usager = m.profil("usager")
    assert usager is not None and usager.portee is Portee.personne
    assert m.profil("plombier") is None and m.profil(None) is None


def test_a_default_without_the_og_administrator_or_with_a_profession_twice_is_refused() -> None:
    sans_admin = [p for p in profils_defaut() if p.profession != "administrateur_og"]
    with pytest.raises(InvalidInput) as exc:
        Matrice.initialiser(MATRICE_ID, OG, sans_admin)
    assert rules(exc) == [("profils", "administrateur_og_requis")]
    deux_fois = [*profils_defaut(), profil("infirmier")]
    with pytest.raises(InvalidInput) as exc:
        Matrice.initialiser(MATRICE_ID, OG, deux_fois)
    assert rules(exc) == [(f"profils.{len(deux_fois) - 1}.profession", "profession_en_double")]


def test_a_profession_line_is_created_then_replaced_and_the_same_line_again_records_nothing() -> None:
    m = matrice()
    veilleur = profil("veilleur_de_nuit", categories={"soins": "lecture", "accompagnement": "ecriture"})
    m.definir_profil(veilleur)
    assert events(m) == ["ProfilDefini"]
    assert m.profil("veilleur_de_nuit") == veilleur
    m.definir_profil(veilleur)
    assert events(m) == []
    plus = veilleur.model_copy(update={"categories": {CategorieDonnees.soins: Niveau.ecriture}})
    m.definir_profil(plus)
    assert events(m) == ["ProfilDefini"]
    assert m.profil("veilleur_de_nuit") == plus


def test_a_profile_is_retired_once() -> None:
    m = matrice()
    m.retirer_profil("animateur")
    assert events(m) == ["ProfilRetire"]
    assert m.profil("animateur") is None
    m.retirer_profil("animateur")
    assert events(m) == []


def test_the_og_administrator_profile_can_be_neither_retired_nor_stripped_of_administration() -> None:
    m = matrice()
    with pytest.raises(HabilitationError) as exc:
        m.retirer_profil("administrateur_og")
    assert (exc.value.status, exc.value.rule) == (409, "profil_administrateur_protege")
    with pytest.raises(HabilitationError) as exc:
        m.definir_profil(profil("administrateur_og", portee="og"))
    assert exc.value.rule == "profil_administrateur_protege"
    m.definir_profil(profil("administrateur_og", portee="og", administration=True, journal_acces=True))
    assert events(m) == ["ProfilDefini"]


def test_the_last_profile_that_administers_keeps_that_right() -> None:
    profils = [
        profil("administrateur_og", portee="og", administration=True),
        profil("directeur_si", portee="og", administration=True),
    ]
    m = Matrice.initialiser(MATRICE_ID, OG, profils)
    m.collect_events()
    m.definir_profil(profil("directeur_si", portee="og"))  # administrateur_og still administers
    assert events(m) == ["ProfilDefini"]
    m.retirer_profil("directeur_si")
    assert events(m) == ["ProfilRetire"]


def test_a_person_profile_is_of_portee_personne_and_administers_nothing() -> None:
    m = matrice()
    with pytest.raises(InvalidInput) as exc:
        m.definir_profil(profil("usager", portee="esms"))
    assert rules(exc) == [("portee", "portee_personne")]
    with pytest.raises(InvalidInput) as exc:
        m.definir_profil(profil("representant_legal", portee="personne", journal_acces=True))
    assert rules(exc) == [("journal_acces", "profil_personne")]
    with pytest.raises(InvalidInput) as exc:
        m.definir_profil(profil("benevole", portee="personne"))
    assert rules(exc) == [("portee", "portee_personne")]
    assert events(m) == []
