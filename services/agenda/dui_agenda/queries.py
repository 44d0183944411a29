"""Reads of the agenda read model. Occurrences are expanded here, within the window asked for, from the rule
each event stores; every read is scoped to the ESMS the actor may see (another's: not found, or left out of
lists and exports).

Expansions run in a worker thread, each read within one `Budget` of occurrences (every event together: beyond
it, a 422 `trop_d_occurrences` naming the window), so no rule and no window holds the event loop. Overlaps are
found with each other event's starts built once (bisection), conflicts by merging two sorted lists.

An agenda flags only the overlaps that share its owner: a resident's agenda shows the Loto overlapping their
own appointment, never another resident's private one. Information addressed to a professional is seen by
that professional, its author and OG-level roles only (a person's information, by the ESMS's professionals).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import asyncpg
from icalendar import Calendar, Event, vRecur

from dui_agenda.domain.recurrence import (
    Budget,
    Conflit,
    Creneau,
    Planning,
    Serie,
    chevauchants,
    conflits,
)
from dui_agenda.projections import AgendaReadModel
from dui_shared.contracts.agenda import TypeParticipant
from dui_shared.contracts.agenda_api import (
    AgendaVue,
    ChevauchementVue,
    ConflitVue,
    EvenementVue,
    FiltreFenetre,
    FiltreInformations,
    FiltreManques,
    InformationVue,
    OccurrenceVue,
    PageInformations,
    PageManques,
    ParticipantVue,
    PresenceVue,
    RealisationVue,
)
from dui_shared.envelope import Actor
from dui_shared.errors import InvalidInput, NotFound
from dui_shared.eventstore import EventStore
from dui_shared.observability import get_logger
from dui_shared.operations import scope_esms
from dui_shared.projection import reflects_log
from dui_shared.timezone import paris_midnight, to_paris, today_paris

FENETRE_MAX = 366  # days an agenda view or the missed list may span
FENETRE_ICS_MAX = 731
HORIZON = timedelta(days=366)  # conflicts of a planned event are looked for this far after its start
CONFLITS_OCCURRENCES = 2000  # … or over its first 2000 occurrences, if they end sooner
MANQUES_JOURS = 30  # the missed list's default window: the last 30 days
COLUMNS = {"usager": "usagers", "professionnel": "professionnels", "candidature": "candidatures"}
CASTS = {"usager": "uuid[]", "professionnel": "text[]", "candidature": "uuid[]"}
Owner = Literal["usager", "professionnel", "candidature"]
WINDOW = "e.debut < ${end} AND (e.fin_max IS NULL OR e.fin_max > ${start})"
log = get_logger(__name__)


@dataclass(frozen=True)
class Fenetre:
    du: date
    au: date

    @property
    def start(self) -> datetime:
        return paris_midnight(self.du).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return paris_midnight(self.au + timedelta(days=1)).astimezone(UTC)


def fenetre(filtre: FiltreFenetre, defaut_du: date, defaut_jours: int, maximum: int = FENETRE_MAX) -> Fenetre:
    """Paris calendar days `du` to `au`, both included; defaults when not given."""
    du = filtre.du or (filtre.au - timedelta(days=defaut_jours) if filtre.au else defaut_du)
    au = filtre.au or du + timedelta(days=defaut_jours)
    if au < du:
        raise InvalidInput.single("au", "fin_avant_debut", "la fin de la période précède son début")
    if (au - du).days >= maximum:
        raise InvalidInput.single("au", "fenetre_trop_longue", f"une période de {maximum} jours au plus")
    return Fenetre(du, au)


@dataclass(frozen=True)
class DossierConnu:
    esms: str
    statut: str
    nom: str


def _keys(row: asyncpg.Record) -> frozenset[str]:
    return frozenset(
        [f"usager:{u}" for u in row["usagers"]]
        + [f"professionnel:{p}" for p in row["professionnels"]]
        + [f"candidature:{c}" for c in row["candidatures"]]
    )


def _participants(row: asyncpg.Record) -> list[tuple[TypeParticipant, str]]:
    return [
        *((TypeParticipant.usager, str(u)) for u in row["usagers"]),
        *((TypeParticipant.professionnel, p) for p in row["professionnels"]),
        *((TypeParticipant.candidature, str(c)) for c in row["candidatures"]),
    ]


def _serie(row: asyncpg.Record) -> Serie:
    return Serie(row["debut"], row["fin"], row["recurrence"])


@dataclass(frozen=True)
class Etale:
    """Another event's occurrences over a window, expanded once, with their starts (for bisection)."""

    planning: Planning
    creneaux: list[Creneau]
    starts: list[datetime]


