"""Reads of the soins read model. Every read is scoped to the ESMS the actor may see (another's: not found, or
filtered out of lists); data of the `medical` category is shown only to medical roles; the plan de soins, the acts
and the prescriptions only to care roles, drug prescriptions (and their slots and acts) only to the roles that
give drugs (`roles.ROLES_ADMINISTRATION`).

The plan of a day and what is overdue are computed here from the stored schedules (prescription versions,
planned care), the acts traced and the absences: the read model stores facts, the clock is the reader's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from dui_shared.contracts.soins import CategorieDonnees, ContenuPrescription, JourSemaine
from dui_shared.contracts.soins_api import (
    ActeVue,
    CreneauVue,
    FiltreNonLues,
    FiltrePlan,
    FiltrePrescriptions,
    FiltreRetards,
    FiltreTransmissions,
    FiltreTransmissionsDossier,
    ObservationVue,
    PageTransmissions,
    PlanDuJour,
    PlanSoinsDossier,
    PrescriptionVue,
    Retards,
    SignatureVue,
    SoinPlanifieVue,
    StatutCreneau,
    StatutPrescription,
    TransmissionVue,
    Usager,
    VersionPrescriptionVue,
)
from dui_shared.envelope import Actor
from dui_shared.errors import NotFound
from dui_shared.operations import scope_esms
from dui_shared.timezone import now_utc, paris_midnight, to_paris, to_utc, today_paris
from dui_soins.domain.planning import UN_JOUR, Version, creneaux, creneaux_prescription, decalee
from dui_soins.domain.roles import (
    ROLES_MEDICAUX,
    exiger_acces_medical,
    exiger_lecture_prescription,
    exiger_lecture_soins,
    voit,
    voit_prescription,
)
from dui_soins.dossiers import DossiersConnus


def _paris(value: Any) -> Any:
    return to_paris(value) if isinstance(value, datetime) else value


def _bornes(jour: date) -> tuple[datetime, datetime]:
    return paris_midnight(jour), paris_midnight(jour + UN_JOUR)


def _usager(row: asyncpg.Record) -> Usager:
    return Usager(dossier_id=row["id"], nom=row["nom"], prenoms=row["prenoms"], unite=row["unite"])


def _transmission(row: asyncpg.Record, lue: bool | None = None) -> TransmissionVue:
    values = {k: _paris(v) for k, v in row.items() if not k.startswith("u_") and k != "saisie_le"}
    usager = (
        Usager(dossier_id=row["dossier_id"], nom=row["u_nom"], prenoms=row["u_prenoms"], unite=row["u_unite"])
        if row["u_nom"] is not None
        else None
    )
    return TransmissionVue.model_validate({**values, "usager": usager, "lue": lue}, context={"stored": True})


def _acte(row: asyncpg.Record) -> ActeVue:
    return ActeVue.model_validate(
        {k: _paris(v) for k, v in row.items() if k in ActeVue.model_fields}, context={"stored": True}
    )


def _acte_visible(row: asyncpg.Record, role: str) -> bool:
    """An act on a drug prescription is shown only to the roles that read drug prescriptions."""
    nature = row["nature_prescription"]
    return nature is None or voit_prescription(role, nature)


def _observation(row: asyncpg.Record) -> ObservationVue:
    return ObservationVue.model_validate(
        {k: _paris(v) for k, v in row.items() if k != "esms"}, context={"stored": True}
    )


def _signature(row: asyncpg.Record) -> SignatureVue | None:
    if row["signataire"] is None:
        return None
    return SignatureVue(
        signataire=row["signataire"],
        signee_le=to_paris(row["signee_le"]),
        algorithme=row["algorithme"],
        empreinte=row["empreinte"],
    )


def _contenu(raw: str) -> ContenuPrescription:
    return ContenuPrescription.model_validate_json(raw, context={"stored": True})


TRANSMISSIONS = """
SELECT t.*, d.nom AS u_nom, d.prenoms AS u_prenoms, p.unite AS u_unite
FROM soins.transmission t
LEFT JOIN soins.dossier_connu d ON d.id = t.dossier_id
LEFT JOIN soins.plan_soins p ON p.dossier_id = t.dossier_id
WHERE {where}
"""

ACTES = """
SELECT a.*, p.nature AS nature_prescription
FROM soins.acte a
LEFT JOIN soins.prescription p ON p.id = a.prescription_id
WHERE a.dossier_id = ANY($1)
  AND ((a.prevu_le >= $2 AND a.prevu_le < $3) OR (a.prevu_le IS NULL AND a.realise_le >= $2 AND a.realise_le < $3))
