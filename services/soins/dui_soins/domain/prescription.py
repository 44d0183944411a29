"""Prescription: an order for a drug, an act or an exam by an authorised prescriber, versioned and signed, and
the administrations traced against its schedule.

Each emission or modification is one new version signed in the same decision (`PrescriptionSignee`); earlier
versions stay readable and keep governing the period before the change. Acts are events of the prescription
itself, so "not on a stopped prescription", "only on a planned slot" and "once per slot" are checked against
the very state they are appended after (a concurrent stop makes the append fail and the decision start over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.soins import ContenuPrescription, MotifNonRealisation, NaturePrescription
from dui_shared.errors import DomainError, FieldError, InvalidInput
from dui_shared.timezone import to_paris
from dui_soins.domain.planning import (
    INSTANT,
    Version,
    creneaux_prescription,
    pas_dans_le_futur,
    periode,
    verifier_constat,
    verifier_ecart,
)
from dui_soins.domain.roles import exiger_prescripteur, exiger_soignant


class PrescriptionError(DomainError):
    title = "Prescription : opération impossible"


@dataclass(frozen=True)
class Prescripteur:
    rpps: str
    role: str
    nom: str | None = None


@dataclass(frozen=True)
class Intervenant:
    """Who traces an act."""

    id: str
    role: str
    nom: str | None = None


@dataclass
class VersionPrescription:
    numero: int
    contenu: ContenuPrescription
    depuis: datetime | None
    prescripteur: str
    motif: str | None = None
    empreinte: str | None = None


@dataclass(frozen=True)
class Trace:
    realise: bool
    motif: MotifNonRealisation | None


def verifier_contenu(contenu: ContenuPrescription) -> None:
    """Every rule on what is prescribed, reported together (422), fields named from the body's `contenu`."""
    errors: list[FieldError] = []

    def error(field_name: str, rule: str, message: str) -> None:
        errors.append(FieldError(f"contenu.{field_name}" if field_name else "contenu", rule, message))

    if contenu.nature is NaturePrescription.medicament:
        if contenu.medicament is None:
            error("medicament", "medicament_requis", "une prescription médicamenteuse nomme le médicament")
        if contenu.acte is not None:
            error("acte", "acte_non_attendu", "une prescription médicamenteuse ne décrit pas d'acte")
    else:
        if contenu.acte is None:
            error(
                "acte",
                "acte_requis",
                f"une prescription de type « {contenu.nature.value} » décrit l'acte ou l'examen",
            )
        if contenu.medicament is not None:
            error("medicament", "medicament_non_attendu", "un acte ou un examen ne nomme pas de médicament")
    if contenu.le is not None and (contenu.prises or contenu.si_besoin is not None):
        error("le", "le_ou_prises", "une date unique exclut un horaire de prises ou un « si besoin »")
    if contenu.le is not None and (contenu.fin is not None or contenu.duree_jours is not None):
        error("fin", "duree_sans_objet", "un acte ou examen ponctuel n'a ni date de fin ni durée")
    if not contenu.prises and contenu.le is None and contenu.si_besoin is None:
        error(
            "prises",
            "posologie_requise",
            "indiquez les heures de prise, une date (acte ou examen ponctuel) ou un « si besoin »",
        )
    heures = [p.heure for p in contenu.prises]
    if len(set(heures)) != len(heures):
        error("prises", "heure_dupliquee", "chaque heure de prise n'apparaît qu'une fois")
    if contenu.nature is NaturePrescription.medicament:
        for i, p in enumerate(contenu.prises):
            if p.quantite is None:
                error(f"prises.{i}.quantite", "quantite_requise", "la quantité de chaque prise est requise")
    if contenu.jours_semaine and not contenu.prises:
        error(
            "jours_semaine",
            "jours_sans_prises",
            "des jours de la semaine se donnent avec des heures de prise",
        )
    if len(set(contenu.jours_semaine)) != len(contenu.jours_semaine):
        error("jours_semaine", "jour_duplique", "chaque jour n'apparaît qu'une fois")
    if contenu.debut is not None and contenu.fin is not None and contenu.fin < to_paris(contenu.debut).date():
        error("fin", "fin_avant_debut", "le dernier jour précède le début")
    if contenu.debut is not None and contenu.fin is not None and contenu.duree_jours is not None:
        derniere = to_paris(contenu.debut).date() + timedelta(days=contenu.duree_jours - 1)
        if derniere != contenu.fin:
            error(
                "duree_jours",
                "fin_et_duree_incoherentes",
                f"{contenu.duree_jours} jours depuis le début finissent le {derniere:%d/%m/%Y}, pas le "
                f"{contenu.fin:%d/%m/%Y} : ne donnez que l'un des deux",
            )
    if errors:
        raise InvalidInput(errors)


