"""Compte: what the OG recorded about one login identifiant — the ESMS it works in and the profession it works
as here, the emergency accesses it opened (break-the-glass) and, for a person's account, the dossiers it may read
and in which quality.

One aggregate per identifiant (its id derives from it), at the OG level. Every public method checks its rules and
then records one event; a command that would change nothing records nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from dui_habilitations.domain.matrice import HABILITATIONS_NS, HabilitationError
from dui_shared.aggregate import DuiAggregate
from dui_shared.contracts.habilitations import ProfilHabilitation, QualitePersonne
from dui_shared.errors import FieldError, Forbidden, InvalidInput, NotFound

JUSTIFICATION_MIN = 20


def compte_id(identifiant: str) -> UUID:
    return uuid.uuid5(HABILITATIONS_NS, f"compte:{identifiant}")


@dataclass(frozen=True)
class DossierVise:
    """What the service knows of the dossier an access is asked for (from the dossier service's events)."""

    id: UUID
    esms: str
    archive: bool


@dataclass(frozen=True)
class Revue:
    revu_par: str
    conforme: bool
    commentaire: str | None


@dataclass
class Urgence:
    profession: str
    dossier_id: UUID
    esms: str
    debut: datetime
    fin: datetime
    clos_le: datetime | None = None
    revue: Revue | None = None

    def active(self, now: datetime) -> bool:
        return self.clos_le is None and now < self.fin


@dataclass(frozen=True)
class LienPersonne:
    esms: str
    qualite: QualitePersonne


class Compte(DuiAggregate):
    """Held at the OG level: an account may work in several ESMS of the OG."""

    service = "habilitation"
    esms_scoped = False

    @event("CompteOuvert")
    def __init__(self, id: UUID, identifiant: str, esms: str) -> None:
        self.esms = esms
        self.identifiant = identifiant
        self.affecte = False  # its assignments were defined at least once
        self.profession: str | None = None
        self.affectations: tuple[str, ...] = ()
        self.nom: str | None = None
        self.actif = True
        self.urgences: dict[UUID, Urgence] = {}
        self.personnes: dict[UUID, LienPersonne] = {}
        self.personnes_retirees: set[UUID] = set()

    @classmethod
    def ouvrir(cls, identifiant: str, esms: str) -> Compte:
        return cls(id=compte_id(identifiant), identifiant=identifiant, esms=esms)

    # -- assignments -----------------------------------------------------------------------------------

    def definir_affectations(
        self,
        profession: str | None,
        esms: list[str],
        nom: str | None,
        actif: bool,
        esms_connus: Collection[str],
        professions: Collection[str],
    ) -> None:
        """Replace the whole set of ESMS (FINESS of the OG) and the profession override (a profession of the
        matrix, not a person's quality)."""
        errors = [
            FieldError(f"esms.{i}", "esms_inconnu", f"l'ESMS {finess} n'appartient pas à l'organisme")
            for i, finess in enumerate(esms)
            if finess not in esms_connus
        ]
        if profession is not None and profession not in professions:
            errors.append(
                FieldError(
                    "profession",
                    "profession_inconnue",
                    f"la profession « {profession} » n'est pas une ligne de la matrice d'habilitations",
                )
            )
        if errors:
            raise InvalidInput(errors)
        affectations = sorted(set(esms))
        if self.affecte and (self.profession, list(self.affectations), self.nom, self.actif) == (
            profession,
            affectations,
            nom,
            actif,
        ):
            return
        self._affectations(
            identifiant=self.identifiant, profession=profession, esms=affectations, nom=nom, actif=actif
        )

    @event("AffectationsDefinies")
    def _affectations(
        self, identifiant: str, profession: str | None, esms: list[str], nom: str | None, actif: bool
    ) -> None:
        self.affecte = True
        self.profession = profession
        self.affectations = tuple(esms)
        self.nom = nom
        self.actif = actif

    # -- emergency accesses ----------------------------------------------------------------------------

    def ouvrir_urgence(
        self,
        acces_id: UUID,
        profil: ProfilHabilitation | None,
        dossier: DossierVise,
        deja_autorise: bool,
        justification: str,
        debut: datetime,
        duree: timedelta,
    ) -> UUID:
        """Break-the-glass on a dossier outside the caller's ESMS, for `duree`; an access still active on the
        same dossier is returned instead of a second one."""
        if acces_id in self.urgences:
            return acces_id  # the same request again
        if not self.actif:
            raise Forbidden("ce compte est désactivé", rule="compte_inactif")
        if profil is None or not profil.acces_urgence:
            raise Forbidden(
                "votre profil ne permet pas d'ouvrir un dossier en urgence", rule="acces_urgence_non_habilite"
            )
        for existing_id, urgence in self.urgences.items():
            if urgence.dossier_id == dossier.id and urgence.active(debut):
                return existing_id
        if deja_autorise:
            raise HabilitationError(
                "ce dossier relève de vos ESMS : vous y avez déjà accès, sans accès en urgence",
                rule="acces_deja_autorise",
                field="dossier_id",
            )
        if dossier.archive:
            raise HabilitationError(
                "le dossier est archivé : il ne s'ouvre pas en urgence",
                rule="dossier_archive",
                field="dossier_id",
            )
        if len(justification.strip()) < JUSTIFICATION_MIN:
            raise InvalidInput.single(
                "justification",
                "justification_trop_courte",
                f"motivez l'urgence en {JUSTIFICATION_MIN} caractères au moins : il sera relu lors de la revue",
            )
        self._urgence_ouverte(
            acces_id=acces_id,
            identifiant=self.identifiant,
            profession=profil.profession,
            dossier_id=dossier.id,
            esms=dossier.esms,
            justification=justification,
            debut=debut,
            fin=debut + duree,
        )
        return acces_id

    @event("AccesUrgenceOuvert")
    def _urgence_ouverte(
        self,
        acces_id: UUID,
        identifiant: str,
        profession: str,
        dossier_id: UUID,
        esms: str,
        justification: str,
        debut: datetime,
        fin: datetime,
    ) -> None:
        self.urgences[acces_id] = Urgence(profession, dossier_id, esms, debut, fin)

    def urgences_actives(self, now: datetime) -> dict[UUID, Urgence]:
        return {aid: u for aid, u in self.urgences.items() if u.active(now)}

    def revoir_urgence(
        self,
        acces_id: UUID,
        profil: ProfilHabilitation | None,
        revu_par: str,
        conforme: bool,
        commentaire: str | None,
        revu_le: datetime,
    ) -> None:
        """Someone with the review right, other than the one who opened it, reviews it, once."""
        urgence = self._urgence(acces_id)
        if profil is None or not profil.revue_acces:
            raise Forbidden(
                "votre profil ne permet pas de revoir les accès en urgence", rule="revue_acces_requis"
            )
        if revu_par == self.identifiant:
            raise Forbidden(
                "un accès en urgence est revu par un autre professionnel que celui qui l'a ouvert",
                rule="revue_par_soi_meme",
            )
        if urgence.revue is not None:
            if urgence.revue == Revue(revu_par, conforme, commentaire):
                return
            raise HabilitationError("cet accès en urgence a déjà été revu", rule="acces_deja_revu")
        self._revu(
            acces_id=acces_id, revu_par=revu_par, conforme=conforme, commentaire=commentaire, revu_le=revu_le
        )

    @event("AccesUrgenceRevu")
    def _revu(
        self, acces_id: UUID, revu_par: str, conforme: bool, commentaire: str | None, revu_le: datetime
    ) -> None:
        self.urgences[acces_id].revue = Revue(revu_par, conforme, commentaire)

    def clore_urgence(self, acces_id: UUID, clos_le: datetime) -> None:
        """Closed before its end by the professional who opened it (this account); an access already closed or
        over stays as it is."""
        urgence = self._urgence(acces_id)
        if not urgence.active(clos_le):
            return
        self._clos(acces_id=acces_id, clos_le=clos_le)

    @event("AccesUrgenceClos")
    def _clos(self, acces_id: UUID, clos_le: datetime) -> None:
        self.urgences[acces_id].clos_le = clos_le

    def _urgence(self, acces_id: UUID) -> Urgence:
        try:
            return self.urgences[acces_id]
        except KeyError:
            raise NotFound(f"accès en urgence {acces_id} introuvable") from None

    # -- persons ---------------------------------------------------------------------------------------

    def ouvrir_acces_personne(self, dossier: DossierVise, qualite: QualitePersonne) -> None:
        """This (person's) account may read the dossier, in `qualite`; a new quality replaces the former one."""
        if self.personnes.get(dossier.id) == LienPersonne(dossier.esms, qualite):
            return
        self._personne_ouverte(
            identifiant=self.identifiant, dossier_id=dossier.id, esms=dossier.esms, qualite=qualite
        )

    @event("AccesPersonneOuvert")
    def _personne_ouverte(
        self, identifiant: str, dossier_id: UUID, esms: str, qualite: QualitePersonne
    ) -> None:
        self.personnes[dossier_id] = LienPersonne(esms, qualite)
        self.personnes_retirees.discard(dossier_id)

    def retirer_acces_personne(self, dossier_id: UUID) -> None:
        if dossier_id not in self.personnes:
            if dossier_id in self.personnes_retirees:
                return  # already removed: the same request again changes nothing
            raise NotFound(f"{self.identifiant} n'a pas accès à ce dossier")
        self._personne_retiree(identifiant=self.identifiant, dossier_id=dossier_id)

    @event("AccesPersonneRetire")
    def _personne_retiree(self, identifiant: str, dossier_id: UUID) -> None:
        del self.personnes[dossier_id]
        self.personnes_retirees.add(dossier_id)
