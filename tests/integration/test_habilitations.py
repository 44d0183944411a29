"""The habilitations service through its bus operations, against real NATS JetStream and PostgreSQL: the matrix
written once however many instances start, rights that follow a change on the very next request, break-the-glass
(outside one's ESMS only, limited in time, reviewed by someone else), persons' accesses, the access journal fed by
the gateway's traces on the audit stream, and rebuilds of both read models.

Dossiers are opened by the dossier service's own reaction to an admission (called directly): the habilitations
service knows them from the dossier service's events only."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from dui_dossier.application import dossier_id_for
from dui_dossier.bootstrap import DossierService
from dui_dossier.domain.dossier import DossierUsager
from dui_gateway.audit import publier_trace
from dui_habilitations.application import HabilitationsApp
from dui_habilitations.bootstrap import HabilitationsService
from dui_habilitations.domain.matrice import MATRICE_ID
from dui_habilitations.projections import HabilitationsReadModel, JournalAcces
from dui_shared.aggregate import CommandContext
from dui_shared.config import Settings
from dui_shared.contracts import registry
from dui_shared.contracts.admission import (
    AdmissionPrononcee,
    MotifSortie,
    SortiePrononcee,
    TypeAccueil,
    Usager,
)
from dui_shared.contracts.habilitations import AccesTrace, ModeAcces
from dui_shared.contracts.habilitations_api import AccesUrgenceAOuvrir
from dui_shared.envelope import Actor
from dui_shared.eventstore import EventStore
from dui_shared.projection import Projection, rebuild, wait_for_position
from dui_shared.rpc import RpcReply, RpcRequest
from dui_shared.timezone import now_utc
from tests.support.builders import EHPAD, SSIAD

pytestmark = pytest.mark.usefixtures("habilitations_service")

ADMIN = Actor(id="admin-og", role="administrateur_og", og_wide=True)
DPO = Actor(id="dpo-01", role="dpo", og_wide=True)
MOTIF = "malaise dans le hall de l'accueil de jour, la famille est injoignable"
OG_DEMO = Path(__file__).resolve().parents[2] / "config" / "og-demo.json"


# -- calling the service ----------------------------------------------------------------------------------


async def call(
    nc: NATS,
    operation: str,
    actor: Actor,
    *,
    params: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    body: Any = None,
    min_position: int = 0,
    key: str | None = None,
    service: str = "habilitations",
) -> RpcReply:
    request = RpcRequest(
        actor=actor,
        correlation_id=str(uuid.uuid4()),
        params=params or {},
        query=query or {},
        body=body,
        min_position=min_position,
        idempotency_key=key,
    )
    msg = await nc.request(f"dui.rpc.{service}.{operation}", request.model_dump_json().encode(), timeout=15)
    return RpcReply.model_validate_json(msg.data)


def ok(reply: RpcReply, status: int = 200) -> Any:
    assert reply.status == status, reply.problem
    return reply.body


def problem(reply: RpcReply, status: int) -> list[tuple[str, str]]:
    assert reply.status == status, reply.body or reply.problem
    assert reply.problem is not None
    errors = reply.problem.get("errors") or []
    return [(e["field"], e["rule"]) for e in errors] or [("", reply.problem["type"])]


async def droits(nc: NATS, identifiant: str, profession: str | None, profil: str = "professionnel") -> Any:
    body = {"identifiant": identifiant, "profession": profession, "profil": profil}
    return ok(await call(nc, "droits.calculer", Actor(id="dui-gateway", role="systeme"), body=body))


def pro(identifiant: str, role: str, *esms: str) -> Actor:
    return Actor(id=identifiant, role=role, esms=esms)


async def affecter(nc: NATS, identifiant: str, *esms: str, **changes: Any) -> int:
    body = {"esms": list(esms), **changes}
    reply = await call(
        nc, "comptes.definir_affectations", ADMIN, params={"identifiant": identifiant}, body=body
    )
    return int(ok(reply)["position"])


# -- dossiers, opened by the dossier service --------------------------------------------------------------


async def dossier(service: DossierService, esms: str, nom: str) -> UUID:
    assert service.app is not None
    sejour_id = uuid.uuid4()
    data = AdmissionPrononcee(
        candidature_id=uuid.uuid4(),
        esms=esms,
        usager=Usager(nom_naissance=nom, prenoms="Anne", date_naissance=date(1940, 1, 1), sexe="F"),
        type_accueil=TypeAccueil.permanent,
        admis_le=datetime(2026, 9, 1, tzinfo=UTC),
    )
    await service.app.ouvrir(data, sejour_id, uuid.uuid4())
    return dossier_id_for(sejour_id)


async def archive(service: DossierService, esms: str, nom: str) -> UUID:
    assert service.app is not None
    did = await dossier(service, esms, nom)
    sejour_id = (await service.app.get(DossierUsager, did)).sejour_id
    sortie = SortiePrononcee(sortie_le=datetime(2026, 9, 20, tzinfo=UTC), motif=MotifSortie.retour_domicile)
    await service.app.clore(sortie, sejour_id, uuid.uuid4())
    await service.app.archiver(did, CommandContext(actor=ADMIN))
    return did


# -- the matrix -------------------------------------------------------------------------------------------


async def test_the_matrix_is_written_once_even_when_two_instances_start_together(
    settings: Settings, store: EventStore, tmp_path: Path, unique: str
) -> None:
    og = json.loads(OG_DEMO.read_text(encoding="utf-8"))
    token = str(int(unique, 16) % 10**9).zfill(9)  # a new OG: its own matrix subject
    og["og"]["finess_juridique"] = token
    og_file = tmp_path / "og.json"
    og_file.write_text(json.dumps(og), encoding="utf-8")
    own = settings.model_copy(update={"og_file": og_file})
    hosts = await asyncio.gather(HabilitationsService(own).start(), HabilitationsService(own).start())
    try:
        third = await HabilitationsService(own).start()
        await third.stop()
    finally:
        for host in hosts:
            await host.stop()
    stored = await store.read(f"dui.evt.{token}.habilitation.matrice.{MATRICE_ID}")
    assert [e.envelope.name for e in stored] == ["MatriceInitialisee"]
    assert stored[0].envelope.actor.id == "dui-habilitations"
    assert any(p["profession"] == "administrateur_og" for p in stored[0].envelope.data["profils"])


async def test_the_matrix_is_changed_by_its_administrator_and_rights_follow_at_once(
    nc: NATS, unique: str
) -> None:
    matrice = ok(await call(nc, "matrice.lire", pro("ide-1", "infirmier", EHPAD)))
    professions = [p["profession"] for p in matrice["profils"]]
    assert {"infirmier", "administrateur_og", "dpo", "usager"} <= set(professions)
    assert professions == sorted(professions)
    veilleur = f"veilleur_{unique}"
    line = {"libelle": "Veilleur de nuit", "categories": {"soins": "lecture", "accompagnement": "ecriture"}}
    refused = await call(
        nc,
        "matrice.definir_profil",
        pro("ide-1", "infirmier", EHPAD),
        params={"profession": veilleur},
        body=line,
    )
    assert problem(refused, 403) == [("", "urn:dui:probleme:administration_requis")]
    assert (await droits(nc, f"v-{unique}", veilleur))["profil_habilitation"] is None
    ok(await call(nc, "matrice.definir_profil", ADMIN, params={"profession": veilleur}, body=line))
    again = ok(await call(nc, "matrice.definir_profil", ADMIN, params={"profession": veilleur}, body=line))
    profil = (await droits(nc, f"v-{unique}", veilleur))["profil_habilitation"]
    assert profil["categories"] == {"soins": "lecture", "accompagnement": "ecriture"}
    assert again["position"] <= (await droits(nc, f"v-{unique}", veilleur))["position"]
    ok(await call(nc, "matrice.retirer_profil", ADMIN, params={"profession": veilleur}))
    assert (await droits(nc, f"v-{unique}", veilleur))["profil_habilitation"] is None
    locked = await call(nc, "matrice.retirer_profil", ADMIN, params={"profession": "administrateur_og"})
    assert problem(locked, 409) == [("profession", "profil_administrateur_protege")]
    invalid = await call(nc, "matrice.definir_profil", ADMIN, params={"profession": "Veilleur!"}, body=line)
    assert problem(invalid, 422)[0][0] == "profession"


# -- accounts and rights ----------------------------------------------------------------------------------


async def test_rights_reflect_an_assignment_change_on_the_very_next_request(nc: NATS, unique: str) -> None:
    ide = f"ide-{unique}"
    before = await droits(nc, ide, "infirmier")
    assert (before["profession"], before["profil_habilitation"]["profession"], before["esms"]) == (
        "infirmier",
        "infirmier",
        [],
    )
    await affecter(nc, ide, EHPAD, nom="Claire Infirmière")
    assert (await droits(nc, ide, "infirmier"))["esms"] == [EHPAD]
    await affecter(nc, ide, SSIAD, EHPAD, profession="infirmier_coordonnateur")
    now = await droits(nc, ide, "infirmier")
    assert (now["profession"], now["esms"]) == ("infirmier_coordonnateur", sorted([SSIAD, EHPAD]))
    position = await affecter(nc, ide, EHPAD, actif=False)
    off = await droits(nc, ide, "infirmier")
    assert (off["profil_habilitation"], off["esms"], off["position"]) == (None, [], position)
    compte = ok(await call(nc, "comptes.lire", ADMIN, params={"identifiant": ide}, min_position=position))
    assert compte == {
        "identifiant": ide,
        "profession": None,
        "esms": [EHPAD],
        "nom": None,
        "actif": False,
    }
    page = ok(await call(nc, "comptes.lister", ADMIN, query={"esms": EHPAD}, min_position=position))
    assert ide in [c["identifiant"] for c in page["items"]]
    page = ok(await call(nc, "comptes.lister", ADMIN, query={"esms": SSIAD, "limit": 500}))
    assert ide not in [c["identifiant"] for c in page["items"]]
    own = ok(await call(nc, "comptes.lire", pro(ide, "infirmier", EHPAD), params={"identifiant": ide}))
    assert own["identifiant"] == ide


async def test_only_an_administrator_assigns_accounts_to_esms_and_professions_of_the_og(
    nc: NATS, unique: str
) -> None:
    ide = f"ide-{unique}"
    nurse = pro("ide-1", "infirmier", EHPAD)
    denied = await call(
        nc, "comptes.definir_affectations", nurse, params={"identifiant": ide}, body={"esms": [EHPAD]}
    )
    assert problem(denied, 403) == [("", "urn:dui:probleme:administration_requis")]
    assert problem(await call(nc, "comptes.lister", nurse), 403)
    assert problem(await call(nc, "comptes.lire", nurse, params={"identifiant": ide}), 403)
    body = {"esms": [EHPAD, "999999999"], "profession": "plombier"}
    invalid = await call(nc, "comptes.definir_affectations", ADMIN, params={"identifiant": ide}, body=body)
    assert problem(invalid, 422) == [("esms.1", "esms_inconnu"), ("profession", "profession_inconnue")]
    assert problem(await call(nc, "comptes.lire", ADMIN, params={"identifiant": "a b"}), 404)


# -- break-the-glass --------------------------------------------------------------------------------------


async def test_an_emergency_access_opens_a_dossier_outside_ones_esms_for_the_configured_time(
    nc: NATS, dossier_service: DossierService, habilitations_service: HabilitationsService, unique: str
) -> None:
    ide = f"ide-{unique}"
    await affecter(nc, ide, EHPAD)
    nurse = pro(ide, "infirmier", EHPAD)
    ailleurs = await dossier(dossier_service, SSIAD, f"Urgence-{unique}")
    chez_soi = await dossier(dossier_service, EHPAD, f"Maison-{unique}")
    avant = now_utc()
    created = await call(
        nc, "urgences.ouvrir", nurse, body={"dossier_id": str(ailleurs), "justification": MOTIF}
    )
    accorde = ok(created, 201)
    assert created.location == f"/acces-urgence/{accorde['id']}"
    duree = timedelta(hours=habilitations_service.settings.acces_urgence_heures)
    fin = datetime.fromisoformat(accorde["fin"])
    assert avant + duree <= fin <= now_utc() + duree
    again = ok(
        await call(nc, "urgences.ouvrir", nurse, body={"dossier_id": str(ailleurs), "justification": MOTIF}),
        201,
    )
    assert again["id"] == accorde["id"]
    rights = await droits(nc, ide, "infirmier")
    assert [(u["acces_id"], u["dossier_id"], u["esms"]) for u in rights["urgences"]] == [
        (accorde["id"], str(ailleurs), SSIAD)
    ]
    inside = await call(
        nc, "urgences.ouvrir", nurse, body={"dossier_id": str(chez_soi), "justification": MOTIF}
    )
    assert problem(inside, 409) == [("dossier_id", "acces_deja_autorise")]
    aide = pro(f"as-{unique}", "aide_soignant", EHPAD)
    denied = await call(
        nc, "urgences.ouvrir", aide, body={"dossier_id": str(ailleurs), "justification": MOTIF}
    )
    assert problem(denied, 403) == [("", "urn:dui:probleme:acces_urgence_non_habilite")]
    short = await call(
        nc, "urgences.ouvrir", nurse, body={"dossier_id": str(ailleurs), "justification": "urgence"}
    )
    assert problem(short, 422)[0][0] == "justification"
    unknown = await call(
        nc, "urgences.ouvrir", nurse, body={"dossier_id": str(uuid.uuid4()), "justification": MOTIF}
    )
    assert problem(unknown, 422) == [("dossier_id", "dossier_inconnu")]
    archived = await archive(dossier_service, SSIAD, f"Archive-{unique}")
    refused = await call(
        nc, "urgences.ouvrir", nurse, body={"dossier_id": str(archived), "justification": MOTIF}
    )
    assert problem(refused, 409) == [("dossier_id", "dossier_archive")]
    ok(await call(nc, "urgences.clore", nurse, params={"id": accorde["id"]}))
    assert (await droits(nc, ide, "infirmier"))["urgences"] == []
    other = pro(f"ide2-{unique}", "infirmier", EHPAD)
    assert problem(await call(nc, "urgences.clore", other, params={"id": accorde["id"]}), 404)


async def test_emergency_accesses_are_listed_to_review_and_reviewed_once_by_someone_else(
    nc: NATS, dossier_service: DossierService, unique: str
) -> None:
    cadre_id = f"cds-{unique}"
    await affecter(nc, cadre_id, EHPAD)
    cadre = pro(cadre_id, "cadre_de_sante", EHPAD)
    did = await dossier(dossier_service, SSIAD, f"Revue-{unique}")
    opened = ok(
        await call(nc, "urgences.ouvrir", cadre, body={"dossier_id": str(did), "justification": MOTIF}), 201
    )
    acces = opened["id"]

    async def listed(actor: Actor, position: int, **query: Any) -> dict[str, Any]:
        page = ok(await call(nc, "urgences.lister", actor, query=query, min_position=position))
        return {u["id"]: u for u in page["items"]}

    active = await listed(DPO, opened["position"], dossier_id=str(did))
    assert active[acces]["statut"] == "actif" and active[acces]["justification"] == MOTIF
    assert acces not in await listed(DPO, opened["position"], a_revoir=True)  # still running
    closed = ok(await call(nc, "urgences.clore", cadre, params={"id": acces}))
    to_review = await listed(DPO, closed["position"], a_revoir=True)
    assert to_review[acces]["statut"] == "clos" and to_review[acces]["revue"] is None
    # the one who opened it, even when it concerns their ESMS now, does not review it
    self_review = await call(
        nc,
        "urgences.revoir",
        pro(cadre_id, "cadre_de_sante", SSIAD),
        params={"id": acces},
        body={"conforme": True},
    )
    assert problem(self_review, 403) == [("", "urn:dui:probleme:revue_par_soi_meme")]
    nurse = pro(f"ide-{unique}", "infirmier", SSIAD)
    assert problem(
        await call(nc, "urgences.revoir", nurse, params={"id": acces}, body={"conforme": True}), 403
    )
    assert problem(await call(nc, "urgences.lister", nurse), 403)
    assert (
        ok(
            await call(
                nc, "urgences.lister", pro(cadre_id, "cadre_de_sante", EHPAD), query={"identifiant": cadre_id}
            )
        )["total"]
        == 1
    )
    direction_ehpad = pro(f"dir-{unique}", "direction", EHPAD)
    direction_ssiad = pro(f"dir2-{unique}", "direction", SSIAD)
    assert acces not in await listed(direction_ehpad, closed["position"], identifiant=cadre_id)
    assert acces in await listed(direction_ssiad, closed["position"], identifiant=cadre_id)
    assert problem(
        await call(nc, "urgences.revoir", direction_ehpad, params={"id": acces}, body={"conforme": True}), 404
    )
    revue = {"conforme": False, "commentaire": "pas d'urgence vitale : à rappeler"}
    done = ok(await call(nc, "urgences.revoir", direction_ssiad, params={"id": acces}, body=revue))
    same = ok(await call(nc, "urgences.revoir", direction_ssiad, params={"id": acces}, body=revue))
    assert same["position"] == done["position"]
    other = await call(nc, "urgences.revoir", DPO, params={"id": acces}, body={"conforme": True})
    assert problem(other, 409) == [("", "urn:dui:probleme:acces_deja_revu")]
    reviewed = await listed(DPO, done["position"], dossier_id=str(did))
    assert reviewed[acces]["revue"]["revu_par"] == direction_ssiad.id
    assert reviewed[acces]["revue"]["conforme"] is False
    assert acces not in await listed(DPO, done["position"], a_revoir=True)
    assert acces in await listed(DPO, done["position"], a_revoir=False)


async def test_an_emergency_access_past_its_end_shows_as_expired_and_gives_no_more_rights(
    nc: NATS,
    store: EventStore,
    dossier_service: DossierService,
    habilitations_service: HabilitationsService,
    unique: str,
) -> None:
    service = habilitations_service
    assert service.app is not None and service.queries is not None
    bref = HabilitationsApp(
        store, registry, service.app.referentiel, service.queries, duree_urgence=timedelta(milliseconds=300)
    )
    ide = f"ide-{unique}"
    did = await dossier(dossier_service, SSIAD, f"Expire-{unique}")
    ctx = CommandContext(actor=pro(ide, "infirmier", EHPAD))
    acces, fin, position = await bref.ouvrir_urgence(
        AccesUrgenceAOuvrir(dossier_id=did, justification=MOTIF), ctx
    )
    assert [u["acces_id"] for u in (await droits(nc, ide, "infirmier"))["urgences"]] == [str(acces)]
    await asyncio.sleep(max(0.0, (fin - now_utc()).total_seconds()) + 0.05)
    assert (await droits(nc, ide, "infirmier"))["urgences"] == []
    page = ok(await call(nc, "urgences.lister", DPO, query={"dossier_id": str(did)}, min_position=position))
    assert [(u["id"], u["statut"]) for u in page["items"]] == [(str(acces), "expire")]
    again, _, _ = await bref.ouvrir_urgence(AccesUrgenceAOuvrir(dossier_id=did, justification=MOTIF), ctx)
    assert again != acces  # the first one is over: a new access


# -- persons ----------------------------------------------------------------------------------------------


async def test_a_persons_account_is_linked_to_a_dossier_by_the_esms_and_its_rights_follow(
    nc: NATS, dossier_service: DossierService, unique: str
) -> None:
    did = await dossier(dossier_service, EHPAD, f"Personne-{unique}")
    jeanne = f"jeanne.{unique}@example.fr"
    secretariat = pro(f"sec-{unique}", "secretariat", EHPAD)
    link = {"identifiant": jeanne, "qualite": "usager"}
    created = await call(nc, "personnes.ouvrir", secretariat, params={"id": str(did)}, body=link)
    body = ok(created, 201)
    assert created.location == f"/dossiers/{did}/acces-personnes/{jeanne}"
    rights = await droits(nc, jeanne, None, "usager")
    assert rights["profil_habilitation"]["profession"] == "usager"
    assert [(p["dossier_id"], p["esms"], p["qualite"]) for p in rights["personnes"]] == [
        (str(did), EHPAD, "usager")
    ]
    listed = ok(
        await call(
            nc,
            "personnes.lister",
            pro("as-1", "aide_soignant", EHPAD),
            params={"id": str(did)},
            min_position=body["position"],
        )
    )
    assert listed == [{"identifiant": jeanne, "dossier_id": str(did), "esms": EHPAD, "qualite": "usager"}]
    autre_esms = pro("sec-9", "secretariat", SSIAD)
    assert problem(await call(nc, "personnes.ouvrir", autre_esms, params={"id": str(did)}, body=link), 404)
    assert problem(await call(nc, "personnes.lister", autre_esms, params={"id": str(did)}), 404)
    animateur = pro("anim-1", "animateur", EHPAD)  # reads the administrative data, does not write it
    denied = await call(nc, "personnes.ouvrir", animateur, params={"id": str(did)}, body=link)
    assert problem(denied, 403) == [("", "urn:dui:probleme:ecriture_administratif_requise")]
    unknown = await call(nc, "personnes.ouvrir", secretariat, params={"id": str(uuid.uuid4())}, body=link)
    assert problem(unknown, 404)
    params = {"id": str(did), "identifiant": jeanne}
    ok(await call(nc, "personnes.retirer", secretariat, params=params))
    assert (await droits(nc, jeanne, None, "usager"))["personnes"] == []
    ok(await call(nc, "personnes.retirer", secretariat, params=params))  # already removed: nothing changes
    nobody = await call(
        nc, "personnes.retirer", secretariat, params={"id": str(did), "identifiant": f"x-{unique}"}
    )
    assert problem(nobody, 404)


# -- the access journal -----------------------------------------------------------------------------------


async def tracer(
    nc: NATS,
    dossiers: list[UUID],
    instant: datetime,
    *,
    trace_id: UUID | None = None,
    msg_id: str | None = None,
) -> UUID:
    """An access trace as the gateway publishes it on the audit stream."""
    trace_id = trace_id or uuid.uuid4()
    actor = pro("ide-0042", "infirmier", EHPAD)
    data = AccesTrace(
        requete_id=f"req-{trace_id}",
        identifiant=actor.id,
        profession="infirmier",
        profil="professionnel",
        methode="GET",
        route="/dossiers/{dossier_id}/synthese",
        chemin=f"/dossiers/{dossiers[0]}/synthese",
        categories=["administratif", "soins"],
        mode=ModeAcces.lecture,
        statut=200,
        dossiers=dossiers,
        instant=instant,
    )
    await publier_trace(nc.jetstream(), trace_id, data, actor, f"req-{trace_id}", msg_id=msg_id)
    return trace_id


async def test_the_journal_of_a_dossier_lists_each_trace_naming_it_once_newest_first(
    nc: NATS, dossier_service: DossierService, unique: str
) -> None:
    d1 = await dossier(dossier_service, EHPAD, f"Journal-{unique}")
    d2 = await dossier(dossier_service, SSIAD, f"Journal-{unique}")
    hier = now_utc() - timedelta(days=1)
    both = await tracer(nc, [d1, d2], now_utc())
    await tracer(nc, [d1], hier)
    await tracer(nc, [d1, d2], now_utc(), trace_id=both)  # a retried publish: deduplicated by the stream
    await tracer(nc, [d1, d2], now_utc(), trace_id=both, msg_id=f"late-{both}")  # after its window

    async def journal(actor: Actor, did: UUID, **query: Any) -> RpcReply:
        return await call(nc, "journal.lister", actor, params={"id": str(did)}, query=query)

    page = ok(await journal(DPO, d1))
    assert page["total"] == 2
    entries = page["items"]
    instants = [datetime.fromisoformat(e["instant"]) for e in entries]
    assert instants[0] > instants[1] and abs(instants[1] - hier) < timedelta(seconds=1)
    assert entries[0] == {
        "instant": entries[0]["instant"],
        "identifiant": "ide-0042",
        "profession": "infirmier",
        "profil": "professionnel",
        "categories": ["administratif", "soins"],
        "mode": "lecture",
        "methode": "GET",
        "route": "/dossiers/{dossier_id}/synthese",
        "statut": 200,
        "acces_urgence": None,
    }
    assert ok(await journal(DPO, d2))["total"] == 1
    recent = ok(await journal(DPO, d1, du=str((hier + timedelta(hours=1)).isoformat())))
    assert recent["total"] == 1
    paged = ok(await journal(DPO, d1, limit=1, offset=1))
    assert (paged["total"], len(paged["items"]), paged["offset"]) == (2, 1, 1)
    assert problem(await journal(DPO, d1, du="2026-10-05", au="2026-10-01"), 422) == [
        ("au", "fin_avant_debut")
    ]
    direction = pro(f"dir-{unique}", "direction", EHPAD)
    assert ok(await journal(direction, d1))["total"] == 2
    assert problem(await journal(direction, d2), 404)
    assert problem(await journal(pro("ide-1", "infirmier", EHPAD), d1), 403) == [
        ("", "urn:dui:probleme:journal_acces_requis")
    ]
    # the person, with their own account, reads the journal of the dossier they are linked to
    jeanne = f"jeanne.{unique}@example.fr"
    link = {"identifiant": jeanne, "qualite": "usager"}
    ok(
        await call(
            nc, "personnes.ouvrir", pro("sec-1", "secretariat", EHPAD), params={"id": str(d1)}, body=link
        ),
        201,
    )
    usager = Actor(id=jeanne, role="usager", esms=(EHPAD,))
    assert ok(await journal(usager, d1))["total"] == 2
    assert problem(await journal(usager, d2), 404)
    assert problem(await journal(Actor(id=jeanne, role="personne_de_confiance", esms=(EHPAD,)), d1), 404)


# -- rebuilds ---------------------------------------------------------------------------------------------


async def _same_rows(
    nc: NATS, pool: asyncpg.Pool, projection: type[Projection], tables: dict[str, str]
) -> None:
    live_store = EventStore(nc, stream=projection.stream)
    assert await wait_for_position(live_store, pool, projection, await live_store.last_sequence(), 10)
    schema = await rebuild(projection(), nc=nc, pool=pool, registry=registry, swap=False)
    async with pool.acquire() as conn:
        target = await conn.fetchval(f'SELECT position FROM "{schema}".projection_position')
        assert await wait_for_position(live_store, pool, projection, target, 10)
        for table, order in tables.items():
            live = await conn.fetch(f"SELECT * FROM {projection.name}.{table} ORDER BY {order}")
            rebuilt = await conn.fetch(f'SELECT * FROM "{schema}".{table} ORDER BY {order}')
            assert [dict(r) for r in rebuilt] == [dict(r) for r in live], table
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_rebuild_of_both_read_models_gives_the_live_ones(
    nc: NATS, pool: asyncpg.Pool, dossier_service: DossierService, unique: str
) -> None:
    ide = f"ide-{unique}"
    await affecter(nc, ide, EHPAD, nom="Rebuild")
    did = await dossier(dossier_service, SSIAD, f"Rebuild-{unique}")
    nurse = pro(ide, "infirmier", EHPAD)
    acces = ok(
        await call(nc, "urgences.ouvrir", nurse, body={"dossier_id": str(did), "justification": MOTIF}), 201
    )
    ok(await call(nc, "urgences.revoir", DPO, params={"id": acces["id"]}, body={"conforme": True}))
    lien = {"identifiant": f"p-{unique}", "qualite": "representant_legal"}
    ok(
        await call(
            nc, "personnes.ouvrir", pro("sec-1", "secretariat", SSIAD), params={"id": str(did)}, body=lien
        ),
        201,
    )
    await tracer(nc, [did], now_utc())
    tables = {
        "compte": "1",
        "urgence": "1",
        "acces_personne": "1, 2",
        "dossier_connu": "1",
        "absence_connue": "1",
    }
    await _same_rows(nc, pool, HabilitationsReadModel, tables)
    await _same_rows(nc, pool, JournalAcces, {"acces": "1, 2"})


async def test_projection_status_is_for_og_level_roles(nc: NATS) -> None:
    statuses = ok(await call(nc, "habilitations_projections", DPO))
    assert [s["projection"] for s in statuses] == ["habilitations", "journal_acces"]
    assert problem(await call(nc, "habilitations_projections", pro("ide-1", "infirmier", EHPAD)), 403)
