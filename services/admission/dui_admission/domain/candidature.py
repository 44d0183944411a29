"""Candidature: one application of one person to one ESMS, from reception to decision and admission."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.admission import Decision, Origine, StatutVisite, TypeAccueil, Usager
from dui_shared.contracts.admission_api import StatutCandidature
from dui_shared.errors import DomainError, InvalidInput

Statut = StatutCandidature
CLOSED = {Statut.refusee, Statut.retiree, Statut.admise}
DECIDED = {Statut.acceptee, Statut.refusee, Statut.retiree}
LIBELLES = {
    Statut.refusee: "refusée",
    Statut.retiree: "retirée",
    Statut.admise: "déjà admise",
    Statut.acceptee: "acceptée",
}


class CandidatureError(DomainError):
    title = "Candidature : opération impossible"


class Candidature(DuiAggregate):
    service = "admission"

    @event("CandidatureRecue")
    def __init__(
        self,
        id: UUID,
        demande_id: UUID,
        esms: str,
        usager: Usager,
        type_accueil: TypeAccueil,
        recue_le: datetime,
        date_entree_souhaitee: date | None,
        origine: Origine,
        reference_externe: str | None,
        urgence: bool,
        commentaire: str | None,
    ) -> None:
        self.demande_id = demande_id
        self.esms = esms
        self.usager = usager
        self.type_accueil = type_accueil
        self.recue_le = recue_le
        self.statut = Statut.recue
        self.sejour_id: UUID | None = None

    # -- rules -----------------------------------------------------------------------------------------

    def _check_open(self, action: str) -> None:
        if self.statut in CLOSED:
            raise CandidatureError(
                f"impossible de {action} : la candidature est {LIBELLES[self.statut]}",
                rule="candidature_close",
            )

    # -- commands --------------------------------------------------------------------------------------

    def planifier_contact(
        self, planifie_le: datetime, interlocuteur: str, moyen: str, note: str | None
    ) -> None:
        self._check_open("planifier un contact")
        self._contact_planifie(planifie_le=planifie_le, interlocuteur=interlocuteur, moyen=moyen, note=note)

    def tracer_visite(self, le: datetime, statut: StatutVisite, compte_rendu: str | None) -> None:
        self._check_open("tracer une visite de pré-admission")
        if le < self.recue_le and statut is StatutVisite.realisee:
            raise InvalidInput.single(
                "le", "visite_avant_candidature", "la visite ne peut précéder la réception de la candidature"
            )
        self._visite(le=le, statut=statut, compte_rendu=compte_rendu)

    def prononcer_decision(self, decision: Decision, prononcee_le: datetime, motif: str | None) -> None:
        if decision is Decision.refusee and not (motif and motif.strip()):
            raise InvalidInput.single("motif", "motif_obligatoire", "un refus doit être motivé")
        withdrawing_after_acceptance = decision is Decision.retiree and self.statut is Statut.acceptee
        if self.statut in DECIDED and not withdrawing_after_acceptance:
            raise CandidatureError(
                f"une décision a déjà été prononcée : candidature {LIBELLES[self.statut]}",
                rule="decision_deja_prononcee",
            )
        self._check_open("prononcer une décision")
        self._decision(decision=decision, prononcee_le=prononcee_le, motif=motif)

    def admettre(self, sejour_id: UUID, admis_le: datetime) -> None:
        if self.statut is Statut.admise:
            raise CandidatureError(
                "la candidature est déjà admise : pas de double admission", rule="double_admission"
            )
        if self.statut is not Statut.acceptee:
            raise CandidatureError(
                "seule une candidature acceptée peut être admise (statut actuel : "
                f"{LIBELLES.get(self.statut, self.statut.value.replace('_', ' '))})",
                rule="admission_non_acceptee",
            )
        self._admise(sejour_id=sejour_id, admis_le=admis_le)

    # -- events ----------------------------------------------------------------------------------------

    @event("ContactPlanifie")
    def _contact_planifie(
        self, planifie_le: datetime, interlocuteur: str, moyen: str, note: str | None
    ) -> None:
        if self.statut is Statut.recue:
            self.statut = Statut.contact_planifie

    @event("VisitePreadmission")
    def _visite(self, le: datetime, statut: StatutVisite, compte_rendu: str | None) -> None:
        if self.statut not in DECIDED:
            self.statut = Statut(f"visite_{statut.value}")

    @event("DecisionPrononcee")
    def _decision(self, decision: Decision, prononcee_le: datetime, motif: str | None) -> None:
        self.statut = Statut(decision.value)

    @event("CandidatureAdmise")
    def _admise(self, sejour_id: UUID, admis_le: datetime) -> None:
        self.statut = Statut.admise
        self.sejour_id = sejour_id
