"""The events and information read model: one row per event (its series stored as a rule, expanded at query
time), one per recorded realisation and presence, one per information.

Every event of the log is applied, whatever its rule: `fin_max` (the series' end, to select the events a
window may show) never fails — a rule that does not parse reads as its first occurrence, an UNTIL beyond 2100
as 2100 — so no event is ever parked and lost from the agendas."""

from __future__ import annotations

from typing import Any

from dui_agenda.domain.recurrence import Serie
from dui_shared.contracts.agenda import (
    EvenementAnnule,
    EvenementModifie,
    EvenementPlanifie,
    EvenementRealise,
    InformationLue,
    InformationTransmise,
    PresenceRelevee,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


class Evenements:
    """Handlers of the agenda's own events; mixed into the agenda read model."""

    evenement_tables = """
    CREATE TABLE IF NOT EXISTS evenement (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        type text NOT NULL,
        titre text NOT NULL,
        description text,
        lieu text,
        intervenant text,
        debut timestamptz NOT NULL,
        fin timestamptz NOT NULL,
        recurrence text,
        fin_max timestamptz,
        usagers uuid[] NOT NULL,
        professionnels text[] NOT NULL,
        candidatures uuid[] NOT NULL,
        statut text NOT NULL,
        motif_annulation text,
        cree_le timestamptz NOT NULL,
        cree_par text NOT NULL,
        mis_a_jour_le timestamptz NOT NULL,
        version integer NOT NULL
    );
    CREATE INDEX IF NOT EXISTS evenement_usagers ON evenement USING gin (usagers);
    CREATE INDEX IF NOT EXISTS evenement_professionnels ON evenement USING gin (professionnels);
    CREATE INDEX IF NOT EXISTS evenement_candidatures ON evenement USING gin (candidatures);
    CREATE INDEX IF NOT EXISTS evenement_esms_debut ON evenement (esms, debut);
    CREATE INDEX IF NOT EXISTS evenement_esms_fin_max ON evenement (esms, fin_max);
    CREATE TABLE IF NOT EXISTS realisation (
        evenement_id uuid NOT NULL,
        occurrence timestamptz NOT NULL,
        statut text NOT NULL,
        motif text,
        commentaire text,
        correction text,
        relevee_le timestamptz NOT NULL,
        par text NOT NULL,
        PRIMARY KEY (evenement_id, occurrence)
    );
    CREATE TABLE IF NOT EXISTS presence (
        evenement_id uuid NOT NULL,
        occurrence timestamptz NOT NULL,
        participant text NOT NULL,
        type_participant text NOT NULL,
        present boolean NOT NULL,
        motif text,
        correction text,
        relevee_le timestamptz NOT NULL,
        par text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (evenement_id, occurrence, participant)
    );
    CREATE TABLE IF NOT EXISTS information (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        destinataire_type text NOT NULL,
        destinataire text NOT NULL,
        objet text NOT NULL,
        message text NOT NULL,
        afficher_le timestamptz NOT NULL,
        rappeler_le timestamptz,
        canal text NOT NULL,
        adresse_mssante text,
        mssante_message_id text,
        transmise_le timestamptz NOT NULL,
        transmise_par text NOT NULL,
        lue_le timestamptz,
        lue_par text
    );
    CREATE INDEX IF NOT EXISTS information_destinataire ON information (destinataire, afficher_le);
    """

    @handles(EvenementPlanifie)
    async def planifie(self, db: Db, event: StoredEvent, data: EvenementPlanifie) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO evenement (id, esms, type, titre, description, lieu, intervenant, debut, fin,
                   recurrence, fin_max, usagers, professionnels, candidatures, statut, cree_le, cree_par,
                   mis_a_jour_le, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'planifie', $15, $16, $15, $17)""",
            env.subject,
            data.esms,
            *_planning(data),
            env.time,
            env.actor.id,
            env.aggregate_version,
        )

    @handles(EvenementModifie)
    async def modifie(self, db: Db, event: StoredEvent, data: EvenementModifie) -> None:
        await _evenement(
            db,
            event,
            """type = $4, titre = $5, description = $6, lieu = $7, intervenant = $8, debut = $9, fin = $10,
               recurrence = $11, fin_max = $12, usagers = $13, professionnels = $14, candidatures = $15""",
            *_planning(data),
        )

    @handles(EvenementAnnule)
    async def annule(self, db: Db, event: StoredEvent, data: EvenementAnnule) -> None:
        await _evenement(db, event, "statut = 'annule', motif_annulation = $4", data.motif)

    @handles(EvenementRealise)
    async def realise(self, db: Db, event: StoredEvent, data: EvenementRealise) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO realisation (evenement_id, occurrence, statut, motif, commentaire, correction,
                   relevee_le, par)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (evenement_id, occurrence) DO UPDATE SET statut = $3, motif = $4, commentaire = $5,
                   correction = $6, relevee_le = $7, par = $8""",
            env.subject,
            data.occurrence,
            data.statut.value,
            data.motif,
            data.commentaire,
            data.correction,
            env.time,
            env.actor.id,
        )
        await _evenement(db, event, "")

    @handles(PresenceRelevee)
    async def presence(self, db: Db, event: StoredEvent, data: PresenceRelevee) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO presence (evenement_id, occurrence, participant, type_participant, present, motif,
                   correction, relevee_le, par, seq)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (evenement_id, occurrence, participant) DO UPDATE SET present = $5, motif = $6,
                   correction = $7, relevee_le = $8, par = $9, seq = $10""",
            env.subject,
            data.occurrence,
            data.participant,
            data.type_participant.value,
            data.present,
            data.motif,
            data.correction,
            env.time,
            env.actor.id,
            event.seq,
        )
        await _evenement(db, event, "")

    @handles(InformationTransmise)
    async def information(self, db: Db, event: StoredEvent, data: InformationTransmise) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO information (id, esms, destinataire_type, destinataire, objet, message, afficher_le,
                   rappeler_le, canal, adresse_mssante, mssante_message_id, transmise_le, transmise_par)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
            env.subject,
            data.esms,
            data.destinataire_type.value,
            data.destinataire,
            data.objet,
            data.message,
            data.afficher_le,
            data.rappeler_le,
            data.canal.value,
            data.adresse_mssante,
            data.mssante_message_id,
            env.time,
            env.actor.id,
        )

    @handles(InformationLue)
    async def lue(self, db: Db, event: StoredEvent, data: InformationLue) -> None:
        await db.execute(
            "UPDATE information SET lue_le = $2, lue_par = $3 WHERE id = $1",
            event.envelope.subject,
            data.lue_le,
            data.par,
        )


def _planning(data: EvenementPlanifie | EvenementModifie) -> tuple[Any, ...]:
    """The planning columns, from `type` to `candidatures`, in table order."""
    p = data.participants
    return (
        data.type.value,
        data.titre,
        data.description,
        data.lieu,
        data.intervenant,
        data.debut,
        data.fin,
        data.recurrence,
        Serie(data.debut, data.fin, data.recurrence).fin_max(),
        list(p.usagers),
        list(p.professionnels),
        list(p.candidatures),
    )


async def _evenement(db: Db, event: StoredEvent, assignments: str, *args: Any) -> None:
    """Parameters $1-$3 are the event id, the aggregate version and the event time; the caller's follow."""
    env = event.envelope
    await db.execute(
        f"UPDATE evenement SET {assignments}{', ' if assignments else ''}version = $2, mis_a_jour_le = $3 "
        "WHERE id = $1",
        env.subject,
        env.aggregate_version,
        env.time,
        *args,
    )
