"""Séjour rules: a stay ends once, never before it began, and the sortie is documented with its actions."""

from __future__ import annotations

from datetime import datetime

import pytest

from dui_admission.domain.sejour import Sejour, SejourError
from dui_shared.contracts.admission import ActionSortie, MotifSortie
from dui_shared.errors import InvalidInput
from tests.unit.builders import ADMIS_LE, jours, sejour_admis


def action(libelle: str, realisee_le: datetime, commentaire: str | None = None) -> ActionSortie:
    return ActionSortie(libelle=libelle, realisee_le=realisee_le, commentaire=commentaire)


def sorti(sejour: Sejour | None = None) -> Sejour:
    sejour = sejour or sejour_admis()
    sejour.prononcer_sortie(ADMIS_LE + jours(60), MotifSortie.retour_domicile, None, ())
    return sejour


def test_a_new_sejour_is_active_and_has_no_sortie() -> None:
    sejour = sejour_admis()

    assert sejour.actif
    assert sejour.sortie_le is None
    assert sejour.actions_sortie == []


def test_a_return_home_ends_the_sejour() -> None:
    sejour = sejour_admis()

    sejour.prononcer_sortie(ADMIS_LE + jours(60), MotifSortie.retour_domicile, None, ())

    assert not sejour.actif
    assert sejour.sortie_le == ADMIS_LE + jours(60)
    assert sejour.motif_sortie is MotifSortie.retour_domicile
    assert [type(e).__name__ for e in sejour.collect_events()] == ["AdmissionPrononcee", "SortiePrononcee"]


def test_a_sortie_dated_before_the_admission_is_refused_on_the_sortie_date() -> None:
    sejour = sejour_admis()

    with pytest.raises(InvalidInput) as refused:
        sejour.prononcer_sortie(ADMIS_LE - jours(1), MotifSortie.retour_domicile, None, ())

    assert [(e.field, e.rule) for e in refused.value.errors] == [("sortie_le", "avant_admission")]
    assert refused.value.status == 422
    assert sejour.actif


def test_a_sortie_on_the_day_of_admission_is_accepted() -> None:
    sejour = sejour_admis()

    sejour.prononcer_sortie(ADMIS_LE, MotifSortie.hospitalisation, None, ())

    assert not sejour.actif


@pytest.mark.parametrize("destination", [None, ""])
def test_a_transfer_to_another_esms_must_say_where_the_person_goes(destination: str | None) -> None:
    sejour = sejour_admis()

    with pytest.raises(InvalidInput) as refused:
        sejour.prononcer_sortie(ADMIS_LE + jours(60), MotifSortie.transfert_esms, destination, ())

    assert [(e.field, e.rule) for e in refused.value.errors] == [("destination", "destination_obligatoire")]
    assert sejour.actif


def test_a_transfer_with_its_destination_ends_the_sejour() -> None:
    sejour = sejour_admis()

    sejour.prononcer_sortie(ADMIS_LE + jours(60), MotifSortie.transfert_esms, "EHPAD Les Tilleuls", ())

    assert sejour.motif_sortie is MotifSortie.transfert_esms
    assert not sejour.actif


def test_a_sortie_cannot_be_pronounced_twice() -> None:
    sejour = sorti()

    with pytest.raises(SejourError) as refused:
        sejour.prononcer_sortie(ADMIS_LE + jours(90), MotifSortie.hospitalisation, None, ())

    assert refused.value.rule == "sortie_deja_prononcee"
    assert refused.value.status == 409
    assert sejour.sortie_le == ADMIS_LE + jours(60)
    assert sejour.motif_sortie is MotifSortie.retour_domicile


def test_an_action_of_sortie_cannot_be_traced_while_the_person_is_still_there() -> None:
    sejour = sejour_admis()

    with pytest.raises(SejourError) as refused:
        sejour.tracer_action_sortie(action("restitution des effets personnels", ADMIS_LE + jours(61)))

    assert refused.value.rule == "sortie_non_prononcee"
    assert sejour.actions_sortie == []


def test_actions_traced_after_the_sortie_are_added_to_it() -> None:
    sejour = sorti()
    restitution = action("restitution des effets personnels", ADMIS_LE + jours(61))

    sejour.tracer_action_sortie(restitution)

    assert sejour.actions_sortie == [restitution]


def test_an_action_dated_before_the_admission_is_refused_on_its_date() -> None:
    sejour = sorti()

    with pytest.raises(InvalidInput) as refused:
        sejour.tracer_action_sortie(action("appel à la famille", ADMIS_LE - jours(2)))

    assert [(e.field, e.rule) for e in refused.value.errors] == [("realisee_le", "avant_admission")]


def test_a_deces_is_recorded_with_the_actions_taken_that_day() -> None:
    sejour = sejour_admis()
    deces_le = ADMIS_LE + jours(200)
    famille = action("famille prévenue", deces_le, "la fille, par téléphone")
    medecin = action("constat par le médecin", deces_le)

    sejour.prononcer_sortie(deces_le, MotifSortie.deces, None, (famille, medecin))

    assert not sejour.actif
    assert sejour.motif_sortie is MotifSortie.deces
    assert sejour.actions_sortie == [famille, medecin]


def test_a_sortie_whose_second_action_predates_the_admission_is_refused_and_points_at_that_action() -> None:
    sejour = sejour_admis()
    ok = action("famille prévenue", ADMIS_LE + jours(10))
    wrong = action("dossier archivé", ADMIS_LE - jours(10))

    with pytest.raises(InvalidInput) as refused:
        sejour.prononcer_sortie(ADMIS_LE + jours(10), MotifSortie.deces, None, (ok, wrong))

    assert [(e.field, e.rule) for e in refused.value.errors] == [("actions.1.realisee_le", "avant_admission")]
    assert sejour.actif
    assert sejour.actions_sortie == []
