"""Projets personnalisés: every version with its content and status, and evaluations with their results."""

from __future__ import annotations

import json

from dui_shared.contracts.dossier import (
    EvaluationAnnulee,
    EvaluationRealisee,
    GrilleDefinie,
    GrilleRevisee,
    ProjetPersonnaliseInitie,
    ProjetPersonnaliseValide,
    RevisionProjetOuverte,
    VersionProjetModifiee,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Projets:
    """Handlers of the ProjetPersonnalise, Evaluation and GrilleEvaluation events."""

    projet_tables = """
    CREATE TABLE IF NOT EXISTS projet (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL UNIQUE
    );
    CREATE TABLE IF NOT EXISTS projet_version (
        dossier_id uuid NOT NULL,
        version integer NOT NULL,
        statut text NOT NULL,
        contenu jsonb NOT NULL,
        cree_le timestamptz NOT NULL,
        cree_par jsonb NOT NULL,
        motif text,
        modifie_le timestamptz NOT NULL,
        valide_le date,
        valide_par jsonb,
        date_prochaine_revision date,
        PRIMARY KEY (dossier_id, version)
    );
    CREATE TABLE IF NOT EXISTS evaluation (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        grille text NOT NULL,
        grille_version integer NOT NULL,
        grille_libelle text NOT NULL,
        realisee_le timestamptz NOT NULL,
        evaluateur text NOT NULL,
        reponses jsonb NOT NULL,
        score double precision,
        gir integer,
        interpretation text,
        alerte boolean NOT NULL,
        detail jsonb NOT NULL,
        commentaire text,
        annulee boolean NOT NULL DEFAULT false,
        motif_annulation text
    );
    CREATE INDEX IF NOT EXISTS evaluation_dossier ON evaluation (dossier_id, grille, realisee_le);
    CREATE TABLE IF NOT EXISTS grille (
        code text PRIMARY KEY,
        id uuid NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        mis_a_jour_le timestamptz NOT NULL
    );
    """

    @handles(ProjetPersonnaliseInitie)
    async def initie(self, db: Db, event: StoredEvent, data: ProjetPersonnaliseInitie) -> None:
        env = event.envelope
        await db.execute("INSERT INTO projet (id, dossier_id) VALUES ($1, $2)", env.subject, data.dossier_id)
        await db.execute(
            """INSERT INTO projet_version (dossier_id, version, statut, contenu, cree_le, cree_par, modifie_le)
               VALUES ($1, 1, 'brouillon', $2, $3, $4, $3)""",
            data.dossier_id,
            data.contenu.model_dump_json(),
            env.time,
            env.actor.model_dump_json(),
        )

    @handles(VersionProjetModifiee)
    async def modifiee(self, db: Db, event: StoredEvent, data: VersionProjetModifiee) -> None:
        await db.execute(
            """UPDATE projet_version SET contenu = $3, modifie_le = $4
               WHERE dossier_id = (SELECT dossier_id FROM projet WHERE id = $1) AND version = $2""",
            event.envelope.subject,
            data.version,
            data.contenu.model_dump_json(),
            event.envelope.time,
        )

    @handles(ProjetPersonnaliseValide)
    async def valide(self, db: Db, event: StoredEvent, data: ProjetPersonnaliseValide) -> None:
        env = event.envelope
        if data.remplace is not None:
            await _statut(db, event, data.remplace, "remplacee")
        await db.execute(
            """UPDATE projet_version SET statut = 'validee', valide_le = $3, valide_par = $4,
                   date_prochaine_revision = $5, modifie_le = $6
               WHERE dossier_id = (SELECT dossier_id FROM projet WHERE id = $1) AND version = $2""",
            env.subject,
            data.version,
            data.valide_le,
            env.actor.model_dump_json(),
            data.date_prochaine_revision,
            env.time,
        )

    @handles(RevisionProjetOuverte)
    async def revision(self, db: Db, event: StoredEvent, data: RevisionProjetOuverte) -> None:
        env = event.envelope
        await _statut(db, event, data.depuis, "en_revision")
        await db.execute(
            """INSERT INTO projet_version (dossier_id, version, statut, contenu, cree_le, cree_par, motif, modifie_le)
               SELECT dossier_id, $2, 'brouillon', contenu, $3, $4, $5, $3 FROM projet_version
               WHERE dossier_id = (SELECT dossier_id FROM projet WHERE id = $1) AND version = $6""",
            env.subject,
            data.version,
            env.time,
            env.actor.model_dump_json(),
            data.motif,
            data.depuis,
        )

    @handles(EvaluationRealisee)
    async def evaluation(self, db: Db, event: StoredEvent, data: EvaluationRealisee) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO evaluation (id, dossier_id, esms, grille, grille_version, grille_libelle, realisee_le,
                   evaluateur, reponses, score, gir, interpretation, alerte, detail, commentaire)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
            env.subject,
            data.dossier_id,
            data.esms,
            data.grille,
            data.grille_version,
            data.grille_libelle,
            data.realisee_le,
            data.evaluateur,
            json.dumps(data.reponses),
            data.score,
            data.gir,
            data.interpretation,
            data.alerte,
            json.dumps(data.detail),
            data.commentaire,
        )
        if data.gir is not None:
            await _gir(db, data)

    @handles(EvaluationAnnulee)
    async def evaluation_annulee(self, db: Db, event: StoredEvent, data: EvaluationAnnulee) -> None:
        await db.execute(
            "UPDATE evaluation SET annulee = true, motif_annulation = $2 WHERE id = $1",
            event.envelope.subject,
            data.motif,
        )
        row = await db.fetchrow("SELECT dossier_id FROM evaluation WHERE id = $1", event.envelope.subject)
        if row is not None:
            await db.execute(
                """UPDATE dossier d SET gir = e.gir, gir_le = e.realisee_le FROM (
                       SELECT gir, realisee_le FROM evaluation WHERE dossier_id = $1 AND gir IS NOT NULL
                       AND NOT annulee ORDER BY realisee_le DESC LIMIT 1) e WHERE d.id = $1""",
                row["dossier_id"],
            )
            await db.execute(
                """UPDATE dossier SET gir = NULL, gir_le = NULL WHERE id = $1 AND NOT EXISTS (
                       SELECT 1 FROM evaluation WHERE dossier_id = $1 AND gir IS NOT NULL AND NOT annulee)""",
                row["dossier_id"],
            )

    @handles(GrilleDefinie)
    async def grille(self, db: Db, event: StoredEvent, data: GrilleDefinie) -> None:
        await db.execute(
            "INSERT INTO grille (code, id, version, definition, mis_a_jour_le) VALUES ($1, $2, 1, $3, $4)",
            data.definition.code,
            event.envelope.subject,
            data.definition.model_dump_json(),
            event.envelope.time,
        )

    @handles(GrilleRevisee)
    async def grille_revisee(self, db: Db, event: StoredEvent, data: GrilleRevisee) -> None:
        await db.execute(
            "UPDATE grille SET version = $2, definition = $3, mis_a_jour_le = $4 WHERE code = $1",
            data.definition.code,
            data.version,
            data.definition.model_dump_json(),
            event.envelope.time,
        )


async def _statut(db: Db, event: StoredEvent, version: int, statut: str) -> None:
    await db.execute(
        """UPDATE projet_version SET statut = $3
           WHERE dossier_id = (SELECT dossier_id FROM projet WHERE id = $1) AND version = $2""",
        event.envelope.subject,
        version,
        statut,
    )


async def _gir(db: Db, data: EvaluationRealisee) -> None:
    """The dossier shows the GIR of its latest AGGIR evaluation (a late-entered older one does not win)."""
    await db.execute(
        """UPDATE dossier SET gir = $2, gir_le = $3
           WHERE id = $1 AND (gir_le IS NULL OR gir_le <= $3)""",
        data.dossier_id,
        data.gir,
        data.realisee_le,
    )
