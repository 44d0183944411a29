"""Reads of the dossier read model. Every read is scoped to the ESMS the actor may see (another's: not found)."""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from dui_dossier.domain.projet import comparer
from dui_shared.contracts.dossier import ContenuProjet
from dui_shared.contracts.dossier_api import (
    Alerte,
    ConsentementsVue,
    ConsentementVue,
    DossierVue,
    FicheSynthese,
    FiltreDossiers,
    PageDossiers,
)
from dui_shared.envelope import Actor
from dui_shared.errors import NotFound
from dui_shared.operations import scope_esms
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import to_paris, today_paris

JSON_COLUMNS = {
    "traits",
    "matricule",
    "acteur",
    "detail",
    "contact",
    "professionnel",
    "revisions",
    "participants",
    "auteur",
    "contenu",
    "cree_par",
    "valide_par",
    "reponses",
    "definition",
}
PARIS_DAY = "(({col}) AT TIME ZONE 'Europe/Paris')::date"


def _row(record: asyncpg.Record, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as the API shows it: JSON columns parsed, instants in Paris time."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in drop:
            continue
        if key in JSON_COLUMNS and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, datetime):
            value = to_paris(value)
        out[key] = value
    return out


def month_bounds(mois: str) -> tuple[date, date]:
    year, month = (int(p) for p in mois.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


PRESENCES = f"""
WITH bornes AS (
    SELECT d.id, d.esms, d.traits, d.admis_le, d.sortie_le,
           greatest($1::date, {PARIS_DAY.format(col="d.admis_le")}) AS du,
           least($2::date, coalesce({PARIS_DAY.format(col="d.sortie_le")}, $2::date), $3::date) AS au
    FROM dossier.dossier d WHERE {{where}}
), jours AS (
    SELECT b.id, g::date AS jour FROM bornes b, generate_series(b.du, b.au, interval '1 day') g
    WHERE b.du <= b.au
)
SELECT b.id, b.esms, b.traits, b.du, b.au, t.type, t.jours FROM bornes b LEFT JOIN (
    SELECT j.id, a.type, count(*) AS jours FROM jours j LEFT JOIN LATERAL (
        SELECT a.type FROM dossier.absence a WHERE a.dossier_id = j.id AND NOT a.annulee
          AND {PARIS_DAY.format(col="a.debut")} < j.jour
          AND (coalesce(a.fin, a.fin_prevue) IS NULL
               OR {PARIS_DAY.format(col="coalesce(a.fin, a.fin_prevue)")} > j.jour)
        ORDER BY a.debut LIMIT 1) a ON true
    GROUP BY j.id, a.type
) t ON t.id = b.id
WHERE b.du <= b.au
ORDER BY b.esms, b.id
"""


class DossierQueries:
    def __init__(self, pool: asyncpg.Pool, referentiel: Referentiel) -> None:
        self.pool = pool
        self.referentiel = referentiel

    # -- dossiers --------------------------------------------------------------------------------------

    def _vue(self, row: asyncpg.Record) -> DossierVue:
        values = _row(row, drop=("nom_tri", "destination", "gir_le"))
        esms = self.referentiel.get(values["esms"])
        values["esms_nom"] = esms.nom if esms else None
        return DossierVue.model_validate(values, context={"stored": True})

    async def _dossier_row(self, conn: asyncpg.Connection, dossier_id: UUID, actor: Actor) -> asyncpg.Record:
        row = await conn.fetchrow("SELECT * FROM dossier.dossier WHERE id = $1", dossier_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"dossier {dossier_id} introuvable")
        return row

    async def dossiers(self, filtre: FiltreDossiers, actor: Actor) -> PageDossiers:
        where: list[str] = []
        args: list[Any] = []
        scope_esms(actor, filtre.esms, where, args)
        if filtre.statut:
            args.append([s.value for s in filtre.statut])
            where.append(f"statut = ANY(${len(args)})")
        if filtre.statut_identite:
            args.append([s.value for s in filtre.statut_identite])
            where.append(f"statut_identite = ANY(${len(args)})")
        if filtre.q:
            args.append(f"%{filtre.q.casefold()}%")
            where.append(f"nom_tri LIKE ${len(args)}")
        if filtre.sejour_id:
            args.append(filtre.sejour_id)
            where.append(f"sejour_id = ${len(args)}")
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM dossier.dossier WHERE {clause}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM dossier.dossier WHERE {clause} ORDER BY nom_tri, id "
                f"LIMIT {filtre.limit} OFFSET {filtre.offset}",
                *args,
            )
        return PageDossiers(
            items=[self._vue(r) for r in rows], total=total, limit=filtre.limit, offset=filtre.offset
        )

    async def dossier(self, dossier_id: UUID, actor: Actor) -> DossierVue:
        async with self.pool.acquire() as conn:
            return self._vue(await self._dossier_row(conn, dossier_id, actor))

    async def _items(
        self, dossier_id: UUID, actor: Actor, sql: str, *args: Any, drop: tuple[str, ...] = ("dossier_id",)
    ) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            await self._dossier_row(conn, dossier_id, actor)
            rows = await conn.fetch(sql, dossier_id, *args)
        return [_row(r, drop) for r in rows]

    async def identite(self, dossier_id: UUID, actor: Actor) -> dict[str, Any]:
        async with self.pool.acquire() as conn:
            row = await self._dossier_row(conn, dossier_id, actor)
            historique = await conn.fetch(
                "SELECT * FROM dossier.identite_historique WHERE dossier_id = $1 ORDER BY seq", dossier_id
            )
        d = _row(row)
        return {
            "traits": d["traits"],
            "statut": d["statut_identite"],
            "matricule": d["matricule"],
            "historique": [_row(h, ("dossier_id",)) for h in historique],
        }

    async def entourage(self, dossier_id: UUID, actor: Actor, tous: bool = False) -> list[dict[str, Any]]:
        rows = await self._items(
            dossier_id,
            actor,
            "SELECT * FROM dossier.contact WHERE dossier_id = $1 AND ($2 OR retire_le IS NULL) ORDER BY ajoute_le",
            tous,
        )
        return [_contact(r) for r in rows]

    async def equipe(self, dossier_id: UUID, actor: Actor) -> list[dict[str, Any]]:
        return await self._items(
            dossier_id, actor, "SELECT * FROM dossier.membre WHERE dossier_id = $1 ORDER BY du, id"
        )

    async def absences(self, dossier_id: UUID, actor: Actor) -> list[dict[str, Any]]:
        return await self._items(
            dossier_id,
            actor,
            "SELECT * FROM dossier.absence WHERE dossier_id = $1 AND NOT annulee ORDER BY debut DESC",
        )

    async def mesures(self, dossier_id: UUID, actor: Actor) -> list[dict[str, Any]]:
        return await self._items(
            dossier_id, actor, "SELECT * FROM dossier.mesure WHERE dossier_id = $1 ORDER BY decidee_le DESC"
        )

    async def prestations(self, dossier_id: UUID, actor: Actor) -> list[dict[str, Any]]:
        return await self._items(
            dossier_id, actor, "SELECT * FROM dossier.prestation WHERE dossier_id = $1 ORDER BY debut DESC"
        )

    async def echanges(self, dossier_id: UUID, actor: Actor) -> list[dict[str, Any]]:
        return await self._items(
            dossier_id, actor, "SELECT * FROM dossier.echange WHERE dossier_id = $1 ORDER BY le DESC"
        )

    async def consentements(self, dossier_id: UUID, actor: Actor) -> ConsentementsVue:
        """The current choice per subject (the last one recorded) and the whole history, newest first."""
        rows = await self._items(
            dossier_id, actor, "SELECT * FROM dossier.consentement WHERE dossier_id = $1 ORDER BY seq DESC"
        )
        historique = [ConsentementVue.model_validate(r) for r in rows]
        courants: dict[str, ConsentementVue] = {}
        for c in historique:
            courants.setdefault(c.objet.value, c)
        return ConsentementsVue(
            courants=sorted(courants.values(), key=lambda c: c.objet.value), historique=historique
        )

    # -- lists across dossiers -------------------------------------------------------------------------

    async def _across(self, sql: str, actor: Actor, esms: list[str], *args: Any) -> list[dict[str, Any]]:
        where: list[str] = []
        params: list[Any] = list(args)
        scope_esms(actor, esms, where, params, column="d.esms")
        clause = " AND ".join(where) or "true"
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql.format(scope=clause), *params)
        return [_row(r) for r in rows]

    async def mesures_a_reexaminer(self, actor: Actor, esms: list[str]) -> list[dict[str, Any]]:
        """Measures still in force whose review date has passed, in dossiers still active; oldest first."""
        return await self._across(
            """SELECT m.*, d.traits FROM dossier.mesure m JOIN dossier.dossier d ON d.id = m.dossier_id
               WHERE m.levee_le IS NULL AND m.revision_le < $1 AND d.statut = 'actif' AND {scope}
               ORDER BY m.revision_le, m.id""",
            actor,
            esms,
            today_paris(),
        )

    async def echeances_prestations(self, actor: Actor, esms: list[str], jours: int) -> list[dict[str, Any]]:
        return await self._across(
            """SELECT p.*, d.traits FROM dossier.prestation p JOIN dossier.dossier d ON d.id = p.dossier_id
               WHERE p.cloturee_le IS NULL AND p.fin IS NOT NULL AND p.fin <= $1::date + $2::int
                 AND d.statut = 'actif' AND {scope}
               ORDER BY p.fin, p.id""",
            actor,
            esms,
            today_paris(),
            jours,
        )

    # -- presences -------------------------------------------------------------------------------------

    async def presences(self, actor: Actor, esms: list[str], mois: str) -> dict[str, Any]:
        """Days present and absent (by type) per person for one month, as of today.

        A day counts as present when the person was accompanied that day (the admission and sortie days
        included) and not away all day: the departure and return days of an absence are days present."""
        first, last = month_bounds(mois)
        where: list[str] = []
        args: list[Any] = [first, last, today_paris()]
        scope_esms(actor, esms, where, args, column="d.esms")
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(PRESENCES.format(where=" AND ".join(where) or "true"), *args)
        return {"mois": mois, "au": min(last, today_paris()), "personnes": _presence_lines(rows)}

    async def presences_dossier(self, dossier_id: UUID, actor: Actor, annee: int) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            await self._dossier_row(conn, dossier_id, actor)
            months = []
            for month in range(1, 13):
                first, last = month_bounds(f"{annee}-{month:02d}")
                rows = await conn.fetch(
                    PRESENCES.format(where="d.id = $4"), first, last, today_paris(), dossier_id
                )
                lines = _presence_lines(rows)
                if lines:
                    line = lines[0]
                    months.append(
                        {
                            "mois": f"{annee}-{month:02d}",
                            **{k: line[k] for k in line if k.startswith("jours")},
                        }
                    )
        return months

    # -- projet personnalisé ---------------------------------------------------------------------------

    async def projet(self, dossier_id: UUID, actor: Actor) -> dict[str, Any]:
        versions = await self._items(
            dossier_id, actor, "SELECT * FROM dossier.projet_version WHERE dossier_id = $1 ORDER BY version"
        )
        if not versions:
            raise NotFound("ce dossier n'a pas encore de projet personnalisé")
        return {
            "dossier_id": dossier_id,
            "en_vigueur": next(
                (v["version"] for v in versions if v["statut"] in ("validee", "en_revision")), None
            ),
            "brouillon": next((v["version"] for v in versions if v["statut"] == "brouillon"), None),
            "versions": versions,
        }

    async def projet_version(self, dossier_id: UUID, version: int, actor: Actor) -> dict[str, Any]:
        rows = await self._items(
            dossier_id,
            actor,
            "SELECT * FROM dossier.projet_version WHERE dossier_id = $1 AND version = $2",
            version,
        )
        if not rows:
            raise NotFound(f"version {version} du projet personnalisé introuvable")
        return rows[0]

    async def comparaison(self, dossier_id: UUID, de: int, a: int, actor: Actor) -> dict[str, Any]:
        avant = await self.projet_version(dossier_id, de, actor)
        apres = await self.projet_version(dossier_id, a, actor)
        return {
            "de": de,
            "a": a,
            **comparer(
                ContenuProjet.model_validate(avant["contenu"], context={"stored": True}),
                ContenuProjet.model_validate(apres["contenu"], context={"stored": True}),
            ),
        }

    # -- evaluations and grids -------------------------------------------------------------------------

    async def evaluations(self, dossier_id: UUID, actor: Actor, grille: str | None) -> list[dict[str, Any]]:
        """Results over time, most recent first; cancelled ones stay listed, flagged."""
        return await self._items(
            dossier_id,
            actor,
            """SELECT * FROM dossier.evaluation WHERE dossier_id = $1 AND ($2::text IS NULL OR grille = $2)
               ORDER BY realisee_le DESC, id""",
            grille,
        )

    async def evaluation(self, evaluation_id: UUID, actor: Actor) -> dict[str, Any]:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM dossier.evaluation WHERE id = $1", evaluation_id)
        if row is None or not actor.may_act_for(row["esms"]):
            raise NotFound(f"évaluation {evaluation_id} introuvable")
        return _row(row)

    async def grilles(self) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT * FROM dossier.grille ORDER BY code")
        return [_row(r) for r in rows]

    async def grille(self, code: str) -> dict[str, Any]:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM dossier.grille WHERE code = $1", code)
        if row is None:
            raise NotFound(f"grille {code} introuvable")
        return _row(row)

    # -- fiche de synthèse -----------------------------------------------------------------------------

    async def synthese(self, dossier_id: UUID, actor: Actor) -> FicheSynthese:
        today = today_paris()
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            # the position this snapshot reflects: read inside it
            position = await conn.fetchval("SELECT position FROM dossier.projection_position")
            row = await self._dossier_row(conn, dossier_id, actor)
            contacts = await conn.fetch(
                "SELECT * FROM dossier.contact WHERE dossier_id = $1 AND retire_le IS NULL ORDER BY ajoute_le",
                dossier_id,
            )
            equipe = await conn.fetch(
                "SELECT * FROM dossier.membre WHERE dossier_id = $1 AND (au IS NULL OR au >= $2) ORDER BY du",
                dossier_id,
                today,
            )
            absences = await conn.fetch(
                """SELECT * FROM dossier.absence WHERE dossier_id = $1 AND NOT annulee AND debut <= now()
                   AND (fin IS NULL OR fin > now()) ORDER BY debut""",
                dossier_id,
            )
            prestations = await conn.fetch(
                "SELECT * FROM dossier.prestation WHERE dossier_id = $1 AND cloturee_le IS NULL ORDER BY fin",
                dossier_id,
            )
            mesures = await conn.fetch(
                "SELECT * FROM dossier.mesure WHERE dossier_id = $1 AND levee_le IS NULL ORDER BY revision_le",
                dossier_id,
            )
            projet = await conn.fetch(
                """SELECT * FROM dossier.projet_version WHERE dossier_id = $1
                   AND statut IN ('validee', 'en_revision', 'brouillon') ORDER BY version""",
                dossier_id,
            )
            evaluations = await conn.fetch(
                """SELECT DISTINCT ON (grille) * FROM dossier.evaluation WHERE dossier_id = $1 AND NOT annulee
                   ORDER BY grille, realisee_le DESC""",
                dossier_id,
            )
            echanges = await conn.fetch(
                "SELECT * FROM dossier.echange WHERE dossier_id = $1 ORDER BY le DESC LIMIT 5", dossier_id
            )
        dossier = self._vue(row)
        entourage = [_contact(_row(c, ("dossier_id",))) for c in contacts]
        membres = [_row(m, ("dossier_id",)) for m in equipe]
        versions = [_row(v, ("dossier_id",)) for v in projet]
        en_vigueur = next((v for v in versions if v["statut"] in ("validee", "en_revision")), None)
        brouillon = next((v for v in versions if v["statut"] == "brouillon"), None)
        fiche = FicheSynthese(
            dossier=dossier,
            identite={
                "traits": dossier.traits.model_dump(mode="json"),
                "statut": dossier.statut_identite.value,
                "matricule": dossier.matricule.model_dump(mode="json") if dossier.matricule else None,
            },
            gir=None
            if row["gir"] is None
            else {"valeur": row["gir"], "evalue_le": to_paris(row["gir_le"]) if row["gir_le"] else None},
            projet_personnalise=_projet_resume(en_vigueur, brouillon),
            personne_de_confiance=next((c for c in entourage if "personne_de_confiance" in c["roles"]), None),
            entourage=entourage,
            equipe=membres,
            referent=next((m for m in membres if m["referent"]), None),
            absences_en_cours=[_row(a, ("dossier_id",)) for a in absences],
            prestations=[_row(p, ("dossier_id",)) for p in prestations],
            mesures_liberte=[_row(m, ("dossier_id",)) for m in mesures],
            evaluations_recentes=[_row(e, ("dossier_id", "reponses", "detail")) for e in evaluations],
            derniers_echanges=[_row(e, ("dossier_id",)) for e in echanges],
            alertes=[],
            position=position,
        )
        fiche.alertes = _alertes(fiche, en_vigueur, today)
        return fiche


