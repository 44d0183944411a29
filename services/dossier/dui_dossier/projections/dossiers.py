"""The dossier usager read model: one row per dossier and one table per kind of item it holds."""

from __future__ import annotations

import json
from typing import Any

from dui_shared.contracts.dossier import (
    AbsenceAnnulee,
    AbsenceDeclaree,
    AbsenceTerminee,
    ConsentementRecueilli,
    DossierArchive,
    DossierClos,
    DossierOuvert,
    EchangeTrace,
    EntourageAjoute,
    EntourageModifie,
    EntourageRetire,
    IdentiteDouteuse,
    IdentiteQualifiee,
    IdentiteValidee,
    InsRecuperee,
    MembreEquipeAffecte,
    MembreEquipeRetire,
    MesureLiberteLevee,
    MesureLibertePrise,
    MesureLiberteRevisee,
    PrestationBientotExpiree,
    PrestationCloturee,
    PrestationExpiree,
    PrestationOuverte,
    PrestationRenouvelee,
    ReferentDesigne,
    TraitsIdentiteCorriges,
)
from dui_shared.contracts.identite import TraitsIdentite
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


def _nom_tri(traits: TraitsIdentite) -> str:
    return f"{traits.nom_utilise or traits.nom_naissance} {traits.prenoms}".casefold()


def _actor(event: StoredEvent) -> str:
    return event.envelope.actor.model_dump_json()


