"""Reads of the reporting read model: the indicators of one ESMS over a period, as of an instant, computed with SQL
at query time; their monthly series; the members of one figure (drill-down); the facts.

Every figure of a period [du, au] as of T reads only what was recorded at or before T (`*_enregistre_le`,
`premiere_le`, `depuis`/`jusqu_a`), so a figure asked twice with the same T gives the same answer, and a figure of
a past month can be re-read as it was known then. An ESMS the caller may not act for is a 403; one that is not
the OG's a 422.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from dui_reporting.indicateurs import Membre, Situation, Source, Taux, lendemain, mois, periode, taux, valeur
from dui_reporting.parametres import NatureEvenement, ParametresIndicateurs
from dui_shared.contracts.reporting import (
    INDICATEURS,
    CodeIndicateur,
    Definition,
    Fait,
    Nature,
    SourceFait,
    TypeFait,
)
from dui_shared.contracts.reporting_api import (
    DetailIndicateurVue,
    FiltreDetail,
    FiltreFaits,
    FiltreIndicateurs,
    FiltreMensuels,
    IndicateursVue,
    IndicateurVue,
    MembreVue,
    MoisVue,
    PageFaits,
    SerieMensuelleVue,
)
from dui_shared.envelope import Actor
from dui_shared.errors import Forbidden, InvalidInput
from dui_shared.eventstore import EventStore
from dui_shared.operations import scope_esms
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import paris_midnight, to_paris, today_paris

SITUATIONS = """
WITH acc AS (
    SELECT a.personne, a.entree_source, a.entree_type, a.entree_position, a.entree_jour,
           s.sortie_source, s.sortie_type, s.sortie_position, s.sortie_jour
    FROM reporting.accompagnement a
    LEFT JOIN LATERAL (
        SELECT a.sortie_source, a.sortie_type, a.sortie_position, a.sortie_jour
        WHERE a.sortie_enregistree_le <= $4
    ) s ON true
    WHERE a.esms = $1 AND a.entree_enregistree_le <= $4 AND a.entree_jour <= $3
      AND (s.sortie_jour IS NULL OR s.sortie_jour >= $2)
)
SELECT acc.*,
       w.source_id AS ecriture_source, w.source_type AS ecriture_type, w.source_position AS ecriture_position,
       w.jour AS ecriture_jour,
       p.source_id AS projet_source, p.source_type AS projet_type, p.source_position AS projet_position,
       p.valide_le AS projet_jour,
       e.source_id AS evenement_source, e.source_type AS evenement_type, e.source_position AS evenement_position,
       e.jour AS evenement_jour,
       i.source_id AS ins_source, i.source_type AS ins_type, i.source_position AS ins_position, i.jour AS ins_jour