def _contact(row: dict[str, Any]) -> dict[str, Any]:
    """Flatten a contact row: its id, dates and the contact's own fields."""
    contact = row.pop("contact")
    return {**row, **contact}


def _presence_lines(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    lines: dict[UUID, dict[str, Any]] = {}
    for r in rows:
        line = lines.setdefault(
            r["id"],
            {
                "dossier_id": r["id"],
                "esms": r["esms"],
                "traits": json.loads(r["traits"]),
                "du": r["du"],
                "au": r["au"],
                "jours_presence": 0,
                "jours_absence": 0,
                "jours_absence_par_type": {},
            },
        )
        if r["jours"] is None:
            continue
        if r["type"] is None:
            line["jours_presence"] += r["jours"]
        else:
            line["jours_absence"] += r["jours"]
            line["jours_absence_par_type"][r["type"]] = r["jours"]
    return list(lines.values())


def _projet_resume(
    en_vigueur: dict[str, Any] | None, brouillon: dict[str, Any] | None
) -> dict[str, Any] | None:
    version = en_vigueur or brouillon
    if version is None:
        return None
    contenu = version["contenu"]
    return {
        "version": version["version"],
        "statut": version["statut"],
        "valide_le": version["valide_le"],
        "date_prochaine_revision": version["date_prochaine_revision"]
        or contenu.get("date_prochaine_revision"),
        "objectifs": [
            {"code": o["code"], "libelle": o["libelle"], "domaine": o["domaine"], "statut": o["statut"]}
            for o in contenu.get("objectifs", [])
        ],
        "responsable": contenu.get("responsable"),
        "brouillon_en_cours": brouillon["version"] if brouillon and en_vigueur else None,
    }


def _alertes(fiche: FicheSynthese, en_vigueur: dict[str, Any] | None, today: date) -> list[Alerte]:
    alertes: list[Alerte] = []
    statut = fiche.dossier.statut.value
    if statut != "actif":
        alertes.append(
            Alerte(code=f"dossier_{statut}", message=f"dossier {statut} : consultation seule après archivage")
        )
    if fiche.dossier.statut_identite.value != "qualifiee":
        alertes.append(
            Alerte(
                code="identite_non_qualifiee",
                message=f"identité {fiche.dossier.statut_identite.value} : l'INS ne peut être ni utilisé ni partagé",
            )
        )
    if en_vigueur is None:
        alertes.append(Alerte(code="projet_absent", message="aucun projet personnalisé validé"))
    elif en_vigueur["date_prochaine_revision"] and en_vigueur["date_prochaine_revision"] < today:
        alertes.append(
            Alerte(
                code="projet_a_reevaluer",
                message=f"réévaluation du projet personnalisé prévue le {en_vigueur['date_prochaine_revision']:%d/%m/%Y}",
            )
        )
    if fiche.personne_de_confiance is None:
        alertes.append(
            Alerte(code="personne_de_confiance_absente", message="aucune personne de confiance désignée")
        )
    if fiche.referent is None:
        alertes.append(Alerte(code="referent_absent", message="aucun professionnel référent"))
    for m in fiche.mesures_liberte:
        if m["revision_le"] < today:
            alertes.append(
                Alerte(
                    code="mesure_a_reexaminer",
                    message=f"mesure « {m['nature']} » à réexaminer depuis le {m['revision_le']:%d/%m/%Y}",
                )
            )
    for p in fiche.prestations:
        if p["fin"] is not None and p["fin"] < today:
            alertes.append(
                Alerte(code="prestation_expiree", message=f"{p['type']} expirée le {p['fin']:%d/%m/%Y}")
            )
        elif p["alerte"] == "bientot_expiree" and p["alerte_fin"] == p["fin"]:
            alertes.append(
                Alerte(
                    code="prestation_bientot_expiree", message=f"{p['type']} expire le {p['fin']:%d/%m/%Y}"
                )
            )
    for e in fiche.evaluations_recentes:
        if e["alerte"]:
            alertes.append(
                Alerte(code="evaluation_alerte", message=f"{e['grille_libelle']} : {e['interpretation']}")
            )
    return alertes
