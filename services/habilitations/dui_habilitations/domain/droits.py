"""What one caller may do now, from the matrix and their account as the log holds them."""

from __future__ import annotations

from datetime import datetime

from dui_habilitations.domain.compte import Compte
from dui_habilitations.domain.matrice import QUALITES, Matrice
from dui_shared.contracts.habilitations import Portee, ProfilHabilitation
from dui_shared.contracts.habilitations_api import AccesPersonne, Droits, DroitsDemandes, UrgenceActive

PROFESSIONNEL = "professionnel"


def calculer_droits(
    matrice: Matrice, compte: Compte | None, demande: DroitsDemandes, now: datetime, position: int
) -> Droits:
    """A professional works as the profession their account overrides, else the token's; a person (usager,
    personne de confiance, représentant légal) through the profile of their quality. An inactive account, or a
    profession the matrix does not know, may do nothing."""
    actif = compte is None or compte.actif
    personne = demande.profil in QUALITES
    profession: str | None = None
    profil: ProfilHabilitation | None = None
    if personne:
        profil = matrice.profil(demande.profil)
        if profil is not None and profil.portee is not Portee.personne:
            profil = None
    elif demande.profil == PROFESSIONNEL:
        profession = (compte.profession if compte is not None else None) or demande.profession
        profil = matrice.profil(profession)
        if profil is not None and profil.portee is Portee.personne:
            profil = None  # a professional never works through a person's profile
    if not actif:
        profil = None
    esms: list[str] = []
    urgences: list[UrgenceActive] = []
    personnes: list[AccesPersonne] = []
    if compte is not None and actif:
        if profil is not None and profil.portee is Portee.esms:
            esms = list(compte.affectations)
        if profil is not None and not personne:
            urgences = [
                UrgenceActive(acces_id=aid, dossier_id=u.dossier_id, esms=u.esms, fin=u.fin)
                for aid, u in compte.urgences_actives(now).items()
            ]
        if personne:
            personnes = [
                AccesPersonne(
                    identifiant=compte.identifiant, dossier_id=did, esms=lien.esms, qualite=lien.qualite
                )
                for did, lien in compte.personnes.items()
            ]
    return Droits(
        identifiant=demande.identifiant,
        profession=profession,
        profil=demande.profil,
        profil_habilitation=profil,
        esms=esms,
        urgences=urgences,
        personnes=personnes,
        position=position,
    )
