"""Matrice: the OG's habilitation matrix, one line (profile) per profession; one matrix per OG.

It starts from the shipped default (`MatriceInitialisee`) and the OG's administrator changes it line by line. It
always keeps a profile that administers — and the `administrateur_og` one — so the OG can never lock itself out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.habilitations import Portee, ProfilHabilitation, QualitePersonne
from dui_shared.errors import DomainError, FieldError, InvalidInput

HABILITATIONS_NS = uuid.UUID("5f2d8c41-7a3e-5b19-9c64-1e8a0b7d3f25")
MATRICE_ID = uuid.uuid5(HABILITATIONS_NS, "matrice")
ADMINISTRATEUR_OG = "administrateur_og"
QUALITES = frozenset(q.value for q in QualitePersonne)
"""The profiles of persons (portée `personne`): their codes are the qualities a person's account is linked in."""


class HabilitationError(DomainError):
    title = "Habilitations : opération impossible"


def erreurs_profil(profil: ProfilHabilitation, prefix: str = "") -> list[FieldError]:
    """A person's profile is one of the qualities, of portée `personne`, and administers nothing."""
    errors: list[FieldError] = []
    personne = profil.profession in QUALITES
    if personne != (profil.portee is Portee.personne):
        errors.append(
            FieldError(
                f"{prefix}portee",
                "portee_personne",
                "la portée « personne » est celle des profils usager, personne_de_confiance et "
                "representant_legal, et d'eux seuls",
            )
        )
    if personne:
        for flag in ("acces_urgence", "administration", "revue_acces", "journal_acces"):
            if getattr(profil, flag):
                errors.append(
                    FieldError(
                        f"{prefix}{flag}",
                        "profil_personne",
                        "le profil d'une personne n'a aucun de ces droits",
                    )
                )
    return errors


class Matrice(DuiAggregate):
    """Held at the OG level (subject token = the OG's FINESS juridique): one matrix for every ESMS of the OG."""

    service = "habilitation"
    esms_scoped = False

    @event("MatriceInitialisee")
    def __init__(self, id: UUID, esms: str, profils: list[ProfilHabilitation]) -> None:
        self.esms = esms
        self.profils: dict[str, ProfilHabilitation] = {p.profession: p for p in profils}

    @classmethod
    def initialiser(cls, id: UUID, esms: str, profils: Iterable[ProfilHabilitation]) -> Matrice:
        """The matrix the OG starts from: valid profiles, each profession once, and its administrator."""
        profils = list(profils)
        errors: list[FieldError] = []
        seen: set[str] = set()
        for i, profil in enumerate(profils):
            errors.extend(erreurs_profil(profil, f"profils.{i}."))
            if profil.profession in seen:
                errors.append(
                    FieldError(f"profils.{i}.profession", "profession_en_double", "profession déjà définie")
                )
            seen.add(profil.profession)
        if not any(p.profession == ADMINISTRATEUR_OG and p.administration for p in profils):
            errors.append(
                FieldError(
                    "profils",
                    "administrateur_og_requis",
                    "la matrice doit comprendre le profil administrateur_og, avec le droit d'administration",
                )
            )
        if errors:
            raise InvalidInput(errors)
        return cls(id=id, esms=esms, profils=profils)

    def profil(self, profession: str | None) -> ProfilHabilitation | None:
        return self.profils.get(profession) if profession else None

    def definir_profil(self, profil: ProfilHabilitation) -> None:
        """Create or replace a profession's line."""
        errors = erreurs_profil(profil)
        if errors:
            raise InvalidInput(errors)
        if self.profils.get(profil.profession) == profil:
            return
        if not profil.administration:
            self._garder_administration(profil.profession)
        self._defini(profil=profil)

    @event("ProfilDefini")
    def _defini(self, profil: ProfilHabilitation) -> None:
        self.profils[profil.profession] = profil

    def retirer_profil(self, profession: str) -> None:
        if profession not in self.profils:
            return  # already retired: the same request again changes nothing
        self._garder_administration(profession)
        self._retire(profession=profession)

    @event("ProfilRetire")
    def _retire(self, profession: str) -> None:
        del self.profils[profession]

    def _garder_administration(self, profession: str) -> None:
        """`profession` is about to lose its administration right: refused for the OG's administrator and for
        the last profile that has it."""
        if profession == ADMINISTRATEUR_OG:
            raise HabilitationError(
                "le profil administrateur_og ne peut être ni retiré ni privé du droit d'administration : "
                "l'organisme ne doit jamais perdre la main sur ses habilitations",
                rule="profil_administrateur_protege",
                field="profession",
            )
        current = self.profils.get(profession)
        if current is not None and current.administration:
            if not any(p.administration for code, p in self.profils.items() if code != profession):
                raise HabilitationError(
                    "c'est le dernier profil qui administre les habilitations : donnez ce droit à un autre "
                    "profil d'abord",
                    rule="dernier_profil_administration",
                    field="profession",
                )
