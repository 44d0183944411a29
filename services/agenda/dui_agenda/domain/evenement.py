"""Evenement: something planned in time with its participants — a rendez-vous, an activity, an intervention, a
contact with a candidate — once or recurring, and what became of each occurrence (done, not done, cancelled)
with each participant's presence or absence.

One model, several owners: the event appears in the agenda of each of its participants. An occurrence is
identified by its planned start (the RECURRENCE-ID of iCalendar). What was realised is a fact: recording it
again the same way changes nothing, recording it differently needs a `correction` (the reason), else 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_agenda.domain.recurrence import Serie, normaliser
from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.agenda import Participants, StatutRealisation, TypeEvenement, TypeParticipant
from dui_shared.errors import DomainError, FieldError, InvalidInput
from dui_shared.timezone import to_paris


class AgendaError(DomainError):
    title = "Agenda : opération impossible"


@dataclass(frozen=True)
class Planification:
    """Every planning field of an event, as a planning or a move gives them (instants UTC)."""

    type: TypeEvenement
    titre: str
    description: str | None
    lieu: str | None
    intervenant: str | None
    debut: datetime
    fin: datetime
    recurrence: str | None
    participants: Participants


@dataclass(frozen=True)
class Realisation:
    statut: StatutRealisation
    motif: str | None
    commentaire: str | None


@dataclass(frozen=True)
class PresenceDonnee:
    participant: str
    present: bool
    motif: str | None = None


def valider(p: Planification) -> Planification:
    """Check a planning; every broken rule is reported at once. Returns it with its rule normalised and its
    instants to the second (an occurrence is identified by its start). Everything that bounds the series (its
    density, its UNTIL) is checked here, before anything is written."""
    p = replace(p, debut=p.debut.replace(microsecond=0), fin=p.fin.replace(microsecond=0))
    errors: list[FieldError] = []
    if p.fin <= p.debut:
        errors.append(FieldError("fin", "fin_avant_debut", "la fin de l'événement doit suivre son début"))
    if not p.participants.all():
        errors.append(
            FieldError("participants", "participant_requis", "un événement a au moins un participant")
        )
    for name in ("usagers", "professionnels", "candidatures"):
        ids = getattr(p.participants, name)
        if len(set(ids)) != len(ids):
            errors.append(
                FieldError(
                    f"participants.{name}", "participant_duplique", "un participant est cité deux fois"
                )
            )
    if p.type is TypeEvenement.contact and not p.participants.candidatures:
        errors.append(
            FieldError(
                "participants.candidatures",
                "candidature_requise",
                "un contact se planifie avec une candidature : indiquez-la",
            )
        )
    recurrence = p.recurrence
    if recurrence is not None and not errors:
        try:
            recurrence = normaliser(recurrence, p.debut, p.fin - p.debut)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return replace(p, recurrence=recurrence)


class Evenement(DuiAggregate):
    service = "agenda"

    @classmethod
    def planifier(cls, id: UUID, esms: str, planification: Planification) -> Evenement:
        p = valider(planification)
        return cls(
            id=id,
            esms=esms,
            type=p.type,
            titre=p.titre,
            description=p.description,
            lieu=p.lieu,
            intervenant=p.intervenant,
            debut=p.debut,
            fin=p.fin,
            recurrence=p.recurrence,
            participants=p.participants,
        )

    @event("EvenementPlanifie")
    def __init__(
        self,
        id: UUID,
        esms: str,
        type: TypeEvenement,
        titre: str,
        description: str | None,
        lieu: str | None,
        intervenant: str | None,
        debut: datetime,
        fin: datetime,
        recurrence: str | None,
        participants: Participants,
    ) -> None:
        self.esms = esms
        self.planification = Planification(
            type, titre, description, lieu, intervenant, debut, fin, recurrence, participants
        )
        self.annule = False
        self.realisations: dict[datetime, Realisation] = {}
        self.presences: dict[tuple[datetime, str], tuple[bool, str | None]] = {}

    @property
    def serie(self) -> Serie:
        p = self.planification
        return Serie(p.debut, p.fin, p.recurrence)

    @property
    def participants(self) -> Participants:
        return self.planification.participants

    def _check_actif(self) -> None:
        if self.annule:
            raise AgendaError(
                "l'événement est annulé : il ne peut plus être modifié", rule="evenement_annule"
            )

    # -- move / change ---------------------------------------------------------------------------------

    def modifier(self, planification: Planification) -> None:
        """Move or change the event (every field at once). What was realised or not realised at an
        occurrence must stay an occurrence of the new series; cancelled occurrences may go."""
        self._check_actif()
        p = valider(planification)
        if p == self.planification:
            return
        nouvelle = Serie(p.debut, p.fin, p.recurrence)
        perdues = sorted(
            o
            for o, r in self.realisations.items()
            if r.statut is not StatutRealisation.annule and not nouvelle.contient(o)
        )
        if perdues:
            raise AgendaError(
                f"l'occurrence du {to_paris(perdues[0]):%d/%m/%Y à %H:%M} est déjà réalisée ou non réalisée : "
                "la modification doit la garder dans la série (planifiez un nouvel événement pour la suite)",
                rule="occurrence_realisee_hors_serie",
                field="debut",
            )
        self._modifie(
            type=p.type,
            titre=p.titre,
            description=p.description,
            lieu=p.lieu,
            intervenant=p.intervenant,
            debut=p.debut,
            fin=p.fin,
            recurrence=p.recurrence,
            participants=p.participants,
        )

    @event("EvenementModifie")
    def _modifie(
        self,
        type: TypeEvenement,
        titre: str,
        description: str | None,
        lieu: str | None,
        intervenant: str | None,
        debut: datetime,
        fin: datetime,
        recurrence: str | None,
        participants: Participants,
    ) -> None:
        self.planification = Planification(
            type, titre, description, lieu, intervenant, debut, fin, recurrence, participants
        )

    # -- cancel ----------------------------------------------------------------------------------------

    def annuler(self, motif: str) -> None:
        if self.annule:
            return  # cancelling twice changes nothing
        self._annule(motif=motif)

    @event("EvenementAnnule")
    def _annule(self, motif: str) -> None:
        self.annule = True

    # -- realisation and presences ---------------------------------------------------------------------

    def realiser(
        self,
        occurrence: datetime,
        statut: StatutRealisation,
        motif: str | None,
        commentaire: str | None,
        presences: Sequence[PresenceDonnee],
        correction: str | None,
        maintenant: datetime,
    ) -> None:
        """Record what became of one occurrence and who was there. The same facts again record nothing; new
        presences are added; a different status or presence needs a `correction` (409 otherwise)."""
        self._check_actif()
        if not self.serie.contient(occurrence):
            raise InvalidInput.single(
                "occurrence",
                "occurrence_hors_serie",
                f"aucune occurrence de cet événement ne commence le {to_paris(occurrence):%d/%m/%Y à %H:%M}",
            )
        errors: list[FieldError] = []
        if statut is not StatutRealisation.realise and not motif:
            errors.append(
                FieldError("motif", "motif_obligatoire", "une occurrence non réalisée ou annulée se motive")
            )
        if statut is not StatutRealisation.annule and occurrence > maintenant:
            errors.append(
                FieldError(
                    "occurrence",
                    "occurrence_a_venir",
                    "une occurrence à venir ne peut être qu'annulée : sa réalisation se relève ensuite",
                )
            )
        if presences and statut is StatutRealisation.annule:
            errors.append(
                FieldError(
                    "presences", "presence_occurrence_annulee", "pas de présence à une occurrence annulée"
                )
            )
        seen: set[str] = set()
        for i, p in enumerate(presences):
            if p.participant in seen:
                errors.append(
                    FieldError(
                        f"presences.{i}.participant",
                        "presence_dupliquee",
                        "ce participant est cité deux fois",
                    )
                )
            elif self.participants.type_of(p.participant) is None:
                errors.append(
                    FieldError(
                        f"presences.{i}.participant",
                        "participant_inconnu",
                        "ce participant ne participe pas à l'événement",
                    )
                )
            seen.add(p.participant)
        if errors:
            raise InvalidInput(errors)

        actuelle = self.realisations.get(occurrence)
        nouvelle = Realisation(statut, motif, commentaire)
        if actuelle is not None and actuelle != nouvelle and not correction:
            raise AgendaError(
                f"cette occurrence est déjà relevée ({actuelle.statut.value}) : pour la corriger, "
                "indiquez la raison dans `correction`",
                rule="occurrence_deja_realisee",
                field="statut",
            )
        changes: list[tuple[PresenceDonnee, bool]] = []
        for p in presences:
            avant = self.presences.get((occurrence, p.participant))
            if avant == (p.present, p.motif):
                continue
            if avant is not None and not correction:
                raise AgendaError(
                    "la présence de ce participant est déjà relevée : pour la corriger, "
                    "indiquez la raison dans `correction`",
                    rule="presence_deja_relevee",
                    field="presences",
                )
            changes.append((p, avant is not None))
        if actuelle != nouvelle:
            self._realise(
                occurrence=occurrence,
                statut=statut,
                motif=motif,
                commentaire=commentaire,
                correction=correction if actuelle is not None else None,
            )
        for p, corrige in changes:
            type_participant = self.participants.type_of(p.participant)
            assert type_participant is not None
            self._presence(
                occurrence=occurrence,
                participant=p.participant,
                type_participant=type_participant,
                present=p.present,
                motif=p.motif,
                correction=correction if corrige else None,
            )

    @event("EvenementRealise")
    def _realise(
        self,
        occurrence: datetime,
        statut: StatutRealisation,
        motif: str | None,
        commentaire: str | None,
        correction: str | None,
    ) -> None:
        self.realisations[occurrence] = Realisation(statut, motif, commentaire)

    @event("PresenceRelevee")
    def _presence(
        self,
        occurrence: datetime,
        participant: str,
        type_participant: TypeParticipant,
        present: bool,
        motif: str | None,
        correction: str | None,
    ) -> None:
        self.presences[(occurrence, participant)] = (present, motif)
