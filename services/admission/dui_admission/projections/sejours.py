"""Séjours: who is accompanied where, since when, and how each séjour ended."""

from __future__ import annotations

from dui_shared.contracts.admission import ActionSortieTracee, AdmissionPrononcee, SortiePrononcee
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Sejours:
    """Handlers of the séjour events; mixed into the service's read model."""

    sejour_tables = """
    CREATE TABLE IF NOT EXISTS sejour (
        id uuid PRIMARY KEY,
        candidature_id uuid NOT NULL,
        esms text NOT NULL,
        usager jsonb NOT NULL,
        type_accueil text NOT NULL,
        place text,
        admis_le timestamptz NOT NULL,
        sortie_le timestamptz,
        motif_sortie text,
        destination text,
        actions_sortie jsonb NOT NULL DEFAULT '[]',
        version integer NOT NULL,
        mis_a_jour_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sejour_esms_actif ON sejour (esms) WHERE sortie_le IS NULL;
    """

    @handles(AdmissionPrononcee)
    async def admission(self, db: Db, event: StoredEvent, data: AdmissionPrononcee) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO sejour (id, candidature_id, esms, usager, type_accueil, place, admis_le, version,
                   mis_a_jour_le) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            env.subject,
            data.candidature_id,
            data.esms,
            data.usager.model_dump_json(),
            data.type_accueil.value,
            data.place,
            data.admis_le,
            env.aggregate_version,
            env.time,
        )

    @handles(SortiePrononcee)
    async def sortie(self, db: Db, event: StoredEvent, data: SortiePrononcee) -> None:
        env = event.envelope
        actions = "[" + ",".join(a.model_dump_json() for a in data.actions) + "]"
        await db.execute(
            """UPDATE sejour SET sortie_le = $2, motif_sortie = $3, destination = $4,
                   actions_sortie = actions_sortie || $5::jsonb, version = $6, mis_a_jour_le = $7 WHERE id = $1""",
            env.subject,
            data.sortie_le,
            data.motif.value,
            data.destination,
            actions,
            env.aggregate_version,
            env.time,
        )

    @handles(ActionSortieTracee)
    async def action(self, db: Db, event: StoredEvent, data: ActionSortieTracee) -> None:
        env = event.envelope
        await db.execute(
            """UPDATE sejour SET actions_sortie = actions_sortie || $2::jsonb, version = $3, mis_a_jour_le = $4
               WHERE id = $1""",
            env.subject,
            "[" + data.action.model_dump_json() + "]",
            env.aggregate_version,
            env.time,
        )
