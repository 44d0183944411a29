"""Evaluation: one filled grid for one person at one time; GrilleEvaluation: a grid the OG defines itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.grille import DefinitionGrille
from dui_shared.errors import DomainError, InvalidInput


class EvaluationError(DomainError):
    title = "Évaluation : opération impossible"


class Evaluation(DuiAggregate):
    service = "dossier"

    @event("EvaluationRealisee")
    def __init__(
        self,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        grille: str,
        grille_version: int,
        grille_libelle: str,
        realisee_le: datetime,
        evaluateur: str,
        reponses: dict[str, Any],
        score: float | None,
        gir: int | None,
        interpretation: str | None,
        alerte: bool,
        detail: dict[str, Any],
        commentaire: str | None,
    ) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.grille = grille
        self.annulee = False

    def annuler(self, motif: str) -> None:
        if self.annulee:
            return
        self._annulee(motif=motif)

    @event("EvaluationAnnulee")
    def _annulee(self, motif: str) -> None:
        self.annulee = True


class GrilleEvaluation(DuiAggregate):
    """Held at the OG level (subject token = the OG's FINESS juridique): every ESMS of the OG uses it."""

    service = "dossier"

    @event("GrilleDefinie")
    def __init__(self, id: UUID, esms: str, definition: DefinitionGrille) -> None:
        self.esms = esms
        self.definition = definition
        self.numero = 1

    def reviser(self, definition: DefinitionGrille) -> None:
        if definition.code != self.definition.code:
            raise InvalidInput.single("code", "code_immuable", "le code d'une grille ne change pas")
        if definition == self.definition:
            return
        self._revisee(version=self.numero + 1, definition=definition)

    @event("GrilleRevisee")
    def _revisee(self, version: int, definition: DefinitionGrille) -> None:
        self.definition = definition
        self.numero = version
