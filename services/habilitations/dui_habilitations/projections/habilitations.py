"""The accounts read model: one row per account (its assignments), per emergency access (its review; its status
is computed at query time from `fin`, `clos_le` and now) and per person's access to a dossier."""

from __future__ import annotations

from dui_shared.contracts.habilitations import (
    AccesPersonneOuvert,
    AccesPersonneRetire,
    AccesUrgenceClos,
    AccesUrgenceOuvert,
    AccesUrgenceRevu,
    AffectationsDefinies,
    CompteOuvert,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Habilitations:
    """Handlers of the habilitations' account events; mixed into the service's read model."""

    habilitation_tables = """
    CREATE TABLE IF NOT EXISTS compte (
        identifiant text PRIMARY KEY,
        profession text,
        esms text[] NOT NULL DEFAULT '{}',
        nom text,
        actif boolean NOT NULL DEFAULT true,
        ouvert_le timestamptz NOT NULL,
        mis_a_jour_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS compte_esms ON compte USING gin (esms);
    CREATE TABLE IF NOT EXISTS urgence (
        id uuid PRIMARY KEY,
        identifiant text NOT NULL,
        profession text NOT NULL,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        justification text NOT NULL,
        debut timestamptz NOT NULL,
        fin timestamptz NOT NULL,
        clos_le timestamptz,
        revu_par text,
        conforme boolean,
        commentaire_revue text,
        revu_le timestamptz
    );
    CREATE INDEX IF NOT EXISTS urgence_a_revoir ON urgence (esms, debut) WHERE revu_le IS NULL;
    CREATE INDEX IF NOT EXISTS urgence_dossier ON urgence (dossier_id);
    CREATE INDEX IF NOT EXISTS urgence_identifiant ON urgence (identifiant);
    CREATE TABLE IF NOT EXISTS acces_personne (
        identifiant text NOT NULL,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        qualite text NOT NULL,
        ouvert_le timestamptz NOT NULL,
        PRIMARY KEY (identifiant, dossier_id)
    );
    CREATE INDEX IF NOT EXISTS acces_personne_dossier ON acces_personne (dossier_id);
    """

    @handles(CompteOuvert)
    async def compte_ouvert(self, db: Db, event: StoredEvent, data: CompteOuvert) -> None:
        await db.execute(
            """INSERT INTO compte (identifiant, ouvert_le, mis_a_jour_le) VALUES ($1, $2, $2)
               ON CONFLICT (identifiant) DO NOTHING""",
            data.identifiant,
            event.envelope.time,
        )

    @handles(AffectationsDefinies)
    async def affectations(self, db: Db, event: StoredEvent, data: AffectationsDefinies) -> None:
        await db.execute(
            """UPDATE compte SET profession = $2, esms = $3, nom = $4, actif = $5, mis_a_jour_le = $6
               WHERE identifiant = $1""",
            data.identifiant,
            data.profession,
            data.esms,
            data.nom,
            data.actif,
            event.envelope.time,
        )

    @handles(AccesUrgenceOuvert)
    async def urgence_ouverte(self, db: Db, event: StoredEvent, data: AccesUrgenceOuvert) -> None:
        await db.execute(
            """INSERT INTO urgence (id, identifiant, profession, dossier_id, esms, justification, debut, fin)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING""",
            data.acces_id,
            data.identifiant,
            data.profession,
            data.dossier_id,
            data.esms,
            data.justification,
            data.debut,
            data.fin,
        )

    @handles(AccesUrgenceRevu)
    async def urgence_revue(self, db: Db, event: StoredEvent, data: AccesUrgenceRevu) -> None:
        await db.execute(
            "UPDATE urgence SET revu_par = $2, conforme = $3, commentaire_revue = $4, revu_le = $5 WHERE id = $1",
            data.acces_id,
            data.revu_par,
            data.conforme,
            data.commentaire,
            data.revu_le,
        )

    @handles(AccesUrgenceClos)
    async def urgence_close(self, db: Db, event: StoredEvent, data: AccesUrgenceClos) -> None:
        await db.execute("UPDATE urgence SET clos_le = $2 WHERE id = $1", data.acces_id, data.clos_le)

    @handles(AccesPersonneOuvert)
    async def personne_ouverte(self, db: Db, event: StoredEvent, data: AccesPersonneOuvert) -> None:
        await db.execute(
            """INSERT INTO acces_personne (identifiant, dossier_id, esms, qualite, ouvert_le)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (identifiant, dossier_id) DO UPDATE SET esms = $3, qualite = $4, ouvert_le = $5""",
            data.identifiant,
            data.dossier_id,
            data.esms,
            data.qualite.value,
            event.envelope.time,
        )

    @handles(AccesPersonneRetire)
    async def personne_retiree(self, db: Db, event: StoredEvent, data: AccesPersonneRetire) -> None:
        await db.execute(
            "DELETE FROM acces_personne WHERE identifiant = $1 AND dossier_id = $2",
            data.identifiant,
            data.dossier_id,
        )
