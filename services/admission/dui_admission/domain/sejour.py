"""Séjour: one stay or accompaniment in one ESMS, from admission to sortie (décès included)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.admission import ActionSortie, MotifSortie, TypeAccueil, Usager
from dui_shared.errors import DomainError, InvalidInput


class SejourError(DomainError):
    title = "Séjour : opération impossible"


class Sejour(DuiAggregate):
    service = "admission"

    @event("AdmissionPrononcee")
    def __init__(
        self,
        id: UUID,
        candidature_id: UUID,
        esms: str,
        usager: Usager,
        type_accueil: TypeAccueil,
        admis_le: datetime,
        place: str | None,
    ) -> None:
        self.candidature_id = candidature_id
        self.esms = esms
        self.usager = usager
        self.type_accueil = type_accueil
        self.admis_le = admis_le
        self.place = place
        self.sortie_le: datetime | None = None
        self.motif_sortie: MotifSortie | None = None
        self.actions_sortie: list[ActionSortie] = []

    def _check_not_before_admission(self, field: str, when: datetime) -> None:
        if when < self.admis_le:
            raise InvalidInput.single(
                field,
                "avant_admission",
                f"la date ne peut pas précéder l'admission ({self.admis_le.isoformat()})",
            )

    def prononcer_sortie(
        self,
        sortie_le: datetime,
        motif: MotifSortie,
        destination: str | None,
        actions: tuple[ActionSortie, ...],
    ) -> None:
        if self.sortie_le is not None:
            raise SejourError("la sortie de ce séjour a déjà été prononcée", rule="sortie_deja_prononcee")
        self._check_not_before_admission("sortie_le", sortie_le)
        if motif is MotifSortie.transfert_esms and not (destination and destination.strip()):
            raise InvalidInput.single(
                "destination",
                "destination_obligatoire",
                "un transfert vers un autre ESMS doit indiquer la destination",
            )
        for i, action in enumerate(actions):
            self._check_not_before_admission(f"actions.{i}.realisee_le", action.realisee_le)
        self._sortie(sortie_le=sortie_le, motif=motif, destination=destination, actions=actions)

    def tracer_action_sortie(self, action: ActionSortie) -> None:
        if self.sortie_le is None:
            raise SejourError("aucune sortie n'a été prononcée pour ce séjour", rule="sortie_non_prononcee")
        self._check_not_before_admission("realisee_le", action.realisee_le)
        self._action(action=action)

    @property
    def actif(self) -> bool:
        return self.sortie_le is None

    @event("SortiePrononcee")
    def _sortie(
        self,
        sortie_le: datetime,
        motif: MotifSortie,
        destination: str | None,
        actions: tuple[ActionSortie, ...],
    ) -> None:
        self.sortie_le = sortie_le
        self.motif_sortie = motif
        self.actions_sortie.extend(actions)

    @event("ActionSortieTracee")
    def _action(self, action: ActionSortie) -> None:
        self.actions_sortie.append(action)