class Dossiers:
    """Handlers of the DossierUsager events; mixed into the service's read model."""

    dossier_tables = """
    CREATE TABLE IF NOT EXISTS dossier (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        sejour_id uuid NOT NULL,
        traits jsonb NOT NULL,
        nom_tri text NOT NULL,
        statut text NOT NULL,
        statut_identite text NOT NULL,
        matricule jsonb,
        type_accueil text NOT NULL,
        admis_le timestamptz NOT NULL,
        sortie_le timestamptz,
        motif_sortie text,
        destination text,
        archive_le timestamptz,
        conservation_jusqu_au date,
        gir integer,
        gir_le timestamptz,
        version integer NOT NULL,
        mis_a_jour_le timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS dossier_esms_statut ON dossier (esms, statut);
    CREATE TABLE IF NOT EXISTS identite_historique (
        dossier_id uuid NOT NULL,
        seq bigint NOT NULL,
        le timestamptz NOT NULL,
        evenement text NOT NULL,
        statut text,
        acteur jsonb NOT NULL,
        detail jsonb NOT NULL,
        PRIMARY KEY (dossier_id, seq)
    );
    CREATE TABLE IF NOT EXISTS contact (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        contact jsonb NOT NULL,
        roles text[] NOT NULL,
        ajoute_le timestamptz NOT NULL,
        retire_le timestamptz
    );
    CREATE INDEX IF NOT EXISTS contact_dossier ON contact (dossier_id);
    CREATE TABLE IF NOT EXISTS membre (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        professionnel jsonb NOT NULL,
        professionnel_id text NOT NULL,
        du date NOT NULL,
        au date,
        referent boolean NOT NULL DEFAULT false
    );
    CREATE INDEX IF NOT EXISTS membre_dossier ON membre (dossier_id);
    CREATE INDEX IF NOT EXISTS membre_professionnel ON membre (professionnel_id);
    CREATE TABLE IF NOT EXISTS absence (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        type text NOT NULL,
        debut timestamptz NOT NULL,
        fin_prevue timestamptz,
        fin timestamptz,
        commentaire text,
        annulee boolean NOT NULL DEFAULT false
    );
    CREATE INDEX IF NOT EXISTS absence_dossier ON absence (dossier_id);
    CREATE TABLE IF NOT EXISTS mesure (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        nature text NOT NULL,
        justification text NOT NULL,
        decidee_par text NOT NULL,
        decidee_le date NOT NULL,
        avis_usager text,
        avis_representant text,
        debut date NOT NULL,
        revision_le date NOT NULL,
        revisions jsonb NOT NULL DEFAULT '[]',
        levee_le date,
        motif_levee text
    );
    CREATE INDEX IF NOT EXISTS mesure_revision ON mesure (esms, revision_le) WHERE levee_le IS NULL;
    CREATE TABLE IF NOT EXISTS prestation (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        esms text NOT NULL,
        type text NOT NULL,
        organisme text,
        reference text,
        montant_mensuel double precision,
        debut date NOT NULL,
        fin date,
        cloturee_le date,
        motif_cloture text,
        alerte text,
        alerte_fin date
    );
    CREATE INDEX IF NOT EXISTS prestation_fin ON prestation (fin) WHERE cloturee_le IS NULL;
    CREATE TABLE IF NOT EXISTS echange (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        le timestamptz NOT NULL,
        canal text NOT NULL,
        participants jsonb NOT NULL,
        objet text NOT NULL,
        resume text,
        auteur jsonb NOT NULL
    );
    CREATE INDEX IF NOT EXISTS echange_dossier ON echange (dossier_id, le);
    CREATE TABLE IF NOT EXISTS consentement (
        dossier_id uuid NOT NULL,
        seq bigint NOT NULL,
        objet text NOT NULL,
        choix boolean NOT NULL,
        exprime_par text NOT NULL,
        recueilli_par text NOT NULL,
        commentaire text,
        le timestamptz NOT NULL,
        PRIMARY KEY (dossier_id, seq)
    );
    """

    # -- the dossier row -------------------------------------------------------------------------------

    @handles(DossierOuvert)
    async def ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        env = event.envelope
        await db.execute(
            """INSERT INTO dossier (id, esms, sejour_id, traits, nom_tri, statut, statut_identite, type_accueil,
                   admis_le, version, mis_a_jour_le)
               VALUES ($1, $2, $3, $4, $5, 'actif', 'provisoire', $6, $7, $8, $9)""",
            env.subject,
            data.esms,
            data.sejour_id,
            data.traits.model_dump_json(),
            _nom_tri(data.traits),
            data.type_accueil.value,
            data.admis_le,
            env.aggregate_version,
            env.time,
        )
        await _historique(
            db, event, "ouverture", "provisoire", {"traits": data.traits.model_dump(mode="json")}
        )

    @handles(DossierClos)
    async def clos(self, db: Db, event: StoredEvent, data: DossierClos) -> None:
        await _dossier(
            db,
            event,
            "statut = 'clos', sortie_le = $4, motif_sortie = $5, destination = $6",
            data.sortie_le,
            data.motif.value,
            data.destination,
        )

    @handles(DossierArchive)
    async def archive(self, db: Db, event: StoredEvent, data: DossierArchive) -> None:
        await _dossier(
            db,
            event,
            "statut = 'archive', archive_le = $4, conservation_jusqu_au = $5",
            data.archive_le,
            data.conservation_jusqu_au,
        )

    # -- identity --------------------------------------------------------------------------------------

    @handles(TraitsIdentiteCorriges)
    async def traits(self, db: Db, event: StoredEvent, data: TraitsIdentiteCorriges) -> None:
        await _dossier(
            db,
            event,
            "traits = $4, nom_tri = $5, statut_identite = $6",
            data.traits.model_dump_json(),
            _nom_tri(data.traits),
            data.statut.value,
        )
        await _historique(
            db,
            event,
            "correction_traits",
            data.statut.value,
            {"traits": data.traits.model_dump(mode="json"), "motif": data.motif},
        )

    @handles(InsRecuperee)
    async def ins(self, db: Db, event: StoredEvent, data: InsRecuperee) -> None:
        await _dossier(
            db,
            event,
            "traits = $4, nom_tri = $5, statut_identite = $6, matricule = $7",
            data.traits.model_dump_json(),
            _nom_tri(data.traits),
            data.statut.value,
            data.matricule.model_dump_json(),
        )
        await _historique(
            db,
            event,
            f"insi_{data.operation.value}",
            data.statut.value,
            {
                "matricule": data.matricule.model_dump(mode="json"),
                "traits": data.traits.model_dump(mode="json"),
            },
        )

    @handles(IdentiteValidee)
    async def validee(self, db: Db, event: StoredEvent, data: IdentiteValidee) -> None:
        await _dossier(db, event, "statut_identite = $4", data.statut.value)
        await _historique(
            db,
            event,
            "validation",
            data.statut.value,
            {"justificatif": data.justificatif.value, "verifiee_le": data.verifiee_le.isoformat()},
        )

    @handles(IdentiteQualifiee)
    async def qualifiee(self, db: Db, event: StoredEvent, data: IdentiteQualifiee) -> None:
        await _dossier(db, event, "statut_identite = 'qualifiee'")
        await _historique(
            db, event, "qualification", "qualifiee", {"matricule": data.matricule.model_dump(mode="json")}
        )

    @handles(IdentiteDouteuse)
    async def douteuse(self, db: Db, event: StoredEvent, data: IdentiteDouteuse) -> None:
        await _dossier(db, event, "statut_identite = 'provisoire', matricule = NULL")
        await _historique(db, event, "doute", "provisoire", {"motif": data.motif})

    # -- entourage and team ----------------------------------------------------------------------------

    @handles(EntourageAjoute)
    async def contact_ajoute(self, db: Db, event: StoredEvent, data: EntourageAjoute) -> None:
        await db.execute(
            "INSERT INTO contact (id, dossier_id, contact, roles, ajoute_le) VALUES ($1, $2, $3, $4, $5)",
            data.contact_id,
            event.envelope.subject,
            data.contact.model_dump_json(),
            [r.value for r in data.contact.roles],
            event.envelope.time,
        )
        await _touch(db, event)

    @handles(EntourageModifie)
    async def contact_modifie(self, db: Db, event: StoredEvent, data: EntourageModifie) -> None:
        await db.execute(
            "UPDATE contact SET contact = $2, roles = $3 WHERE id = $1",
            data.contact_id,
            data.contact.model_dump_json(),
            [r.value for r in data.contact.roles],
        )
        await _touch(db, event)

    @handles(EntourageRetire)
    async def contact_retire(self, db: Db, event: StoredEvent, data: EntourageRetire) -> None:
        await db.execute(
            "UPDATE contact SET retire_le = $2 WHERE id = $1", data.contact_id, event.envelope.time
        )
        await _touch(db, event)

    @handles(MembreEquipeAffecte)
    async def affecte(self, db: Db, event: StoredEvent, data: MembreEquipeAffecte) -> None:
        await db.execute(
            """INSERT INTO membre (id, dossier_id, professionnel, professionnel_id, du, au)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            data.membre_id,
            event.envelope.subject,
            data.professionnel.model_dump_json(),
            data.professionnel.id,
            data.du,
            data.au,
        )
        await _touch(db, event)

    @handles(ReferentDesigne)
    async def referent(self, db: Db, event: StoredEvent, data: ReferentDesigne) -> None:
        await db.execute(
            "UPDATE membre SET referent = (id = $2) WHERE dossier_id = $1",
            event.envelope.subject,
            data.membre_id,
        )
        await _touch(db, event)

    @handles(MembreEquipeRetire)
    async def retire(self, db: Db, event: StoredEvent, data: MembreEquipeRetire) -> None:
        await db.execute("UPDATE membre SET au = $2 WHERE id = $1", data.membre_id, data.au)
        await _touch(db, event)

    # -- absences --------------------------------------------------------------------------------------

    @handles(AbsenceDeclaree)
    async def absence(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        await db.execute(
            """INSERT INTO absence (id, dossier_id, esms, type, debut, fin_prevue, commentaire)
               VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            data.absence_id,
            event.envelope.subject,
            event.envelope.esms,
            data.type.value,
            data.debut,
            data.fin_prevue,
            data.commentaire,
        )
        await _touch(db, event)

    @handles(AbsenceTerminee)
    async def absence_terminee(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        await db.execute("UPDATE absence SET fin = $2 WHERE id = $1", data.absence_id, data.fin)
        await _touch(db, event)

    @handles(AbsenceAnnulee)
    async def absence_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        await db.execute("UPDATE absence SET annulee = true WHERE id = $1", data.absence_id)
        await _touch(db, event)

    # -- mesures de liberté ----------------------------------------------------------------------------

    @handles(MesureLibertePrise)
    async def mesure(self, db: Db, event: StoredEvent, data: MesureLibertePrise) -> None:
        await db.execute(
            """INSERT INTO mesure (id, dossier_id, esms, nature, justification, decidee_par, decidee_le,
                   avis_usager, avis_representant, debut, revision_le)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            data.mesure_id,
            event.envelope.subject,
            event.envelope.esms,
            data.nature,
            data.justification,
            data.decidee_par,
            data.decidee_le,
            data.avis_usager,
            data.avis_representant,
            data.debut,
            data.revision_le,
        )
        await _touch(db, event)

    @handles(MesureLiberteRevisee)
    async def mesure_revisee(self, db: Db, event: StoredEvent, data: MesureLiberteRevisee) -> None:
        revision = data.model_dump(mode="json", exclude={"mesure_id"})
        revision["par"] = event.envelope.actor.id
        await db.execute(
            """UPDATE mesure SET revision_le = $2, revisions = revisions || $3::jsonb,
                   avis_usager = coalesce($4, avis_usager), avis_representant = coalesce($5, avis_representant)
               WHERE id = $1""",
            data.mesure_id,
            data.prochaine_revision_le,
            json.dumps([revision]),
            data.avis_usager,
            data.avis_representant,
        )
        await _touch(db, event)

    @handles(MesureLiberteLevee)
    async def mesure_levee(self, db: Db, event: StoredEvent, data: MesureLiberteLevee) -> None:
        await db.execute(
            "UPDATE mesure SET levee_le = $2, motif_levee = $3 WHERE id = $1",
            data.mesure_id,
            data.levee_le,
            data.motif,
        )
        await _touch(db, event)

    # -- prestations -----------------------------------------------------------------------------------

    @handles(PrestationOuverte)
    async def prestation(self, db: Db, event: StoredEvent, data: PrestationOuverte) -> None:
        await db.execute(
            """INSERT INTO prestation (id, dossier_id, esms, type, organisme, reference, montant_mensuel, debut, fin)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            data.prestation_id,
            event.envelope.subject,
            event.envelope.esms,
            data.type.value,
            data.organisme,
            data.reference,
            data.montant_mensuel,
            data.debut,
            data.fin,
        )
        await _touch(db, event)

    @handles(PrestationRenouvelee)
    async def renouvelee(self, db: Db, event: StoredEvent, data: PrestationRenouvelee) -> None:
        await db.execute(
            """UPDATE prestation SET montant_mensuel = $3,
                   alerte = CASE WHEN fin IS DISTINCT FROM $2 THEN NULL ELSE alerte END,
                   alerte_fin = CASE WHEN fin IS DISTINCT FROM $2 THEN NULL ELSE alerte_fin END,
                   fin = $2
               WHERE id = $1""",
            data.prestation_id,
            data.fin,
            data.montant_mensuel,
        )
        await _touch(db, event)

    @handles(PrestationCloturee)
    async def cloturee(self, db: Db, event: StoredEvent, data: PrestationCloturee) -> None:
        await db.execute(
            "UPDATE prestation SET cloturee_le = $2, motif_cloture = $3 WHERE id = $1",
            data.prestation_id,
            data.le,
            data.motif,
        )
        await _touch(db, event)

    @handles(PrestationBientotExpiree)
    async def bientot(self, db: Db, event: StoredEvent, data: PrestationBientotExpiree) -> None:
        await db.execute(
            "UPDATE prestation SET alerte = 'bientot_expiree', alerte_fin = $2 WHERE id = $1",
            data.prestation_id,
            data.fin,
        )
        await _touch(db, event)

    @handles(PrestationExpiree)
    async def expiree(self, db: Db, event: StoredEvent, data: PrestationExpiree) -> None:
        await db.execute(
            "UPDATE prestation SET alerte = 'expiree', alerte_fin = $2 WHERE id = $1",
            data.prestation_id,
            data.fin,
        )
        await _touch(db, event)

    # -- échanges --------------------------------------------------------------------------------------

    @handles(EchangeTrace)
    async def echange(self, db: Db, event: StoredEvent, data: EchangeTrace) -> None:
        await db.execute(
            """INSERT INTO echange (id, dossier_id, le, canal, participants, objet, resume, auteur)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            data.echange_id,
            event.envelope.subject,
            data.le,
            data.canal.value,
            json.dumps(list(data.participants)),
            data.objet,
            data.resume,
            _actor(event),
        )
        await _touch(db, event)

    # -- consentements ---------------------------------------------------------------------------------

    @handles(ConsentementRecueilli)
    async def consentement(self, db: Db, event: StoredEvent, data: ConsentementRecueilli) -> None:
        await db.execute(
            """INSERT INTO consentement (dossier_id, seq, objet, choix, exprime_par, recueilli_par, commentaire, le)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dossier_id, seq) DO NOTHING""",
            event.envelope.subject,
            event.seq,
            data.objet.value,
            data.choix,
            data.exprime_par.value,
            data.recueilli_par,
            data.commentaire,
            data.le,
        )
        await _touch(db, event)


async def _dossier(db: Db, event: StoredEvent, assignments: str, *args: Any) -> None:
    """Parameters $1-$3 are the dossier id, the aggregate version and the event time; the caller's follow."""
    env = event.envelope
    await db.execute(
        f"UPDATE dossier SET {assignments}, version = $2, mis_a_jour_le = $3 WHERE id = $1",
        env.subject,
        env.aggregate_version,
        env.time,
        *args,
    )


async def _touch(db: Db, event: StoredEvent) -> None:
    env = event.envelope
    await db.execute(
        "UPDATE dossier SET version = $2, mis_a_jour_le = $3 WHERE id = $1",
        env.subject,
        env.aggregate_version,
        env.time,
    )


async def _historique(
    db: Db, event: StoredEvent, evenement: str, statut: str, detail: dict[str, Any]
) -> None:
    """Who did what to the identity, and when: identitovigilance asks for it."""
    await db.execute(
        """INSERT INTO identite_historique (dossier_id, seq, le, evenement, statut, acteur, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        event.envelope.subject,
        event.seq,
        event.envelope.time,
        evenement,
        statut,
        _actor(event),
        json.dumps(detail),
    )
