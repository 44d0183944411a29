"""The access journal: who read or wrote what of each dossier, when, how and with which result — from the
traces the gateway writes on the audit stream (`DUI_AUDIT`, subjects `dui.audit.>`), never from the
event log.

One row per (trace, dossier): a request that touched two dossiers appears in both journals. The trace's id is
the request's, so a trace published twice (a retried publish, after the stream's duplicate window too) is
stored once."""

from __future__ import annotations

from dui_shared.contracts.habilitations import AccesTrace
from dui_shared.eventstore import AUDIT_STREAM, AUDIT_SUBJECTS, StoredEvent
from dui_shared.projection import Db, Projection, handles


class JournalAcces(Projection):
    name = "journal_acces"
    stream = AUDIT_STREAM
    subjects = (AUDIT_SUBJECTS,)
    tables = """
    CREATE TABLE IF NOT EXISTS acces (
        trace_id uuid NOT NULL,
        dossier_id uuid NOT NULL,
        instant timestamptz NOT NULL,
        identifiant text NOT NULL,
        profession text,
        profil text NOT NULL,
        categories text[] NOT NULL,
        mode text NOT NULL,
        methode text NOT NULL,
        route text NOT NULL,
        statut integer NOT NULL,
        acces_urgence uuid,
        PRIMARY KEY (trace_id, dossier_id)
    );
    CREATE INDEX IF NOT EXISTS acces_dossier_instant ON acces (dossier_id, instant DESC);
    """

    @handles(AccesTrace)
    async def trace(self, db: Db, event: StoredEvent, data: AccesTrace) -> None:
        for dossier_id in dict.fromkeys(data.dossiers):
            await db.execute(
                """INSERT INTO acces (trace_id, dossier_id, instant, identifiant, profession, profil, categories,
                       mode, methode, route, statut, acces_urgence)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                   ON CONFLICT (trace_id, dossier_id) DO NOTHING""",
                event.envelope.id,
                dossier_id,
                data.instant,
                data.identifiant,
                data.profession,
                data.profil,
                data.categories,
                data.mode.value,
                data.methode,
                data.route,
                data.statut,
                data.acces_urgence,
            )
