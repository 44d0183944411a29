"""Information: a message or reminder put in a professional's or a person's agenda (F15/F30), read by its
recipient. Sent through the agenda today; the contract is ready for MSSanté (address, message id)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.agenda import CanalInformation, TypeDestinataire
from dui_shared.errors import FieldError, Forbidden, InvalidInput


def _looks_like_address(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain.strip(".") and "@" not in domain and " " not in value


class Information(DuiAggregate):
    service = "agenda"

    @classmethod
    def transmettre(
        cls,
        id: UUID,
        esms: str,
        destinataire_type: TypeDestinataire,
        destinataire: str,
        objet: str,
        message: str,
        afficher_le: datetime,
        rappeler_le: datetime | None,
        canal: CanalInformation,
        adresse_mssante: str | None,
    ) -> Information:
        errors: list[FieldError] = []
        if canal is CanalInformation.mssante:
            errors.append(
                FieldError(
                    "canal",
                    "canal_indisponible",
                    "l'envoi par messagerie sécurisée de santé n'est pas encore branché : utilisez l'agenda",
                )
            )
        if rappeler_le is not None and rappeler_le < afficher_le:
            errors.append(
                FieldError("rappeler_le", "rappel_avant_affichage", "le rappel ne peut précéder l'affichage")
            )
        if adresse_mssante is not None and not _looks_like_address(adresse_mssante):
            errors.append(
                FieldError(
                    "adresse_mssante", "adresse_mssante_format", "adresse de messagerie sécurisée invalide"
                )
            )
        if errors:
            raise InvalidInput(errors)
        return cls(
            id=id,
            esms=esms,
            destinataire_type=destinataire_type,
            destinataire=destinataire,
            objet=objet,
            message=message,
            afficher_le=afficher_le,
            rappeler_le=rappeler_le,
            canal=canal,
            adresse_mssante=adresse_mssante,
            mssante_message_id=None,
        )

    @event("InformationTransmise")
    def __init__(
        self,
        id: UUID,
        esms: str,
        destinataire_type: TypeDestinataire,
        destinataire: str,
        objet: str,
        message: str,
        afficher_le: datetime,
        rappeler_le: datetime | None,
        canal: CanalInformation,
        adresse_mssante: str | None,
        mssante_message_id: str | None,
    ) -> None:
        self.esms = esms
        self.destinataire_type = destinataire_type
        self.destinataire = destinataire
        self.lue_le: datetime | None = None

    def marquer_lue(self, par: str, le: datetime) -> None:
        """Its recipient read it. A professional marks their own information; a person's is marked by a
        professional of the ESMS (who read it to them, or saw them read it). Reading again changes nothing."""
        if self.destinataire_type is TypeDestinataire.professionnel and par != self.destinataire:
            raise Forbidden(
                "seul le professionnel destinataire peut marquer cette information comme lue",
                rule="destinataire_seul",
            )
        if self.lue_le is not None:
            return
        self._lue(lue_le=le, par=par)

    @event("InformationLue")
    def _lue(self, lue_le: datetime, par: str) -> None:
        self.lue_le = lue_le
