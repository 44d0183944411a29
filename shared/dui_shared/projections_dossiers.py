"""What a service other than the dossier service knows of the dossiers usagers, from the dossier service's events
only (never its tables): one mixin, `DossiersConnus`, for every read model that needs it (soins, agenda).

Why one copy: the services that follow the dossiers must agree on who is known, in which ESMS, whether the
dossier is open, closed or archived, and when the person is away. Two hand-written copies had drifted — one
inserted plainly (a second `DossierOuvert` would have been parked as poison), the other with ON CONFLICT; one
kept the expected end of an absence apart from its actual end, the other overwrote it; the names were built two
ways — and nothing kept them from disagreeing. Here each event is applied once, the same way, into the same
columns, and each service reads the ones it needs.

Mix it into a read model as the dossier service mixes `Dossiers` and `Projets`, with the dossier subjects in
`subjects` and `DossiersConnus.dossier_tables` in `tables`:

    class SoinsReadModel(DossiersConnus, Notes, Soins, Projection):
        name = "soins"
        subjects = ("dui.evt.*.soins.>", DOSSIERS_USAGERS)
        tables = DossiersConnus.dossier_tables + Notes.notes_tables + Soins.soins_tables

Two tables, named so they cannot clash with a service's own (its relations, indexes included):

- `dossier_connu`: one row per dossier — ESMS, the name parts as the traits give them, the names derived from
  them (`nom` and `prenoms` in use, `nom_affiche` "NOM Prénom" as professionals call the person, `nom_tri` to
  sort on), birth date, status (`actif`, `clos`, `archive`) and the admission, exit and archiving instants;
- `absence_connue`: one row per absence — type, start, expected end (`fin_prevue`), actual end (`fin`, set when
  the person is back; `coalesce(fin, fin_prevue)` is the end as known now), cancelled, and `seq`, the log
  position it was declared at (a later relevé of presence wins over it).

Replay-deterministic: every value comes from the event's data, its subject or its position in the log, never
from the clock, so a rebuild from sequence 1 gives the same rows as the live schema. Idempotent under
redelivery: inserts are keyed by the dossier or absence id (ON CONFLICT DO NOTHING), updates set values.
A schema filled before these tables existed is filled by a rebuild (`python -m dui_soins rebuild`,
`python -m dui_agenda rebuild`).
"""

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

DOSSIERS_USAGERS = "dui.evt.*.dossier.dossierusager.>"
"""The subjects of the dossier service's `DossierUsager` events, to add to the read model's `subjects`."""


def nom_affiche(traits: TraitsIdentite) -> str:
    """The name professionals call the person by: name in use (else birth name) and first name in use."""
    nom = traits.nom_utilise or traits.nom_naissance
    prenom = traits.prenom_utilise or traits.premier_prenom or traits.prenoms
    return f"{nom.upper()} {prenom}"


def _noms(traits: TraitsIdentite) -> tuple[str | None, ...]:
    """The values of the name columns, in the order of `_NOMS`."""
    nom = traits.nom_utilise or traits.nom_naissance
    prenoms = traits.prenom_utilise or traits.prenoms
    return (
        traits.nom_naissance,
        traits.prenoms,
        traits.premier_prenom,
        traits.nom_utilise,
        traits.prenom_utilise,
        nom,
        prenoms,
        nom_affiche(traits),
        f"{nom} {prenoms}".casefold(),
    )


_NOMS = "nom_naissance, prenoms_naissance, premier_prenom, nom_utilise, prenom_utilise, nom, prenoms, nom_affiche, nom_tri"


class DossiersConnus:
    """Handlers of the dossier service's `DossierUsager` events a service follows; mixed into its read model."""

    dossier_tables = """
    CREATE TABLE IF NOT EXISTS dossier_connu (
        id uuid PRIMARY KEY,
        esms text NOT NULL,
        nom_naissance text NOT NULL,
        prenoms_naissance text NOT NULL,
        premier_prenom text NOT NULL,
        nom_utilise text,
        prenom_utilise text,
        nom text NOT NULL,
        prenoms text NOT NULL,
        nom_affiche text NOT NULL,
        nom_tri text NOT NULL,
        date_naissance date NOT NULL,
        statut text NOT NULL,
        admis_le timestamptz NOT NULL,
        sortie_le timestamptz,
        archive_le timestamptz
    );
    CREATE INDEX IF NOT EXISTS dossier_connu_esms ON dossier_connu (esms);
    CREATE TABLE IF NOT EXISTS absence_connue (
        id uuid PRIMARY KEY,
        dossier_id uuid NOT NULL,
        type text NOT NULL,
        debut timestamptz NOT NULL,
        fin_prevue timestamptz,
        fin timestamptz,
        annulee boolean NOT NULL DEFAULT false,
        seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS absence_connue_dossier ON absence_connue (dossier_id, debut);
    """

    @handles(DossierOuvert)
    async def dossier_connu_ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        await db.execute(
            f"""INSERT INTO dossier_connu (id, esms, {_NOMS}, date_naissance, statut, admis_le)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'actif', $13)
                ON CONFLICT (id) DO NOTHING""",
            event.envelope.subject,
            data.esms,
            *_noms(data.traits),
            data.traits.date_naissance,
            data.admis_le,
        )

    @handles(DossierClos)
    async def dossier_connu_clos(self, db: Db, event: StoredEvent, data: DossierClos) -> None:
        await db.execute(
            "UPDATE dossier_connu SET statut = 'clos', sortie_le = $2 WHERE id = $1",
            event.envelope.subject,
            data.sortie_le,
        )

    @handles(DossierArchive)
    async def dossier_connu_archive(self, db: Db, event: StoredEvent, data: DossierArchive) -> None:
        await db.execute(
            "UPDATE dossier_connu SET statut = 'archive', archive_le = $2 WHERE id = $1",
            event.envelope.subject,
            data.archive_le,
        )

    @handles(TraitsIdentiteCorriges)
    async def dossier_connu_traits_corriges(
        self, db: Db, event: StoredEvent, data: TraitsIdentiteCorriges
    ) -> None:
        await _traits(db, event, data.traits)

    @handles(InsRecuperee)
    async def dossier_connu_ins_recuperee(self, db: Db, event: StoredEvent, data: InsRecuperee) -> None:
        await _traits(db, event, data.traits)

    @handles(AbsenceDeclaree)
    async def absence_connue_declaree(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        await db.execute(
            """INSERT INTO absence_connue (id, dossier_id, type, debut, fin_prevue, seq)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING""",
            data.absence_id,
            event.envelope.subject,
            data.type.value,
            data.debut,
            data.fin_prevue,
            event.seq,
        )

    @handles(AbsenceTerminee)
    async def absence_connue_terminee(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        # the expected end is kept; the absence keeps the position it was declared at
        await db.execute("UPDATE absence_connue SET fin = $2 WHERE id = $1", data.absence_id, data.fin)

    @handles(AbsenceAnnulee)
    async def absence_connue_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        await db.execute("UPDATE absence_connue SET annulee = true WHERE id = $1", data.absence_id)


async def _traits(db: Db, event: StoredEvent, traits: TraitsIdentite) -> None:
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(_NOMS.split(", "), start=2))
    await db.execute(
        f"UPDATE dossier_connu SET {assignments}, date_naissance = $11 WHERE id = $1",
        event.envelope.subject,
        *_noms(traits),
        traits.date_naissance,
    )