def _creneaux(
    rows: list[asyncpg.Record], start: datetime, end: datetime, budget: Budget
) -> list[tuple[asyncpg.Record, Creneau]]:
    return [(r, c) for r in rows for c in _serie(r).occurrences(start, end, budget)]


def _etales(plannings: list[Planning], start: datetime, end: datetime, budget: Budget) -> list[Etale]:
    out = []
    for planning in plannings:
        creneaux = planning.creneaux(start, end, budget)
        out.append(Etale(planning, creneaux, [c[0] for c in creneaux]))
    return out


def _informations_visibles(actor: Actor, where: list[str], args: list[Any]) -> None:
    """Information addressed to a professional: its recipient, its author and OG-level roles only."""
    if actor.og_wide:
        return
    args.append(actor.id)
    n = len(args)
    where.append(f"(destinataire_type <> 'professionnel' OR destinataire = ${n} OR transmise_par = ${n})")


def conflit_vue(c: Conflit) -> ConflitVue:
    return ConflitVue(
        evenement_id=UUID(c.evenement_id),
        titre=c.titre,
        debut=to_paris(c.debut),
        fin=to_paris(c.fin),
        occurrences=c.occurrences,
        participants=list(c.participants),
    )


class AgendaQueries:
    def __init__(self, pool: asyncpg.Pool, store: EventStore) -> None:
        self.pool = pool
        self.store = store

    # -- what commands check against ---------------------------------------------------------------------

    async def rattraper(self, timeout: float = 2.5) -> bool:
        """Wait until the read model reflects the log as it is now: a write checks its participants' dossiers
        and looks for conflicts in it. False when it is still behind after `timeout`."""
        return await reflects_log(self.store, self.pool, AgendaReadModel, timeout)

    async def dossiers(self, ids: list[UUID]) -> dict[UUID, DossierConnu]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, esms, statut, nom_affiche AS nom FROM agenda.dossier_connu WHERE id = ANY($1::uuid[])",
                ids,
            )
        return {r["id"]: DossierConnu(r["esms"], r["statut"], r["nom"]) for r in rows}

    async def conflits(
        self,
        actor: Actor,
        evenement_id: UUID,
        titre: str,
        serie: Serie,
        participants: frozenset[str],
        du: datetime | None = None,
        au: datetime | None = None,
    ) -> list[Conflit]:
        """The events the actor may see that share a participant and overlap one of the occurrences of this
        series between `du` and `au` (default: from its start, for a year at most, or over its first
        `CONFLITS_OCCURRENCES` occurrences if they end sooner)."""
        du = du or serie.debut
        if au is None:
            au = serie.debut + HORIZON
            fin = serie.fin_max()
            if fin is not None:
                au = min(au, fin)
            premieres = await asyncio.to_thread(serie.occurrences, du, au, None, CONFLITS_OCCURRENCES)
            if len(premieres) == CONFLITS_OCCURRENCES:
                au = premieres[-1][1]
        async with self.pool.acquire() as conn:
            autres = await self._plannings(conn, actor, participants, du, au, exclude=evenement_id)
        cible = Planning(str(evenement_id), titre, serie, participants)
        return await asyncio.to_thread(conflits, cible, autres, du, au, Budget(du, au))

    async def _plannings(
        self,
        conn: asyncpg.Connection,
        actor: Actor,
        participants: frozenset[str],
        du: datetime,
        au: datetime,
        exclude: UUID | None = None,
    ) -> list[Planning]:
        """The planned (not cancelled) events of these participants the actor may see, touching [du, au),
        with their cancelled occurrences."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for key in participants:
            kind, _, pid = key.partition(":")
            by_kind[kind].append(pid)
        args: list[Any] = [au, du]
        shared = []
        for kind, column in COLUMNS.items():
            args.append(by_kind.get(kind, []))
            shared.append(f"e.{column} && ${len(args)}::{CASTS[kind]}")
        where = [WINDOW.format(end=1, start=2), "e.statut = 'planifie'", f"({' OR '.join(shared)})"]
        if exclude is not None:
            args.append(exclude)
            where.append(f"e.id <> ${len(args)}")
        scope_esms(actor, [], where, args, column="e.esms")
        rows = await conn.fetch(f"SELECT * FROM agenda.evenement e WHERE {' AND '.join(where)}", *args)
        exclues = await self._annulees(conn, [r["id"] for r in rows], du, au)
        return [
            Planning(str(r["id"]), r["titre"], _serie(r), _keys(r), frozenset(exclues.get(r["id"], ())))
            for r in rows
        ]

    @staticmethod
    async def _annulees(
        conn: asyncpg.Connection, ids: list[UUID], du: datetime, au: datetime
    ) -> dict[UUID, set[datetime]]:
        rows = await conn.fetch(
            """SELECT evenement_id, occurrence FROM agenda.realisation
               WHERE evenement_id = ANY($1::uuid[]) AND statut = 'annule' AND occurrence < $2
                 AND occurrence > $3::timestamptz - interval '400 days'""",
            ids,
            au,
            du,
        )
        out: dict[UUID, set[datetime]] = defaultdict(set)
        for r in rows:
            out[r["evenement_id"]].add(r["occurrence"])
        return out

    # -- occurrences -------------------------------------------------------------------------------------

    async def _occurrences(
        self,
        conn: asyncpg.Connection,
        actor: Actor,
        rows: list[asyncpg.Record],
        start: datetime,
        end: datetime,
        *,
        proprietaire: str | None = None,
    ) -> list[OccurrenceVue]:
        """Every occurrence of these events overlapping [start, end), with its status, its participants'
        presence (recorded, or an absence declared in the dossier) and the overlapping occurrences: those of
        the other events of `proprietaire` (`kind:id`) in an agenda — another resident's appointments are no
        business of this one's agenda — or of any participant of the event in the event's view."""
        budget = Budget(start, end)
        slots = await asyncio.to_thread(_creneaux, rows, start, end, budget)
        if not slots:
            return []
        keys = (
            frozenset({proprietaire})
            if proprietaire is not None
            else frozenset().union(*(_keys(r) for r in rows))
        )
        span = max(c[1] for _, c in slots)
        plannings = await self._plannings(conn, actor, keys, start, span)
        autres = await asyncio.to_thread(_etales, plannings, start, span, budget)
        return await self._vues(conn, slots, autres, proprietaire)

    async def _realisations(
        self, conn: asyncpg.Connection, slots: list[tuple[asyncpg.Record, Creneau]]
    ) -> dict[tuple[UUID, datetime], asyncpg.Record]:
        keys = ([r["id"] for r, _ in slots], [c[0] for _, c in slots])
        return {
            (x["evenement_id"], x["occurrence"]): x
            for x in await conn.fetch(
                """SELECT * FROM agenda.realisation WHERE (evenement_id, occurrence) IN
                   (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))""",
                *keys,
            )
        }

    async def _vues(
        self,
        conn: asyncpg.Connection,
        slots: list[tuple[asyncpg.Record, Creneau]],
        autres: list[Etale],
        proprietaire: str | None,
    ) -> list[OccurrenceVue]:
        """The views of these occurrences; `autres`, the other events' expanded occurrences to flag."""
        if not slots:
            return []
        start = min(c[0] for _, c in slots)
        end = max(c[1] for _, c in slots)
        keys = ([r["id"] for r, _ in slots], [c[0] for _, c in slots])
        realisations = await self._realisations(conn, slots)
        presences = {
            (x["evenement_id"], x["occurrence"], x["participant"]): x
            for x in await conn.fetch(
                """SELECT * FROM agenda.presence WHERE (evenement_id, occurrence) IN
                   (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))""",
                *keys,
            )
        }
        usagers = sorted({u for r, _ in slots for u in r["usagers"]})
        noms = {
            str(x["id"]): x["nom"]
            for x in await conn.fetch(
                "SELECT id, nom_affiche AS nom FROM agenda.dossier_connu WHERE id = ANY($1::uuid[])", usagers
            )
        }
        absences: dict[str, list[asyncpg.Record]] = defaultdict(list)
        for a in await conn.fetch(
            """SELECT id, dossier_id, type, debut, coalesce(fin, fin_prevue) AS fin, seq FROM agenda.absence_connue
               WHERE dossier_id = ANY($1::uuid[]) AND NOT annulee AND debut < $2
                 AND (coalesce(fin, fin_prevue) IS NULL OR coalesce(fin, fin_prevue) > $3::timestamptz - interval '32 days')
               ORDER BY debut""",
            usagers,
            end,
            start,
        ):
            absences[str(a["dossier_id"])].append(a)
        par_participant: dict[str, list[int]] = defaultdict(list)
        for index, etale in enumerate(autres):
            for key in etale.planning.participants:
                par_participant[key].append(index)

        out = []
        for row, (debut, fin) in slots:
            eid = row["id"]
            realisation = realisations.get((eid, debut))
            statut, motif, commentaire = "planifie", None, None
            if realisation is not None:
                statut, motif, commentaire = (
                    realisation["statut"],
                    realisation["motif"],
                    realisation["commentaire"],
                )
            elif row["statut"] == "annule":
                statut, motif = "annule", row["motif_annulation"]
            participants = []
            for kind, pid in _participants(row):
                vue = ParticipantVue(
                    type=kind, id=pid, nom=noms.get(pid) if kind is TypeParticipant.usager else None
                )
                releve = presences.get((eid, debut, pid))
                absence = next(
                    (
                        a
                        for a in absences.get(pid, [])
                        if a["debut"] <= debut and (a["fin"] is None or debut < a["fin"])
                    ),
                    None,
                )
                if releve is not None and (absence is None or releve["seq"] > absence["seq"]):
                    vue.presence = "present" if releve["present"] else "absent"
                    vue.motif, vue.source = releve["motif"], "releve"
                elif absence is not None and statut != "annule":
                    vue.presence, vue.motif, vue.source = "absent", absence["type"], "absence_dossier"
                participants.append(vue)
            chevauchements: list[ChevauchementVue] = []
            if statut != "annule":
                shared = {proprietaire} if proprietaire is not None else _keys(row)
                indexes = sorted({i for key in shared for i in par_participant.get(key, [])})
                for index in indexes:
                    etale = autres[index]
                    if etale.planning.evenement_id == str(eid):
                        continue
                    for c in chevauchants(
                        (debut, fin), etale.creneaux, etale.planning.serie.duree, etale.starts
                    ):
                        chevauchements.append(
                            ChevauchementVue(
                                evenement_id=UUID(etale.planning.evenement_id),
                                titre=etale.planning.titre,
                                debut=to_paris(c[0]),
                                fin=to_paris(c[1]),
                            )
                        )
            out.append(
                OccurrenceVue(
                    evenement_id=eid,
                    esms=row["esms"],
                    type=row["type"],
                    titre=row["titre"],
                    lieu=row["lieu"],
                    intervenant=row["intervenant"],
                    occurrence=to_paris(debut),
                    debut=to_paris(debut),
                    fin=to_paris(fin),
                    recurrent=row["recurrence"] is not None,
                    statut=statut,
                    motif=motif,
                    commentaire=commentaire,
                    participants=participants,
                    conflits=sorted(chevauchements, key=lambda c: (c.debut, str(c.evenement_id))),
                )
            )
        return sorted(out, key=lambda o: (o.debut, str(o.evenement_id)))

    # -- agendas -----------------------------------------------------------------------------------------

    async def _owner_rows(
        self,
        conn: asyncpg.Connection,
        actor: Actor,
        kind: str,
        owner: str | UUID,
        start: datetime,
        end: datetime,
    ) -> list[asyncpg.Record]:
        """The events (cancelled ones too) of one participant the actor may see, touching [start, end)."""
        if kind == "usager":
            row = await conn.fetchrow("SELECT esms FROM agenda.dossier_connu WHERE id = $1", owner)
            if row is None or not actor.may_act_for(row["esms"]):
                raise NotFound(f"dossier usager {owner} introuvable")
        args: list[Any] = [end, start, [owner]]
        where = [WINDOW.format(end=1, start=2), f"e.{COLUMNS[kind]} @> $3::{CASTS[kind]}"]
        scope_esms(actor, [], where, args, column="e.esms")
        return list(
            await conn.fetch(
                f"SELECT * FROM agenda.evenement e WHERE {' AND '.join(where)} ORDER BY e.debut, e.id", *args
            )
        )

    async def agenda(
        self,
        kind: Owner,
        owner: str | UUID,
        filtre: FiltreFenetre,
        actor: Actor,
    ) -> AgendaVue:
        """One participant's agenda over Paris days `du`…`au`: occurrences and information to show."""
        today = today_paris()
        f = (
            fenetre(filtre, today - timedelta(days=365), 730, maximum=FENETRE_ICS_MAX)
            if kind == "candidature"
            else fenetre(filtre, today, 30)
        )
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            position = await conn.fetchval("SELECT position FROM agenda.projection_position")
            rows = await self._owner_rows(conn, actor, kind, owner, f.start, f.end)
            occurrences = await self._occurrences(
                conn, actor, rows, f.start, f.end, proprietaire=f"{kind}:{owner}"
            )
            informations: list[InformationVue] = []
            if kind != "candidature":
                where = [
                    "destinataire_type = $1",
                    "destinataire = $2",
                    "afficher_le < $3",
                    "(afficher_le >= $4 OR rappeler_le >= $4 OR lue_le IS NULL)",
                ]
                args: list[Any] = [kind, str(owner), f.end, f.start]
                scope_esms(actor, [], where, args)
                _informations_visibles(actor, where, args)
                informations = [
                    _information(r)
                    for r in await conn.fetch(
                        f"SELECT * FROM agenda.information WHERE {' AND '.join(where)} ORDER BY afficher_le, id",
                        *args,
                    )
                ]
        return AgendaVue(
            proprietaire_type=TypeParticipant(kind),
            proprietaire=str(owner),
            du=f.du,
            au=f.au,
            occurrences=occurrences,
            informations=informations,
            position=position,
        )

    async def ics(
        self,
        kind: Owner,
        owner: str | UUID,
        filtre: FiltreFenetre,
        actor: Actor,
    ) -> str:
        """The agenda as iCalendar: one VEVENT per event touching the period (a year back, a year ahead by
        default), its RRULE kept, cancelled occurrences as EXDATE, a cancelled event STATUS:CANCELLED."""
        today = today_paris()
        f = fenetre(filtre, today - timedelta(days=365), 730, maximum=FENETRE_ICS_MAX)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await self._owner_rows(conn, actor, kind, owner, f.start, f.end)
            ids = [r["id"] for r in rows]
            exdates: dict[UUID, list[datetime]] = defaultdict(list)
            for x in await conn.fetch(
                """SELECT evenement_id, occurrence FROM agenda.realisation
                   WHERE evenement_id = ANY($1::uuid[]) AND statut = 'annule' ORDER BY occurrence""",
                ids,
            ):
                exdates[x["evenement_id"]].append(x["occurrence"])
        cal = Calendar()
        cal.add("prodid", "-//DUI//agenda//FR")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", f"Agenda {kind} {owner}")
        cal.add("x-wr-timezone", "Europe/Paris")
        for r in rows:
            vevent = Event()
            vevent.add("uid", str(r["id"]))
            vevent.add("dtstamp", r["mis_a_jour_le"].astimezone(UTC))
            vevent.add("created", r["cree_le"].astimezone(UTC))
            vevent.add("last-modified", r["mis_a_jour_le"].astimezone(UTC))
            vevent.add("sequence", r["version"] - 1)
            vevent.add("dtstart", to_paris(r["debut"]))
            vevent.add("dtend", to_paris(r["fin"]))
            vevent.add("summary", r["titre"])
            vevent.add("categories", [r["type"]])
            if r["description"]:
                vevent.add("description", r["description"])
            if r["lieu"]:
                vevent.add("location", r["lieu"])
            if r["intervenant"]:
                vevent.add("comment", f"Intervenant : {r['intervenant']}")
            if r["recurrence"]:
                try:
                    vevent.add("rrule", vRecur.from_ical(r["recurrence"]))
                except ValueError:  # a rule the log holds that no longer parses: its first occurrence only
                    log.warning("agenda.regle_illisible", evenement=str(r["id"]), recurrence=r["recurrence"])
                serie = _serie(r)
                kept = [o for o in exdates.get(r["id"], []) if serie.contient(o)]
                if kept:
                    vevent.add("exdate", [to_paris(o) for o in kept])
            cancelled = r["statut"] == "annule" or (r["recurrence"] is None and r["id"] in exdates)
            vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            cal.add_component(vevent)
        cal.add_missing_timezones()
        return cal.to_ical().decode()

    # -- one event ---------------------------------------------------------------------------------------

    async def evenement(self, evenement_id: UUID, filtre: FiltreFenetre, actor: Actor) -> EvenementVue:
        """The event, its realisations and presences, its occurrences in the window (a single event: its day;
        a series: from a week ago, or its start, for a month by default) and what overlaps them."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            position = await conn.fetchval("SELECT position FROM agenda.projection_position")
            row = await conn.fetchrow("SELECT * FROM agenda.evenement WHERE id = $1", evenement_id)
            if row is None or not actor.may_act_for(row["esms"]):
                raise NotFound(f"événement {evenement_id} introuvable")
            first_day = to_paris(row["debut"]).date()
            if row["recurrence"] is None:
                f = fenetre(filtre, first_day, 0)
            else:
                f = fenetre(filtre, max(first_day, today_paris() - timedelta(days=7)), 30)
            realisations = await conn.fetch(
                "SELECT * FROM agenda.realisation WHERE evenement_id = $1 ORDER BY occurrence", evenement_id
            )
            presences = await conn.fetch(
                "SELECT * FROM agenda.presence WHERE evenement_id = $1 ORDER BY occurrence, participant",
                evenement_id,
            )
            occurrences = await self._occurrences(conn, actor, [row], f.start, f.end)
            noms = {
                str(x["id"]): x["nom"]
                for x in await conn.fetch(
                    "SELECT id, nom_affiche AS nom FROM agenda.dossier_connu WHERE id = ANY($1::uuid[])",
                    row["usagers"],
                )
            }
            found: list[Conflit] = []
            if row["statut"] == "planifie":
                autres = await self._plannings(conn, actor, _keys(row), f.start, f.end, exclude=evenement_id)
                exclues = await self._annulees(conn, [evenement_id], f.start, f.end)
                cible = Planning(
                    str(evenement_id), row["titre"], _serie(row), _keys(row), frozenset(exclues[evenement_id])
                )
                found = await asyncio.to_thread(
                    conflits, cible, autres, f.start, f.end, Budget(f.start, f.end)
                )
        par_occurrence: dict[datetime, list[PresenceVue]] = defaultdict(list)
        for p in presences:
            par_occurrence[p["occurrence"]].append(
                PresenceVue(
                    participant=p["participant"],
                    type_participant=p["type_participant"],
                    present=p["present"],
                    motif=p["motif"],
                    correction=p["correction"],
                    relevee_le=to_paris(p["relevee_le"]),
                    par=p["par"],
                )
            )
        return EvenementVue(
            id=row["id"],
            esms=row["esms"],
            type=row["type"],
            titre=row["titre"],
            description=row["description"],
            lieu=row["lieu"],
            intervenant=row["intervenant"],
            debut=to_paris(row["debut"]),
            fin=to_paris(row["fin"]),
            recurrence=row["recurrence"],
            participants=[
                ParticipantVue(
                    type=kind, id=pid, nom=noms.get(pid) if kind is TypeParticipant.usager else None
                )
                for kind, pid in _participants(row)
            ],
            statut=row["statut"],
            motif_annulation=row["motif_annulation"],
            cree_le=to_paris(row["cree_le"]),
            cree_par=row["cree_par"],
            mis_a_jour_le=to_paris(row["mis_a_jour_le"]),
            version=row["version"],
            realisations=[
                RealisationVue(
                    occurrence=to_paris(r["occurrence"]),
                    statut=r["statut"],
                    motif=r["motif"],
                    commentaire=r["commentaire"],
                    correction=r["correction"],
                    relevee_le=to_paris(r["relevee_le"]),
                    par=r["par"],
                    presences=par_occurrence.pop(r["occurrence"], []),
                )
                for r in realisations
            ],
            du=f.du,
            au=f.au,
            occurrences=occurrences,
            conflits=[conflit_vue(c) for c in found],
            position=position,
        )

    # -- missed events -----------------------------------------------------------------------------------

    async def manques(self, filtre: FiltreManques, actor: Actor, now: datetime) -> PageManques:
        """Occurrences already over with nothing recorded, or recorded not done, over Paris days `du`…`au`
        (default: the last `MANQUES_JOURS` days), per ESMS, person or professional; oldest first.

        Bounded by the window, not by the history: only events whose series reaches into it are read
        (`fin_max`, indexed), each series is expanded over the window only (restarted there, however old it
        is), and only the page asked for is turned into views."""
        today = today_paris()
        f = fenetre(filtre, today - timedelta(days=MANQUES_JOURS), MANQUES_JOURS)
        end = min(f.end, now)
        where = [WINDOW.format(end=1, start=2), "e.statut = 'planifie'"]
        args: list[Any] = [end, f.start]
        scope_esms(actor, filtre.esms, where, args, column="e.esms")
        if filtre.usager is not None:
            args.append([filtre.usager])
            where.append(f"e.usagers @> ${len(args)}::uuid[]")
        if filtre.professionnel is not None:
            args.append([filtre.professionnel])
            where.append(f"e.professionnels @> ${len(args)}::text[]")
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await conn.fetch(
                f"SELECT * FROM agenda.evenement e WHERE {' AND '.join(where)} ORDER BY e.debut, e.id", *args
            )
            slots = await asyncio.to_thread(_creneaux, list(rows), f.start, end, Budget(f.start, f.end))
            slots = [(r, c) for r, c in slots if c[1] <= now]
            realisations = await self._realisations(conn, slots) if slots else {}
            missed = sorted(
                (
                    (r, c)
                    for r, c in slots
                    if (x := realisations.get((r["id"], c[0]))) is None or x["statut"] == "non_realise"
                ),
                key=lambda s: (s[1][0], str(s[0]["id"])),
            )
            page = await self._vues(conn, missed[filtre.offset : filtre.offset + filtre.limit], [], None)
        for o in page:
            o.manque = "non_renseigne" if o.statut == "planifie" else "non_realise"
        return PageManques(items=page, total=len(missed), limit=filtre.limit, offset=filtre.offset)

    # -- information -------------------------------------------------------------------------------------

    async def informations(self, filtre: FiltreInformations, actor: Actor) -> PageInformations:
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args)
        _informations_visibles(actor, where, args)
        if filtre.destinataire is not None:
            args.append(filtre.destinataire)
            where.append(f"destinataire = ${len(args)}")
        if filtre.type is not None:
            args.append(filtre.type.value)
            where.append(f"destinataire_type = ${len(args)}")
        if filtre.non_lues is not None:
            where.append("lue_le IS NULL" if filtre.non_lues else "lue_le IS NOT NULL")
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM agenda.information WHERE {clause}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM agenda.information WHERE {clause} ORDER BY afficher_le DESC, id "
                f"LIMIT {filtre.limit} OFFSET {filtre.offset}",
                *args,
            )
        return PageInformations(
            items=[_information(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def information(self, information_id: UUID, actor: Actor) -> InformationVue:
        """One information: another ESMS's, or one addressed to another professional (unless the actor wrote
        it or holds an OG-level role), is not found."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM agenda.information WHERE id = $1", information_id)
        if (
            row is None
            or not actor.may_act_for(row["esms"])
            or not (
                actor.og_wide
                or row["destinataire_type"] != "professionnel"
                or actor.id in (row["destinataire"], row["transmise_par"])
            )
        ):
            raise NotFound(f"information {information_id} introuvable")
        return _information(row)


def _information(row: asyncpg.Record) -> InformationVue:
    values = {k: to_paris(v) if isinstance(v, datetime) else v for k, v in row.items()}
    return InformationVue.model_validate(values)