class Prescription(DuiAggregate):
    service = "soins"

    # -- emission --------------------------------------------------------------------------------------

    @classmethod
    def emettre(
        cls,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        contenu: ContenuPrescription,
        prescripteur: Prescripteur,
        le: datetime,
    ) -> Prescription:
        """Version 1, signed. `contenu.debut` defaults to `le`."""
        exiger_prescripteur(prescripteur.role, prescripteur.rpps)
        if contenu.debut is None:
            contenu = contenu.model_copy(update={"debut": le})
        verifier_contenu(contenu)
        prescription = cls(
            id=id,
            dossier_id=dossier_id,
            esms=esms,
            version=1,
            contenu=contenu,
            prescripteur=prescripteur.rpps,
            prescripteur_role=prescripteur.role,
            prescripteur_nom=prescripteur.nom,
            emise_le=le,
        )
        prescription._signer(1, prescripteur, le)
        return prescription

    @event("PrescriptionEmise")
    def __init__(
        self,
        id: UUID,
        dossier_id: UUID,
        esms: str,
        version: int,
        contenu: ContenuPrescription,
        prescripteur: str,
        prescripteur_role: str,
        prescripteur_nom: str | None,
        emise_le: datetime,
    ) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.emise_le = emise_le
        self.versions: dict[int, VersionPrescription] = {
            version: VersionPrescription(version, contenu, None, prescripteur)
        }
        self.courante = version
        self.arretee_le: datetime | None = None
        self.traces: dict[datetime, Trace] = {}
        self.si_besoin_par_jour: dict[date, int] = {}

    @property
    def contenu(self) -> ContenuPrescription:
        return self.versions[self.courante].contenu

    @property
    def arretee(self) -> bool:
        return self.arretee_le is not None

    def _signer(self, version: int, prescripteur: Prescripteur, le: datetime) -> None:
        self._signee(
            dossier_id=self.dossier_id,
            version=version,
            signataire=prescripteur.rpps,
            signee_le=le,
            algorithme="SHA-256",
            empreinte=self.versions[version].contenu.empreinte(),
        )

    @event("PrescriptionSignee")
    def _signee(
        self,
        dossier_id: UUID,
        version: int,
        signataire: str,
        signee_le: datetime,
        algorithme: str,
        empreinte: str,
    ) -> None:
        self.versions[version].empreinte = empreinte

    # -- modification and stop -------------------------------------------------------------------------

    def _en_cours(self) -> None:
        if self.arretee:
            raise PrescriptionError("cette prescription est arrêtée", rule="prescription_arretee")

    def modifier(
        self,
        contenu: ContenuPrescription,
        motif: str,
        prescripteur: Prescripteur,
        le: datetime,
        version_attendue: int | None = None,
    ) -> int:
        """A new signed version governing from `le` on; returns its number (the current one when nothing
        changes). `contenu.debut` defaults to the current version's."""
        exiger_prescripteur(prescripteur.role, prescripteur.rpps)
        self._en_cours()
        if contenu.debut is None:
            contenu = contenu.model_copy(update={"debut": self.contenu.debut})
        if contenu == self.contenu:
            return (
                self.courante
            )  # nothing new (a retry of a modification that went through): answered as then
        if version_attendue is not None and version_attendue != self.courante:
            raise PrescriptionError(
                f"la prescription a changé depuis la version {version_attendue} (version en cours : "
                f"{self.courante}) : relisez-la avant de la modifier",
                rule="version_perimee",
                field="version",
            )
        if contenu.nature is not self.contenu.nature:
            raise InvalidInput.single(
                "contenu.nature",
                "nature_modifiee",
                "la nature d'une prescription ne change pas : arrêtez-la et prescrivez de nouveau",
            )
        verifier_contenu(contenu)
        numero = self.courante + 1
        self._modifiee(
            dossier_id=self.dossier_id,
            version=numero,
            contenu=contenu,
            motif=motif,
            prescripteur=prescripteur.rpps,
            prescripteur_role=prescripteur.role,
            prescripteur_nom=prescripteur.nom,
            modifiee_le=le,
        )
        self._signer(numero, prescripteur, le)
        return numero

    @event("PrescriptionModifiee")
    def _modifiee(
        self,
        dossier_id: UUID,
        version: int,
        contenu: ContenuPrescription,
        motif: str,
        prescripteur: str,
        prescripteur_role: str,
        prescripteur_nom: str | None,
        modifiee_le: datetime,
    ) -> None:
        self.versions[version] = VersionPrescription(version, contenu, modifiee_le, prescripteur, motif)
        self.courante = version

    def arreter(self, motif: str, prescripteur: Prescripteur, le: datetime) -> None:
        exiger_prescripteur(prescripteur.role, prescripteur.rpps)
        if self.arretee:
            return  # stopping twice changes nothing
        self._arretee(
            dossier_id=self.dossier_id,
            motif=motif,
            prescripteur=prescripteur.rpps,
            prescripteur_role=prescripteur.role,
            prescripteur_nom=prescripteur.nom,
            arretee_le=le,
        )

    @event("PrescriptionArretee")
    def _arretee(
        self,
        dossier_id: UUID,
        motif: str,
        prescripteur: str,
        prescripteur_role: str,
        prescripteur_nom: str | None,
        arretee_le: datetime,
    ) -> None:
        self.arretee_le = arretee_le

    # -- the schedule ----------------------------------------------------------------------------------

    def _versions(self) -> list[Version]:
        return [Version(v.numero, v.contenu, v.depuis) for _, v in sorted(self.versions.items())]

    def planifie(self, prevu_le: datetime) -> bool:
        """Whether `prevu_le` is a slot of the plan (of the version governing that instant)."""
        return any(
            c.prevu_le == prevu_le
            for c in creneaux_prescription(self._versions(), self.arretee_le, prevu_le, prevu_le + INSTANT)
        )

    def _periode_totale(self) -> tuple[datetime, datetime | None]:
        versions = self._versions()
        starts, ends = zip(*(periode(versions, i, None) for i in range(len(versions))), strict=True)
        return min(starts), None if any(e is None for e in ends) else max(e for e in ends if e is not None)

    def _regle_si_besoin(self, realise_le: datetime) -> None:
        """An administration "si besoin": the version governing then must allow it, within its daily maximum."""
        versions = self._versions()
        for index, v in enumerate(versions):
            start, end = periode(versions, index, None)
            if start <= realise_le and (end is None or realise_le < end):
                si_besoin = v.contenu.si_besoin
                break
        else:
            si_besoin = None
        if si_besoin is None:
            raise InvalidInput.single(
                "prevu_le",
                "prevu_le_requis",
                "cette prescription ne prévoit pas de « si besoin » à ce moment : indiquez le créneau prévu",
            )
        jour = to_paris(realise_le).date()
        if (
            si_besoin.max_par_jour is not None
            and self.si_besoin_par_jour.get(jour, 0) >= si_besoin.max_par_jour
        ):
            raise PrescriptionError(
                f"le maximum de {si_besoin.max_par_jour} administration(s) « si besoin » par jour est atteint "
                f"le {jour:%d/%m/%Y}",
                rule="max_par_jour_atteint",
            )

    def _verifier_creneau(self, prevu_le: datetime | None, quand: datetime, champ: str) -> None:
        """Rules shared by done and not done, on what the act is traced against (`prevu_le`, or the instant
        `quand` of a "si besoin"): before the stop, within the prescription's period, a planned slot."""
        repere = prevu_le or quand
        if self.arretee_le is not None and repere >= self.arretee_le:
            raise PrescriptionError(
                f"cette prescription est arrêtée depuis le {to_paris(self.arretee_le):%d/%m/%Y à %H:%M} : seuls "
                "les créneaux prévus avant l'arrêt se tracent encore",
                rule="prescription_arretee",
                field="prevu_le" if prevu_le else champ,
            )
        _, fin = self._periode_totale()
        if fin is not None and repere >= fin:
            raise InvalidInput.single(
                "prevu_le" if prevu_le else champ,
                "apres_fin_prescription",
                f"la prescription a pris fin le {to_paris(fin - INSTANT):%d/%m/%Y}",
            )
        if prevu_le is not None and not self.planifie(prevu_le):
            raise InvalidInput.single(
                "prevu_le",
                "creneau_hors_plan",
                f"aucune administration n'est prévue le {to_paris(prevu_le):%d/%m/%Y à %H:%M} pour cette prescription",
            )

    def _verifier_realise_le(self, prevu_le: datetime | None, realise_le: datetime, now: datetime) -> None:
        """When an act was done: not in the future, not before the prescription starts, and within
        `ECART_MAX_CRENEAU` of its slot."""
        pas_dans_le_futur("realise_le", realise_le, now, "un acte se trace une fois fait, pas à l'avance")
        self._verifier_creneau(prevu_le, realise_le, "realise_le")
        debut, _ = self._periode_totale()
        if realise_le < debut:
            raise InvalidInput.single(
                "realise_le",
                "avant_debut_prescription",
                f"la prescription ne commençait que le {to_paris(debut):%d/%m/%Y à %H:%M}",
            )
        verifier_ecart(prevu_le, realise_le)

    def _deja(self, prevu_le: datetime, trace: Trace) -> bool:
        existing = self.traces.get(prevu_le)
        if existing is None:
            return False
        if existing == trace:
            return True  # the same outcome again: nothing new
        raise PrescriptionError(
            f"l'administration prévue le {to_paris(prevu_le):%d/%m/%Y à %H:%M} est déjà tracée "
            f"({'réalisée' if existing.realise else 'non réalisée'})",
            rule="acte_deja_trace",
            field="prevu_le",
        )

    def realiser(
        self,
        prevu_le: datetime | None,
        realise_le: datetime,
        par: Intervenant,
        quantite: float | None,
        commentaire: str | None,
        now: datetime,
    ) -> None:
        """Trace an administration done: against a planned slot, or "si besoin" (no slot)."""
        exiger_soignant(par.role, "tracer un acte")
        self._verifier_realise_le(prevu_le, realise_le, now)
        if prevu_le is not None:
            if self._deja(prevu_le, Trace(True, None)):
                return
        else:
            self._regle_si_besoin(realise_le)
        self._realise(
            dossier_id=self.dossier_id,
            prescription_id=self.id,
            soin_id=None,
            prevu_le=prevu_le,
            realise_le=realise_le,
            quantite=quantite,
            commentaire=commentaire,
            par=par.id,
            par_role=par.role,
            par_nom=par.nom,
        )

    @event("ActeRealise")
    def _realise(
        self,
        dossier_id: UUID,
        prescription_id: UUID | None,
        soin_id: UUID | None,
        prevu_le: datetime | None,
        realise_le: datetime,
        quantite: float | None,
        commentaire: str | None,
        par: str,
        par_role: str,
        par_nom: str | None,
    ) -> None:
        if prevu_le is not None:
            self.traces[prevu_le] = Trace(True, None)
        else:
            jour = to_paris(realise_le).date()
            self.si_besoin_par_jour[jour] = self.si_besoin_par_jour.get(jour, 0) + 1

    def non_realiser(
        self,
        prevu_le: datetime | None,
        motif: MotifNonRealisation,
        commentaire: str | None,
        par: Intervenant,
        now: datetime,
    ) -> None:
        """Trace a planned administration not done, and why."""
        exiger_soignant(par.role, "tracer un acte")
        if prevu_le is None:
            raise InvalidInput.single(
                "prevu_le", "prevu_le_requis", "un acte non réalisé se rapporte à un créneau prévu"
            )
        verifier_constat(prevu_le, now)
        self._verifier_creneau(prevu_le, now, "prevu_le")
        if self._deja(prevu_le, Trace(False, motif)):
            return
        self._non_realise(
            dossier_id=self.dossier_id,
            prescription_id=self.id,
            soin_id=None,
            prevu_le=prevu_le,
            motif=motif,
            commentaire=commentaire,
            constate_le=now,
            par=par.id,
            par_role=par.role,
            par_nom=par.nom,
        )

    @event("ActeNonRealise")
    def _non_realise(
        self,
        dossier_id: UUID,
        prescription_id: UUID | None,
        soin_id: UUID | None,
        prevu_le: datetime,
        motif: MotifNonRealisation,
        commentaire: str | None,
        constate_le: datetime,
        par: str,
        par_role: str,
        par_nom: str | None,
    ) -> None:
        self.traces[prevu_le] = Trace(False, motif)
