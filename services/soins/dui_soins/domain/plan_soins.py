"""PlanSoins: one per dossier — the person's unit, the care the team plans without a prescription (toilette,
prévention d'escarres…) and the acts traced against those planned slots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.soins import JourSemaine, MotifNonRealisation, TypeSoin
from dui_shared.errors import DomainError, FieldError, InvalidInput, NotFound
from dui_shared.timezone import to_paris
from dui_soins.domain.planning import (
    INSTANT,
    creneaux,
    fin_du_jour,
    pas_dans_le_futur,
    verifier_constat,
    verifier_ecart,
)
from dui_soins.domain.prescription import Intervenant, Trace
from dui_soins.domain.roles import exiger_soignant


class PlanSoinsError(DomainError):
    title = "Plan de soins : opération impossible"


@dataclass
class Soin:
    type: TypeSoin
    libelle: str
    heures: tuple[time, ...]
    jours_semaine: tuple[JourSemaine, ...]
    debut: datetime
    fin: date | None
    arrete_le: datetime | None = None
    traces: dict[datetime, Trace] = field(default_factory=dict)

    def planifie(self, prevu_le: datetime) -> bool:
        return any(
            at == prevu_le
            for at, _ in creneaux(
                self.heures,
                self.jours_semaine,
                self.debut,
                self.fin_effective(),
                prevu_le,
                prevu_le + INSTANT,
            )
        )

    def fin_effective(self) -> datetime | None:
        ends = [e for e in (fin_du_jour(self.fin), self.arrete_le) if e is not None]
        return min(ends) if ends else None


class PlanSoins(DuiAggregate):
    service = "soins"

    @event("PlanSoinsOuvert")
    def __init__(self, id: UUID, dossier_id: UUID, esms: str) -> None:
        self.dossier_id = dossier_id
        self.esms = esms
        self.unite: str | None = None
        self.soins: dict[UUID, Soin] = {}

    # -- unit ------------------------------------------------------------------------------------------

    def affecter_unite(self, unite: str, unites: list[str]) -> None:
        """`unites`: the ESMS's units (référentiel)."""
        if unite not in unites:
            raise InvalidInput.single(
                "unite",
                "unite_inconnue",
                f"« {unite} » n'est pas une unité de l'ESMS ({', '.join(unites) or 'aucune'})",
            )
        if unite == self.unite:
            return
        self._unite(dossier_id=self.dossier_id, unite=unite)

    @event("UniteAffectee")
    def _unite(self, dossier_id: UUID, unite: str) -> None:
        self.unite = unite

    # -- planned care ----------------------------------------------------------------------------------

    def planifier(
        self,
        soin_id: UUID,
        type: TypeSoin,
        libelle: str,
        heures: tuple[time, ...],
        jours_semaine: tuple[JourSemaine, ...],
        debut: datetime,
        fin: date | None,
        consignes: str | None,
        par_role: str,
    ) -> None:
        exiger_soignant(par_role, "planifier un soin")
        if soin_id in self.soins:
            return  # the same request again
        errors: list[FieldError] = []
        if not heures:
            errors.append(FieldError("heures", "heures_requises", "indiquez au moins une heure"))
        if len(set(heures)) != len(heures):
            errors.append(FieldError("heures", "heure_dupliquee", "chaque heure n'apparaît qu'une fois"))
        if len(set(jours_semaine)) != len(jours_semaine):
            errors.append(FieldError("jours_semaine", "jour_duplique", "chaque jour n'apparaît qu'une fois"))
        if fin is not None and fin < to_paris(debut).date():
            errors.append(FieldError("fin", "fin_avant_debut", "le dernier jour précède le début"))
        if errors:
            raise InvalidInput(errors)
        self._planifie(
            dossier_id=self.dossier_id,
            soin_id=soin_id,
            type=type,
            libelle=libelle,
            heures=tuple(sorted(heures)),
            jours_semaine=jours_semaine,
            debut=debut,
            fin=fin,
            consignes=consignes,
        )

    @event("SoinPlanifie")
    def _planifie(
        self,
        dossier_id: UUID,
        soin_id: UUID,
        type: TypeSoin,
        libelle: str,
        heures: tuple[time, ...],
        jours_semaine: tuple[JourSemaine, ...],
        debut: datetime,
        fin: date | None,
        consignes: str | None,
    ) -> None:
        self.soins[soin_id] = Soin(type, libelle, tuple(heures), tuple(jours_semaine), debut, fin)

    def _soin(self, soin_id: UUID) -> Soin:
        try:
            return self.soins[soin_id]
        except KeyError:
            raise NotFound(f"soin {soin_id} introuvable dans ce plan de soins") from None

    def arreter_soin(self, soin_id: UUID, motif: str, le: datetime, par_role: str) -> None:
        exiger_soignant(par_role, "arrêter un soin planifié")
        if self._soin(soin_id).arrete_le is not None:
            return
        self._arrete(dossier_id=self.dossier_id, soin_id=soin_id, motif=motif, arrete_le=le)

    @event("SoinArrete")
    def _arrete(self, dossier_id: UUID, soin_id: UUID, motif: str, arrete_le: datetime) -> None:
        self.soins[soin_id].arrete_le = arrete_le

    # -- acts ------------------------------------------------------------------------------------------

    def _verifier_acte(self, soin_id: UUID, prevu_le: datetime | None, trace: Trace) -> bool:
        """The soin is planned at `prevu_le`, a slot before its stop if it was stopped; True when the same
        outcome is already traced."""
        soin = self._soin(soin_id)
        if prevu_le is None:
            raise InvalidInput.single(
                "prevu_le", "prevu_le_requis", "un soin planifié se trace sur un créneau prévu"
            )
        if soin.arrete_le is not None and prevu_le >= soin.arrete_le:
            raise PlanSoinsError(
                f"ce soin est arrêté depuis le {to_paris(soin.arrete_le):%d/%m/%Y à %H:%M} : seuls les créneaux "
                "prévus avant l'arrêt se tracent encore",
                rule="soin_arrete",
                field="prevu_le",
            )
        fin = fin_du_jour(soin.fin)
        if fin is not None and prevu_le >= fin:
            raise InvalidInput.single(
                "prevu_le", "apres_fin_soin", "ce soin n'est plus planifié à cette date"
            )
        if not soin.planifie(prevu_le):
            raise InvalidInput.single(
                "prevu_le",
                "creneau_hors_plan",
                f"ce soin n'est pas prévu le {to_paris(prevu_le):%d/%m/%Y à %H:%M}",
            )
        existing = soin.traces.get(prevu_le)
        if existing is None:
            return False
        if existing == trace:
            return True
        raise PlanSoinsError(
            f"le soin prévu le {to_paris(prevu_le):%d/%m/%Y à %H:%M} est déjà tracé "
            f"({'réalisé' if existing.realise else 'non réalisé'})",
            rule="acte_deja_trace",
            field="prevu_le",
        )

    def realiser(
        self,
        soin_id: UUID,
        prevu_le: datetime | None,
        realise_le: datetime,
        par: Intervenant,
        commentaire: str | None,
        now: datetime,
    ) -> None:
        exiger_soignant(par.role, "tracer un acte")
        pas_dans_le_futur("realise_le", realise_le, now, "un acte se trace une fois fait, pas à l'avance")
        deja = self._verifier_acte(soin_id, prevu_le, Trace(True, None))
        debut = self.soins[soin_id].debut
        if realise_le < debut:
            raise InvalidInput.single(
                "realise_le",
                "avant_debut_soin",
                f"ce soin n'était planifié qu'à partir du {to_paris(debut):%d/%m/%Y à %H:%M}",
            )
        verifier_ecart(prevu_le, realise_le)
        if deja:
            return
        self._realise(
            dossier_id=self.dossier_id,
            prescription_id=None,
            soin_id=soin_id,
            prevu_le=prevu_le,
            realise_le=realise_le,
            quantite=None,
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
        assert soin_id is not None and prevu_le is not None
        self.soins[soin_id].traces[prevu_le] = Trace(True, None)

    def non_realiser(
        self,
        soin_id: UUID,
        prevu_le: datetime | None,
        motif: MotifNonRealisation,
        commentaire: str | None,
        par: Intervenant,
        now: datetime,
    ) -> None:
        exiger_soignant(par.role, "tracer un acte")
        if prevu_le is not None:
            verifier_constat(prevu_le, now)
        if self._verifier_acte(soin_id, prevu_le, Trace(False, motif)):
            return
        assert prevu_le is not None
        self._non_realise(
            dossier_id=self.dossier_id,
            prescription_id=None,
            soin_id=soin_id,
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
        assert soin_id is not None
        self.soins[soin_id].traces[prevu_le] = Trace(False, motif)
