"""Transmission rules (free or ciblée DAR, unit, time, shift), what a professional has read, who may read medical
data, and who writes or records an observation médicale."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from dui_shared.aggregate import AggregateMapper, CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.soins import (
    CategorieDonnees,
    CategorieTransmission,
    TypeTransmission,
)
from dui_shared.envelope import Actor
from dui_shared.errors import InvalidInput
from dui_shared.eventstore import StoredEvent
from dui_shared.referentiel import POSTES, Poste
from dui_shared.timezone import PARIS, to_utc
from dui_soins.domain.planning import poste_de
from dui_soins.domain.roles import voit
from dui_soins.domain.transmission import Auteur, Note, SuiviLectures, Transmission, suivi_id
from tests.unit.builders import EHPAD

UNITES = ["Les Lilas", "Les Glycines"]
ADMIS_LE = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
AS = Auteur("as-1", "aide_soignant", "Paul")


def paris(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return to_utc(datetime(2026, month, day, hour, minute, tzinfo=PARIS))


def ciblee(**changes: Any) -> Note:
    fields: dict[str, Any] = {
        "type": TypeTransmission.ciblee,
        "categorie": CategorieTransmission.soins,
        "cible": "Douleur",
        "donnees": "se plaint du genou droit, EVA 6",
        "actions": "antalgique selon prescription",
    }
    fields.update(changes)
    return Note(**fields)


def saisie(
    note: Note, le: datetime = NOW, unite: str | None = "Les Lilas", auteur: Auteur = AS
) -> Transmission:
    return Transmission.saisir(
        uuid.uuid4(),
        uuid.uuid4(),
        EHPAD,
        note,
        le,
        unite,
        auteur,
        unites=UNITES,
        postes=POSTES,
        admis_le=ADMIS_LE,
        now=NOW,
    )


def rules(exc: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in exc.errors}


# -- what a transmission says ----------------------------------------------------------------------------


def test_a_ciblee_transmission_names_its_cible_and_carries_dar() -> None:
    with pytest.raises(InvalidInput) as refused:
        saisie(ciblee(cible=" ", donnees=None, actions="", texte="du texte libre"))
    assert rules(refused.value) == {
        ("cible", "cible_requise"),
        ("donnees", "dar_requis"),
        ("texte", "champ_reserve_libre"),
    }
    t = saisie(ciblee(donnees=None, actions=None, resultats="douleur calmée"))
    assert t.categorie_donnees is CategorieDonnees.soins


def test_a_free_transmission_has_a_text_and_no_dar() -> None:
    with pytest.raises(InvalidInput) as refused:
        saisie(Note(type=TypeTransmission.libre, categorie=CategorieTransmission.vie_sociale, cible="Moral"))
    assert rules(refused.value) == {("texte", "texte_requis"), ("cible", "champ_reserve_ciblee")}
    t = saisie(
        Note(TypeTransmission.libre, CategorieTransmission.vie_sociale, texte="a participé à l'atelier")
    )
    assert t.categorie_donnees is CategorieDonnees.accompagnement  # daily life: what every team member writes


def test_the_author_may_file_it_as_medical() -> None:
    t = saisie(ciblee(categorie_donnees=CategorieDonnees.medical), auteur=Auteur("10000000017", "medecin"))
    assert t.categorie_donnees is CategorieDonnees.medical
    [event] = t.collect_events()
    assert (event.auteur, event.profession) == ("10000000017", "medecin")  # type: ignore[attr-defined]


def test_the_unit_is_one_of_the_esms_and_the_time_is_past_and_after_admission() -> None:
    with pytest.raises(InvalidInput) as refused:
        saisie(ciblee(), unite="Les Roses")
    assert rules(refused.value) == {("unite", "unite_inconnue")}
    with pytest.raises(InvalidInput) as refused:
        saisie(ciblee(), le=NOW.replace(hour=13))
    assert rules(refused.value) == {("le", "dans_le_futur")}
    with pytest.raises(InvalidInput) as refused:
        saisie(ciblee(), le=ADMIS_LE.replace(hour=7))
    assert rules(refused.value) == {("le", "avant_admission")}
    assert saisie(ciblee(), unite=None).unite is None


# -- shifts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("le", "poste", "jour"),
    [
        (paris(10, 7), "matin", 10),
        (paris(10, 13, 59), "matin", 10),
        (paris(10, 14), "apres_midi", 10),
        (paris(10, 21), "nuit", 10),
        (paris(10, 23, 30), "nuit", 10),
        (paris(11, 2), "nuit", 10),  # the night belongs to the evening it began
        (paris(11, 6, 59), "nuit", 10),
        (paris(25, 2, 30), "nuit", 24),  # the night the clocks go back
    ],
)
def test_a_transmission_is_filed_under_the_shift_of_its_paris_time(
    le: datetime, poste: str, jour: int
) -> None:
    t = saisie(ciblee(), le=le)
    assert (t.poste, t.jour_poste.day) == (poste, jour)


def test_times_the_og_shifts_leave_uncovered_have_no_shift() -> None:
    jour = [Poste(code="jour", libelle="Jour", debut=time(8), fin=time(20))]
    assert poste_de(paris(10, 7), jour) == (None, paris(10, 7).date())
    assert poste_de(paris(10, 19), jour)[0] == "jour"


# -- reading -----------------------------------------------------------------------------------------------------


def test_reading_records_only_what_was_not_read_yet() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    jour = date(2026, 10, 27)
    suivi = SuiviLectures.ouvrir(EHPAD, "ide-1", jour)
    assert suivi.id == suivi_id(EHPAD, "ide-1", jour) != suivi_id(EHPAD, "ide-2", jour)
    assert suivi.lire([a, b, a], NOW) == 2
    assert suivi.lire([a, b], NOW) == 0
    assert suivi.lire([b, c], NOW) == 1
    events = suivi.collect_events()
    assert [type(e).__name__ for e in events] == [
        "SuiviLecturesOuvert",
        "TransmissionsLues",
        "TransmissionsLues",
    ]
    assert [e.transmission_ids for e in events[1:]] == [(a, b), (c,)]  # type: ignore[attr-defined]


def test_what_a_professional_read_is_kept_per_shift_day_so_marking_reloads_one_day_only() -> None:
    jour = date(2026, 10, 27)
    assert suivi_id(EHPAD, "ide-1", jour) != suivi_id(EHPAD, "ide-1", date(2026, 10, 28))
    suivi = SuiviLectures.ouvrir(EHPAD, "ide-1", jour)
    suivi.lire([uuid.uuid4() for _ in range(3)], NOW)
    pending = AggregateMapper(registry).to_envelopes(
        suivi, CommandContext(actor=Actor(id="ide-1", role="infirmier"))
    )
    assert pending[0].envelope.data["jour_poste"] == "2026-10-27"
    replayed = AggregateMapper(registry).replay(
        SuiviLectures, [StoredEvent(i, e.subject, e.envelope) for i, e in enumerate(pending, 1)]
    )
    assert (replayed.jour_poste, len(replayed.lues)) == (jour, 3)


@pytest.mark.parametrize(
    ("role", "medical"),
    [
        ("medecin", True),
        ("medecin_coordonnateur", True),
        ("infirmier", True),
        ("aide_soignant", False),
        ("aes", False),
    ],
)
def test_medical_data_is_for_medical_roles_only(role: str, medical: bool) -> None:
    actor = Actor(id="x", role=role)
    assert voit(actor, CategorieDonnees.medical) is medical
    assert voit(actor, CategorieDonnees.soins)


def test_the_matrix_decides_what_an_authorised_caller_reads() -> None:
    """Once the gateway passed the matrix's categories, they decide, whatever the role's name."""
    infirmier = Actor(id="x", role="infirmier", lecture=("soins",))
    assert voit(infirmier, CategorieDonnees.soins)
    assert not voit(infirmier, CategorieDonnees.medical)
    kine = Actor(id="y", role="kinesitherapeute", lecture=("soins", "medical"))
    assert voit(kine, CategorieDonnees.medical)
    assert not voit(kine, CategorieDonnees.psychologique)
