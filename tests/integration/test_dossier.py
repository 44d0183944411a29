"""The dossier service against real NATS JetStream and PostgreSQL: reactions, idempotency, races, isolation, INSi,
grids, presences, the scheduler and a rebuild."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS

from dui_dossier.application import dossier_id_for
from dui_dossier.bootstrap import DossierService
from dui_dossier.domain.dossier import DossierUsager
from dui_dossier.domain.evaluation import Evaluation
from dui_dossier.domain.projet import ProjetPersonnalise
from dui_dossier.echeancier import Echeancier
from dui_dossier.projections import DossierReadModel
from dui_shared.aggregate import CommandContext
from dui_shared.contracts import registry
from dui_shared.contracts.admission import (
    AdmissionPrononcee,
    MotifSortie,
    SortiePrononcee,
    TypeAccueil,
    Usager,
)
from dui_shared.contracts.dossier import ContenuProjet
from dui_shared.envelope import Actor
from dui_shared.errors import ConcurrencyConflict
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection, rebuild, wait_for_position
from dui_shared.rpc import RpcReply, RpcRequest
from tests.support.builders import (
    EHPAD,
    SSIAD,
    admit,
    admitted_dossier,
    aggir,
    dossier_of,
    headers_for,
)

OG_WIDE = headers_for("*", who="sec-0001")


def equipe(*esms: str) -> dict[str, str]:
    return headers_for(*esms)


async def _events(store: EventStore, dossier_id: str) -> list[str]:
    return [e.envelope.name for e in await store.read(f"dui.evt.*.dossier.dossierusager.{dossier_id}")]


def _fresh(response: httpx.Response, headers: dict[str, str] = OG_WIDE) -> dict[str, str]:
    return {**headers, "X-Dui-Min-Position": response.headers["X-Dui-Position"]}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


SECRETARIAT = Actor(id="sec-0003", role="secretariat", esms=(EHPAD,))


async def _rpc(
    nc: NATS, operation: str, actor: Actor, *, params: dict[str, str], body: Any = None, min_position: int = 0
) -> RpcReply:
    """A bus operation of the dossier service, as the gateway calls it (for operations it does not route yet)."""
    request = RpcRequest(
        actor=actor, correlation_id=str(uuid.uuid4()), params=params, body=body, min_position=min_position
    )
    msg = await nc.request(f"dui.rpc.dossier.{operation}", request.model_dump_json().encode(), timeout=15)
    return RpcReply.model_validate_json(msg.data)


async def test_an_admission_delivered_twice_opens_one_dossier(
    dossier_service: DossierService, store: EventStore, unique: str
) -> None:
    app = dossier_service.app
    assert app is not None
    sejour_id = UUID(int=int(unique, 16))
    event_id = UUID(int=int(unique, 16) + 1)
    data = AdmissionPrononcee(
        candidature_id=sejour_id,
        esms=EHPAD,
        usager=Usager(
            nom_naissance=f"Double-{unique}", prenoms="Anne", date_naissance=date(1940, 1, 1), sexe="F"
        ),
        type_accueil=TypeAccueil.permanent,
        admis_le=datetime(2026, 9, 1, tzinfo=UTC),
    )
    first = await app.ouvrir(data, sejour_id, event_id)
    again = await app.ouvrir(data, sejour_id, event_id)
    assert again == first
    assert await _events(store, str(dossier_id_for(sejour_id))) == ["DossierOuvert"]


async def test_the_same_correction_sent_twice_is_applied_once(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Corr-{unique}")
    body = {
        "traits": {
            "nom_naissance": f"Corr-{unique}",
            "prenoms": "Jeanne Marie",
            "date_naissance": "1938-04-12",
            "sexe": "F",
            "lieu_naissance": "69123",
        },
        "motif": "acte de naissance",
    }
    keyed = {**OG_WIDE, "Idempotency-Key": f"corr-{unique}"}
    first = await gateway.put(f"/dossiers/{did}/identite/traits", json=body, headers=keyed)
    again = await gateway.put(f"/dossiers/{did}/identite/traits", json=body, headers=keyed)
    unkeyed = await gateway.put(f"/dossiers/{did}/identite/traits", json=body, headers=OG_WIDE)
    assert {first.status_code, again.status_code, unkeyed.status_code} == {200}
    assert await _events(store, did) == ["DossierOuvert", "TraitsIdentiteCorriges"]
    contact = {"nom": "Voisin", "roles": ["contact_urgence"], "telephone": "0102030405"}
    keyed = {**OG_WIDE, "Idempotency-Key": f"contact-{unique}"}
    a = await _ok(await gateway.post(f"/dossiers/{did}/entourage", json=contact, headers=keyed), 201)
    b = await _ok(await gateway.post(f"/dossiers/{did}/entourage", json=contact, headers=keyed), 201)
    assert a["id"] == b["id"]
    assert (await _events(store, did)).count("EntourageAjoute") == 1


async def test_concurrent_writers_of_one_dossier_are_all_applied(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Race-{unique}")
    contacts = [{"nom": f"Cousin {i}", "roles": ["famille"]} for i in range(8)]
    replies = await asyncio.gather(
        *(gateway.post(f"/dossiers/{did}/entourage", json=c, headers=OG_WIDE) for c in contacts)
    )
    assert [r.status_code for r in replies] == [201] * 8, [r.text for r in replies]
    assert (await _events(store, did)).count("EntourageAjoute") == 8
    last = max(int(r.headers["X-Dui-Position"]) for r in replies)
    listed = await _ok(
        await gateway.get(f"/dossiers/{did}/entourage", headers={**OG_WIDE, "X-Dui-Min-Position": str(last)})
    )
    assert sorted(c["nom"] for c in listed) == sorted(c["nom"] for c in contacts)


async def test_another_esms_never_sees_nor_writes_a_dossier(gateway: httpx.AsyncClient, unique: str) -> None:
    sejour_id, position = await admit(gateway, f"Iso-{unique}", EHPAD)
    dossier = await dossier_of(gateway, sejour_id, position)
    ssiad = {**equipe(SSIAD), "X-Dui-Min-Position": position}
    ehpad = {**equipe(EHPAD), "X-Dui-Min-Position": position}
    for path in ("", "/synthese", "/identite", "/entourage", "/presences", "/projet-personnalise"):
        assert (await gateway.get(f"/dossiers/{dossier['id']}{path}", headers=ssiad)).status_code == 404, path
    assert (await gateway.get(f"/dossiers/{dossier['id']}/synthese", headers=ehpad)).status_code == 200
    write = await gateway.post(
        f"/dossiers/{dossier['id']}/entourage", json={"nom": "Intrus", "roles": ["famille"]}, headers=ssiad
    )
    assert write.status_code == 404
    listed = await _ok(await gateway.get("/dossiers", params={"q": f"iso-{unique}"}, headers=ssiad))
    assert listed["total"] == 0
    listed = await _ok(await gateway.get("/dossiers", params={"q": f"iso-{unique}"}, headers=ehpad))
    assert listed["total"] == 1


async def test_insi_answers_that_are_not_one_matching_identity_record_nothing(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    cases = [
        ({"nom": "Durand", "prenoms": "Marie", "date_naissance": "1936-06-18", "sexe": "F"}, "plusieurs"),
        (
            {"nom": f"Inconnu-{unique}", "prenoms": "Paul", "date_naissance": "1950-01-01", "sexe": "M"},
            "introuvable",
        ),
        (
            {
                "nom": "Garcia",
                "prenoms": "Paulette",
                "date_naissance": "1939-04-04",
                "sexe": "F",
                "lieu": "31069",
            },
            "traits_differents",
        ),
    ]
    for person, expected in cases:
        sejour_id, position = await admit(
            gateway,
            person["nom"],
            prenoms=person["prenoms"],
            date_naissance=person["date_naissance"],
            sexe=person["sexe"],
        )
        did = (await dossier_of(gateway, sejour_id, position))["id"]
        if "lieu" in person:
            traits = {
                "nom_naissance": person["nom"],
                "prenoms": person["prenoms"],
                "date_naissance": person["date_naissance"],
                "sexe": person["sexe"],
                "lieu_naissance": person["lieu"],
            }
            await _ok(
                await gateway.put(
                    f"/dossiers/{did}/identite/traits",
                    json={"traits": traits, "motif": "lieu"},
                    headers=OG_WIDE,
                )
            )
        answer = await _ok(await gateway.post(f"/dossiers/{did}/identite/insi", json={}, headers=OG_WIDE))
        assert answer["resultat"] == expected
        assert answer["statut_identite"] == "provisoire"
        assert "InsRecuperee" not in await _events(store, did)
    assert answer["differences"] == ["prenoms", "lieu_naissance"]


async def test_the_og_defines_a_grid_and_answers_are_checked_against_it(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    code = f"douleur-{unique}"
    grid = {
        "code": code,
        "libelle": "Douleur (échelle maison)",
        "items": [
            {"code": "intensite", "libelle": "Intensité", "type": "nombre", "min": 0, "max": 10},
            {
                "code": "localisation",
                "libelle": "Localisation",
                "type": "choix",
                "options": [{"valeur": "dos", "libelle": "Dos"}, {"valeur": "genou", "libelle": "Genou"}],
            },
        ],
        "regle": "somme",
        "interpretations": [
            {"min": 0, "max": 3, "libelle": "faible"},
            {"min": 4, "max": 10, "libelle": "forte", "alerte": True},
        ],
    }
    forbidden = await gateway.post("/grilles", json=grid, headers=headers_for(EHPAD))
    assert forbidden.status_code == 403
    await _ok(await gateway.post("/grilles", json=grid, headers=OG_WIDE), 201)
    did = await admitted_dossier(gateway, f"Grille-{unique}")
    bad = await gateway.post(
        f"/dossiers/{did}/evaluations",
        json={"grille": code, "reponses": {"intensite": 12, "localisation": "tete"}},
        headers=OG_WIDE,
    )
    assert bad.status_code == 422
    assert {(e["field"], e["rule"]) for e in bad.json()["errors"]} == {
        ("reponses.intensite", "hors_domaine"),
        ("reponses.localisation", "hors_domaine"),
    }
    unknown = await gateway.post(
        f"/dossiers/{did}/evaluations", json={"grille": f"x-{unique}", "reponses": {}}, headers=OG_WIDE
    )
    assert unknown.json()["errors"][0]["rule"] == "grille_inconnue"
    done = await gateway.post(
        f"/dossiers/{did}/evaluations",
        json={"grille": code, "reponses": {"intensite": 7, "localisation": "dos"}},
        headers=OG_WIDE,
    )
    await _ok(done, 201)
    revised = {**grid, "libelle": "Douleur (v2)"}
    await _ok(await gateway.post("/grilles", json=revised, headers=OG_WIDE), 201)
    results = await _ok(await gateway.get(f"/dossiers/{did}/evaluations", headers=_fresh(done)))
    assert [(r["score"], r["interpretation"], r["alerte"], r["grille_version"]) for r in results] == [
        (7, "forte", True, 1)
    ]
    fiche = await _ok(await gateway.get(f"/dossiers/{did}/synthese", headers=_fresh(done)))
    assert "evaluation_alerte" in {a["code"] for a in fiche["alertes"]}


async def test_presence_days_per_month_count_full_days_away_as_absence(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Pres-{unique}")  # admitted 2026-09-01 10:00 Paris
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/absences",
            json={"type": "vacances", "debut": "2026-09-28T10:00:00", "fin_prevue": "2026-10-03T18:00:00"},
            headers=OG_WIDE,
        ),
        201,
    )
    done = await gateway.post(
        f"/dossiers/{did}/absences",
        json={"type": "hospitalisation", "debut": "2026-10-20T08:00:00", "fin_prevue": "2026-10-22T18:00:00"},
        headers=OG_WIDE,
    )
    await _ok(done, 201)
    sept = await _ok(
        await gateway.get("/presences", params={"mois": "2026-09", "esms": EHPAD}, headers=_fresh(done))
    )
    line = next(p for p in sept["personnes"] if p["dossier_id"] == did)
    # 1-30 Sept: away all day on the 29th and 30th (left on the 28th)
    assert (line["jours_presence"], line["jours_absence"]) == (28, 2)
    oct_ = await _ok(
        await gateway.get("/presences", params={"mois": "2026-10", "esms": EHPAD}, headers=_fresh(done))
    )
    line = next(p for p in oct_["personnes"] if p["dossier_id"] == did)
    # away all day 1-2 Oct (back on the 3rd) and on the 21st
    assert line["jours_absence_par_type"] == {"vacances": 2, "hospitalisation": 1}
    assert line["jours_presence"] == 28
    other = await _ok(
        await gateway.get("/presences", params={"mois": "2026-10"}, headers=_fresh(done, equipe(SSIAD)))
    )
    assert did not in {p["dossier_id"] for p in other["personnes"]}
    bad = await gateway.get("/presences", params={"mois": "2026-13"}, headers=OG_WIDE)
    assert bad.status_code == 422


async def test_overdue_reviews_of_liberty_measures_are_listed_until_reviewed(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Mesure-{unique}")
    created = await _ok(
        await gateway.post(
            f"/dossiers/{did}/mesures-liberte",
            json={
                "nature": "bracelet de géolocalisation",
                "justification": "sorties non accompagnées à risque",
                "decidee_par": "équipe pluridisciplinaire",
                "decidee_le": "2026-09-10",
                "revision_le": "2026-10-10",
            },
            headers=OG_WIDE,
        ),
        201,
    )
    fresh = {**OG_WIDE, "X-Dui-Min-Position": str(created["position"])}
    overdue = await _ok(await gateway.get("/mesures-liberte/a-reexaminer", headers=fresh))
    assert created["id"] in {m["id"] for m in overdue}
    later = (date.today() + timedelta(days=90)).isoformat()
    reviewed = await gateway.post(
        f"/dossiers/{did}/mesures-liberte/{created['id']}/revision",
        json={
            "revisee_le": date.today().isoformat(),
            "conclusion": "maintenue",
            "prochaine_revision_le": later,
        },
        headers=OG_WIDE,
    )
    await _ok(reviewed)
    overdue = await _ok(await gateway.get("/mesures-liberte/a-reexaminer", headers=_fresh(reviewed)))
    assert created["id"] not in {m["id"] for m in overdue}


async def test_the_scheduler_warns_then_expires_each_prestation_once_across_restarts(
    gateway: httpx.AsyncClient,
    dossier_service: DossierService,
    store: EventStore,
    pool: asyncpg.Pool,
    unique: str,
) -> None:
    app = dossier_service.app
    assert app is not None
    did = await admitted_dossier(gateway, f"Presta-{unique}")
    fin = date(2027, 6, 30)
    opened = await gateway.post(
        f"/dossiers/{did}/prestations",
        json={"type": "apa", "debut": "2026-09-01", "fin": fin.isoformat()},
        headers=OG_WIDE,
    )
    await _ok(opened, 201)

    async def tick(day: date, scheduler: Echeancier | None = None) -> list[str]:
        last = await store.last_sequence()
        await asyncio.wait_for(_reflected(pool, last), 5)
        await (scheduler or Echeancier(app, pool, delai_jours=60, intervalle=3600)).tick(day)
        return [n for n in await _events(store, did) if n.startswith("Prestation")]

    assert await tick(fin - timedelta(days=61)) == ["PrestationOuverte"]
    assert await tick(fin - timedelta(days=60)) == ["PrestationOuverte", "PrestationBientotExpiree"]
    assert await tick(fin - timedelta(days=10)) == ["PrestationOuverte", "PrestationBientotExpiree"]
    assert await tick(fin) == ["PrestationOuverte", "PrestationBientotExpiree"]
    # two schedulers racing on the day after the end (a restarted one and an old one): one expiry
    a, b = (Echeancier(app, pool, delai_jours=60, intervalle=3600) for _ in range(2))
    await asyncio.gather(a.tick(fin + timedelta(days=1)), b.tick(fin + timedelta(days=1)))
    expected = ["PrestationOuverte", "PrestationBientotExpiree", "PrestationExpiree"]
    assert await tick(fin + timedelta(days=2)) == expected
    fiche = await _ok(
        await gateway.get(
            f"/dossiers/{did}/synthese",
            headers={**OG_WIDE, "X-Dui-Min-Position": str(await store.last_sequence())},
        )
    )
    assert fiche["prestations"][0]["alerte"] == "expiree"


async def _reflected(pool: asyncpg.Pool, position: int) -> None:
    while True:
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT position FROM dossier.projection_position") >= position:
                return
        await asyncio.sleep(0.01)


async def test_a_rebuild_of_the_dossier_read_model_gives_the_live_one(
    gateway: httpx.AsyncClient, nc: NATS, pool: asyncpg.Pool, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Rebuild-{unique}")
    d = f"/dossiers/{did}"
    writes = [
        ("entourage", {"nom": "Fille", "roles": ["personne_de_confiance"]}),
        (
            "equipe",
            {
                "professionnel": {"id": "as-1", "nom": "A. S.", "profession": "aide-soignant"},
                "du": "2026-09-01",
                "referent": True,
            },
        ),
        (
            "mesures-liberte",
            {
                "nature": "n",
                "justification": "j",
                "decidee_par": "x",
                "decidee_le": "2026-09-10",
                "revision_le": "2026-12-10",
            },
        ),
        ("prestations", {"type": "apa", "debut": "2026-09-01", "fin": "2027-08-31", "montant_mensuel": 300}),
        (
            "echanges",
            {"le": "2026-09-20T10:00:00", "canal": "courrier", "participants": ["fille"], "objet": "contrat"},
        ),
        ("evaluations", {"grille": "aggir", "realisee_le": "2026-09-05T10:00:00", "reponses": aggir("B")}),
        ("projet-personnalise", {"objectifs": [{"code": "o", "libelle": "o", "domaine": "d"}]}),
        (
            "absences",
            {"type": "vacances", "debut": "2026-10-01T10:00:00", "fin_prevue": "2026-10-05T10:00:00"},
        ),
    ]
    for path, body in writes:
        done = await gateway.post(f"{d}/{path}", json=body, headers=OG_WIDE)
        await _ok(done, 201)
    choix = {"objet": "alimentation_dmp", "choix": False, "commentaire": "opposition exprimée à l'entrée"}
    consent = await _rpc(nc, "exprimer_consentement", SECRETARIAT, params={"id": did}, body=choix)
    assert consent.status == 200, consent.problem
    await asyncio.wait_for(
        _reflected(pool, max(int(done.headers["X-Dui-Position"]), consent.position or 0)), 5
    )
    schema = await rebuild(DossierReadModel(), nc=nc, pool=pool, registry=registry, swap=False)
    async with pool.acquire() as conn:
        target = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
        await asyncio.wait_for(_reflected(pool, target), 5)
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dossier'"
            " AND table_name <> 'projection_position' ORDER BY 1"
        )
        assert len(tables) == 13  # every table of the read model
        for table in (t["table_name"] for t in tables):
            order = (
                "1, 2"
                if table in ("identite_historique", "projet_version", "consentement")
                else "1"
                if table != "projection_position"
                else "position"
            )
            live = await conn.fetch(f"SELECT * FROM dossier.{table} ORDER BY {order}")
            rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY {order}')
            assert [dict(r) for r in rebuilt] == [dict(r) for r in live], table
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_retry_with_the_same_idempotency_key_answers_the_first_outcome(
    gateway: httpx.AsyncClient, store: EventStore, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Retry-{unique}")
    traits = {
        "nom_naissance": f"Retry-{unique}",
        "prenoms": "Jeanne Marie",
        "date_naissance": "1938-04-12",
        "sexe": "F",
    }
    first = await gateway.put(
        f"/dossiers/{did}/identite/traits",
        json={"traits": {**traits, "nom_utilise": "Aubert"}, "motif": "mariage"},
        headers={**OG_WIDE, "Idempotency-Key": f"k-{unique}"},
    )
    other = await gateway.put(
        f"/dossiers/{did}/identite/traits",
        json={"traits": {**traits, "nom_utilise": "Blanc"}, "motif": "remariage"},
        headers=OG_WIDE,
    )
    retry = await gateway.put(
        f"/dossiers/{did}/identite/traits",
        json={"traits": {**traits, "nom_utilise": "Aubert"}, "motif": "mariage"},
        headers={**OG_WIDE, "Idempotency-Key": f"k-{unique}"},
    )
    assert retry.json()["position"] == first.json()["position"]
    dossier = await _ok(await gateway.get(f"/dossiers/{did}", headers=_fresh(other)))
    assert dossier["traits"]["nom_utilise"] == "Blanc"  # the retry did not undo the later correction

    contenu = {
        "objectifs": [{"code": "marche", "libelle": "Marcher", "domaine": "autonomie"}],
        "participation": {"usager_present": True},
        "date_prochaine_revision": "2027-06-01",
    }
    await _ok(await gateway.post(f"/dossiers/{did}/projet-personnalise", json=contenu, headers=OG_WIDE), 201)
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/projet-personnalise/versions/1/validation",
            json={"valide_le": "2026-10-01"},
            headers=OG_WIDE,
        )
    )
    keyed = {**OG_WIDE, "Idempotency-Key": f"rev-{unique}"}
    opened = await _ok(
        await gateway.post(
            f"/dossiers/{did}/projet-personnalise/revision", json={"motif": "chute"}, headers=keyed
        ),
        201,
    )
    # meanwhile version 2 is validated and another review opens version 3
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/projet-personnalise/versions/2/validation",
            json={"valide_le": "2026-11-02"},
            headers=OG_WIDE,
        )
    )
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/projet-personnalise/revision", json={"motif": "autre"}, headers=OG_WIDE
        ),
        201,
    )
    again = await _ok(
        await gateway.post(
            f"/dossiers/{did}/projet-personnalise/revision", json={"motif": "chute"}, headers=keyed
        ),
        201,
    )
    assert again == opened == {"version": 2, "position": opened["position"]}


async def test_malformed_ids_and_codes_are_client_errors(gateway: httpx.AsyncClient, unique: str) -> None:
    did = await admitted_dossier(gateway, f"Bad-{unique}")
    for path, status in (
        ("/grilles/a%00b", 404),
        (f"/dossiers/{did}/evaluations?grille=a%00b", 422),
        (f"/dossiers/{did}/projet-personnalise/versions/3000000000", 404),
        (f"/dossiers/{did}/projet-personnalise/comparaison?de=1&a=3000000000", 422),
        ("/prestations/echeances?jours=400", 422),
    ):
        response = await gateway.get(path, headers=OG_WIDE)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_admission_with_traits_the_dossier_would_refuse_still_opens_a_dossier(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    sejour_id, position = await admit(gateway, f"Inconnu-{unique}", prenoms="-")
    dossier = await dossier_of(gateway, sejour_id, position)
    assert dossier["traits"]["prenoms"] == "-"


async def test_lists_across_dossiers_show_only_the_callers_esms(
    gateway: httpx.AsyncClient, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Lists-{unique}")
    soon = (date.today() + timedelta(days=20)).isoformat()
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/prestations",
            json={"type": "apl", "debut": "2026-09-01", "fin": soon},
            headers=OG_WIDE,
        ),
        201,
    )
    await _ok(
        await gateway.post(
            f"/dossiers/{did}/mesures-liberte",
            json={
                "nature": "contention au fauteuil",
                "justification": "chutes répétées",
                "decidee_par": "Dr Leroy",
                "decidee_le": "2026-09-10",
                "revision_le": "2026-10-01",
            },
            headers=OG_WIDE,
        ),
        201,
    )
    done = await gateway.post(
        f"/dossiers/{did}/evaluations", json={"grille": "aggir", "reponses": aggir("A")}, headers=OG_WIDE
    )
    evaluation = await _ok(done, 201)
    for headers, visible in (
        (_fresh(done, equipe(EHPAD)), True),
        (_fresh(done, equipe(SSIAD)), False),
    ):
        echeances = await _ok(
            await gateway.get("/prestations/echeances", params={"jours": 30}, headers=headers)
        )
        assert (did in {p["dossier_id"] for p in echeances}) is visible
        mesures = await _ok(await gateway.get("/mesures-liberte/a-reexaminer", headers=headers))
        assert (did in {m["dossier_id"] for m in mesures}) is visible
        read = await gateway.get(f"/evaluations/{evaluation['id']}", headers=headers)
        assert read.status_code == (200 if visible else 404)


async def test_a_read_waits_only_for_events_of_its_own_projection(
    gateway: httpx.AsyncClient, store: EventStore, pool: asyncpg.Pool, unique: str
) -> None:
    did = await admitted_dossier(gateway, f"Wait-{unique}")
    write = await gateway.post(
        f"/dossiers/{did}/echanges",
        json={
            "le": "2026-10-01T10:00:00",
            "canal": "telephone",
            "participants": ["fils"],
            "objet": "nouvelles",
        },
        headers=OG_WIDE,
    )
    written = int(write.headers["X-Dui-Position"])

    class Behind(Projection):  # a read model that applied nothing yet, following this dossier only
        name = f"wait_{unique}"
        subjects = (f"dui.evt.*.dossier.dossierusager.{did}",)
        tables = ""

    class Elsewhere(Behind):  # nothing was ever written on its subjects
        subjects = (f"dui.evt.*.dossier.dossierusager.{uuid.uuid4()}",)

    async with pool.acquire() as conn:
        await conn.execute(f'CREATE SCHEMA "{Behind.name}"')
        await conn.execute(f'CREATE TABLE "{Behind.name}".projection_position (position bigint NOT NULL)')
        await conn.execute(f'INSERT INTO "{Behind.name}".projection_position VALUES (0)')
    try:
        assert await wait_for_position(store, pool, Behind, written, timeout=0.05) is None
        assert await wait_for_position(store, pool, Elsewhere, written, timeout=0) == written
        async with pool.acquire() as conn:
            await conn.execute(f'UPDATE "{Behind.name}".projection_position SET position = $1', written)
        assert await wait_for_position(store, pool, Behind, written, timeout=0) == written
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA "{Behind.name}" CASCADE')


async def test_a_write_racing_the_archive_of_its_dossier_is_refused(
    gateway: httpx.AsyncClient, dossier_service: DossierService, unique: str
) -> None:
    app = dossier_service.app
    assert app is not None
    sejour_id, position = await admit(gateway, f"Course-{unique}")
    did = (await dossier_of(gateway, sejour_id, position))["id"]
    contenu = {"objectifs": [{"code": "o", "libelle": "o", "domaine": "d"}]}
    await _ok(await gateway.post(f"/dossiers/{did}/projet-personnalise", json=contenu, headers=OG_WIDE), 201)
    sortie = await gateway.post(
        f"/sejours/{sejour_id}/sortie",
        json={"sortie_le": "2026-11-01T10:00:00", "motif": "retour_domicile"},
        headers=OG_WIDE,
    )
    await _ok(sortie)
    await _ok(await gateway.get(f"/dossiers/{did}", headers=_fresh(sortie)))  # closed by now
    ctx = CommandContext(actor=Actor(id="ide-1", role="infirmier", og_wide=True))

    # a projet change and a new evaluation, both decided on a dossier not yet archived…
    uow = app.unit_of_work(ctx)
    dossier = await uow.get(DossierUsager, UUID(did))
    dossier.check_writable()
    projet = await uow.get(ProjetPersonnalise, UUID(did))
    projet.modifier(1, ContenuProjet.model_validate({**contenu, "expression_usager": "trop tard"}))
    uow.guard(projet, dossier)
    evaluation_uow = app.unit_of_work(ctx)
    dossier_again = await evaluation_uow.get(DossierUsager, UUID(did))
    evaluation = Evaluation(
        id=uuid.uuid4(),
        dossier_id=UUID(did),
        esms=EHPAD,
        grille="aggir",
        grille_version=1,
        grille_libelle="AGGIR",
        realisee_le=datetime(2026, 10, 1, tzinfo=UTC),
        evaluateur="ide-1",
        reponses={},
        score=None,
        gir=6,
        interpretation=None,
        alerte=False,
        detail={},
        commentaire=None,
    )
    evaluation_uow.add(evaluation)
    evaluation_uow.guard(evaluation, dossier_again)
    # …then the dossier is archived before they are appended
    await app.archiver(UUID(did), ctx)
    for late in (uow, evaluation_uow):
        with pytest.raises(ConcurrencyConflict):
            await late.commit()
    refused = await gateway.put(
        f"/dossiers/{did}/projet-personnalise/versions/1", json=contenu, headers=OG_WIDE
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:dui:probleme:dossier_archive"


async def test_the_persons_consent_choices_are_recorded_with_who_expressed_them_and_listed(
    dossier_service: DossierService, nc: NATS, store: EventStore, unique: str
) -> None:
    app = dossier_service.app
    assert app is not None
    sejour_id = uuid.uuid4()
    data = AdmissionPrononcee(
        candidature_id=uuid.uuid4(),
        esms=EHPAD,
        usager=Usager(
            nom_naissance=f"Choix-{unique}", prenoms="Anne", date_naissance=date(1940, 1, 1), sexe="F"
        ),
        type_accueil=TypeAccueil.permanent,
        admis_le=datetime(2026, 9, 1, tzinfo=UTC),
    )
    await app.ouvrir(data, sejour_id, uuid.uuid4())
    did = str(dossier_id_for(sejour_id))
    params = {"id": did}
    usager = Actor(
        id=f"jeanne.{unique}@example.fr", role="usager", esms=(EHPAD,)
    )  # as the gateway passes them

    async def exprimer(actor: Actor, **body: Any) -> RpcReply:
        return await _rpc(nc, "exprimer_consentement", actor, params=params, body=body)

    recorded = await exprimer(SECRETARIAT, objet="alimentation_dmp", choix=False, le="2026-09-02T10:00:00")
    assert recorded.status == 200, recorded.problem
    mine = await exprimer(usager, objet="droit_image", choix=True)
    again = await exprimer(usager, objet="droit_image", choix=True)
    assert again.position == mine.position  # the same choice again records nothing
    changed = await exprimer(SECRETARIAT, objet="droit_image", choix=False, exprime_par="representant_legal")
    assert (await _events(store, did)).count("ConsentementRecueilli") == 3
    refused = await exprimer(usager, objet="partage_hors_esms", choix=True, exprime_par="representant_legal")
    assert (refused.status, refused.problem and refused.problem["type"]) == (
        403,
        "urn:dui:probleme:exprime_par_qualite",
    )
    invalid = await exprimer(SECRETARIAT, objet="partage_hors_esms", choix=True, exprime_par="usager")
    assert invalid.status == 422 and invalid.problem is not None
    assert invalid.problem["errors"][0]["rule"] == "exprime_par_professionnel"
    future = await exprimer(SECRETARIAT, objet="contact_entourage", choix=True, le="2999-01-01T10:00:00")
    assert future.status == 422
    other = Actor(id="sec-9", role="secretariat", esms=(SSIAD,))
    assert (await exprimer(other, objet="contact_entourage", choix=True)).status == 404
    listed = await _rpc(nc, "consentements", usager, params=params, min_position=changed.position or 0)
    assert listed.status == 200, listed.problem
    courants = {c["objet"]: c for c in listed.body["courants"]}
    assert sorted(courants) == ["alimentation_dmp", "droit_image"]
    assert (courants["droit_image"]["choix"], courants["droit_image"]["exprime_par"]) == (
        False,
        "representant_legal",
    )
    assert courants["droit_image"]["recueilli_par"] == SECRETARIAT.id
    assert courants["alimentation_dmp"]["le"] == "2026-09-02T10:00:00+02:00"
    assert [(h["objet"], h["exprime_par"]) for h in listed.body["historique"]] == [
        ("droit_image", "representant_legal"),
        ("droit_image", "usager"),
        ("alimentation_dmp", "professionnel_pour_usager"),
    ]
    assert (await _rpc(nc, "consentements", other, params=params)).status == 404
    sortie = SortiePrononcee(sortie_le=datetime(2026, 10, 1, tzinfo=UTC), motif=MotifSortie.retour_domicile)
    await app.clore(sortie, sejour_id, uuid.uuid4())
    await app.archiver(UUID(did), CommandContext(actor=Actor(id="dir", role="direction", og_wide=True)))
    archived = await exprimer(usager, objet="droit_image", choix=True)
    assert (archived.status, archived.problem and archived.problem["type"]) == (
        409,
        "urn:dui:probleme:dossier_archive",
    )
