"""Prescriptions and their signed versions, the plan de soins of each person, and the acts traced."""

from __future__ import annotations

import json

from dui_shared.contracts.soins import (
    ActeNonRealise,
    ActeRealise,
    PlanSoinsOuvert,
    PrescriptionArretee,
    PrescriptionEmise,
    PrescriptionModifiee,
    PrescriptionSignee,
    SoinArrete,
    SoinPlanifie,
    UniteAffectee,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles
from dui_soins.domain.planning import debut_prescription, fin_du_jour, fin_prescription


class Soins:
    soins_tables = """
    CREATE TABLE IF NOT EXISTS prescription (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        nature text NOT NULL,
        libelle text NOT NULL,
        version integer NOT NULL,
        contenu jsonb NOT NULL,
        prescripteur text NOT NULL,
        prescripteur_nom text,
        emise_le timestamptz NOT NULL,
        modifiee_le timestamptz,
        arretee_le timestamptz,
        motif_arret text,
        debut_plan timestamptz NOT NULL,
        fin_plan timestamptz
    );
    CREATE INDEX IF NOT EXISTS prescription_dossier ON prescription (dossier_id);
    CREATE TABLE IF NOT EXISTS prescription_version (
        prescription_id uuid NOT NULL,
        version integer NOT NULL,
        contenu jsonb NOT NULL,
        depuis timestamptz,
        motif text,
        prescripteur text NOT NULL,
        prescripteur_role text NOT NULL,
        prescripteur_nom text,
        le timestamptz NOT NULL,
        signataire text,
        signee_le timestamptz,
        algorithme text,
        empreinte text,
        PRIMARY KEY (prescription_id, version)
    );
    CREATE TABLE IF NOT EXISTS plan_soins (
        dossier_id uuid PRIMARY KEY,
        id uuid NOT NULL,
        esms text NOT NULL,
        unite text
    );
    CREATE TABLE IF NOT EXISTS soin (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        type text NOT NULL,
        libelle text NOT NULL,
        heures jsonb NOT NULL,
        jours_semaine jsonb NOT NULL,
        debut timestamptz NOT NULL,
        fin date,
        fin_plan timestamptz,
        consignes text,
        arrete_le timestamptz,
        motif_arret text
    );
    CREATE INDEX IF NOT EXISTS soin_dossier ON soin (dossier_id);
    CREATE TABLE IF NOT EXISTS acte (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        prescription_id uuid,
        soin_id uuid,
        statut text NOT NULL,
        prevu_le timestamptz,
        realise_le timestamptz,
        motif text,
        quantite double precision,
        commentaire text,
        par text NOT NULL,
        par_role text NOT NULL,
        par_nom text,
        trace_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS acte_prevu ON acte (dossier_id, prevu_le);
    CREATE INDEX IF NOT EXISTS acte_realise ON acte (dossier_id, realise_le);
    """

    # -- prescriptions ---------------------------------------------------------------------------------

    @handles(PrescriptionEmise)
    async def prescription_emise(self, db: Db, event: StoredEvent, data: PrescriptionEmise) -> None:
        c = data.contenu
        await db.execute(
            """INSERT INTO prescription (id, dossier_id, esms, nature, libelle, version, contenu, prescripteur,
                   prescripteur_nom, emise_le, debut_plan, fin_plan)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
            event.envelope.subject,
            data.dossier_id,
            data.esms,
            c.nature.value,
            c.libelle,
            data.version,
            c.model_dump_json(),
            data.prescripteur,
            data.prescripteur_nom,
            data.emise_le,
            debut_prescription(c),
            fin_prescription(c),
        )
        await _version(db, event, data.version, c.model_dump_json(), None, None, data, data.emise_le)

    @handles(PrescriptionModifiee)
    async def prescription_modifiee(self, db: Db, event: StoredEvent, data: PrescriptionModifiee) -> None:
        c = data.contenu
        # what earlier versions planned stops at the change; this one plans from then on
        await db.execute(
            """UPDATE prescription SET version = $2, contenu = $3, libelle = $4, modifiee_le = $5,
                   debut_plan = least(debut_plan, greatest($6::timestamptz, $5::timestamptz)),
                   fin_plan = CASE WHEN $7::timestamptz IS NULL THEN NULL
                                   ELSE greatest(least(coalesce(fin_plan, 'infinity'::timestamptz), $5), $7) END
               WHERE id = $1""",
            event.envelope.subject,
            data.version,
            c.model_dump_json(),
            c.libelle,
            data.modifiee_le,
            debut_prescription(c),
            fin_prescription(c),
        )
        await _version(
            db, event, data.version, c.model_dump_json(), data.modifiee_le, data.motif, data, data.modifiee_le
        )

    @handles(PrescriptionSignee)
    async def prescription_signee(self, db: Db, event: StoredEvent, data: PrescriptionSignee) -> None:
        await db.execute(
            """UPDATE prescription_version SET signataire = $3, signee_le = $4, algorithme = $5, empreinte = $6
               WHERE prescription_id = $1 AND version = $2""",
            event.envelope.subject,
            data.version,
            data.signataire,
            data.signee_le,
            data.algorithme,
            data.empreinte,
        )

    @handles(PrescriptionArretee)
    async def prescription_arretee(self, db: Db, event: StoredEvent, data: PrescriptionArretee) -> None:
        await db.execute(
            "UPDATE prescription SET arretee_le = $2, motif_arret = $3 WHERE id = $1",
            event.envelope.subject,
            data.arretee_le,
            data.motif,
        )

    # -- plan de soins ---------------------------------------------------------------------------------

    @handles(PlanSoinsOuvert)
    async def plan_ouvert(self, db: Db, event: StoredEvent, data: PlanSoinsOuvert) -> None:
        await db.execute(
            "INSERT INTO plan_soins (dossier_id, id, esms) VALUES ($1, $2, $3)",
            data.dossier_id,
            event.envelope.subject,
            data.esms,
        )

    @handles(UniteAffectee)
    async def unite(self, db: Db, event: StoredEvent, data: UniteAffectee) -> None:
        await db.execute(
            "UPDATE plan_soins SET unite = $2 WHERE dossier_id = $1", data.dossier_id, data.unite
        )

    @handles(SoinPlanifie)
    async def soin_planifie(self, db: Db, event: StoredEvent, data: SoinPlanifie) -> None:
        await db.execute(
            """INSERT INTO soin (id, dossier_id, esms, type, libelle, heures, jours_semaine, debut, fin, fin_plan,
                   consignes)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            data.soin_id,
            data.dossier_id,
            event.envelope.esms,
            data.type.value,
            data.libelle,
            json.dumps([h.isoformat(timespec="minutes") for h in data.heures]),
            json.dumps([j.value for j in data.jours_semaine]),
            data.debut,
            data.fin,
            fin_du_jour(data.fin),
            data.consignes,
        )

    @handles(SoinArrete)
    async def soin_arrete(self, db: Db, event: StoredEvent, data: SoinArrete) -> None:
        await db.execute(
            "UPDATE soin SET arrete_le = $2, motif_arret = $3 WHERE id = $1",
            data.soin_id,
            data.arrete_le,
            data.motif,
        )

    # -- acts ------------------------------------------------------------------------------------------

    @handles(ActeRealise)
    async def acte_realise(self, db: Db, event: StoredEvent, data: ActeRealise) -> None:
        await _acte(
            db,
            event,
            data.dossier_id,
            data.prescription_id,
            data.soin_id,
            "realise",
            data.prevu_le,
            data.realise_le,
            None,
            data.quantite,
            data.commentaire,
            data.par,
            data.par_role,
            data.par_nom,
        )

    @handles(ActeNonRealise)
    async def acte_non_realise(self, db: Db, event: StoredEvent, data: ActeNonRealise) -> None:
        await _acte(
            db,
            event,
            data.dossier_id,
            data.prescription_id,
            data.soin_id,
            "non_realise",
            data.prevu_le,
            None,
            data.motif.value,
            None,
            data.commentaire,
            data.par,
            data.par_role,
            data.par_nom,
        )


async def _version(
    db: Db,
    event: StoredEvent,
    version: int,
    contenu: str,
    depuis: object,
    motif: str | None,
    data: PrescriptionEmise | PrescriptionModifiee,
    le: object,
) -> None:
    await db.execute(
        """INSERT INTO prescription_version (prescription_id, version, contenu, depuis, motif, prescripteur,
               prescripteur_role, prescripteur_nom, le)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        event.envelope.subject,
        version,
        contenu,
        depuis,
        motif,
        data.prescripteur,
        data.prescripteur_role,
        data.prescripteur_nom,
        le,
    )


async def _acte(db: Db, event: StoredEvent, *values: object) -> None:
    await db.execute(
        """INSERT INTO acte (id, esms, trace_le, dossier_id, prescription_id, soin_id, statut, prevu_le, realise_le,
               motif, quantite, commentaire, par, par_role, par_nom)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
        event.envelope.id,
        event.envelope.esms,
        event.envelope.time,
        *values,
    )