FROM acc
LEFT JOIN LATERAL (
    SELECT jour, source_id, source_type, source_position FROM reporting.ecriture
    WHERE personne = acc.personne AND jour BETWEEN $2 AND $3 AND premiere_le <= $4
    ORDER BY jour LIMIT 1
) w ON true
LEFT JOIN LATERAL (
    SELECT v.version, v.valide_le, v.source_id, v.source_type, v.source_position FROM (
        SELECT pv.*, lead(pv.valide_le) OVER (ORDER BY pv.version) AS suivante
        FROM reporting.projet_version pv
        WHERE pv.personne = acc.personne AND pv.enregistre_le <= $4
    ) v
    WHERE v.valide_le <= $3
      AND coalesce(LEAST(v.suivante, CASE WHEN NOT $6 THEN v.revision_le + 1 END), 'infinity'::date) > $2
    ORDER BY v.version DESC LIMIT 1
) p ON true
LEFT JOIN LATERAL (
    SELECT * FROM (
        SELECT o.jour, v.source_id, v.source_type, v.source_position
        FROM reporting.evenement_version v
        JOIN reporting.occurrence_prevue o
          ON o.evenement_id = v.evenement_id AND o.version_position = v.source_position
        WHERE $7 AND v.personnes @> ARRAY[acc.personne] AND v.depuis <= $4
          AND (v.jusqu_a IS NULL OR v.jusqu_a > $4) AND o.jour BETWEEN $2 AND $3
          AND coalesce((
              SELECT r.statut FROM reporting.realisation r
              WHERE r.evenement_id = o.evenement_id AND r.occurrence = o.occurrence
                AND r.personne = acc.personne AND r.enregistre_le <= $4
              ORDER BY r.source_position DESC LIMIT 1
          ), '') <> 'annule'
        UNION ALL
        SELECT r.jour, r.source_id, r.source_type, r.source_position FROM reporting.realisation r
        WHERE $8 AND r.personne = acc.personne AND r.jour BETWEEN $2 AND $3 AND r.enregistre_le <= $4
          AND r.statut = 'realise'
          AND NOT EXISTS (
              SELECT 1 FROM reporting.realisation r2
              WHERE r2.evenement_id = r.evenement_id AND r2.occurrence = r.occurrence
                AND r2.personne = r.personne AND r2.enregistre_le <= $4
                AND r2.source_position > r.source_position
          )
    ) ev ORDER BY jour, source_position LIMIT 1
) e ON true
LEFT JOIN LATERAL (
    SELECT statut, source_id, source_type, source_position,
           (enregistre_le AT TIME ZONE 'Europe/Paris')::date AS jour
    FROM reporting.identite
    WHERE personne = acc.personne AND enregistre_le <= LEAST($4, $5)
    ORDER BY source_position DESC LIMIT 1
) i ON i.statut = 'qualifiee'
ORDER BY acc.entree_jour, acc.personne
"""
"""Each person accompanied by ESMS $1 during [$2, $3] as of $4, with the first write of the period, the projet
version in force, the first agenda occurrence (planned if $7, held if $8) and the identity qualified at the end
of the period ($5: the instant the period ends); $6: a version stays in force past its review date."""

COMPTES = """
SELECT type, coalesce(details->>'interlocuteur', '') AS interlocuteur, count(*) AS n
FROM reporting.fait
WHERE esms = $1 AND jour BETWEEN $2 AND $3 AND enregistre_le <= $4 AND type = ANY($5::text[])
GROUP BY 1, 2
"""
FAITS_COMPTES = """
FROM reporting.fait
WHERE esms = $1 AND jour BETWEEN $2 AND $3 AND enregistre_le <= $4 AND type = $5
  AND ($6::text IS NULL OR details->>'interlocuteur' = $6)
