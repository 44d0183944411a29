"""What the agenda knows of the dossiers usagers, from the dossier service's events only: the ESMS, the name
and the status of each dossier (to check an event's participants and to name them), and the absences from the
ESMS (to show the person absent at the occurrences they cover)."""

from __future__ import annotations

from dui_shared.contracts.dossier import (
    AbsenceAnnulee,
    AbsenceDeclaree,
    AbsenceTerminee,
    DossierArchive,
    DossierClos,
    DossierOuvert,
    InsRecuperee,
    TraitsIdentiteCorriges,
)
from dui_shared.contracts.identite import TraitsIdentite
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, handles


def nom_affiche(traits: TraitsIdentite) -> str:
    """The name professionals call the person by: name in use (else birth name) and first name in use."""
    nom = traits.nom_utilise or traits.nom_naissance
    prenom = traits.prenom_utilise or traits.premier_prenom or traits.prenoms
    return f"{nom.upper()} {prenom}"


class Dossiers:
    """Handlers of the dossier service's events the agenda follows; mixed into the agenda read model."""

    dossier_tables = """
    CREATE TABLE IF NOT EXISTS dossier (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        nom text NOT NULL,
        statut text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS absence (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        type text NOT NULL,
        debut timestamptz NOT NULL,
        fin timestamptz,
        annulee boolean NOT NULL DEFAULT false,
        seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS absence_dossier ON absence (dossier_id, debut);
    """

    @handles(DossierOuvert)
    async def dossier_ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        await db.execute(
            """INSERT INTO dossier (id, esms, nom, statut) VALUES ($1, $2, $3, 'actif')
               ON CONFLICT (id) DO UPDATE SET esms = $2, nom = $3""",
            event.envelope.subject,
            data.esms,
            nom_affiche(data.traits),
        )

    @handles(DossierClos)
    async def dossier_clos(self, db: Db, event: StoredEvent, data: DossierClos) -> None:
        await _statut(db, event, "clos")

    @handles(DossierArchive)
    async def dossier_archive(self, db: Db, event: StoredEvent, data: DossierArchive) -> None:
        await _statut(db, event, "archive")

    @handles(TraitsIdentiteCorriges)
    async def traits_corriges(self, db: Db, event: StoredEvent, data: TraitsIdentiteCorriges) -> None:
        await _nom(db, event, data.traits)

    @handles(InsRecuperee)
    async def ins_recuperee(self, db: Db, event: StoredEvent, data: InsRecuperee) -> None:
        await _nom(db, event, data.traits)

    @handles(AbsenceDeclaree)
    async def absence_declaree(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        await db.execute(
            """INSERT INTO absence (id, dossier_id, type, debut, fin, seq) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (id) DO NOTHING""",
            data.absence_id,
            event.envelope.subject,
            data.type.value,
            data.debut,
            data.fin_prevue,
            event.seq,
        )

    @handles(AbsenceTerminee)
    async def absence_terminee(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        # the return replaces the expected end; the absence keeps the position it was declared at
        await db.execute("UPDATE absence SET fin = $2 WHERE id = $1", data.absence_id, data.fin)

    @handles(AbsenceAnnulee)
    async def absence_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        await db.execute("UPDATE absence SET annulee = true WHERE id = $1", data.absence_id)


async def _statut(db: Db, event: StoredEvent, statut: str) -> None:
    await db.execute("UPDATE dossier SET statut = $2 WHERE id = $1", event.envelope.subject, statut)


async def _nom(db: Db, event: StoredEvent, traits: TraitsIdentite) -> None:
    await db.execute("UPDATE dossier SET nom = $2 WHERE id = $1", event.envelope.subject, nom_affiche(traits))
