"""The reporting read model: the facts (`fait`) and what the indicators are computed from, fed by every event of
the log.

Tables (schema `reporting`):
- `fait`: one row per reporting fact (dui_shared.contracts.reporting), its source event's id, type and position;
- `dossier`, `projet`, `evaluation`: which person a dossier, a projet personnalisé, an evaluation is about (the
  pseudonymous id of the ESMS and séjour, `personne_id`); no name, no birth date, no INS anywhere;
- `accompagnement`: one row per person and ESMS: entry day, exit day and motif, each with the instant it was
  recorded (the figures "as of" an instant only see what was recorded by then);
- `ecriture`: the days on which a person's dossier received a write, with the first one of each day;
- `projet_version`: the validated versions of each projet personnalisé, with their review date;
- `identite`: the successive identity statuses of each dossier (provisoire, recuperee, validee, qualifiee);
- `evenement`, `evenement_version`, `occurrence_prevue`: the agenda events naming persons, each planning of an
  event valid from the instant it was recorded until the next one (or the cancellation), and its occurrences;
- `realisation`: what was recorded of each occurrence, per person.

Rows come from event data, event times and log positions only (never the clock): a rebuild from sequence 1 gives
the same rows (tested). Nothing here fails on an event it does not expect: an event about a dossier it never saw
opened counts for nobody, a rule it cannot read is its first occurrence.

A *write* on a dossier (the "actif" condition) is any event about the person — their séjour (admission), their
dossier, projet personnalisé and evaluations, soins events carrying their `dossier_id`, agenda events naming
them, information addressed to them, and any future event carrying a `dossier_id` — recorded by someone, not by
the platform itself (actor role `systeme`: the dossier opened in reaction to the admission, the scheduler's
prestation reminders). Habilitation events (who may read) are not writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from dui_reporting.occurrences import occurrences
from dui_shared.contracts import EventData
from dui_shared.contracts.admission import AdmissionPrononcee, MotifSortie, SortiePrononcee
from dui_shared.contracts.agenda import (
    EvenementAnnule,
    EvenementModifie,
    EvenementPlanifie,
    EvenementRealise,
    InformationTransmise,
    PresenceRelevee,
    StatutRealisation,
    TypeDestinataire,
    TypeParticipant,
)
from dui_shared.contracts.dossier import (
    AbsenceAnnulee,
    AbsenceDeclaree,
    AbsenceTerminee,
    DossierOuvert,
    EvaluationAnnulee,
    EvaluationRealisee,
    IdentiteDouteuse,
    IdentiteQualifiee,
    IdentiteValidee,
    InsRecuperee,
    ProjetPersonnaliseInitie,
    ProjetPersonnaliseValide,
    TraitsIdentiteCorriges,
)
from dui_shared.contracts.identite import StatutIdentite
from dui_shared.contracts.reporting import (
    FAITS_A_VENIR,
    FaitAVenir,
    Interlocuteur,
    TypeFait,
    fait_id,
    personne_id,
)
from dui_shared.eventstore import StoredEvent
from dui_shared.projection import Db, Projection, handles
from dui_shared.timezone import PARIS, paris_midnight, to_utc

SYSTEME = "systeme"
"""The role of the platform's own actors: what they record is not someone's write on a dossier."""
AGGIR = "aggir"
CACHE_MAX = 200_000

TABLES = """
CREATE TABLE IF NOT EXISTS fait (
    id uuid PRIMARY KEY,
    type text NOT NULL,
    esms text NOT NULL,
    personne uuid,
    jour date NOT NULL,
    instant timestamptz NOT NULL,
    enregistre_le timestamptz NOT NULL,
    source_id uuid NOT NULL,
    source_type text NOT NULL,
    source_position bigint NOT NULL,
    details jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS fait_esms_type_jour ON fait (esms, type, jour);
CREATE INDEX IF NOT EXISTS fait_esms_jour ON fait (esms, jour);
CREATE TABLE IF NOT EXISTS dossier (
    id uuid PRIMARY KEY,
    personne uuid NOT NULL,
    esms text NOT NULL
);
CREATE TABLE IF NOT EXISTS projet (
    id uuid PRIMARY KEY,
    personne uuid NOT NULL,
    esms text NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluation (
    id uuid PRIMARY KEY,
    personne uuid NOT NULL,
    esms text NOT NULL,
    grille text NOT NULL,
    gir integer,
    annulee boolean NOT NULL,
    source_position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluation_personne ON evaluation (personne, source_position);
CREATE TABLE IF NOT EXISTS accompagnement (
    personne uuid PRIMARY KEY,
    esms text NOT NULL,
    entree_le timestamptz NOT NULL,
    entree_jour date NOT NULL,
    entree_enregistree_le timestamptz NOT NULL,
    entree_source uuid NOT NULL,
    entree_type text NOT NULL,
    entree_position bigint NOT NULL,
    sortie_le timestamptz,
    sortie_jour date,
    sortie_motif text,
    sortie_enregistree_le timestamptz,
    sortie_source uuid,
    sortie_type text,
    sortie_position bigint
);
CREATE INDEX IF NOT EXISTS accompagnement_esms ON accompagnement (esms, entree_jour);
CREATE TABLE IF NOT EXISTS ecriture (
    personne uuid NOT NULL,
    jour date NOT NULL,
    esms text NOT NULL,
    premiere_le timestamptz NOT NULL,
    source_id uuid NOT NULL,
    source_type text NOT NULL,
    source_position bigint NOT NULL,
    PRIMARY KEY (personne, jour)
);
CREATE TABLE IF NOT EXISTS projet_version (
    personne uuid NOT NULL,
    version integer NOT NULL,
    valide_le date NOT NULL,
    revision_le date NOT NULL,
    enregistre_le timestamptz NOT NULL,
    source_id uuid NOT NULL,
    source_type text NOT NULL,
    source_position bigint NOT NULL,
    PRIMARY KEY (personne, version)
);
CREATE TABLE IF NOT EXISTS identite (
    source_id uuid PRIMARY KEY,
    personne uuid NOT NULL,
    statut text NOT NULL,
    enregistre_le timestamptz NOT NULL,
    source_type text NOT NULL,
    source_position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS identite_personne ON identite (personne, source_position);
CREATE TABLE IF NOT EXISTS evenement (
    id uuid PRIMARY KEY,
    esms text NOT NULL,
    personnes uuid[] NOT NULL
);
CREATE TABLE IF NOT EXISTS evenement_version (
    evenement_id uuid NOT NULL,
    source_position bigint NOT NULL,
    personnes uuid[] NOT NULL,
    depuis timestamptz NOT NULL,
    jusqu_a timestamptz,
    source_id uuid NOT NULL,
    source_type text NOT NULL,
    PRIMARY KEY (evenement_id, source_position)
);
CREATE INDEX IF NOT EXISTS evenement_version_personnes ON evenement_version USING gin (personnes);
CREATE TABLE IF NOT EXISTS occurrence_prevue (
    evenement_id uuid NOT NULL,
    version_position bigint NOT NULL,
    occurrence timestamptz NOT NULL,
    jour date NOT NULL,
    PRIMARY KEY (evenement_id, version_position, occurrence)
);
CREATE TABLE IF NOT EXISTS realisation (
    source_id uuid NOT NULL,
    personne uuid NOT NULL,
    evenement_id uuid NOT NULL,
    occurrence timestamptz NOT NULL,
    jour date NOT NULL,
    statut text NOT NULL,
    enregistre_le timestamptz NOT NULL,
    source_type text NOT NULL,
    source_position bigint NOT NULL,
    PRIMARY KEY (source_id, personne)
);
CREATE INDEX IF NOT EXISTS realisation_personne ON realisation (personne, jour);
CREATE INDEX IF NOT EXISTS realisation_occurrence ON realisation (evenement_id, occurrence, personne);
"""

TABLE_KEYS: dict[str, str] = {
    "fait": "id",
    "dossier": "id",
    "projet": "id",
    "evaluation": "id",
    "accompagnement": "personne",
    "ecriture": "personne, jour",
    "projet_version": "personne, version",
    "identite": "source_id",
    "evenement": "id",
    "evenement_version": "evenement_id, source_position",
    "occurrence_prevue": "evenement_id, version_position, occurrence",
    "realisation": "source_id, personne",
}
"""Each table and its primary key: the order in which a full dump is compared (replay equals incremental)."""


@dataclass(frozen=True)
class Personne:
    """A person as reporting knows them: the pseudonymous id, and the ESMS it belongs to."""

    id: UUID
    esms: str


def jour_paris(instant: datetime) -> date:
    return to_utc(instant).astimezone(PARIS).date()


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value)


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


class ReportingReadModel(Projection):
    name = "reporting"
    subjects = ("dui.evt.>",)
    tables = TABLES

    def __init__(self) -> None:
        # which person a dossier, projet or evaluation is about never changes once known: remembered here
        self._connus: dict[tuple[str, UUID], Personne] = {}

    # -- every event: its specific handler, a fact of a service to come, the writes it makes ---------------------

    async def apply(self, db: Db, event: StoredEvent, data: EventData) -> None:
        await super().apply(db, event, data)
        env = event.envelope
        if type(data) not in self._handlers:
            a_venir = FAITS_A_VENIR.get(f"{env.service}.{env.name}")
            if a_venir is not None:
                await self._fait_a_venir(db, event, data, a_venir)
        for personne in await self._concernees(db, event, data):
            await self._ecriture(db, event, personne)

    async def _concernees(self, db: Db, event: StoredEvent, data: EventData) -> list[Personne]:
        """The persons whose dossier this event writes to (none when the platform itself recorded it)."""
        env = event.envelope
        if env.actor.role == SYSTEME or env.service == "habilitation":
            return []
        found: Personne | None = None
        if env.service == "admission":
            if env.aggregate_type != "sejour":
                return []
            return [Personne(personne_id(env.esms, env.subject), env.esms)]
        if env.service == "agenda":
            if isinstance(data, PresenceRelevee):
                if data.type_participant is TypeParticipant.usager:
                    found = await self._connu(db, "dossier", data.participant)
            elif isinstance(data, InformationTransmise):
                if data.destinataire_type is TypeDestinataire.usager:
                    found = await self._connu(db, "dossier", data.destinataire)
            elif env.aggregate_type == "evenement":
                return await self._personnes_evenement(db, env.subject)
        elif env.service == "dossier":
            table = {
                "dossierusager": "dossier",
                "projetpersonnalise": "projet",
                "evaluation": "evaluation",
            }.get(env.aggregate_type)
            if table is not None:
                found = await self._connu(db, table, env.subject)
        else:  # soins, and the services to come: an event about a person names their dossier
            dossier_id = getattr(data, "dossier_id", None)
            if dossier_id is not None:
                found = await self._connu(db, "dossier", dossier_id)
        return [found] if found is not None else []

    async def _connu(self, db: Db, table: str, key: Any) -> Personne | None:
        """The person a dossier, projet or evaluation (`table`) is about, if reporting saw it created."""
        ident = _uuid(key)
        if ident is None:
            return None
        hit = self._connus.get((table, ident))
        if hit is not None:
            return hit
        row = await db.fetchrow(f"SELECT personne, esms FROM {table} WHERE id = $1", ident)
        if row is None:
            return None
        return self._retenir(table, ident, Personne(row["personne"], row["esms"]))

    def _retenir(self, table: str, ident: UUID, personne: Personne) -> Personne:
        if len(self._connus) >= CACHE_MAX:
            self._connus.clear()
        self._connus[(table, ident)] = personne
        return personne

    async def _personnes_evenement(self, db: Db, evenement_id: str) -> list[Personne]:
        ident = _uuid(evenement_id)
        row = (
            await db.fetchrow("SELECT esms, personnes FROM evenement WHERE id = $1", ident) if ident else None
        )
        return [Personne(p, row["esms"]) for p in row["personnes"]] if row is not None else []

    async def _ecriture(self, db: Db, event: StoredEvent, personne: Personne) -> None:
        """The day's write on the person's dossier: the earliest one of the day is kept."""
        env = event.envelope
        await db.execute(
            """INSERT INTO ecriture (personne, jour, esms, premiere_le, source_id, source_type, source_position)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (personne, jour) DO UPDATE SET esms = excluded.esms,
                   premiere_le = excluded.premiere_le, source_id = excluded.source_id,
                   source_type = excluded.source_type, source_position = excluded.source_position
               WHERE excluded.premiere_le < ecriture.premiere_le""",
            personne.id,
            jour_paris(env.time),
            personne.esms,
            env.time,
            env.id,
            env.type,
            event.seq,
        )

    async def _fait(
        self,
        db: Db,
        event: StoredEvent,
        type_fait: TypeFait,
        personne: Personne | None,
        instant: datetime | date,
        details: dict[str, Any] | None = None,
        *,
        esms: str | None = None,
        par_personne: bool = False,
    ) -> None:
        env = event.envelope
        if not isinstance(instant, datetime):
            instant = paris_midnight(instant)
        instant = to_utc(instant)
        await db.execute(
            """INSERT INTO fait (id, type, esms, personne, jour, instant, enregistre_le, source_id, source_type,
                   source_position, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) ON CONFLICT (id) DO NOTHING""",
            fait_id(env.id, type_fait, personne.id if par_personne and personne else None),
            type_fait.value,
            esms or (personne.esms if personne else env.esms),
            personne.id if personne else None,
            jour_paris(instant),
            instant,
            env.time,
            env.id,
            env.type,
            event.seq,
            json.dumps(details or {}, sort_keys=True, default=_json),
        )

    async def _fait_a_venir(self, db: Db, event: StoredEvent, data: EventData, a_venir: FaitAVenir) -> None:
        """A fact of a service still to be built (DMP, MSSanté), from the fields its event is expected to carry."""
        values = data.model_dump(mode="python")
        instant: datetime | date = event.envelope.time
        for field in a_venir.instants:
            if isinstance(values.get(field), date):
                instant = values[field]
                break
        personne = None
        if values.get("dossier_id") is not None:
            personne = await self._connu(db, "dossier", values["dossier_id"])
        details: dict[str, Any] = {}
        if a_venir.interlocuteur is not None:
            value = values.get(a_venir.interlocuteur)
            value = getattr(value, "value", value)
            known = {i.value for i in Interlocuteur}
            details["interlocuteur"] = value if value in known else Interlocuteur.professionnel.value
        await self._fait(db, event, a_venir.type, personne, instant, details)

    # -- admission: entries and exits ----------------------------------------------------------------------

    @handles(AdmissionPrononcee)
    async def admission(self, db: Db, event: StoredEvent, data: AdmissionPrononcee) -> None:
        env = event.envelope
        personne = Personne(personne_id(data.esms, env.subject), data.esms)
        await db.execute(
            """INSERT INTO accompagnement (personne, esms, entree_le, entree_jour, entree_enregistree_le,
                   entree_source, entree_type, entree_position)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (personne) DO NOTHING""",
            personne.id,
            personne.esms,
            data.admis_le,
            jour_paris(data.admis_le),
            env.time,
            env.id,
            env.type,
            event.seq,
        )
        await self._fait(
            db, event, TypeFait.entree, personne, data.admis_le, {"type_accueil": data.type_accueil.value}
        )

    @handles(SortiePrononcee)
    async def sortie(self, db: Db, event: StoredEvent, data: SortiePrononcee) -> None:
        env = event.envelope
        personne = Personne(personne_id(env.esms, env.subject), env.esms)
        await db.execute(
            """UPDATE accompagnement SET sortie_le = $2, sortie_jour = $3, sortie_motif = $4,
                   sortie_enregistree_le = $5, sortie_source = $6, sortie_type = $7, sortie_position = $8
               WHERE personne = $1 AND sortie_source IS NULL""",
            personne.id,
            data.sortie_le,
            jour_paris(data.sortie_le),
            data.motif.value,
            env.time,
            env.id,
            env.type,
            event.seq,
        )
        details = {"motif": data.motif.value, "deces": data.motif is MotifSortie.deces}
        await self._fait(db, event, TypeFait.sortie, personne, data.sortie_le, details)

    # -- dossier: who it is about, identity, absences --------------------------------------------------------

    @handles(DossierOuvert)
    async def dossier_ouvert(self, db: Db, event: StoredEvent, data: DossierOuvert) -> None:
        ident = _uuid(event.envelope.subject)
        if ident is None:
            return
        personne = Personne(personne_id(data.esms, data.sejour_id), data.esms)
        await db.execute(
            "INSERT INTO dossier (id, personne, esms) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            ident,
            personne.id,
            personne.esms,
        )
        self._retenir("dossier", ident, personne)

    async def _identite(self, db: Db, event: StoredEvent, statut: StatutIdentite) -> Personne | None:
        env = event.envelope
        personne = await self._connu(db, "dossier", env.subject)
        if personne is not None:
            await db.execute(
                """INSERT INTO identite (source_id, personne, statut, enregistre_le, source_type, source_position)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_id) DO NOTHING""",
                env.id,
                personne.id,
                statut.value,
                env.time,
                env.type,
                event.seq,
            )
        return personne

    @handles(TraitsIdentiteCorriges)
    async def traits_corriges(self, db: Db, event: StoredEvent, data: TraitsIdentiteCorriges) -> None:
        await self._identite(db, event, data.statut)

    @handles(InsRecuperee)
    async def ins_recuperee(self, db: Db, event: StoredEvent, data: InsRecuperee) -> None:
        await self._identite(db, event, data.statut)

    @handles(IdentiteValidee)
    async def identite_validee(self, db: Db, event: StoredEvent, data: IdentiteValidee) -> None:
        await self._identite(db, event, data.statut)

    @handles(IdentiteQualifiee)
    async def identite_qualifiee(self, db: Db, event: StoredEvent, data: IdentiteQualifiee) -> None:
        personne = await self._identite(db, event, StatutIdentite.qualifiee)
        if personne is not None:
            await self._fait(db, event, TypeFait.ins_qualifiee, personne, data.qualifiee_le)

    @handles(IdentiteDouteuse)
    async def identite_douteuse(self, db: Db, event: StoredEvent, data: IdentiteDouteuse) -> None:
        await self._identite(db, event, StatutIdentite.provisoire)

    @handles(AbsenceDeclaree)
    async def absence_declaree(self, db: Db, event: StoredEvent, data: AbsenceDeclaree) -> None:
        personne = await self._connu(db, "dossier", event.envelope.subject)
        if personne is not None:
            details = {"type": data.type.value, "fin_prevue": data.fin_prevue}
            await self._fait(db, event, TypeFait.absence_debut, personne, data.debut, details)

    @handles(AbsenceTerminee)
    async def absence_terminee(self, db: Db, event: StoredEvent, data: AbsenceTerminee) -> None:
        personne = await self._connu(db, "dossier", event.envelope.subject)
        if personne is not None:
            await self._fait(db, event, TypeFait.absence_retour, personne, data.fin)

    @handles(AbsenceAnnulee)
    async def absence_annulee(self, db: Db, event: StoredEvent, data: AbsenceAnnulee) -> None:
        personne = await self._connu(db, "dossier", event.envelope.subject)
        if personne is not None:
            await self._fait(db, event, TypeFait.absence_annulee, personne, event.envelope.time)

    # -- projet personnalisé -------------------------------------------------------------------------------

    @handles(ProjetPersonnaliseInitie)
    async def projet_initie(self, db: Db, event: StoredEvent, data: ProjetPersonnaliseInitie) -> None:
        ident = _uuid(event.envelope.subject)
        personne = await self._connu(db, "dossier", data.dossier_id)
        if ident is None or personne is None:
            return
        await db.execute(
            "INSERT INTO projet (id, personne, esms) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            ident,
            personne.id,
            personne.esms,
        )
        self._retenir("projet", ident, personne)

    @handles(ProjetPersonnaliseValide)
    async def projet_valide(self, db: Db, event: StoredEvent, data: ProjetPersonnaliseValide) -> None:
        env = event.envelope
        personne = await self._connu(db, "projet", env.subject)
        if personne is None:
            return
        await db.execute(
            """INSERT INTO projet_version (personne, version, valide_le, revision_le, enregistre_le, source_id,
                   source_type, source_position)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (personne, version) DO NOTHING""",
            personne.id,
            data.version,
            data.valide_le,
            data.date_prochaine_revision,
            env.time,
            env.id,
            env.type,
            event.seq,
        )
        details = {
            "version": data.version,
            "remplace": data.remplace,
            "date_prochaine_revision": data.date_prochaine_revision,
        }
        await self._fait(db, event, TypeFait.projet_valide, personne, data.valide_le, details)

    # -- evaluations ------------------------------------------------------------------------------------------

    @handles(EvaluationRealisee)
    async def evaluation(self, db: Db, event: StoredEvent, data: EvaluationRealisee) -> None:
        env = event.envelope
        ident = _uuid(env.subject)
        personne = await self._connu(db, "dossier", data.dossier_id)
        if ident is None or personne is None:
            return
        precedent = None
        if data.grille == AGGIR and data.gir is not None:
            row = await db.fetchrow(
                """SELECT gir FROM evaluation WHERE personne = $1 AND grille = $2 AND gir IS NOT NULL
                   AND NOT annulee AND id <> $3 ORDER BY source_position DESC LIMIT 1""",
                personne.id,
                AGGIR,
                ident,
            )
            precedent = row["gir"] if row is not None else None
        await db.execute(
            """INSERT INTO evaluation (id, personne, esms, grille, gir, annulee, source_position)
               VALUES ($1, $2, $3, $4, $5, false, $6) ON CONFLICT (id) DO NOTHING""",
            ident,
            personne.id,
            personne.esms,
            data.grille,
            data.gir,
            event.seq,
        )
        self._retenir("evaluation", ident, personne)
        details = {"grille": data.grille, "gir": data.gir}
        await self._fait(db, event, TypeFait.evaluation_realisee, personne, data.realisee_le, details)
        if data.grille == AGGIR and data.gir is not None and data.gir != precedent:
            details = {"gir": data.gir, "precedent": precedent}
            await self._fait(db, event, TypeFait.gir_evolue, personne, data.realisee_le, details)

    @handles(EvaluationAnnulee)
    async def evaluation_annulee(self, db: Db, event: StoredEvent, data: EvaluationAnnulee) -> None:
        env = event.envelope
        personne = await self._connu(db, "evaluation", env.subject)
        if personne is None:
            return
        await db.execute("UPDATE evaluation SET annulee = true WHERE id = $1", _uuid(env.subject))
        await self._fait(db, event, TypeFait.evaluation_annulee, personne, env.time)

    # -- agenda: planned and held occurrences -----------------------------------------------------------------

    async def _planning(
        self, db: Db, event: StoredEvent, usagers: tuple[UUID, ...] | None, debut: datetime, regle: str | None
    ) -> None:
        """The event's planning as of this event: the previous one ends now; a new one (with its occurrences)
        starts if the event still names persons (`usagers` None: cancelled)."""
        env = event.envelope
        ident = _uuid(env.subject)
        if ident is None:
            return
        await db.execute(
            "UPDATE evenement_version SET jusqu_a = $2 WHERE evenement_id = $1 AND jusqu_a IS NULL",
            ident,
            env.time,
        )
        if usagers is None:
            return
        personnes: list[Personne] = []
        for usager in usagers:
            personne = await self._connu(db, "dossier", usager)
            if personne is not None and personne not in personnes:
                personnes.append(personne)
        ids = [p.id for p in personnes]
        await db.execute(
            """INSERT INTO evenement (id, esms, personnes) VALUES ($1, $2, $3)
               ON CONFLICT (id) DO UPDATE SET personnes = excluded.personnes""",
            ident,
            env.esms,
            ids,
        )
        if not ids:
            return
        await db.execute(
            """INSERT INTO evenement_version (evenement_id, source_position, personnes, depuis, source_id,
                   source_type)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            ident,
            event.seq,
            ids,
            env.time,
            env.id,
            env.type,
        )
        for occurrence in occurrences(debut, regle):
            await db.execute(
                """INSERT INTO occurrence_prevue (evenement_id, version_position, occurrence, jour)
                   VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
                ident,
                event.seq,
                occurrence,
                jour_paris(occurrence),
            )

    @handles(EvenementPlanifie)
    async def evenement_planifie(self, db: Db, event: StoredEvent, data: EvenementPlanifie) -> None:
        await self._planning(db, event, data.participants.usagers, data.debut, data.recurrence)

    @handles(EvenementModifie)
    async def evenement_modifie(self, db: Db, event: StoredEvent, data: EvenementModifie) -> None:
        await self._planning(db, event, data.participants.usagers, data.debut, data.recurrence)

    @handles(EvenementAnnule)
    async def evenement_annule(self, db: Db, event: StoredEvent, data: EvenementAnnule) -> None:
        await self._planning(db, event, None, event.envelope.time, None)

    @handles(EvenementRealise)
    async def evenement_realise(self, db: Db, event: StoredEvent, data: EvenementRealise) -> None:
        env = event.envelope
        ident = _uuid(env.subject)
        if ident is None:
            return
        for personne in await self._personnes_evenement(db, env.subject):
            await db.execute(
                """INSERT INTO realisation (source_id, personne, evenement_id, occurrence, jour, statut,
                       enregistre_le, source_type, source_position)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
                env.id,
                personne.id,
                ident,
                data.occurrence,
                jour_paris(data.occurrence),
                data.statut.value,
                env.time,
                env.type,
                event.seq,
            )
            if data.statut is StatutRealisation.realise:
                await self._fait(
                    db, event, TypeFait.evenement_realise, personne, data.occurrence, par_personne=True
                )
            if data.correction:
                details = {"statut": data.statut.value}
                await self._fait(
                    db,
                    event,
                    TypeFait.evenement_realisation_corrigee,
                    personne,
                    data.occurrence,
                    details,
                    par_personne=True,
                )
