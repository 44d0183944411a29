"""DossierUsager: the person's record in one ESMS, opened at admission, closed at sortie, archived after.

It holds what changes together and is checked together: identity and INS status, entourage, team, absences,
mesures de liberté, prestations and traced exchanges. Every public method checks its rules and then records one
event; a command that would change nothing records nothing, so the same correction sent twice is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import event

from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.admission import MotifSortie, TypeAccueil
from dui_shared.contracts.dossier import (
    Canal,
    Contact,
    ExprimePar,
    Justificatif,
    ObjetConsentement,
    OperationInsi,
    ProfessionnelEquipe,
    RoleEntourage,
    TypeAbsence,
    TypePrestation,
)
from dui_shared.contracts.habilitations import QualitePersonne
from dui_shared.contracts.identite import TRAITS_INS, MatriculeIns, StatutIdentite, TraitsIdentite
from dui_shared.envelope import Actor
from dui_shared.errors import DomainError, FieldError, Forbidden, InvalidInput, NotFound
from dui_shared.rpps import rpps_problem
from dui_shared.timezone import to_paris

T = TypeVar("T")
UNIQUE_ROLES = {
    RoleEntourage.personne_de_confiance: "une personne de confiance",
    RoleEntourage.medecin_traitant: "un médecin traitant",
}


class DossierError(DomainError):
    title = "Dossier usager : opération impossible"


class DossierArchiveError(DossierError):
    rule = "dossier_archive"


@dataclass
class Absence:
    type: TypeAbsence
    debut: datetime
    fin_prevue: datetime | None
    fin: datetime | None = None

    def end(self) -> datetime | None:
        return self.fin or self.fin_prevue


@dataclass
class Membre:
    professionnel: ProfessionnelEquipe
    du: date
    au: date | None


@dataclass
class Mesure:
    revision_le: date
    debut: date
    levee_le: date | None = None
    derniere_revision: tuple[date, str, date] | None = None


@dataclass
class Prestation:
    type: TypePrestation
    debut: date
    fin: date | None
    montant_mensuel: float | None
    cloturee: bool = False
    alertes: set[tuple[str, date]] = field(default_factory=set)


def echeance_conservation(
    sortie_le: datetime, motif: MotifSortie, date_naissance: date, annees: int, annees_deces: int
) -> date:
    """How long the archived dossier is kept: `annees` after the sortie (`annees_deces` after a death), and for
    a minor at least until their 28th birthday (the rule of the Code de la santé publique, art. R1112-7,
    which the OG applies to the health part of its dossiers)."""
    jour = to_paris(sortie_le).date()
    fin = _add_years(jour, annees_deces if motif is MotifSortie.deces else annees)
    if motif is not MotifSortie.deces:
        fin = max(fin, _add_years(date_naissance, 28))
    return fin


def ins_changes(avant: TraitsIdentite, apres: TraitsIdentite, *, strict: bool = False) -> list[str]:
    """The INS traits that differ, compared exactly (a hand correction is a correction, whatever its case)."""
    return [name for name in TRAITS_INS if getattr(avant, name) != getattr(apres, name)] + (
        ["premier_prenom"] if strict and avant.premier_prenom != apres.premier_prenom else []
    )


def auteur_consentement(demande: ExprimePar | None, actor: Actor) -> ExprimePar:
    """Who expresses a consent choice: a person's own account in its quality (the only one it may claim); a
    professional records it for the person (`professionnel_pour_usager`, the default) or as the personne de
    confiance or représentant légal expressed it — `usager` is the person's own account only."""
    if actor.role in {q.value for q in QualitePersonne}:
        qualite = ExprimePar(actor.role)
        if demande not in (None, qualite):
            raise Forbidden(
                f"vous exprimez vos choix en votre qualité ({actor.role}), pas pour un autre",
                rule="exprime_par_qualite",
                field="exprime_par",
            )
        return qualite
    if demande is ExprimePar.usager:
        raise InvalidInput.single(
            "exprime_par",
            "exprime_par_professionnel",
            "« usager » désigne un choix saisi par la personne elle-même : un professionnel l'enregistre "
            "pour elle (professionnel_pour_usager)",
        )
    return demande or ExprimePar.professionnel_pour_usager


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class DossierUsager(DuiAggregate):
    service = "dossier"

    @event("DossierOuvert")
    def __init__(
        self,
        id: UUID,
        sejour_id: UUID,
        esms: str,
        traits: TraitsIdentite,
        type_accueil: TypeAccueil,
        admis_le: datetime,
    ) -> None:
        self.sejour_id = sejour_id
        self.esms = esms
        self.traits = traits
        self.type_accueil = type_accueil
        self.admis_le = admis_le
        self.sortie_le: datetime | None = None
        self.motif_sortie: MotifSortie | None = None
        self.archive = False
        self.matricule: MatriculeIns | None = None
        self.ins_recuperee = False
        self.identite_validee = False
        self.entourage: dict[UUID, Contact] = {}
        self.retires: set[UUID] = set()  # removed contacts and cancelled absences: never resurrected
        self.equipe: dict[UUID, Membre] = {}
        self.referent: UUID | None = None
        self.absences: dict[UUID, Absence] = {}
        self.mesures: dict[UUID, Mesure] = {}
        self.prestations: dict[UUID, Prestation] = {}
        self.echanges: set[UUID] = set()
        self.consentements: dict[ObjetConsentement, tuple[bool, ExprimePar, str | None]] = {}

    # -- life cycle ------------------------------------------------------------------------------------

    @property
    def clos(self) -> bool:
        return self.sortie_le is not None

    def check_writable(self) -> None:
        if self.archive:
            raise DossierArchiveError(
                "le dossier est archivé : il ne peut plus être modifié, seulement consulté"
            )

    def clore(self, sortie_le: datetime, motif: MotifSortie, destination: str | None) -> None:
        if self.clos or self.archive:
            return  # the séjour's sortie is applied once, whatever redelivers it
        self._clos(sortie_le=sortie_le, motif=motif, destination=destination)

    @event("DossierClos")
    def _clos(self, sortie_le: datetime, motif: MotifSortie, destination: str | None) -> None:
        self.sortie_le = sortie_le
        self.motif_sortie = motif

    def archiver(self, archive_le: datetime, annees: int, annees_deces: int) -> None:
        if self.archive:
            return  # archiving twice changes nothing
        if self.sortie_le is None or self.motif_sortie is None:
            raise DossierError(
                "seul le dossier d'une personne sortie peut être archivé", rule="dossier_non_clos"
            )
        conservation = echeance_conservation(
            self.sortie_le, self.motif_sortie, self.traits.date_naissance, annees, annees_deces
        )
        self._archive(archive_le=archive_le, conservation_jusqu_au=conservation)

    @event("DossierArchive")
    def _archive(self, archive_le: datetime, conservation_jusqu_au: date) -> None:
        self.archive = True
        self.conservation_jusqu_au = conservation_jusqu_au

    # -- identity and INS ------------------------------------------------------------------------------

    @property
    def statut_identite(self) -> StatutIdentite:
        if self.ins_recuperee and self.identite_validee:
            return StatutIdentite.qualifiee
        if self.ins_recuperee:
            return StatutIdentite.recuperee
        if self.identite_validee:
            return StatutIdentite.validee
        return StatutIdentite.provisoire

    def corriger_traits(self, traits: TraitsIdentite, motif: str) -> None:
        """Correct the traits. The names in use are the ESMS's own and can always change; the INS traits of an
        identity returned by INSi cannot be changed by hand, and a document checked against the former INS
        traits no longer vouches for new ones."""
        self.check_writable()
        if traits == self.traits:
            return
        ins_changed = ins_changes(self.traits, traits, strict=True)
        if ins_changed and self.ins_recuperee:
            raise DossierError(
                "les traits d'une identité récupérée auprès de l'INSi ne se corrigent pas à la main : "
                "signalez un doute sur l'identité, puis interrogez de nouveau l'INSi",
                rule="traits_ins_verrouilles",
                field="traits",
            )
        statut = StatutIdentite.provisoire if ins_changed else self.statut_identite
        self._traits(traits=traits, motif=motif, statut=statut)

    @event("TraitsIdentiteCorriges")
    def _traits(self, traits: TraitsIdentite, motif: str, statut: StatutIdentite) -> None:
        self.traits = traits
        self.identite_validee = statut in (StatutIdentite.validee, StatutIdentite.qualifiee)

    def recuperer_ins(
        self, operation: OperationInsi, matricule: MatriculeIns, traits: TraitsIdentite, now: datetime
    ) -> None:
        """Record what INSi answered; qualifies the identity when it was already validated."""
        self.check_writable()
        # INS traits are the reference; the names in use are the ESMS's own
        traits = traits.model_copy(
            update={"nom_utilise": self.traits.nom_utilise, "prenom_utilise": self.traits.prenom_utilise}
        )
        if self.ins_recuperee and self.matricule == matricule and self.traits == traits:
            return
        statut = StatutIdentite.qualifiee if self.identite_validee else StatutIdentite.recuperee
        self._ins(operation=operation, matricule=matricule, traits=traits, statut=statut)
        if statut is StatutIdentite.qualifiee:
            self._qualifiee(matricule=matricule, qualifiee_le=now)

    @event("InsRecuperee")
    def _ins(
        self,
        operation: OperationInsi,
        matricule: MatriculeIns,
        traits: TraitsIdentite,
        statut: StatutIdentite,
    ) -> None:
        self.matricule = matricule
        self.traits = traits
        self.ins_recuperee = True

    def valider_identite(self, justificatif: Justificatif, verifiee_le: datetime) -> None:
        self.check_writable()
        if not justificatif.haut_niveau_confiance:
            raise InvalidInput.single(
                "justificatif",
                "justificatif_insuffisant",
                "seule une pièce d'identité à haut niveau de confiance (carte d'identité, passeport, "
                "titre de séjour) permet de valider l'identité",
            )
        if self.identite_validee:
            return
        statut = StatutIdentite.qualifiee if self.ins_recuperee else StatutIdentite.validee
        self._validee(justificatif=justificatif, verifiee_le=verifiee_le, statut=statut)
        if statut is StatutIdentite.qualifiee and self.matricule is not None:
            self._qualifiee(matricule=self.matricule, qualifiee_le=verifiee_le)

    @event("IdentiteValidee")
    def _validee(self, justificatif: Justificatif, verifiee_le: datetime, statut: StatutIdentite) -> None:
        self.identite_validee = True

    @event("IdentiteQualifiee")
    def _qualifiee(self, matricule: MatriculeIns, qualifiee_le: datetime) -> None:
        pass  # the status follows from the two steps; this event is what reporting counts

    def signaler_doute(self, motif: str) -> None:
        self.check_writable()
        if self.statut_identite is StatutIdentite.provisoire and self.matricule is None:
            return
        self._doute(motif=motif)

    @event("IdentiteDouteuse")
    def _doute(self, motif: str) -> None:
        self.matricule = None
        self.ins_recuperee = False
        self.identite_validee = False

    # -- entourage -------------------------------------------------------------------------------------

    def _contact_errors(self, contact: Contact, contact_id: UUID) -> None:
        errors: list[FieldError] = []
        if RoleEntourage.medecin_traitant in contact.roles and not contact.rpps:
            errors.append(
                FieldError("rpps", "rpps_requis", "le médecin traitant est identifié par son numéro RPPS")
            )
        if contact.rpps:
            problem = rpps_problem(contact.rpps)
            if problem:
                errors.append(FieldError("rpps", *problem))
        if contact.adresse_mssante and not _looks_like_address(contact.adresse_mssante):
            errors.append(
                FieldError(
                    "adresse_mssante", "adresse_mssante_format", "adresse de messagerie sécurisée invalide"
                )
            )
        if errors:
            raise InvalidInput(errors)
        for role, libelle in UNIQUE_ROLES.items():
            if role in contact.roles and any(
                role in other.roles for cid, other in self.entourage.items() if cid != contact_id
            ):
                raise DossierError(
                    f"la personne a déjà {libelle} : retirez ou modifiez-le d'abord",
                    rule=f"{role.value}_unique",
                    field="roles",
                )

    def ajouter_contact(self, contact_id: UUID, contact: Contact) -> None:
        self.check_writable()
        if contact_id in self.retires:
            return
        if contact_id in self.entourage:
            if self.entourage[contact_id] == contact:
                return
            raise DossierError("ce contact existe déjà", rule="contact_existant")
        self._contact_errors(contact, contact_id)
        self._contact_ajoute(contact_id=contact_id, contact=contact)

    @event("EntourageAjoute")
    def _contact_ajoute(self, contact_id: UUID, contact: Contact) -> None:
        self.entourage[contact_id] = contact

    def modifier_contact(self, contact_id: UUID, contact: Contact) -> None:
        self.check_writable()
        self._known(self.entourage, contact_id, "contact")
        if self.entourage[contact_id] == contact:
            return
        self._contact_errors(contact, contact_id)
        self._contact_modifie(contact_id=contact_id, contact=contact)

    @event("EntourageModifie")
    def _contact_modifie(self, contact_id: UUID, contact: Contact) -> None:
        self.entourage[contact_id] = contact

    def retirer_contact(self, contact_id: UUID, motif: str | None) -> None:
        self.check_writable()
        if contact_id not in self.entourage:
            return  # already removed: the same request again changes nothing
        self._contact_retire(contact_id=contact_id, motif=motif)

    @event("EntourageRetire")
    def _contact_retire(self, contact_id: UUID, motif: str | None) -> None:
        del self.entourage[contact_id]
        self.retires.add(contact_id)

    # -- équipe ----------------------------------------------------------------------------------------

    def affecter(
        self,
        membre_id: UUID,
        professionnel: ProfessionnelEquipe,
        du: date,
        au: date | None,
        referent: bool,
        today: date | None = None,
    ) -> None:
        self.check_writable()
        if membre_id not in self.equipe:
            if au is not None and au < du:
                raise InvalidInput.single(
                    "au", "fin_avant_debut", "la fin de l'affectation précède son début"
                )
            if any(
                m.professionnel.id == professionnel.id
                and (m.au is None or m.au >= du)
                and (au is None or m.du <= au)
                for m in self.equipe.values()
            ):
                raise DossierError(
                    f"{professionnel.nom} fait déjà partie de l'équipe",
                    rule="deja_membre",
                    field="professionnel",
                )
            self._affecte(membre_id=membre_id, professionnel=professionnel, du=du, au=au)
        if referent and self.referent != membre_id:
            self.designer_referent(membre_id, today)

    @event("MembreEquipeAffecte")
    def _affecte(
        self, membre_id: UUID, professionnel: ProfessionnelEquipe, du: date, au: date | None
    ) -> None:
        self.equipe[membre_id] = Membre(professionnel, du, au)

    def designer_referent(self, membre_id: UUID, today: date | None = None) -> None:
        """`today` (Paris) tells an assignment that ended from one with a planned end still to come."""
        self.check_writable()
        membre = self._known(self.equipe, membre_id, "membre")
        if membre.au is not None and today is not None and membre.au < today:
            raise DossierError("ce professionnel ne fait plus partie de l'équipe", rule="membre_retire")
        if self.referent == membre_id:
            return
        self._referent(membre_id=membre_id, precedent=self.referent)

    @event("ReferentDesigne")
    def _referent(self, membre_id: UUID, precedent: UUID | None) -> None:
        self.referent = membre_id

    def retirer_membre(self, membre_id: UUID, au: date) -> None:
        self.check_writable()
        membre = self._known(self.equipe, membre_id, "membre")
        if membre.au is not None and membre.au <= au:
            return
        if au < membre.du:
            raise InvalidInput.single("au", "fin_avant_debut", "la fin de l'affectation précède son début")
        self._membre_retire(membre_id=membre_id, au=au)

    @event("MembreEquipeRetire")
    def _membre_retire(self, membre_id: UUID, au: date) -> None:
        # a référent leaving at a future date stays référent until then; the fiche shows only current members
        self.equipe[membre_id].au = au

    # -- absences --------------------------------------------------------------------------------------

    def declarer_absence(
        self,
        absence_id: UUID,
        type: TypeAbsence,
        debut: datetime,
        fin_prevue: datetime | None,
        commentaire: str | None,
    ) -> None:
        self.check_writable()
        if absence_id in self.absences or absence_id in self.retires:
            return
        if debut < self.admis_le:
            raise InvalidInput.single("debut", "avant_admission", "l'absence commence avant l'admission")
        if self.sortie_le is not None and debut >= self.sortie_le:
            raise InvalidInput.single("debut", "apres_sortie", "l'absence commence après la sortie")
        if fin_prevue is not None and fin_prevue <= debut:
            raise InvalidInput.single("fin_prevue", "fin_avant_debut", "la fin doit suivre le début")
        self._check_free(absence_id, debut, fin_prevue, "debut")
        self._absence(
            absence_id=absence_id, type=type, debut=debut, fin_prevue=fin_prevue, commentaire=commentaire
        )

    @event("AbsenceDeclaree")
    def _absence(
        self,
        absence_id: UUID,
        type: TypeAbsence,
        debut: datetime,
        fin_prevue: datetime | None,
        commentaire: str | None,
    ) -> None:
        self.absences[absence_id] = Absence(type, debut, fin_prevue)

    def terminer_absence(self, absence_id: UUID, fin: datetime) -> None:
        self.check_writable()
        absence = self._known(self.absences, absence_id, "absence")
        if absence.fin == fin:
            return
        if absence.fin is not None:
            raise DossierError("le retour a déjà été enregistré", rule="absence_terminee")
        if fin <= absence.debut:
            raise InvalidInput.single("fin", "fin_avant_debut", "le retour doit suivre le début de l'absence")
        if self.sortie_le is not None and fin > self.sortie_le:
            raise InvalidInput.single("fin", "apres_sortie", "le retour ne peut suivre la sortie")
        self._check_free(absence_id, absence.debut, fin, "fin")
        self._absence_terminee(absence_id=absence_id, fin=fin)

    def _check_free(self, absence_id: UUID, debut: datetime, fin: datetime | None, field: str) -> None:
        """No two absences cover the same instant (an open-ended one covers everything after its start)."""
        for other_id, other in self.absences.items():
            end = other.end()
            if other_id == absence_id:
                continue
            if (end is None or debut < end) and (fin is None or other.debut < fin):
                raise DossierError(
                    f"une absence ({other.type.value}) couvre déjà cette période",
                    rule="absence_chevauchante",
                    field=field,
                )

    @event("AbsenceTerminee")
    def _absence_terminee(self, absence_id: UUID, fin: datetime) -> None:
        self.absences[absence_id].fin = fin

    def annuler_absence(self, absence_id: UUID, motif: str) -> None:
        self.check_writable()
        if absence_id not in self.absences:
            return
        self._absence_annulee(absence_id=absence_id, motif=motif)

    @event("AbsenceAnnulee")
    def _absence_annulee(self, absence_id: UUID, motif: str) -> None:
        del self.absences[absence_id]
        self.retires.add(absence_id)

    # -- mesures de liberté d'aller et venir -----------------------------------------------------------

    def prendre_mesure(
        self,
        mesure_id: UUID,
        nature: str,
        justification: str,
        decidee_par: str,
        decidee_le: date,
        avis_usager: str | None,
        avis_representant: str | None,
        debut: date,
        revision_le: date,
    ) -> None:
        self.check_writable()
        if mesure_id in self.mesures:
            return
        if revision_le <= decidee_le:
            raise InvalidInput.single(
                "revision_le", "revision_avant_decision", "la date de réexamen doit suivre la décision"
            )
        if debut < decidee_le:
            raise InvalidInput.single("debut", "avant_decision", "la mesure ne peut précéder sa décision")
        self._mesure(
            mesure_id=mesure_id,
            nature=nature,
            justification=justification,
            decidee_par=decidee_par,
            decidee_le=decidee_le,
            avis_usager=avis_usager,
            avis_representant=avis_representant,
            debut=debut,
            revision_le=revision_le,
        )

    @event("MesureLibertePrise")
    def _mesure(
        self,
        mesure_id: UUID,
        nature: str,
        justification: str,
        decidee_par: str,
        decidee_le: date,
        avis_usager: str | None,
        avis_representant: str | None,
        debut: date,
        revision_le: date,
    ) -> None:
        self.mesures[mesure_id] = Mesure(revision_le=revision_le, debut=debut)

    def reviser_mesure(
        self,
        mesure_id: UUID,
        revisee_le: date,
        conclusion: str,
        avis_usager: str | None,
        avis_representant: str | None,
        prochaine_revision_le: date,
    ) -> None:
        self.check_writable()
        mesure = self._active_mesure(mesure_id)
        if mesure.derniere_revision == (revisee_le, conclusion, prochaine_revision_le):
            return
        if prochaine_revision_le <= revisee_le:
            raise InvalidInput.single(
                "prochaine_revision_le",
                "revision_avant_decision",
                "le prochain réexamen doit suivre celui-ci",
            )
        if revisee_le < mesure.debut:
            raise InvalidInput.single("revisee_le", "avant_decision", "le réexamen précède la mesure")
        self._mesure_revisee(
            mesure_id=mesure_id,
            revisee_le=revisee_le,
            conclusion=conclusion,
            avis_usager=avis_usager,
            avis_representant=avis_representant,
            prochaine_revision_le=prochaine_revision_le,
        )

    @event("MesureLiberteRevisee")
    def _mesure_revisee(
        self,
        mesure_id: UUID,
        revisee_le: date,
        conclusion: str,
        avis_usager: str | None,
        avis_representant: str | None,
        prochaine_revision_le: date,
    ) -> None:
        self.mesures[mesure_id].revision_le = prochaine_revision_le
        self.mesures[mesure_id].derniere_revision = (revisee_le, conclusion, prochaine_revision_le)

    def lever_mesure(self, mesure_id: UUID, levee_le: date, motif: str) -> None:
        self.check_writable()
        mesure = self._known(self.mesures, mesure_id, "mesure")
        if mesure.levee_le is not None:
            return
        if levee_le < mesure.debut:
            raise InvalidInput.single("levee_le", "avant_decision", "la levée précède la mesure")
        self._mesure_levee(mesure_id=mesure_id, levee_le=levee_le, motif=motif)

    @event("MesureLiberteLevee")
    def _mesure_levee(self, mesure_id: UUID, levee_le: date, motif: str) -> None:
        self.mesures[mesure_id].levee_le = levee_le

    def _active_mesure(self, mesure_id: UUID) -> Mesure:
        mesure = self._known(self.mesures, mesure_id, "mesure")
        if mesure.levee_le is not None:
            raise DossierError("cette mesure a été levée", rule="mesure_levee")
        return mesure

    # -- prestations -----------------------------------------------------------------------------------

    def ouvrir_prestation(
        self,
        prestation_id: UUID,
        type: TypePrestation,
        organisme: str | None,
        reference: str | None,
        montant_mensuel: float | None,
        debut: date,
        fin: date | None,
    ) -> None:
        self.check_writable()
        if prestation_id in self.prestations:
            return
        if fin is not None and fin < debut:
            raise InvalidInput.single("fin", "fin_avant_debut", "la fin du droit précède son début")
        self._prestation(
            prestation_id=prestation_id,
            type=type,
            organisme=organisme,
            reference=reference,
            montant_mensuel=montant_mensuel,
            debut=debut,
            fin=fin,
        )

    @event("PrestationOuverte")
    def _prestation(
        self,
        prestation_id: UUID,
        type: TypePrestation,
        organisme: str | None,
        reference: str | None,
        montant_mensuel: float | None,
        debut: date,
        fin: date | None,
    ) -> None:
        self.prestations[prestation_id] = Prestation(type, debut, fin, montant_mensuel)

    def renouveler_prestation(
        self, prestation_id: UUID, fin: date | None, montant_mensuel: float | None
    ) -> None:
        self.check_writable()
        prestation = self._known(self.prestations, prestation_id, "prestation")
        if prestation.cloturee:
            raise DossierError("cette prestation est clôturée", rule="prestation_cloturee")
        if montant_mensuel is None:
            montant_mensuel = prestation.montant_mensuel  # not given: unchanged
        if prestation.fin == fin and prestation.montant_mensuel == montant_mensuel:
            return
        if fin is not None and fin < prestation.debut:
            raise InvalidInput.single("fin", "fin_avant_debut", "la fin du droit précède son début")
        self._renouvelee(prestation_id=prestation_id, fin=fin, montant_mensuel=montant_mensuel)

    @event("PrestationRenouvelee")
    def _renouvelee(self, prestation_id: UUID, fin: date | None, montant_mensuel: float | None) -> None:
        self.prestations[prestation_id].fin = fin
        self.prestations[prestation_id].montant_mensuel = montant_mensuel

    def cloturer_prestation(self, prestation_id: UUID, le: date, motif: str | None) -> None:
        self.check_writable()
        prestation = self._known(self.prestations, prestation_id, "prestation")
        if prestation.cloturee:
            return
        self._cloturee(prestation_id=prestation_id, le=le, motif=motif)

    @event("PrestationCloturee")
    def _cloturee(self, prestation_id: UUID, le: date, motif: str | None) -> None:
        self.prestations[prestation_id].cloturee = True

    def signaler_echeances(self, today: date, delai_jours: int) -> None:
        """The scheduler's decision: warn once before the end, then once after it, per prestation and end date."""
        if self.archive or self.clos:
            return
        for pid, p in self.prestations.items():
            if p.cloturee or p.fin is None:
                continue
            if today > p.fin:
                if ("expiree", p.fin) not in p.alertes:
                    self._expiree(prestation_id=pid, type=p.type, fin=p.fin)
            elif today >= p.fin - timedelta(days=delai_jours) and ("bientot", p.fin) not in p.alertes:
                self._bientot(prestation_id=pid, type=p.type, fin=p.fin, delai_jours=delai_jours)

    @event("PrestationBientotExpiree")
    def _bientot(self, prestation_id: UUID, type: TypePrestation, fin: date, delai_jours: int) -> None:
        self.prestations[prestation_id].alertes.add(("bientot", fin))

    @event("PrestationExpiree")
    def _expiree(self, prestation_id: UUID, type: TypePrestation, fin: date) -> None:
        self.prestations[prestation_id].alertes.add(("expiree", fin))

    # -- échanges --------------------------------------------------------------------------------------

    def tracer_echange(
        self,
        echange_id: UUID,
        le: datetime,
        canal: Canal,
        participants: tuple[str, ...],
        objet: str,
        resume: str | None,
    ) -> None:
        self.check_writable()
        if echange_id in self.echanges:
            return
        self._echange(
            echange_id=echange_id, le=le, canal=canal, participants=participants, objet=objet, resume=resume
        )

    @event("EchangeTrace")
    def _echange(
        self,
        echange_id: UUID,
        le: datetime,
        canal: Canal,
        participants: tuple[str, ...],
        objet: str,
        resume: str | None,
    ) -> None:
        self.echanges.add(echange_id)

    # -- consentements --------------------------------------------------------------------------------

    def recueillir_consentement(
        self,
        objet: ObjetConsentement,
        choix: bool,
        exprime_par: ExprimePar,
        recueilli_par: str,
        commentaire: str | None,
        le: datetime,
        now: datetime,
    ) -> None:
        """The person's choice becomes the current one for `objet`; the same choice again records nothing."""
        self.check_writable()
        if le > now:
            raise InvalidInput.single("le", "date_future", "un choix ne peut être daté dans le futur")
        if self.consentements.get(objet) == (choix, exprime_par, commentaire):
            return
        self._consentement(
            objet=objet,
            choix=choix,
            exprime_par=exprime_par,
            recueilli_par=recueilli_par,
            commentaire=commentaire,
            le=le,
        )

    @event("ConsentementRecueilli")
    def _consentement(
        self,
        objet: ObjetConsentement,
        choix: bool,
        exprime_par: ExprimePar,
        recueilli_par: str,
        commentaire: str | None,
        le: datetime,
    ) -> None:
        self.consentements[objet] = (choix, exprime_par, commentaire)

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _known(items: dict[UUID, T], key: UUID, what: str) -> T:
        try:
            return items[key]
        except KeyError:
            raise NotFound(f"{what} {key} introuvable dans ce dossier") from None


def _looks_like_address(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain.strip(".") and "@" not in domain and " " not in value
