"""The reporting facts (seed F24) and the indicator codes (F25, TBB.1): what the reporting service derives from
the event log, public so that the future integration events and the dashboards share one vocabulary.

A *fact* (`Fait`) is one normalised statement derived from ONE domain event (an admission is an `entree`, a
sortie a `sortie` with its motif…). It names the person only by a pseudonymous id, per ESMS
(`personne_id`: uuid5 of the ESMS and the séjour id — never a name, a birth date or an INS), and keeps the
source event's id, type and log position so that every figure can be traced back to the log. Its id is derived
from the source event (`fait_id`): replaying the log gives the same facts, with the same ids.

The facts of the DMP and MSSanté are defined now and counted as soon as the events that make them appear in the
log (`FAITS_A_VENIR`): there is no interop-dmp nor mssante-gateway service yet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

PERSONNE_NS = uuid.UUID("6f1d3c2a-9b4e-5a7d-8c1f-0e2b4d6a8c90")
"""Namespace of the pseudonymous person ids (one per ESMS and séjour)."""
FAIT_NS = uuid.UUID("0c9e7b5a-3d1f-5e8c-a4b2-7f6e5d4c3b2a")
"""Namespace of the fact ids (one per source event, fact type and, for a fact per person, person)."""


def personne_id(esms: str, sejour_id: UUID | str) -> UUID:
    """The pseudonymous id of the person accompanied by `esms` during the séjour `sejour_id`.

    Per ESMS: the same person in two ESMS of the OG (a transfer) has two ids, as ESMS Numérique counts persons
    per ESMS. It is derived from ids only: it says nothing of the person to whoever does not hold the log."""
    return uuid.uuid5(PERSONNE_NS, f"{esms}:{sejour_id}")


def fait_id(source_id: UUID | str, type_fait: TypeFait, personne: UUID | None = None) -> UUID:
    """The id of the fact of type `type_fait` derived from the event `source_id` (and, when one event makes a
    fact for each of several persons — an activity held with several residents — the person's id)."""
    suffix = f":{personne}" if personne is not None else ""
    return uuid.uuid5(FAIT_NS, f"{source_id}:{type_fait.value}{suffix}")


class TypeFait(StrEnum):
    """The fact catalogue (docs/indicateurs.md lists the source of each)."""

    entree = "entree"  # admission.AdmissionPrononcee
    sortie = "sortie"  # admission.SortiePrononcee (motif: deces, transfert_esms…)
    absence_debut = "absence_debut"  # dossier.AbsenceDeclaree
    absence_retour = "absence_retour"  # dossier.AbsenceTerminee
    absence_annulee = "absence_annulee"  # dossier.AbsenceAnnulee
    evaluation_realisee = "evaluation_realisee"  # dossier.EvaluationRealisee
    evaluation_annulee = "evaluation_annulee"  # dossier.EvaluationAnnulee
    gir_evolue = "gir_evolue"  # dossier.EvaluationRealisee (AGGIR) whose GIR differs from the previous one
    projet_valide = "projet_valide"  # dossier.ProjetPersonnaliseValide
    ins_qualifiee = "ins_qualifiee"  # dossier.IdentiteQualifiee
    evenement_realise = "evenement_realise"  # agenda.EvenementRealise (statut realise), one per person
    # agenda.EvenementRealise recorded again with a correction, one per person
    evenement_realisation_corrigee = "evenement_realisation_corrigee"
    dmp_alimentation = "dmp_alimentation"  # interop-dmp.DocumentVerseAuDmp (to come)
    dmp_consultation = "dmp_consultation"  # interop-dmp.DocumentDmpConsulte (to come)
    mssante_message_envoye = "mssante_message_envoye"  # mssante-gateway.MessageEnvoye (to come)
    mssante_message_recu = "mssante_message_recu"  # mssante-gateway.MessageRecu (to come)


SOURCES_FAITS: dict[TypeFait, str] = {
    TypeFait.entree: "admission.AdmissionPrononcee",
    TypeFait.sortie: "admission.SortiePrononcee",
    TypeFait.absence_debut: "dossier.AbsenceDeclaree",
    TypeFait.absence_retour: "dossier.AbsenceTerminee",
    TypeFait.absence_annulee: "dossier.AbsenceAnnulee",
    TypeFait.evaluation_realisee: "dossier.EvaluationRealisee",
    TypeFait.evaluation_annulee: "dossier.EvaluationAnnulee",
    TypeFait.gir_evolue: "dossier.EvaluationRealisee",
    TypeFait.projet_valide: "dossier.ProjetPersonnaliseValide",
    TypeFait.ins_qualifiee: "dossier.IdentiteQualifiee",
    TypeFait.evenement_realise: "agenda.EvenementRealise",
    TypeFait.evenement_realisation_corrigee: "agenda.EvenementRealise",
    TypeFait.dmp_alimentation: "interop-dmp.DocumentVerseAuDmp",
    TypeFait.dmp_consultation: "interop-dmp.DocumentDmpConsulte",
    TypeFait.mssante_message_envoye: "mssante-gateway.MessageEnvoye",
    TypeFait.mssante_message_recu: "mssante-gateway.MessageRecu",
}
"""The event (`service.Name`) each fact type is derived from."""


class Interlocuteur(StrEnum):
    """Who an MSSanté message was exchanged with: a professional, or the person (Mon espace santé)."""

    professionnel = "professionnel"
    usager = "usager"


class FaitAVenir(BaseModel):
    """How an event of a service still to be built makes a fact, with no change to the reporting service:
    its contract registered, an event of that type is counted. `instants`: the data fields holding the
    instant of the fact, the first present one wins (else the event's time); `dossier_id` in the data names
    the person (optional); `interlocuteur`: the data field naming who the message was exchanged with
    (`professionnel` or `usager`; absent or another value: `professionnel`)."""

    type: TypeFait
    instants: tuple[str, ...]
    interlocuteur: str | None = None


FAITS_A_VENIR: dict[str, FaitAVenir] = {
    "interop-dmp.DocumentVerseAuDmp": FaitAVenir(type=TypeFait.dmp_alimentation, instants=("verse_le", "le")),
    "interop-dmp.DocumentDmpConsulte": FaitAVenir(
        type=TypeFait.dmp_consultation, instants=("consulte_le", "le")
    ),
    "mssante-gateway.MessageEnvoye": FaitAVenir(
        type=TypeFait.mssante_message_envoye, instants=("envoye_le", "le"), interlocuteur="destinataire_type"
    ),
    "mssante-gateway.MessageRecu": FaitAVenir(
        type=TypeFait.mssante_message_recu, instants=("recu_le", "le"), interlocuteur="expediteur_type"
    ),
}
"""Events (`service.Name`, any schema version) of the services to come, and the fact each one makes."""


class SourceFait(BaseModel):
    """The event a fact (or a member of an indicator) comes from: its id, its type and its log position."""

    id: UUID
    type: str = Field(description="type de l'événement, `service.Nom.vN`")
    position: int = Field(description="position (séquence) de l'événement dans le journal")


class Fait(BaseModel):
    """One reporting fact."""

    id: UUID
    type: TypeFait
    esms: str
    personne: UUID | None = Field(description="identifiant pseudonyme de la personne dans l'ESMS")
    date: dt.date = Field(description="jour (heure de Paris) du fait")
    instant: dt.datetime = Field(description="instant du fait, selon l'événement (admis_le, sortie_le…)")
    enregistre_le: dt.datetime = Field(description="instant où l'événement source a été enregistré")
    source: SourceFait
    details: dict[str, Any] = Field(default_factory=dict, description="motif, GIR, version…")


# -- indicators ---------------------------------------------------------------------------------------------


class CodeIndicateur(StrEnum):
    dossiers_actifs = "dossiers_actifs"
    dossiers_actifs_projet = "dossiers_actifs_projet"
    dossiers_actifs_evenement = "dossiers_actifs_evenement"
    ins_qualifiees = "ins_qualifiees"
    dossiers_actifs_ins = "dossiers_actifs_ins"
    dmp_alimentations = "dmp_alimentations"
    dmp_consultations = "dmp_consultations"
    mssante_envoyes_professionnels = "mssante_envoyes_professionnels"
    mssante_envoyes_usagers = "mssante_envoyes_usagers"
    mssante_recus_professionnels = "mssante_recus_professionnels"
    mssante_recus_usagers = "mssante_recus_usagers"


class Famille(StrEnum):
    esms_numerique = "esms_numerique"
    tbb = "tbb"


class Nature(StrEnum):
    taux = "taux"  # numerateur / denominateur
    nombre = "nombre"  # a count of facts


class Definition(BaseModel):
    code: CodeIndicateur
    libelle: str
    famille: Famille
    nature: Nature
    faits: tuple[TypeFait, ...] = ()
    interlocuteur: Interlocuteur | None = None


def _taux(code: CodeIndicateur, libelle: str, famille: Famille = Famille.esms_numerique) -> Definition:
    return Definition(code=code, libelle=libelle, famille=famille, nature=Nature.taux)


def _nombre(
    code: CodeIndicateur, libelle: str, fait: TypeFait, interlocuteur: Interlocuteur | None = None
) -> Definition:
    return Definition(
        code=code,
        libelle=libelle,
        famille=Famille.tbb,
        nature=Nature.nombre,
        faits=(fait,),
        interlocuteur=interlocuteur,
    )


C = CodeIndicateur
INDICATEURS: dict[CodeIndicateur, Definition] = {
    d.code: d
    for d in (
        _taux(C.dossiers_actifs, "Taux de dossiers usagers actifs"),
        _taux(C.dossiers_actifs_projet, "Taux de dossiers actifs avec un projet personnalisé"),
        _taux(C.dossiers_actifs_evenement, "Taux de dossiers actifs ayant au moins un événement"),
        _nombre(C.ins_qualifiees, "Identités INS qualifiées", TypeFait.ins_qualifiee),
        _taux(C.dossiers_actifs_ins, "Part des dossiers actifs à l'INS qualifiée", Famille.tbb),
        _nombre(C.dmp_alimentations, "Documents versés au DMP", TypeFait.dmp_alimentation),
        _nombre(C.dmp_consultations, "Consultations du DMP", TypeFait.dmp_consultation),
        _nombre(
            C.mssante_envoyes_professionnels,
            "Messages MSSanté envoyés à des professionnels",
            TypeFait.mssante_message_envoye,
            Interlocuteur.professionnel,
        ),
        _nombre(
            C.mssante_envoyes_usagers,
            "Messages MSSanté envoyés à des personnes accompagnées",
            TypeFait.mssante_message_envoye,
            Interlocuteur.usager,
        ),
        _nombre(
            C.mssante_recus_professionnels,
            "Messages MSSanté reçus de professionnels",
            TypeFait.mssante_message_recu,
            Interlocuteur.professionnel,
        ),
        _nombre(
            C.mssante_recus_usagers,
            "Messages MSSanté reçus de personnes accompagnées",
            TypeFait.mssante_message_recu,
            Interlocuteur.usager,
        ),
    )
}
"""Every indicator, in the order the views list them."""