"""


def _source(row: asyncpg.Record, prefix: str) -> Source | None:
    if row[f"{prefix}_source"] is None:
        return None
    return Source(
        id=row[f"{prefix}_source"],
        type=row[f"{prefix}_type"],
        position=row[f"{prefix}_position"],
        jour=row[f"{prefix}_jour"],
    )


def situation(row: asyncpg.Record) -> Situation:
    entree = _source(row, "entree")
    assert entree is not None
    return Situation(
        personne=row["personne"],
        entree=entree,
        sortie=_source(row, "sortie"),
        ecriture=_source(row, "ecriture"),
        projet=_source(row, "projet"),
        evenement=_source(row, "evenement"),
        ins=_source(row, "ins"),
    )


def _membre_vue(m: Membre) -> MembreVue:
    return MembreVue(
        personne=m.personne,
        date=m.jour,
        fait=m.fait,
        sources=[SourceFait(id=s.id, type=s.type, position=s.position) for s in m.sources],
    )


def _vue(definition: Definition, numerateur: int, denominateur: int | None) -> IndicateurVue:
    return IndicateurVue(
        code=definition.code,
        libelle=definition.libelle,
        famille=definition.famille,
        nature=definition.nature,
        numerateur=numerateur,
        denominateur=denominateur,
        valeur=valeur(numerateur, denominateur) if denominateur is not None else numerateur,
    )


def _fait(row: asyncpg.Record) -> Fait:
    return Fait(
        id=row["id"],
        type=TypeFait(row["type"]),
        esms=row["esms"],
        personne=row["personne"],
        date=row["jour"],
        instant=to_paris(row["instant"]),
        enregistre_le=to_paris(row["enregistre_le"]),
        source=SourceFait(id=row["source_id"], type=row["source_type"], position=row["source_position"]),
        details=json.loads(row["details"]),
    )


class ReportingQueries:
    def __init__(
        self,
        pool: asyncpg.Pool,
        store: EventStore,
        referentiel: Referentiel,
        parametres: ParametresIndicateurs,
    ) -> None:
        self.pool = pool
        self.store = store
        self.referentiel = referentiel
        self.parametres = parametres

    def _esms(self, actor: Actor, esms: str) -> None:
        if self.referentiel.get(esms) is None:
            raise InvalidInput.single("esms", "esms_inconnu", f"l'ESMS {esms} n'est pas un ESMS de l'OG")
        if not actor.may_act_for(esms):
            raise Forbidden(f"l'ESMS {esms} n'est pas dans votre périmètre", rule="esms_non_autorise")

    @staticmethod
    def _au_sens(value: datetime | None) -> datetime:
        return value if value is not None else datetime.now(UTC)

    # -- the figures of one period ----------------------------------------------------------------------

    async def situations(
        self, conn: asyncpg.Connection, esms: str, du: date, au: date, au_sens: datetime
    ) -> list[Situation]:
        p = self.parametres
        rows = await conn.fetch(
            SITUATIONS,
            esms,
            du,
            au,
            au_sens,
            paris_midnight(lendemain(au)),
            p.projet_revision_depassee,
            NatureEvenement.planifie in p.evenements,
            NatureEvenement.realise in p.evenements,
        )
        return [situation(r) for r in rows]

    async def _taux(
        self, conn: asyncpg.Connection, esms: str, du: date, au: date, au_sens: datetime
    ) -> dict[CodeIndicateur, Taux]:
        return taux(await self.situations(conn, esms, du, au, au_sens), self.parametres.ecriture_requise)

    async def _nombres(
        self, conn: asyncpg.Connection, esms: str, du: date, au: date, au_sens: datetime
    ) -> dict[CodeIndicateur, int]:
        comptables = [d for d in INDICATEURS.values() if d.nature is Nature.nombre]
        types = sorted({f.value for d in comptables for f in d.faits})
        rows = await conn.fetch(COMPTES, esms, du, au, au_sens, types)
        counts = {(r["type"], r["interlocuteur"]): int(r["n"]) for r in rows}
        out = {}
        for d in comptables:
            out[d.code] = sum(
                n
                for (t, interlocuteur), n in counts.items()
                if t in {f.value for f in d.faits}
                and (d.interlocuteur is None or interlocuteur == d.interlocuteur.value)
            )
        return out

    async def _indicateurs(
        self, conn: asyncpg.Connection, esms: str, du: date, au: date, au_sens: datetime
    ) -> list[IndicateurVue]:
        rates = await self._taux(conn, esms, du, au, au_sens)
        counts = await self._nombres(conn, esms, du, au, au_sens)
        out = []
        for code, definition in INDICATEURS.items():
            if definition.nature is Nature.taux:
                t = rates[code]
                out.append(_vue(definition, len(t.numerateur), len(t.denominateur)))
            else:
                out.append(_vue(definition, counts[code], None))
        return out

    async def indicateurs(self, actor: Actor, filtre: FiltreIndicateurs) -> IndicateursVue:
        self._esms(actor, filtre.esms)
        du, au = periode(filtre.du, filtre.au, today_paris())
        au_sens = self._au_sens(filtre.au_sens)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            indicateurs = await self._indicateurs(conn, filtre.esms, du, au, au_sens)
        return IndicateursVue(
            esms=filtre.esms,
            du=du,
            au=au,
            au_sens=to_paris(au_sens),
            parametres=self.parametres.vue(),
            indicateurs=indicateurs,
        )

    async def mensuels(self, actor: Actor, filtre: FiltreMensuels) -> SerieMensuelleVue:
        self._esms(actor, filtre.esms)
        months = mois(filtre.de, filtre.a, today_paris())
        au_sens = self._au_sens(filtre.au_sens)
        out = []
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            for label, du, au in months:
                indicateurs = await self._indicateurs(conn, filtre.esms, du, au, au_sens)
                out.append(MoisVue(mois=label, du=du, au=au, indicateurs=indicateurs))
        return SerieMensuelleVue(
            esms=filtre.esms,
            de=months[0][0],
            a=months[-1][0],
            au_sens=to_paris(au_sens),
            parametres=self.parametres.vue(),
            mois=out,
        )

    # -- drill-down ----------------------------------------------------------------------------------------

    async def detail(self, actor: Actor, code: CodeIndicateur, filtre: FiltreDetail) -> DetailIndicateurVue:
        self._esms(actor, filtre.esms)
        definition = INDICATEURS[code]
        du, au = periode(filtre.du, filtre.au, today_paris())
        au_sens = self._au_sens(filtre.au_sens)
        page = slice(filtre.offset, filtre.offset + filtre.limit)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            if definition.nature is Nature.taux:
                t = (await self._taux(conn, filtre.esms, du, au, au_sens))[code]
                numerateur, denominateur = len(t.numerateur), len(t.denominateur)
                membres = [_membre_vue(m) for m in t.numerateur[page]]
                membres_den: list[MembreVue] | None = [_membre_vue(m) for m in t.denominateur[page]]
            else:
                args: list[Any] = [
                    filtre.esms,
                    du,
                    au,
                    au_sens,
                    definition.faits[0].value,
                    definition.interlocuteur.value if definition.interlocuteur else None,
                ]
                numerateur = int(await conn.fetchval(f"SELECT count(*) {FAITS_COMPTES}", *args))
                rows = await conn.fetch(
                    f"""SELECT id, personne, jour, source_id, source_type, source_position {FAITS_COMPTES}
                        ORDER BY jour, instant, id LIMIT $7 OFFSET $8""",
                    *args,
                    filtre.limit,
                    filtre.offset,
                )
                denominateur, membres_den = None, None
                membres = [
                    MembreVue(
                        personne=r["personne"],
                        date=r["jour"],
                        fait=r["id"],
                        sources=[
                            SourceFait(
                                id=r["source_id"], type=r["source_type"], position=r["source_position"]
                            )
                        ],
                    )
                    for r in rows
                ]
        vue = _vue(definition, numerateur, denominateur)
        return DetailIndicateurVue(
            code=code,
            libelle=definition.libelle,
            famille=definition.famille,
            nature=definition.nature,
            esms=filtre.esms,
            du=du,
            au=au,
            au_sens=to_paris(au_sens),
            parametres=self.parametres.vue(),
            numerateur=numerateur,
            denominateur=denominateur,
            valeur=vue.valeur,
            membres_numerateur=membres,
            membres_denominateur=membres_den,
            limit=filtre.limit,
            offset=filtre.offset,
        )

    # -- facts ---------------------------------------------------------------------------------------------

    async def faits(self, actor: Actor, filtre: FiltreFaits) -> PageFaits:
        if filtre.du and filtre.au and filtre.au < filtre.du:
            raise InvalidInput.single("au", "fin_avant_debut", "la fin de la période précède son début")
        args: list[Any] = [self._au_sens(filtre.au_sens)]
        where = ["enregistre_le <= $1"]
        scope_esms(actor, filtre.esms, where, args)
        if filtre.type:
            args.append([t.value for t in filtre.type])
            where.append(f"type = ANY(${len(args)}::text[])")
        if filtre.du:
            args.append(filtre.du)
            where.append(f"jour >= ${len(args)}")
        if filtre.au:
            args.append(filtre.au)
            where.append(f"jour <= ${len(args)}")
        clause = " AND ".join(where)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            total = await conn.fetchval(f"SELECT count(*) FROM reporting.fait WHERE {clause}", *args)
            rows = await conn.fetch(
                f"""SELECT * FROM reporting.fait WHERE {clause} ORDER BY jour, instant, id
                    LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
                *args,
                filtre.limit,
                filtre.offset,
            )
        return PageFaits(
            total=total, limit=filtre.limit, offset=filtre.offset, faits=[_fait(r) for r in rows]
        )