"""
"""The acts of some persons (`$1`) on slots in [$2, $3), and their "si besoin" administrations done then: each
branch of the OR is a range on one column of an index (`acte_prevu`, `acte_realise`), so only those acts are read,
never everything ever traced for the persons."""

STATUT_PRESCRIPTION = """CASE WHEN arretee_le IS NOT NULL THEN 'arretee'
    WHEN fin_plan IS NOT NULL AND fin_plan <= $2 THEN 'terminee' ELSE 'en_cours' END"""


class SoinsQueries:
    def __init__(self, pool: asyncpg.Pool, dossiers: DossiersConnus) -> None:
        self.pool = pool
        self.dossiers = dossiers

    # -- transmissions ----------------------------------------------------------------------------------

    @staticmethod
    def _visible(actor: Actor, where: list[str]) -> None:
        if actor.lecture is None and actor.role not in ROLES_MEDICAUX:
            where.append("t.categorie_donnees <> 'medical'")
        if actor.lecture is not None:  # the habilitation matrix's categories (only the enum's own values)
            lisibles = [f"'{c.value}'" for c in CategorieDonnees if c.value in actor.lecture]
            where.append(f"t.categorie_donnees IN ({', '.join(lisibles) or 'NULL'})")

    async def _page(
        self, where: list[str], args: list[Any], order: str, limit: int, offset: int, lue: bool | None = None
    ) -> PageTransmissions:
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            total = await conn.fetchval(f"SELECT count(*) FROM soins.transmission t WHERE {clause}", *args)
            rows = await conn.fetch(
                TRANSMISSIONS.format(where=clause) + f" ORDER BY {order} LIMIT {limit} OFFSET {offset}", *args
            )
        return PageTransmissions(
            items=[_transmission(r, lue) for r in rows], total=total, limit=limit, offset=offset
        )

    async def transmissions(self, filtre: FiltreTransmissions, actor: Actor) -> PageTransmissions:
        """The transmissions of a day (of the shift, a night belonging to the day it began), per unit and shift;
        or, asked by cible or by person without a day, all of them, newest first."""
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args, column="t.esms")
        self._visible(actor, where)
        jour = filtre.jour
        if jour is None and filtre.cible is None and filtre.dossier_id is None:
            jour = today_paris()
        if jour is not None:
            args.append(jour)
            where.append(f"t.jour_poste = ${len(args)}")
        for column, value in (
            ("t.unite", filtre.unite),
            ("t.poste", filtre.poste),
            ("t.dossier_id", filtre.dossier_id),
        ):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        if filtre.categorie is not None:
            args.append(filtre.categorie.value)
            where.append(f"t.categorie = ${len(args)}")
        if filtre.cible:
            args.append(_like(filtre.cible))
            where.append(f"t.cible ILIKE ${len(args)}")
        order = "t.unite NULLS LAST, t.jour_poste, t.le, t.id" if jour is not None else "t.le DESC, t.id"
        return await self._page(where, args, order, filtre.limit, filtre.offset)

    async def transmissions_dossier(
        self, dossier_id: UUID, filtre: FiltreTransmissionsDossier, actor: Actor
    ) -> PageTransmissions:
        await self.dossiers.get(dossier_id, actor)
        where = ["t.dossier_id = $1"]
        args: list[Any] = [dossier_id]
        self._visible(actor, where)
        if filtre.depuis is not None:
            args.append(paris_midnight(filtre.depuis))
            where.append(f"t.le >= ${len(args)}")
        if filtre.jusqu_au is not None:
            args.append(paris_midnight(filtre.jusqu_au + UN_JOUR))
            where.append(f"t.le < ${len(args)}")
        if filtre.categorie is not None:
            args.append(filtre.categorie.value)
            where.append(f"t.categorie = ${len(args)}")
        if filtre.cible:
            args.append(_like(filtre.cible))
            where.append(f"t.cible ILIKE ${len(args)}")
        return await self._page(where, args, "t.le DESC, t.id", filtre.limit, filtre.offset)

    async def non_lues(self, filtre: FiltreNonLues, actor: Actor) -> PageTransmissions:
        """What the caller has not read yet: visible to them, written by someone else, not marked read."""
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args, column="t.esms")
        self._visible(actor, where)
        args.append(actor.id)
        me = len(args)
        where.append(f"t.auteur <> ${me}")
        where.append(
            f"NOT EXISTS (SELECT 1 FROM soins.lecture l WHERE l.professionnel = ${me} AND l.transmission_id = t.id)"
        )
        args.append(now_utc() - timedelta(days=filtre.jours))
        where.append(f"t.le >= ${len(args)}")
        if filtre.unite is not None:
            args.append(filtre.unite)
            where.append(f"t.unite = ${len(args)}")
        return await self._page(where, args, "t.le, t.id", filtre.limit, filtre.offset, lue=False)

    async def transmission(self, transmission_id: UUID, actor: Actor) -> TransmissionVue:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(TRANSMISSIONS.format(where="t.id = $1"), transmission_id)
        if (
            row is None
            or not actor.may_act_for(row["esms"])
            or not voit(actor, CategorieDonnees(row["categorie_donnees"]))
        ):
            raise NotFound(f"transmission {transmission_id} introuvable")
        return _transmission(row)

    # -- observations -----------------------------------------------------------------------------------

    async def observations(self, dossier_id: UUID, actor: Actor) -> list[ObservationVue]:
        exiger_acces_medical(actor)
        await self.dossiers.get(dossier_id, actor)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM soins.observation WHERE dossier_id = $1 ORDER BY observee_le DESC, id",
                dossier_id,
            )
        return [_observation(r) for r in rows]

    async def observation(self, observation_id: UUID, actor: Actor) -> ObservationVue:
        exiger_acces_medical(actor)
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM soins.observation WHERE id = $1", observation_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"observation {observation_id} introuvable")
        return _observation(row)

    # -- prescriptions ----------------------------------------------------------------------------------

    def _prescription(self, row: asyncpg.Record) -> PrescriptionVue:
        return PrescriptionVue(
            id=row["id"],
            dossier_id=row["dossier_id"],
            esms=row["esms"],
            libelle=row["libelle"],
            nature=row["nature"],
            statut=StatutPrescription(row["statut"]),
            version=row["version"],
            contenu=_contenu(row["contenu"]),
            prescripteur=row["prescripteur"],
            prescripteur_nom=row["prescripteur_nom"],
            emise_le=to_paris(row["emise_le"]),
            modifiee_le=_paris(row["modifiee_le"]),
            arretee_le=_paris(row["arretee_le"]),
            motif_arret=row["motif_arret"],
            fin=_paris(row["fin_plan"]),
            signature=_signature(row),
        )

    _PRESCRIPTIONS = f"""
        SELECT p.*, {STATUT_PRESCRIPTION} AS statut, v.signataire, v.signee_le, v.algorithme, v.empreinte
        FROM soins.prescription p
        JOIN soins.prescription_version v ON v.prescription_id = p.id AND v.version = p.version
        WHERE {{where}}"""

    async def prescriptions(
        self, dossier_id: UUID, filtre: FiltrePrescriptions, actor: Actor
    ) -> list[PrescriptionVue]:
        """The person's prescriptions a care role may read (drug ones for the roles that give drugs)."""
        exiger_lecture_soins(actor, "lire les prescriptions")
        await self.dossiers.get(dossier_id, actor)
        sql = self._PRESCRIPTIONS.format(where="p.dossier_id = $1") + " ORDER BY p.emise_le DESC, p.id"
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, dossier_id, now_utc())
        wanted = {s.value for s in filtre.statut}
        return [
            self._prescription(r)
            for r in rows
            if (not wanted or r["statut"] in wanted) and voit_prescription(actor.role, r["nature"])
        ]

    async def _prescription_row(
        self, conn: asyncpg.Connection, prescription_id: UUID, actor: Actor
    ) -> asyncpg.Record:
        exiger_lecture_soins(actor, "lire une prescription")
        row = await conn.fetchrow(self._PRESCRIPTIONS.format(where="p.id = $1"), prescription_id, now_utc())
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"prescription {prescription_id} introuvable")
        exiger_lecture_prescription(actor, row["nature"])
        return row

    async def prescription(self, prescription_id: UUID, actor: Actor) -> PrescriptionVue:
        async with self.pool.acquire() as conn:
            return self._prescription(await self._prescription_row(conn, prescription_id, actor))

    async def versions(self, prescription_id: UUID, actor: Actor) -> list[VersionPrescriptionVue]:
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await self._prescription_row(conn, prescription_id, actor)
            rows = await conn.fetch(
                "SELECT * FROM soins.prescription_version WHERE prescription_id = $1 ORDER BY version",
                prescription_id,
            )
        return [
            VersionPrescriptionVue(
                version=r["version"],
                contenu=_contenu(r["contenu"]),
                depuis=_paris(r["depuis"]),
                motif=r["motif"],
                prescripteur=r["prescripteur"],
                prescripteur_role=r["prescripteur_role"],
                prescripteur_nom=r["prescripteur_nom"],
                le=to_paris(r["le"]),
                signature=_signature(r),
            )
            for r in rows
        ]

    # -- acts -------------------------------------------------------------------------------------------

    async def actes(self, dossier_id: UUID, jour: date | None, actor: Actor) -> list[ActeVue]:
        exiger_lecture_soins(actor, "lire les actes tracés")
        await self.dossiers.get(dossier_id, actor)
        de, a = _bornes(jour or today_paris())
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                ACTES + " ORDER BY coalesce(a.prevu_le, a.realise_le), a.trace_le", [dossier_id], de, a
            )
        return [_acte(r) for r in rows if _acte_visible(r, actor.role)]

    # -- plan de soins ----------------------------------------------------------------------------------

    async def plan_dossier(
        self, dossier_id: UUID, jour: date | None, actor: Actor, position: int
    ) -> PlanSoinsDossier:
        exiger_lecture_soins(actor, "lire le plan de soins")
        dossier = await self.dossiers.get(dossier_id, actor)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM soins.soin WHERE dossier_id = $1 ORDER BY debut, id", dossier_id
            )
        soins = [
            SoinPlanifieVue(
                id=r["id"],
                type=r["type"],
                libelle=r["libelle"],
                heures=json.loads(r["heures"]),
                jours_semaine=json.loads(r["jours_semaine"]),
                debut=to_paris(r["debut"]),
                fin=r["fin"],
                consignes=r["consignes"],
                arrete_le=_paris(r["arrete_le"]),
                motif_arret=r["motif_arret"],
            )
            for r in rows
        ]
        plan = await self.plan(FiltrePlan(dossier_id=dossier_id, jour=jour), actor, position)
        return PlanSoinsDossier(dossier_id=dossier_id, unite=dossier.unite, soins=soins, jour=plan)

    async def plan(self, filtre: FiltrePlan, actor: Actor, position: int) -> PlanDuJour:
        """The care plan of a day: every planned slot of the persons in scope (a unit, one person), with its
        status; plus the "si besoin" administrations of the day."""
        exiger_lecture_soins(actor, "lire le plan de soins")
        jour = filtre.jour or today_paris()
        de, a = _bornes(jour)
        now = now_utc()
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            dossiers = await self._dossiers(conn, actor, filtre.esms, filtre.unite, filtre.dossier_id, de, a)
            slots, si_besoin = await _creneaux(
                conn, dossiers, de, a, now, timedelta(minutes=filtre.tolerance_minutes), actor.role
            )
        return PlanDuJour(jour=jour, creneaux=slots, si_besoin=si_besoin, position=position)

    async def retards(self, filtre: FiltreRetards, actor: Actor) -> Retards:
        """Planned slots of the last `fenetre_heures` still without a trace `tolerance_minutes` after their
        time, for persons not away then; oldest first."""
        exiger_lecture_soins(actor, "lire les actes en retard")
        a = now_utc() if filtre.a is None else to_utc(filtre.a)
        tolerance = timedelta(minutes=filtre.tolerance_minutes)
        de, jusqu_a = a - timedelta(hours=filtre.fenetre_heures), a - tolerance
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            dossiers = await self._dossiers(
                conn, actor, filtre.esms, filtre.unite, None, de, jusqu_a, actifs=True
            )
            slots, _ = await _creneaux(conn, dossiers, de, jusqu_a, a, tolerance, actor.role)
        return Retards(
            a=to_paris(a),
            tolerance_minutes=filtre.tolerance_minutes,
            creneaux=[s for s in slots if s.statut is StatutCreneau.en_retard],
        )

    async def _dossiers(
        self,
        conn: asyncpg.Connection,
        actor: Actor,
        esms: list[str],
        unite: str | None,
        dossier_id: UUID | None,
        de: datetime,
        a: datetime,
        actifs: bool = False,
    ) -> list[asyncpg.Record]:
        where = ["d.admis_le < $1", "(d.sortie_le IS NULL OR d.sortie_le > $2)"]
        args: list[Any] = [a, de]
        scope_esms(actor, esms, where, args, column="d.esms")
        if actifs:
            where.append("d.statut = 'actif'")
        if unite is not None:
            args.append(unite)
            where.append(f"p.unite = ${len(args)}")
        if dossier_id is not None:
            args.append(dossier_id)
            where.append(f"d.id = ${len(args)}")
        return list(
            await conn.fetch(
                f"""SELECT d.*, p.unite FROM soins.dossier_connu d LEFT JOIN soins.plan_soins p ON p.dossier_id = d.id
                    WHERE {" AND ".join(where)} ORDER BY d.nom_tri, d.id""",
                *args,
            )
        )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _creneaux(
    conn: asyncpg.Connection,
    dossiers: Sequence[asyncpg.Record],
    de: datetime,
    a: datetime,
    now: datetime,
    tolerance: timedelta,
    role: str,
) -> tuple[list[CreneauVue], list[ActeVue]]:
    """The slots in [de, a) of these persons' prescriptions and planned care, each with its status; those of
    drug prescriptions only for a `role` that reads them."""
    if not dossiers or de >= a:
        return [], []
    par_id = {d["id"]: d for d in dossiers}
    ids = list(par_id)
    prescriptions = [
        p
        for p in await conn.fetch(
            """SELECT id, dossier_id, libelle, nature, arretee_le FROM soins.prescription
               WHERE dossier_id = ANY($1) AND (arretee_le IS NULL OR arretee_le > $2)
                 AND debut_plan < $3 AND (fin_plan IS NULL OR fin_plan > $2)""",
            ids,
            de,
            a,
        )
        if voit_prescription(role, p["nature"])
    ]
    versions: dict[UUID, list[Version]] = {}
    for v in await conn.fetch(
        """SELECT prescription_id, version, contenu, depuis FROM soins.prescription_version
           WHERE prescription_id = ANY($1) ORDER BY prescription_id, version""",
        [p["id"] for p in prescriptions],
    ):
        versions.setdefault(v["prescription_id"], []).append(
            Version(v["version"], _contenu(v["contenu"]), v["depuis"])
        )
    soins = await conn.fetch(
        """SELECT id, dossier_id, libelle, type, heures, jours_semaine, debut, fin_plan, arrete_le FROM soins.soin
           WHERE dossier_id = ANY($1) AND debut < $3 AND (fin_plan IS NULL OR fin_plan > $2)
             AND (arrete_le IS NULL OR arrete_le > $2)""",
        ids,
        de,
        a,
    )
    rows = await conn.fetch(ACTES + " ORDER BY a.trace_le", ids, de, a)
    actes = [acte for acte in rows if _acte_visible(acte, role)]
    absences = await conn.fetch(
        """SELECT dossier_id, type, debut, coalesce(fin, fin_prevue) AS fin FROM soins.absence_connue
           WHERE dossier_id = ANY($1) AND NOT annulee AND debut < $3
             AND (coalesce(fin, fin_prevue) IS NULL OR coalesce(fin, fin_prevue) > $2)""",
        ids,
        de,
        a,
    )
    traces: dict[tuple[UUID, datetime], asyncpg.Record] = {}
    si_besoin: list[ActeVue] = []
    for acte in actes:
        ref = acte["prescription_id"] or acte["soin_id"]
        if acte["prevu_le"] is None:
            si_besoin.append(_acte(acte))
        else:
            traces.setdefault((ref, acte["prevu_le"]), acte)
    away: dict[UUID, list[asyncpg.Record]] = {}
    for absence in absences:
        away.setdefault(absence["dossier_id"], []).append(absence)

    out: list[tuple[str, CreneauVue]] = []

    def add(
        dossier_id: UUID,
        ref: UUID,
        origine: str,
        libelle: str,
        nature: str,
        at: datetime,
        heure: time | None,
        version: int | None,
        quantite: float | None,
        unite_mesure: str | None,
    ) -> None:
        d = par_id[dossier_id]
        if at < d["admis_le"] or (d["sortie_le"] is not None and at >= d["sortie_le"]):
            return
        absence = next(
            (x for x in away.get(dossier_id, []) if x["debut"] <= at and (x["fin"] is None or at < x["fin"])),
            None,
        )
        trace = traces.get((ref, at))
        if trace is not None:
            statut = StatutCreneau(trace["statut"])
        elif absence is not None:
            statut = StatutCreneau.absent
        elif at + tolerance <= now:
            statut = StatutCreneau.en_retard
        else:
            statut = StatutCreneau.a_faire
        vue = CreneauVue(
            usager=_usager(d),
            origine=origine,
            prescription_id=ref if origine == "prescription" else None,
            soin_id=ref if origine == "soin" else None,
            libelle=libelle,
            nature=nature,
            prevu_le=to_paris(at),
            heure_inexistante=heure if heure is not None and decalee(at, heure) else None,
            version=version,
            quantite=quantite,
            unite_mesure=unite_mesure,
            statut=statut,
            absent=absence is not None,
            absence=absence["type"] if absence is not None else None,
            acte=_acte(trace) if trace is not None else None,
        )
        out.append((d["nom_tri"], vue))

    for p in prescriptions:
        for c in creneaux_prescription(versions.get(p["id"], []), p["arretee_le"], de, a):
            add(
                p["dossier_id"],
                p["id"],
                "prescription",
                p["libelle"],
                p["nature"],
                c.prevu_le,
                c.heure,
                c.version,
                c.quantite,
                c.unite,
            )
    for s in soins:
        heures = [datetime.strptime(h, "%H:%M").time() for h in json.loads(s["heures"])]
        jours = [JourSemaine(j) for j in json.loads(s["jours_semaine"])]
        fin = min((e for e in (s["fin_plan"], s["arrete_le"]) if e is not None), default=None)
        for at, heure in creneaux(heures, jours, s["debut"], fin, de, a):
            add(s["dossier_id"], s["id"], "soin", s["libelle"], s["type"], at, heure, None, None, None)
    out.sort(key=lambda item: (item[1].prevu_le, item[0], item[1].libelle))
    return [v for _, v in out], si_besoin
