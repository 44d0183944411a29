"""What the soins service knows of dossiers, from the dossier service's events (never its tables): who the person
is, in which ESMS, whether the dossier is open, closed or archived, and when the person is away."""

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


def _noms(traits: TraitsIdentite) -> tuple[str, str, str]:
    nom = traits.nom_utilise or traits.nom_naissance
    prenoms = traits.prenom_utilise or traits.prenoms
    return nom, prenoms, f"{nom} {prenoms}".casefold()


class Dossiers:
    """Handlers of the dossier service's DossierUsager events; mixed into the soins read model."""

    dossier_tables = """
    CREATE TABLE IF NOT EXISTS dossier (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        nom text NOT NULL,
        prenoms text NOT NULL,
        nom_tri text NOT NULL,
        date_naissance date NOT NULL,
        statut text NOT NULL,
        admis_le timestamptz NOT NULL,
        sortie_le timestamptz,
        archive_le timestamptz
    );
    CREATE INDEX IF NOT EXISTS dossier_esms ON dossier (esms);
    CREATE TABLE IF NOT EXISTS absence (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        type text NOT NULL,
        debut timestamptz NOT NULL,
        fin_prevue timestamptz,
        fin timestamptz,
        annulee boolean NOT NULL DEFAULT false
    );
    CREATE INDEX IF NOT EXISTS absence_dossier ON absence (dossier_id);
    """

    @handles(DossierOuvert)
    async def dossier_ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        nom, prenoms, tri = _noms(data.traits)
        await db.execute(
            """INSERT INTO dossier (id, esms, nom, prenoms, nom_tri, date_naissance, statut, admis_le)
               VALUES ($1, $2, $3, $4, $5, $6, 'actif', $7)""",
            event.envelope.subject,
            data.esms,
            nom,
            prenoms,
            tri,
            data.traits.date_naissance,
            data.admis_le,
        )

    @handles(DossierClos)
    async def dossier_clos(self, db: Db, event: StoredEvent, data: DossierClos) -> None:
        await db.execute(
            "UPDATE dossier SET statut = 'clos', sortie_le = $2 WHERE id = $1",
            event.envelope.subject,
            data.sortie_le,
        )

    @handles(DossierArchive)
    async def dossier_archive(self, db: Db, event: StoredEvent, data: DossierArchive) -> None:
        await db.execute(
            "UPDATE dossier SET statut = 'archive', archive_le = $2 WHERE id = $1",
            event.envelope.subject,
            data.archive_le,
        )

    async def _traits(self, db: Db, event: StoredEvent, traits: TraitsIdentite) -> None:
        nom, prenoms, tri = _noms(traits)
        await db.execute(
            "UPDATE dossier SET nom = $2, prenoms = $3, nom_tri = $4, date_naissance = $5 WHERE id = $1",
            event.envelope.subject,
            nom,
            prenoms,
            tri,
            traits.date_naissance,
        )

    @handles(TraitsIdentiteCorriges)
    async def traits_corriges(self, db: Db, event: StoredEvent, data: TraitsIdentiteCorriges) -> None:
        await self._traits(db, event, data.traits)

    @handles(InsRecuperee)
    async def ins_recuperee(self, db: Db, event: StoredEvent, data: InsRecuperee) -> None:
        await self._traits(db, event, data.traits)

    @handles(AbsenceDeclaree)
    async def absence_declaree(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        await db.execute(
            "INSERT INTO absence (id, dossier_id, type, debut, fin_prevue) VALUES ($1, $2, $3, $4, $5)",
            data.absence_id,
            event.envelope.subject,
            data.type.value,
            data.debut,
            data.fin_prevue,
        )

    @handles(AbsenceTerminee)
    async def absence_terminee(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        await db.execute("UPDATE absence SET fin = $2 WHERE id = $1", data.absence_id, data.fin)

    @handles(AbsenceAnnulee)
    async def absence_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        await db.execute("UPDATE absence SET annulee = true WHERE id = $1", data.absence_id)
