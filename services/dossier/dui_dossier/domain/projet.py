"""ProjetPersonnalise: the person's plan, co-built and versioned: draft → validated (in force) → under review.

Each version is kept; validating a draft puts it in force and retires the previous one. Opening a review starts
a new draft from the version in force, which stays in force until the new one is validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.dossier import ContenuProjet
from dui_shared.errors import DomainError, FieldError, InvalidInput, NotFound


class StatutVersion(StrEnum):
    brouillon = "brouillon"
    validee = "validee"
    en_revision = "en_revision"
    remplacee = "remplacee"


class ProjetError(DomainError):
    title = "Projet personnalisé : opération impossible"


@dataclass
class Version:
    contenu: ContenuProjet
    statut: StatutVersion
    valide_le: date | None = None


class ProjetPersonnalise(DuiAggregate):
    service = "dossier"

    @event("ProjetPersonnaliseInitie")
    def __init__(self, id: UUID, dossier_id: UUID, esms: str, contenu: ContenuProjet) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.versions: dict[int, Version] = {1: Version(contenu, StatutVersion.brouillon)}
        self.en_vigueur: int | None = None

    @property
    def brouillon(self) -> int | None:
        return next((n for n, v in self.versions.items() if v.statut is StatutVersion.brouillon), None)

    def _draft(self, version: int) -> Version:
        if version not in self.versions:
            raise NotFound(f"version {version} du projet personnalisé introuvable")
        if self.versions[version].statut is not StatutVersion.brouillon:
            raise ProjetError(
                f"la version {version} n'est plus un brouillon : ouvrez une révision pour la faire évoluer",
                rule="version_non_modifiable",
            )
        return self.versions[version]

    def modifier(self, version: int, contenu: ContenuProjet) -> None:
        if self._draft(version).contenu == contenu:
            return
        self._modifiee(version=version, contenu=contenu)

    @event("VersionProjetModifiee")
    def _modifiee(self, version: int, contenu: ContenuProjet) -> None:
        self.versions[version].contenu = contenu

    def valider(self, version: int, valide_le: date) -> None:
        if version == self.en_vigueur and self.versions[version].valide_le == valide_le:
            return  # the same validation again
        draft = self._draft(version)
        contenu = draft.contenu
        errors: list[FieldError] = []
        if not contenu.objectifs:
            errors.append(
                FieldError(
                    "contenu.objectifs", "objectif_requis", "le projet doit fixer au moins un objectif"
                )
            )
        if contenu.participation is None:
            errors.append(
                FieldError(
                    "contenu.participation",
                    "participation_requise",
                    "la participation de la personne à l'élaboration du projet doit être tracée",
                )
            )
        if contenu.date_prochaine_revision is None or contenu.date_prochaine_revision <= valide_le:
            errors.append(
                FieldError(
                    "contenu.date_prochaine_revision",
                    "revision_requise",
                    "la date de la prochaine réévaluation doit suivre la validation",
                )
            )
        if errors:
            raise InvalidInput(errors)
        assert contenu.date_prochaine_revision is not None
        self._valide(
            version=version,
            valide_le=valide_le,
            date_prochaine_revision=contenu.date_prochaine_revision,
            remplace=self.en_vigueur,
        )

    @event("ProjetPersonnaliseValide")
    def _valide(
        self, version: int, valide_le: date, date_prochaine_revision: date, remplace: int | None
    ) -> None:
        if remplace is not None:
            self.versions[remplace].statut = StatutVersion.remplacee
        self.versions[version].statut = StatutVersion.validee
        self.versions[version].valide_le = valide_le
        self.en_vigueur = version

    def ouvrir_revision(self, motif: str) -> int:
        """Start the next version from the one in force; returns its number."""
        if self.en_vigueur is None:
            raise ProjetError("aucune version n'a encore été validée", rule="aucune_version_validee")
        if self.brouillon is not None:
            raise ProjetError(
                f"la version {self.brouillon} est déjà en cours d'élaboration", rule="revision_deja_ouverte"
            )
        version = max(self.versions) + 1
        self._revision(version=version, depuis=self.en_vigueur, motif=motif)
        return version

    @event("RevisionProjetOuverte")
    def _revision(self, version: int, depuis: int, motif: str) -> None:
        self.versions[depuis].statut = StatutVersion.en_revision
        self.versions[version] = Version(self.versions[depuis].contenu, StatutVersion.brouillon)


def comparer(avant: ContenuProjet, apres: ContenuProjet) -> dict[str, Any]:
    """What changed between two versions: objectives matched by code, other fields by name."""
    old = {o.code: o for o in avant.objectifs}
    new = {o.code: o for o in apres.objectifs}
    modifies = []
    for code in old.keys() & new.keys():
        a, b = old[code].model_dump(mode="json"), new[code].model_dump(mode="json")
        changes = {k: {"avant": a[k], "apres": b[k]} for k in a if a[k] != b[k]}
        if changes:
            modifies.append({"code": code, "changements": changes})
    a_fields = avant.model_dump(mode="json", exclude={"objectifs"})
    b_fields = apres.model_dump(mode="json", exclude={"objectifs"})
    return {
        "objectifs_ajoutes": [new[c].model_dump(mode="json") for c in new if c not in old],
        "objectifs_retires": [old[c].model_dump(mode="json") for c in old if c not in new],
        "objectifs_modifies": sorted(modifies, key=lambda m: str(m["code"])),
        "champs_modifies": {
            k: {"avant": a_fields[k], "apres": b_fields[k]} for k in a_fields if a_fields[k] != b_fields[k]
        },
    }
