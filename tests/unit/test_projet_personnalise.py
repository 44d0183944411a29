"""Projet personnalisé rules: a draft is worked on, validated into force, then revised as a new version."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from dui_dossier.domain.projet import ProjetError, ProjetPersonnalise, StatutVersion, comparer
from dui_shared.contracts.dossier import (
    ActionProjet,
    ContenuProjet,
    Objectif,
    Participation,
    ProfessionnelEquipe,
    StatutObjectif,
)
from dui_shared.errors import InvalidInput, NotFound
from tests.unit.builders import EHPAD

VALIDE_LE = date(2026, 10, 15)
REVISION = date(2027, 4, 15)


def objectif(code: str = "marche", **changes: Any) -> Objectif:
    fields: dict[str, Any] = {
        "code": code,
        "libelle": "Maintenir la marche autonome dans l'unité",
        "domaine": "autonomie",
        "actions": (ActionProjet(libelle="séance de kinésithérapie hebdomadaire", responsable="kiné"),),
    }
    fields.update(changes)
    return Objectif(**fields)


def contenu(**changes: Any) -> ContenuProjet:
    fields: dict[str, Any] = {
        "objectifs": (objectif(),),
        "responsable": ProfessionnelEquipe(id="10101010101", nom="Sophie Bernard", profession="infirmière"),
        "participation": Participation(usager_present=True, modalite="entretien"),
        "expression_usager": "souhaite continuer à aller au jardin seule",
        "date_prochaine_revision": REVISION,
    }
    fields.update(changes)
    return ContenuProjet(**fields)


def projet(initial: ContenuProjet | None = None) -> ProjetPersonnalise:
    """A projet with version 1 as a draft; its initiating event already collected."""
    created = ProjetPersonnalise(
        id=uuid.uuid4(), dossier_id=uuid.uuid4(), esms=EHPAD, contenu=initial or contenu()
    )
    created.collect_events()
    return created


def en_vigueur() -> ProjetPersonnalise:
    """Version 1 validated and in force."""
    p = projet()
    p.valider(1, VALIDE_LE)
    p.collect_events()
    return p


def events(p: ProjetPersonnalise) -> list[Any]:
    return list(p.collect_events())


def names(p: ProjetPersonnalise) -> list[str]:
    return [type(e).__name__ for e in p.collect_events()]


# -- draft ------------------------------------------------------------------------------------------------


def test_a_new_projet_starts_as_a_draft_with_nothing_in_force() -> None:
    p = ProjetPersonnalise(id=uuid.uuid4(), dossier_id=uuid.uuid4(), esms=EHPAD, contenu=ContenuProjet())

    assert names(p) == ["ProjetPersonnaliseInitie"]
    assert p.brouillon == 1
    assert p.versions[1].statut is StatutVersion.brouillon
    assert p.en_vigueur is None


def test_a_draft_can_be_modified_and_the_same_modification_again_changes_nothing() -> None:
    p = projet()
    updated = contenu(expression_entourage="la fille souhaite être associée aux réunions")

    p.modifier(1, updated)
    p.modifier(1, updated)

    recorded = events(p)
    assert [type(e).__name__ for e in recorded] == ["VersionProjetModifiee"]
    assert recorded[0].version == 1
    assert p.versions[1].contenu == updated
    assert p.versions[1].statut is StatutVersion.brouillon


def test_an_unknown_version_is_not_found() -> None:
    p = projet()

    with pytest.raises(NotFound):
        p.modifier(2, contenu())
    with pytest.raises(NotFound):
        p.valider(2, VALIDE_LE)


# -- validation -----------------------------------------------------------------------------------------------


def test_an_empty_draft_is_refused_with_every_missing_element_at_once() -> None:
    p = projet(ContenuProjet())

    with pytest.raises(InvalidInput) as refused:
        p.valider(1, VALIDE_LE)

    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("contenu.objectifs", "objectif_requis"),
        ("contenu.participation", "participation_requise"),
        ("contenu.date_prochaine_revision", "revision_requise"),
    ]
    assert refused.value.status == 422
    assert p.versions[1].statut is StatutVersion.brouillon
    assert p.en_vigueur is None
    assert names(p) == []


@pytest.mark.parametrize(
    ("missing", "field", "rule"),
    [
        ({"objectifs": ()}, "contenu.objectifs", "objectif_requis"),
        ({"participation": None}, "contenu.participation", "participation_requise"),
        ({"date_prochaine_revision": None}, "contenu.date_prochaine_revision", "revision_requise"),
    ],
)
def test_a_projet_is_not_validated_without_each_required_element(
    missing: dict[str, Any], field: str, rule: str
) -> None:
    p = projet(contenu(**missing))

    with pytest.raises(InvalidInput) as refused:
        p.valider(1, VALIDE_LE)

    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]


@pytest.mark.parametrize("revision", [VALIDE_LE, date(2026, 10, 1)])
def test_the_next_review_must_come_after_the_validation_day(revision: date) -> None:
    p = projet(contenu(date_prochaine_revision=revision))

    with pytest.raises(InvalidInput) as refused:
        p.valider(1, VALIDE_LE)

    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("contenu.date_prochaine_revision", "revision_requise")
    ]


def test_a_projet_where_the_person_did_not_attend_but_her_representative_did_is_validated() -> None:
    p = projet(contenu(participation=Participation(usager_present=False, representant_present=True)))

    p.valider(1, VALIDE_LE)

    assert p.en_vigueur == 1


def test_validating_the_first_draft_puts_it_in_force() -> None:
    p = projet()

    p.valider(1, VALIDE_LE)

    recorded = events(p)
    assert [type(e).__name__ for e in recorded] == ["ProjetPersonnaliseValide"]
    assert recorded[0].version == 1
    assert recorded[0].valide_le == VALIDE_LE
    assert recorded[0].date_prochaine_revision == REVISION
    assert recorded[0].remplace is None
    assert p.en_vigueur == 1
    assert p.brouillon is None
    assert p.versions[1].statut is StatutVersion.validee
    assert p.versions[1].valide_le == VALIDE_LE


def test_a_validated_version_cannot_be_modified() -> None:
    p = en_vigueur()

    with pytest.raises(ProjetError) as refused:
        p.modifier(1, contenu(expression_usager="autre chose"))

    assert refused.value.rule == "version_non_modifiable"
    assert refused.value.status == 409
    assert p.versions[1].contenu == contenu()
    assert names(p) == []


def test_the_same_validation_sent_twice_is_recorded_once() -> None:
    p = en_vigueur()

    p.valider(1, VALIDE_LE)

    assert names(p) == []


def test_a_validated_version_cannot_be_validated_again_on_another_day() -> None:
    p = en_vigueur()

    with pytest.raises(ProjetError) as refused:
        p.valider(1, date(2026, 11, 1))

    assert refused.value.rule == "version_non_modifiable"
    assert p.versions[1].valide_le == VALIDE_LE


# -- revision ---------------------------------------------------------------------------------------------------


def test_a_review_opens_the_next_version_from_the_one_in_force_which_stays_in_force() -> None:
    p = en_vigueur()

    numero = p.ouvrir_revision("réévaluation à six mois")

    recorded = events(p)
    assert numero == 2
    assert [type(e).__name__ for e in recorded] == ["RevisionProjetOuverte"]
    assert (recorded[0].version, recorded[0].depuis, recorded[0].motif) == (2, 1, "réévaluation à six mois")
    assert p.en_vigueur == 1
    assert p.versions[1].statut is StatutVersion.en_revision
    assert p.brouillon == 2
    assert p.versions[2].statut is StatutVersion.brouillon
    assert p.versions[2].contenu == p.versions[1].contenu


def test_the_version_under_review_cannot_be_modified() -> None:
    p = en_vigueur()
    p.ouvrir_revision("réévaluation")

    with pytest.raises(ProjetError) as refused:
        p.modifier(1, contenu(expression_usager="autre chose"))

    assert refused.value.rule == "version_non_modifiable"


def test_validating_the_revised_version_replaces_the_previous_one() -> None:
    p = en_vigueur()
    p.ouvrir_revision("chute en février")
    p.modifier(2, contenu(objectifs=(objectif(), objectif("chutes", libelle="Prévenir les chutes"))))
    p.collect_events()

    p.valider(2, date(2027, 3, 1))

    recorded = events(p)
    assert [type(e).__name__ for e in recorded] == ["ProjetPersonnaliseValide"]
    assert recorded[0].remplace == 1
    assert p.en_vigueur == 2
    assert p.versions[1].statut is StatutVersion.remplacee
    assert p.versions[2].statut is StatutVersion.validee
    assert p.brouillon is None


def test_the_third_version_starts_from_the_second() -> None:
    p = en_vigueur()
    p.ouvrir_revision("six mois")
    p.modifier(2, contenu(expression_usager="version 2", date_prochaine_revision=date(2027, 9, 1)))
    p.valider(2, date(2027, 3, 1))
    p.collect_events()

    numero = p.ouvrir_revision("un an")

    assert numero == 3
    assert events(p)[0].depuis == 2
    assert p.versions[3].contenu.expression_usager == "version 2"
    assert p.versions[1].statut is StatutVersion.remplacee
    assert p.versions[2].statut is StatutVersion.en_revision


def test_a_second_review_cannot_be_opened_while_a_draft_is_under_way() -> None:
    p = en_vigueur()
    p.ouvrir_revision("six mois")
    p.collect_events()

    with pytest.raises(ProjetError) as refused:
        p.ouvrir_revision("encore")

    assert refused.value.rule == "revision_deja_ouverte"
    assert refused.value.status == 409
    assert sorted(p.versions) == [1, 2]
    assert names(p) == []


def test_a_review_cannot_be_opened_before_any_version_was_validated() -> None:
    p = projet()

    with pytest.raises(ProjetError) as refused:
        p.ouvrir_revision("trop tôt")

    assert refused.value.rule == "aucune_version_validee"
    assert sorted(p.versions) == [1]
    assert p.en_vigueur is None
    assert names(p) == []


# -- comparing versions --------------------------------------------------------------------------------------


def test_identical_versions_show_no_change() -> None:
    assert comparer(contenu(), contenu()) == {
        "objectifs_ajoutes": [],
        "objectifs_retires": [],
        "objectifs_modifies": [],
        "champs_modifies": {},
    }


def test_objectives_are_matched_by_code_whatever_their_order() -> None:
    a, b = objectif("marche"), objectif("repas", libelle="Prendre ses repas en salle", domaine="vie sociale")

    changes = comparer(contenu(objectifs=(a, b)), contenu(objectifs=(b, a)))

    assert changes["objectifs_ajoutes"] == []
    assert changes["objectifs_retires"] == []
    assert changes["objectifs_modifies"] == []


def test_added_and_removed_objectives_are_listed() -> None:
    marche = objectif("marche")
    repas = objectif("repas", libelle="Prendre ses repas en salle", domaine="vie sociale")
    chutes = objectif("chutes", libelle="Prévenir les chutes", domaine="santé")

    changes = comparer(contenu(objectifs=(marche, repas)), contenu(objectifs=(marche, chutes)))

    assert changes["objectifs_ajoutes"] == [chutes.model_dump(mode="json")]
    assert changes["objectifs_retires"] == [repas.model_dump(mode="json")]
    assert changes["objectifs_modifies"] == []
    assert changes["champs_modifies"] == {}


def test_a_modified_objective_lists_each_changed_field_by_code() -> None:
    avant = contenu(
        objectifs=(objectif("marche"), objectif("repas", libelle="Repas en salle", domaine="vie sociale"))
    )
    apres = contenu(
        objectifs=(
            objectif("marche", statut=StatutObjectif.atteint, libelle="Marcher seule jusqu'au jardin"),
            objectif("repas", libelle="Repas en salle", domaine="vie sociale"),
        )
    )

    changes = comparer(avant, apres)

    assert changes["objectifs_modifies"] == [
        {
            "code": "marche",
            "changements": {
                "libelle": {
                    "avant": "Maintenir la marche autonome dans l'unité",
                    "apres": "Marcher seule jusqu'au jardin",
                },
                "statut": {"avant": "en_cours", "apres": "atteint"},
            },
        }
    ]
    assert changes["objectifs_ajoutes"] == []
    assert changes["objectifs_retires"] == []


def test_modified_objectives_are_listed_in_code_order() -> None:
    avant = contenu(objectifs=(objectif("zz-sommeil"), objectif("aa-marche")))
    apres = contenu(
        objectifs=(objectif("zz-sommeil", domaine="santé"), objectif("aa-marche", domaine="santé"))
    )

    assert [m["code"] for m in comparer(avant, apres)["objectifs_modifies"]] == ["aa-marche", "zz-sommeil"]


def test_other_changed_fields_are_listed_with_both_values() -> None:
    avant = contenu()
    apres = contenu(
        expression_usager="souhaite participer à l'atelier mémoire",
        date_prochaine_revision=date(2027, 10, 15),
        participation=Participation(usager_present=True, representant_present=True, modalite="réunion"),
    )

    changes = comparer(avant, apres)

    assert changes["champs_modifies"] == {
        "expression_usager": {
            "avant": "souhaite continuer à aller au jardin seule",
            "apres": "souhaite participer à l'atelier mémoire",
        },
        "date_prochaine_revision": {"avant": "2027-04-15", "apres": "2027-10-15"},
        "participation": {
            "avant": {"usager_present": True, "representant_present": False, "modalite": "entretien"},
            "apres": {"usager_present": True, "representant_present": True, "modalite": "réunion"},
        },
    }
    assert changes["objectifs_modifies"] == []


def test_comparing_the_draft_with_the_version_in_force_shows_what_the_review_changed() -> None:
    p = en_vigueur()
    p.ouvrir_revision("six mois")
    p.modifier(2, contenu(objectifs=(objectif(statut=StatutObjectif.partiellement_atteint),)))

    changes = comparer(p.versions[1].contenu, p.versions[2].contenu)

    assert changes["objectifs_modifies"] == [
        {"code": "marche", "changements": {"statut": {"avant": "en_cours", "apres": "partiellement_atteint"}}}
    ]


def test_two_objectives_with_the_same_code_are_refused() -> None:
    objectif = {"code": "marche", "libelle": "Marcher", "domaine": "autonomie"}

    with pytest.raises(ValidationError) as refused:
        ContenuProjet.model_validate({"objectifs": [objectif, {**objectif, "libelle": "Marcher encore"}]})

    assert [e["type"] for e in refused.value.errors()] == ["objectif_duplique"]
