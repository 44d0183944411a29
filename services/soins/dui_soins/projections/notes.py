"""Transmissions, what each professional has read of them, and observations médicales."""

from __future__ import annotations

from dui_shared.contracts.soins import (
    ObservationSaisie,
    SuiviLecturesOuvert,
    TransmissionSaisie,
    TransmissionsLues,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Notes:
    notes_tables = """
    CREATE TABLE IF NOT EXISTS transmission (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        type text NOT NULL,
        categorie text NOT NULL,
        categorie_donnees text NOT NULL,
        cible text,
        donnees text,
        actions text,
        resultats text,
        texte text,
        le timestamptz NOT NULL,
        unite text,
        poste text,
        jour_poste date NOT NULL,
        auteur text NOT NULL,
        profession text NOT NULL,
        auteur_nom text,
        saisie_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS transmission_jour ON transmission (esms, jour_poste);
    CREATE INDEX IF NOT EXISTS transmission_le ON transmission (esms, le);
    CREATE INDEX IF NOT EXISTS transmission_dossier ON transmission (dossier_id, le);
    CREATE TABLE IF NOT EXISTS suivi_lectures (
        id uuid PRIMARY KEY,
        professionnel text NOT NULL,
        esms text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS lecture (
        professionnel text NOT NULL,
        transmission_id uuid NOT NULL,
        esms text NOT NULL,
        lue_le timestamptz NOT NULL,
        PRIMARY KEY (professionnel, transmission_id)
    );
    CREATE TABLE IF NOT EXISTS observation (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        texte text NOT NULL,
        motif text,
        observee_le timestamptz NOT NULL,
        source text NOT NULL,
        source_detail text,
        auteur text NOT NULL,
        profession text NOT NULL,
        auteur_nom text,
        enregistree_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS observation_dossier ON observation (dossier_id, observee_le);
    """

    @handles(TransmissionSaisie)
    async def transmission(self, db: Db, event: StoredEvent, data: TransmissionSaisie) -> None:
        await db.execute(
            """INSERT INTO transmission (id, dossier_id, esms, type, categorie, categorie_donnees, cible, donnees,
                   actions, resultats, texte, le, unite, poste, jour_poste, auteur, profession, auteur_nom, saisie_le)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)""",
            event.envelope.subject,
            data.dossier_id,
            data.esms,
            data.type.value,
            data.categorie.value,
            data.categorie_donnees.value,
            data.cible,
            data.donnees,
            data.actions,
            data.resultats,
            data.texte,
            data.le,
            data.unite,
            data.poste,
            data.jour_poste,
            data.auteur,
            data.profession,
            data.auteur_nom,
            event.envelope.time,
        )

    @handles(SuiviLecturesOuvert)
    async def suivi(self, db: Db, event: StoredEvent, data: SuiviLecturesOuvert) -> None:
        await db.execute(
            "INSERT INTO suivi_lectures (id, professionnel, esms) VALUES ($1, $2, $3)",
            event.envelope.subject,
            data.professionnel,
            data.esms,
        )

    @handles(TransmissionsLues)
    async def lues(self, db: Db, event: StoredEvent, data: TransmissionsLues) -> None:
        await db.execute(
            """INSERT INTO lecture (professionnel, transmission_id, esms, lue_le)
               SELECT s.professionnel, t, s.esms, $3 FROM suivi_lectures s, unnest($2::uuid[]) t WHERE s.id = $1
               ON CONFLICT DO NOTHING""",
            event.envelope.subject,
            list(data.transmission_ids),
            data.lues_le,
        )

    @handles(ObservationSaisie)
    async def observation(self, db: Db, event: StoredEvent, data: ObservationSaisie) -> None:
        await db.execute(
            """INSERT INTO observation (id, dossier_id, esms, texte, motif, observee_le, source, source_detail,
                   auteur, profession, auteur_nom, enregistree_le)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
            event.envelope.subject,
            data.dossier_id,
            data.esms,
            data.texte,
            data.motif,
            data.observee_le,
            data.source.value,
            data.source_detail,
            data.auteur,
            data.profession,
            data.auteur_nom,
            event.envelope.time,
        )
