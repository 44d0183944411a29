"""Transmission: a note of the team about a person, free or ciblée (Cible + Données / Actions / Résultats),
filed under a unit and the shift it was written in; and SuiviLectures, what one professional has read of the
transmissions of one ESMS."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.soins import (
    DONNEES_PAR_CATEGORIE,
    CategorieDonnees,
    CategorieTransmission,
    TypeTransmission,
)
from dui_shared.errors import FieldError, InvalidInput
from dui_shared.referentiel import Poste
from dui_soins.domain.planning import pas_dans_le_futur, poste_de

LECTURES_NS = uuid.UUID("6f1d9e02-4b7a-5c3e-8d21-93a0c5e7b4f1")


@dataclass(frozen=True)
class Auteur:
    id: str
    profession: str
    nom: str | None = None


@dataclass(frozen=True)
class Note:
    """What the author writes."""

    type: TypeTransmission
    categorie: CategorieTransmission
    categorie_donnees: CategorieDonnees | None = None
    cible: str | None = None
    donnees: str | None = None
    actions: str | None = None
    resultats: str | None = None
    texte: str | None = None


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def verifier_note(note: Note) -> None:
    errors: list[FieldError] = []
    dar = {"donnees": note.donnees, "actions": note.actions, "resultats": note.resultats}
    if note.type is TypeTransmission.ciblee:
        if _blank(note.cible):
            errors.append(FieldError("cible", "cible_requise", "une transmission ciblée nomme sa cible"))
        if all(_blank(v) for v in dar.values()):
            errors.append(
                FieldError(
                    "donnees", "dar_requis", "une transmission ciblée porte des données, actions ou résultats"
                )
            )
        if not _blank(note.texte):
            errors.append(
                FieldError(
                    "texte", "champ_reserve_libre", "le texte libre n'accompagne pas une transmission ciblée"
                )
            )
    else:
        if _blank(note.texte):
            errors.append(FieldError("texte", "texte_requis", "une transmission libre a un texte"))
        for name, value in {"cible": note.cible, **dar}.items():
            if not _blank(value):
                errors.append(
                    FieldError(
                        name,
                        "champ_reserve_ciblee",
                        "cible, données, actions et résultats sont ceux d'une transmission ciblée",
                    )
                )
    if errors:
        raise InvalidInput(errors)


class Transmission(DuiAggregate):
    service = "soins"

    @classmethod
    def saisir(
        cls,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        note: Note,
        le: datetime,
        unite: str | None,
        auteur: Auteur,
        *,
        unites: Sequence[str],
        postes: Sequence[Poste],
        admis_le: datetime,
        now: datetime,
    ) -> Transmission:
        """Check the note, its unit (one of the ESMS's `unites`) and its instant, then file it under the shift
        of `le` in the OG's `postes`."""
        verifier_note(note)
        if unite is not None and unite not in unites:
            raise InvalidInput.single(
                "unite",
                "unite_inconnue",
                f"« {unite} » n'est pas une unité de l'ESMS ({', '.join(unites) or 'aucune'})",
            )
        pas_dans_le_futur("le", le, now, "une transmission rapporte ce qui s'est passé")
        if le < admis_le:
            raise InvalidInput.single("le", "avant_admission", "la transmission précède l'admission")
        poste, jour = poste_de(le, postes)
        return cls(
            id=id,
            dossier_id=dossier_id,
            esms=esms,
            type=note.type,
            categorie=note.categorie,
            categorie_donnees=note.categorie_donnees or DONNEES_PAR_CATEGORIE[note.categorie],
            cible=None if _blank(note.cible) else note.cible,
            donnees=note.donnees,
            actions=note.actions,
            resultats=note.resultats,
            texte=note.texte,
            le=le,
            unite=unite,
            poste=poste,
            jour_poste=jour,
            auteur=auteur.id,
            profession=auteur.profession,
            auteur_nom=auteur.nom,
        )

    @event("TransmissionSaisie")
    def __init__(
        self,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        type: TypeTransmission,
        categorie: CategorieTransmission,
        categorie_donnees: CategorieDonnees,
        cible: str | None,
        donnees: str | None,
        actions: str | None,
        resultats: str | None,
        texte: str | None,
        le: datetime,
        unite: str | None,
        poste: str | None,
        jour_poste: date,
        auteur: str,
        profession: str,
        auteur_nom: str | None,
    ) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.categorie_donnees = categorie_donnees
        self.auteur = auteur
        self.le = le
        self.unite = unite
        self.poste = poste
        self.jour_poste = jour_poste


def suivi_id(esms: str, professionnel: str, jour_poste: date) -> UUID:
    return uuid.uuid5(LECTURES_NS, f"lectures:{esms}:{professionnel}:{jour_poste.isoformat()}")


class SuiviLectures(DuiAggregate):
    """What one professional has marked as read of the transmissions of one ESMS and one shift day
    (`jour_poste`): one per day, so that what a "mark as read" replays is bounded by a day's transmissions, not
    by everything the professional ever read."""

    service = "soins"

    @classmethod
    def ouvrir(cls, esms: str, professionnel: str, jour_poste: date) -> SuiviLectures:
        return cls(
            id=suivi_id(esms, professionnel, jour_poste),
            professionnel=professionnel,
            esms=esms,
            jour_poste=jour_poste,
        )

    @event("SuiviLecturesOuvert")
    def __init__(self, id: UUID, professionnel: str, esms: str, jour_poste: date | None) -> None:
        self.professionnel = professionnel
        self.esms = esms
        self.jour_poste = jour_poste
        self.lues: set[UUID] = set()

    def lire(self, transmission_ids: Iterable[UUID], le: datetime) -> int:
        """Mark as read what was not yet; returns how many are new (none: nothing recorded)."""
        nouvelles = list(dict.fromkeys(t for t in transmission_ids if t not in self.lues))
        if nouvelles:
            self._lues(transmission_ids=tuple(nouvelles), lues_le=le)
        return len(nouvelles)

    @event("TransmissionsLues")
    def _lues(self, transmission_ids: tuple[UUID, ...], lues_le: datetime) -> None:
        self.lues.update(transmission_ids)
