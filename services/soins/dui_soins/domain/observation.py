"""Observation: a physician's observation médicale, written here by a physician, or received from another
professional (a letter, later the DMP or MSSanté) and recorded with its source by a care professional."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.soins import SourceObservation
from dui_shared.errors import Forbidden, InvalidInput
from dui_soins.domain.planning import pas_dans_le_futur
from dui_soins.domain.roles import ROLES_MEDECIN, exiger_soignant
from dui_soins.domain.transmission import Auteur


class Observation(DuiAggregate):
    service = "soins"

    @classmethod
    def saisir(
        cls,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        texte: str,
        motif: str | None,
        observee_le: datetime,
        source: SourceObservation,
        source_detail: str | None,
        auteur: Auteur,
        now: datetime,
    ) -> Observation:
        if source is SourceObservation.saisie:
            if auteur.profession not in ROLES_MEDECIN:
                raise Forbidden(
                    "une observation médicale est rédigée par un médecin ; une observation reçue d'un autre "
                    "professionnel s'enregistre avec sa source",
                    rule="observation_reservee_medecin",
                )
        else:
            exiger_soignant(auteur.profession, "enregistrer une observation reçue")
            if source_detail is None or not source_detail.strip():
                raise InvalidInput.single(
                    "source_detail",
                    "source_detail_requis",
                    "précisez qui l'a rédigée et d'où elle vient (courrier, compte rendu, document du DMP…)",
                )
        pas_dans_le_futur("observee_le", observee_le, now, "une observation rapporte ce qui a été observé")
        return cls(
            id=id,
            dossier_id=dossier_id,
            esms=esms,
            texte=texte,
            motif=motif,
            observee_le=observee_le,
            source=source,
            source_detail=source_detail,
            auteur=auteur.id,
            profession=auteur.profession,
            auteur_nom=auteur.nom,
        )

    @event("ObservationSaisie")
    def __init__(
        self,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        texte: str,
        motif: str | None,
        observee_le: datetime,
        source: SourceObservation,
        source_detail: str | None,
        auteur: str,
        profession: str,
        auteur_nom: str | None,
    ) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.source = source
