"""An account's rules: its ESMS and profession, break-the-glass (outside one's ESMS only, reasoned, limited in
time, reviewed once by someone else), the persons' accesses, and the rights computed from the matrix and the
account. No I/O: the aggregates are built through their own commands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from dui_habilitations.application import profils_defaut
from dui_habilitations.domain.compte import Compte, DossierVise, compte_id
from dui_habilitations.domain.droits import calculer_droits
from dui_habilitations.domain.matrice import MATRICE_ID, HabilitationError, Matrice
from dui_shared.contracts.habilitations import Portee, QualitePersonne
from dui_shared.contracts.habilitations_api import Droits, DroitsDemandes
from dui_shared.errors import Forbidden, InvalidInput, NotFound

OG = "750000001"
EHPAD, SSIAD = "690004122", "130008154"
CONNUS = {EHPAD, SSIAD}
MATRICE = Matrice.initialiser(MATRICE_ID, OG, profils_defaut())
PROFESSIONS = {c for c, p in MATRICE.profils.items() if p.portee is not Portee.personne}
MAINTENANT = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)
QUATRE_HEURES = timedelta(hours=4)
MOTIF = "chute dans le couloir de l'accueil de jour, appel du SAMU"


def compte(identifiant: str = "ide-0042", *esms: str, profession: str | None = None) -> Compte:
    c = Compte.ouvrir(identifiant, OG)
    if esms or profession:
        c.definir_affectations(profession, list(esms), None, True, CONNUS, PROFESSIONS)
    c.collect_events()
    return c


def dossier(esms: str = SSIAD, archive: bool = False) -> DossierVise:
    return DossierVise(uuid.uuid4(), esms, archive)


def events(c: Compte) -> list[str]:
    return [type(e).__name__ for e in c.collect_events()]


def ouvrir(c: Compte, d: DossierVise, profession: str = "infirmier", **changes: object) -> uuid.UUID:
    args: dict[str, object] = {
        "acces_id": uuid.uuid4(),
        "profil": MATRICE.profil(profession),
        "dossier": d,
        "deja_autorise": d.esms in c.affectations,
        "justification": MOTIF,
        "debut": MAINTENANT,
        "duree": QUATRE_HEURES,
    }
    args.update(changes)
    return c.ouvrir_urgence(**args)  # type: ignore[arg-type]


# -- assignments ------------------------------------------------------------------------------------------


def test_an_account_is_opened_at_the_og_level_with_an_id_derived_from_its_identifiant() -> None:
    c = Compte.ouvrir("ide-0042", OG)
    assert c.id == compte_id("ide-0042") != compte_id("ide-0043")
    assert c.subject == f"dui.evt.{OG}.habilitation.compte.{c.id}"
    assert events(c) == ["CompteOuvert"]


def test_assignments_replace_the_whole_set_and_the_same_set_again_records_nothing() -> None:
    c = compte()
    c.definir_affectations("infirmier", [SSIAD, EHPAD, SSIAD], "Claire IDE", True, CONNUS, PROFESSIONS)
    assert events(c) == ["AffectationsDefinies"]
    assert c.affectations == (SSIAD, EHPAD)  # sorted, once each
    c.definir_affectations("infirmier", [EHPAD, SSIAD], "Claire IDE", True, CONNUS, PROFESSIONS)
    assert events(c) == []
    c.definir_affectations("infirmier", [EHPAD], "Claire IDE", False, CONNUS, PROFESSIONS)
    assert events(c) == ["AffectationsDefinies"]
    assert (c.affectations, c.actif) == ((EHPAD,), False)


def test_an_unknown_esms_and_a_profession_outside_the_matrix_are_named() -> None:
    c = compte()
    with pytest.raises(InvalidInput) as exc:
        c.definir_affectations("plombier", [EHPAD, "999999999"], None, True, CONNUS, PROFESSIONS)
    assert [(e.field, e.rule) for e in exc.value.errors] == [
        ("esms.1", "esms_inconnu"),
        ("profession", "profession_inconnue"),
    ]
    with pytest.raises(InvalidInput) as exc:
        c.definir_affectations("usager", [], None, True, CONNUS, PROFESSIONS)  # a quality, not a profession
    assert exc.value.errors[0].field == "profession"
    assert events(c) == []


# -- break-the-glass --------------------------------------------------------------------------------------


def test_an_emergency_access_lasts_the_configured_duration_and_is_returned_while_active() -> None:
    c = compte("ide-0042", EHPAD, profession="infirmier")
    d = dossier(SSIAD)
    acces = ouvrir(c, d)
    assert events(c) == ["AccesUrgenceOuvert"]
    urgence = c.urgences[acces]
    assert (urgence.debut, urgence.fin, urgence.esms, urgence.profession) == (
        MAINTENANT,
        MAINTENANT + QUATRE_HEURES,
        SSIAD,
        "infirmier",
    )
    assert ouvrir(c, d, debut=MAINTENANT + timedelta(hours=1)) == acces
    assert events(c) == []
    assert list(c.urgences_actives(MAINTENANT + timedelta(hours=3, minutes=59))) == [acces]
    assert c.urgences_actives(MAINTENANT + QUATRE_HEURES) == {}
    again = ouvrir(c, d, debut=MAINTENANT + QUATRE_HEURES)  # the first one is over: a new one
    assert again != acces and events(c) == ["AccesUrgenceOuvert"]


def test_a_dossier_of_ones_own_esms_needs_no_emergency_access() -> None:
    c = compte("ide-0042", EHPAD, profession="infirmier")
    with pytest.raises(HabilitationError) as exc:
        ouvrir(c, dossier(EHPAD))
    assert (exc.value.status, exc.value.rule, exc.value.field) == (409, "acces_deja_autorise", "dossier_id")


def test_only_a_profile_with_the_right_opens_a_reasoned_emergency_access_on_a_dossier_not_archived() -> None:
    c = compte("as-0001", EHPAD, profession="aide_soignant")
    with pytest.raises(Forbidden) as forbidden:
        ouvrir(c, dossier(), "aide_soignant")
    assert forbidden.value.rule == "acces_urgence_non_habilite"
    with pytest.raises(Forbidden):
        ouvrir(c, dossier(), "inconnue")
    c = compte("ide-0042", EHPAD, profession="infirmier")
    with pytest.raises(HabilitationError) as exc:
        ouvrir(c, dossier(archive=True))
    assert exc.value.rule == "dossier_archive"
    with pytest.raises(InvalidInput) as invalid:
        ouvrir(c, dossier(), justification="   urgence          ")
    assert invalid.value.errors[0].field == "justification"
    assert events(c) == []


def test_an_inactive_account_opens_nothing() -> None:
    c = compte("ide-0042", EHPAD, profession="infirmier")
    c.definir_affectations("infirmier", [EHPAD], None, False, CONNUS, PROFESSIONS)
    c.collect_events()
    with pytest.raises(Forbidden) as exc:
        ouvrir(c, dossier())
    assert exc.value.rule == "compte_inactif"


def test_an_emergency_access_is_closed_early_once_and_an_access_over_stays_as_it_was() -> None:
    c = compte("ide-0042", EHPAD, profession="infirmier")
    acces = ouvrir(c, dossier())
    c.collect_events()
    c.clore_urgence(acces, MAINTENANT + timedelta(hours=1))
    assert events(c) == ["AccesUrgenceClos"]
    assert c.urgences_actives(MAINTENANT + timedelta(hours=2)) == {}
    c.clore_urgence(acces, MAINTENANT + timedelta(hours=2))
    other = ouvrir(c, dossier())
    c.collect_events()
    c.clore_urgence(other, MAINTENANT + timedelta(hours=5))  # over already
    assert events(c) == []
    with pytest.raises(NotFound):
        c.clore_urgence(uuid.uuid4(), MAINTENANT)


def test_an_emergency_access_is_reviewed_once_by_someone_else_with_the_review_right() -> None:
    cadre = MATRICE.profil("cadre_de_sante")
    c = compte("cds-0001", EHPAD, profession="cadre_de_sante")
    acces = ouvrir(c, dossier(), "cadre_de_sante")
    c.collect_events()
    with pytest.raises(Forbidden) as exc:
        c.revoir_urgence(acces, cadre, "cds-0001", True, None, MAINTENANT)
    assert exc.value.rule == "revue_par_soi_meme"
    with pytest.raises(Forbidden) as exc:
        c.revoir_urgence(acces, MATRICE.profil("infirmier"), "ide-0042", True, None, MAINTENANT)
    assert exc.value.rule == "revue_acces_requis"
    c.revoir_urgence(acces, MATRICE.profil("dpo"), "dpo-01", True, "appel SAMU vérifié", MAINTENANT)
    assert events(c) == ["AccesUrgenceRevu"]
    c.revoir_urgence(acces, MATRICE.profil("dpo"), "dpo-01", True, "appel SAMU vérifié", MAINTENANT)
    assert events(c) == []
    with pytest.raises(HabilitationError) as conflict:
        c.revoir_urgence(acces, cadre, "cds-0002", False, None, MAINTENANT)
    assert conflict.value.rule == "acces_deja_revu"


# -- persons ----------------------------------------------------------------------------------------------


def test_a_persons_access_is_opened_in_a_quality_changed_and_retired_once() -> None:
    c = compte("jeanne.martin@example.fr")
    d = dossier(EHPAD)
    c.ouvrir_acces_personne(d, QualitePersonne.usager)
    c.ouvrir_acces_personne(d, QualitePersonne.usager)
    assert events(c) == ["AccesPersonneOuvert"]
    c.ouvrir_acces_personne(d, QualitePersonne.representant_legal)
    assert events(c) == ["AccesPersonneOuvert"]
    assert c.personnes[d.id].qualite is QualitePersonne.representant_legal
    c.retirer_acces_personne(d.id)
    c.retirer_acces_personne(d.id)
    assert events(c) == ["AccesPersonneRetire"]
    with pytest.raises(NotFound):
        c.retirer_acces_personne(uuid.uuid4())


# -- rights -----------------------------------------------------------------------------------------------


def droits(c: Compte | None, profession: str | None = "infirmier", profil: str = "professionnel") -> Droits:
    demande = DroitsDemandes(identifiant=c.identifiant if c else "x", profession=profession, profil=profil)
    return calculer_droits(MATRICE, c, demande, MAINTENANT, 7)


def test_a_professional_works_as_the_profession_of_their_account_else_of_their_token() -> None:
    c = compte("med-1", EHPAD, profession="medecin_coordonnateur")
    d = droits(c, "medecin")
    assert d.profil_habilitation is not None
    assert (d.profession, d.profil_habilitation.profession, d.esms, d.position) == (
        "medecin_coordonnateur",
        "medecin_coordonnateur",
        [EHPAD],
        7,
    )
    d = droits(None, "infirmier")
    assert d.profil_habilitation is not None
    assert (d.profession, d.profil_habilitation.profession, d.esms) == ("infirmier", "infirmier", [])
    assert droits(None, "plombier").profil_habilitation is None
    assert droits(None, "usager").profil_habilitation is None


def test_an_og_profile_has_no_esms_list_and_an_inactive_account_has_no_rights() -> None:
    c = compte("dpo-01", EHPAD, profession="dpo")
    d = droits(c, None)
    assert d.profil_habilitation is not None
    assert d.profil_habilitation.portee is Portee.og and d.esms == []
    c.definir_affectations("infirmier", [EHPAD], None, False, CONNUS, PROFESSIONS)
    d = droits(c, "infirmier")
    assert (d.profil_habilitation, d.esms, d.urgences) == (None, [], [])


def test_rights_list_the_active_emergency_accesses_and_a_persons_links() -> None:
    c = compte("ide-0042", EHPAD, profession="infirmier")
    active, ended = dossier(), dossier()
    acces = ouvrir(c, active)
    old = ouvrir(c, ended, debut=MAINTENANT - timedelta(hours=5))
    assert old != acces
    d = droits(c)
    assert [(u.acces_id, u.dossier_id, u.fin) for u in d.urgences] == [
        (acces, active.id, MAINTENANT + QUATRE_HEURES)
    ]
    personne = compte("jeanne.martin@example.fr")
    lien = dossier(EHPAD)
    personne.ouvrir_acces_personne(lien, QualitePersonne.personne_de_confiance)
    d = droits(personne, None, "personne_de_confiance")
    assert d.profession is None and d.profil_habilitation is not None
    assert d.profil_habilitation.profession == "personne_de_confiance"
    assert [(p.dossier_id, p.qualite) for p in d.personnes] == [
        (lien.id, QualitePersonne.personne_de_confiance)
    ]
    assert droits(personne, "infirmier").personnes == []
