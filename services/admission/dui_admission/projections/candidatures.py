"""The OG-wide waiting list: one row per candidature, across every ESMS of the OG."""

from __future__ import annotations

from dui_shared.contracts.admission import (
    CandidatureAdmise,
    CandidatureRecue,
    ContactPlanifie,
    DecisionPrononcee,
    VisitePreadmission,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Candidatures:
    """Handlers of the candidature events; mixed into the service's read model."""

    candidature_tables = """
    CREATE TABLE IF NOT EXISTS candidature (
        id uuid PRIMARY KEY,
        demande_id uuid NOT NULL,
        esms text NOT NULL,
        usager jsonb NOT NULL,
        nom_tri text NOT NULL,
        type_accueil text NOT NULL,
        statut text NOT NULL,
        origine text NOT NULL,
        reference_externe text,
        urgence boolean NOT NULL,
        recue_le timestamptz NOT NULL,
        date_entree_souhaitee date,
        contact_planifie_le timestamptz,
        visite_le timestamptz,
        visite_statut text,
        decision text,
        motif_decision text,
        decision_le timestamptz,
        sejour_id uuid,
        commentaire text,
        version integer NOT NULL,
        mis_a_jour_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS candidature_esms_statut ON candidature (esms, statut);
    CREATE INDEX IF NOT EXISTS candidature_recue_le ON candidature (recue_le);
    CREATE INDEX IF NOT EXISTS candidature_demande ON candidature (demande_id);
    """

    @handles(CandidatureRecue)
    async def recue(self, db: Db, event: StoredEvent, data: CandidatureRecue) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO candidature (id, demande_id, esms, usager, nom_tri, type_accueil, statut, origine,
                   reference_externe, urgence, recue_le, date_entree_souhaitee, commentaire, version, mis_a_jour_le)
               VALUES ($1, $2, $3, $4, $5, $6, 'recue', $7, $8, $9, $10, $11, $12, $13, $14)""",
            env.subject,
            data.demande_id,
            data.esms,
            data.usager.model_dump_json(),
            (data.usager.nom_utilise or data.usager.nom_naissance).casefold(),
            data.type_accueil.value,
            data.origine.value,
            data.reference_externe,
            data.urgence,
            data.recue_le,
            data.date_entree_souhaitee,
            data.commentaire,
            env.aggregate_version,
            env.time,
        )

    @handles(ContactPlanifie)
    async def contact(self, db: Db, event: StoredEvent, data: ContactPlanifie) -> None:
        await _update(
            db,
            event,
            "contact_planifie_le = $4, statut = CASE WHEN statut = 'recue' "
            "THEN 'contact_planifie' ELSE statut END",
            data.planifie_le,
        )

    @handles(VisitePreadmission)
    async def visite(self, db: Db, event: StoredEvent, data: VisitePreadmission) -> None:
        await _update(
            db,
            event,
            "visite_le = $4, visite_statut = $5, statut = CASE WHEN decision IS NULL "
            "THEN 'visite_' || $5 ELSE statut END",
            data.le,
            data.statut.value,
        )

    @handles(DecisionPrononcee)
    async def decision(self, db: Db, event: StoredEvent, data: DecisionPrononcee) -> None:
        await _update(
            db,
            event,
            "decision = $4, statut = $4, motif_decision = $5, decision_le = $6",
            data.decision.value,
            data.motif,
            data.prononcee_le,
        )

    @handles(CandidatureAdmise)
    async def admise(self, db: Db, event: StoredEvent, data: CandidatureAdmise) -> None:
        await _update(db, event, "statut = 'admise', sejour_id = $4", data.sejour_id)


async def _update(db: Db, event: StoredEvent, assignments: str, *args: object) -> None:
    """Parameters $1-$3 are the row id, the aggregate version and the event time; the caller's follow."""
    env = event.envelope
    await db.execute(
        f"UPDATE candidature SET {assignments}, version = $2, mis_a_jour_le = $3 WHERE id = $1",
        env.subject,
        env.aggregate_version,
        env.time,
        *args,
    )
