"""Habilitations endpoints: the OG's matrix and accounts (administrators), emergency access (break-the-glass)
and its review, the persons' accounts linked to a dossier, and the dossier's access journal.

Every change is an event of the habilitations service and takes effect on the next request (the gateways
forget the rights they cached as soon as they hear it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from dui_gateway.deps import Bus, BusDep, CurrentActor, IdempotencyKey, MinPosition
from dui_gateway.forward import Forward, body, ids
from dui_gateway.routes.admission import PROBLEMS
from dui_shared.contracts.admission_api import CommandeAcceptee
from dui_shared.contracts.habilitations_api import (
    AccesPersonneAOuvrir,
    AccesUrgenceAccorde,
    AccesUrgenceAOuvrir,
    AffectationsADefinir,
    CompteVue,
    FiltreComptes,
    FiltreJournal,
    FiltreUrgences,
    MatriceVue,
    PageComptes,
    PageJournal,
    PageUrgences,
    ProfilAEnregistrer,
    RevueAcces,
)


@dataclass(frozen=True)
class ForwardDroits(Forward):
    """A change of rights: this gateway forgets what it cached at once (the others when they hear the event)."""

    async def write(self, request: Request, bus: Bus, *args: Any, **kwargs: Any) -> JSONResponse:
        response = await super().write(request, bus, *args, **kwargs)
        request.app.state.habilitations.oublier()
        return response


router = APIRouter(tags=["habilitations"])
FWD = ForwardDroits("habilitations")
D = "/dossiers/{dossier_id}"
ProfessionPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
IdentifiantPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:@-]{1,64}$")]


# -- matrix and accounts --------------------------------------------------------------------------------


@router.get("/habilitations/matrice", response_model=MatriceVue, responses=PROBLEMS)
async def lire_matrice(
    request: Request, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The matrix in force: for each profession, its level per data category and its flags."""
    return await FWD.read(request, bus, actor, "matrice.lire", position)


@router.put(
    "/habilitations/matrice/profils/{profession}", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def definir_profil(
    request: Request,
    profession: ProfessionPath,
    cmd: ProfilAEnregistrer,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Create or replace a profession's line (OG administrators)."""
    params = {"profession": profession}
    return await FWD.write(request, bus, actor, "matrice.definir_profil", key, params, body(cmd))


@router.delete(
    "/habilitations/matrice/profils/{profession}", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def retirer_profil(
    request: Request, profession: ProfessionPath, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Remove a profession's line: its accounts lose every right (the last administrator's line stays)."""
    return await FWD.write(request, bus, actor, "matrice.retirer_profil", key, {"profession": profession})


@router.get("/habilitations/comptes", response_model=PageComptes, responses=PROBLEMS)
async def lister_comptes(
    request: Request,
    filtre: Annotated[FiltreComptes, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    return await FWD.read(
        request, bus, actor, "comptes.lister", position, query=filtre.model_dump(mode="json")
    )


@router.get("/habilitations/comptes/{identifiant}", response_model=CompteVue, responses=PROBLEMS)
async def lire_compte(
    request: Request, identifiant: IdentifiantPath, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    return await FWD.read(request, bus, actor, "comptes.lire", position, {"identifiant": identifiant})


@router.put("/habilitations/comptes/{identifiant}", response_model=CommandeAcceptee, responses=PROBLEMS)
async def definir_affectations(
    request: Request,
    identifiant: IdentifiantPath,
    cmd: AffectationsADefinir,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """The ESMS an account works in (the whole set), and the profession it works as here if not the token's."""
    params = {"identifiant": identifiant}
    return await FWD.write(request, bus, actor, "comptes.definir_affectations", key, params, body(cmd))


# -- break-the-glass --------------------------------------------------------------------------------------


@router.post("/acces-urgence", status_code=201, response_model=AccesUrgenceAccorde, responses=PROBLEMS)
async def ouvrir_acces_urgence(
    request: Request, cmd: AccesUrgenceAOuvrir, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Open a dossier outside one's ESMS in an emergency, with a written reason: time-limited, flagged in the
    access journal and listed for review."""
    return await FWD.write(request, bus, actor, "urgences.ouvrir", key, None, body(cmd))


@router.post("/acces-urgence/{acces_id}/cloture", response_model=CommandeAcceptee, responses=PROBLEMS)
async def clore_acces_urgence(
    request: Request, acces_id: UUID, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """End one's emergency access before its term."""
    return await FWD.write(request, bus, actor, "urgences.clore", key, {"id": str(acces_id)})


@router.get("/acces-urgence", response_model=PageUrgences, responses=PROBLEMS)
async def lister_acces_urgence(
    request: Request,
    filtre: Annotated[FiltreUrgences, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Emergency accesses, to review (`a_revoir=true`: ended and not yet reviewed)."""
    return await FWD.read(
        request, bus, actor, "urgences.lister", position, query=filtre.model_dump(mode="json")
    )


@router.post("/acces-urgence/{acces_id}/revue", response_model=CommandeAcceptee, responses=PROBLEMS)
async def revoir_acces_urgence(
    request: Request, acces_id: UUID, cmd: RevueAcces, actor: CurrentActor, bus: BusDep, key: IdempotencyKey
) -> JSONResponse:
    """Record the review of an emergency access (by someone else than who opened it)."""
    return await FWD.write(request, bus, actor, "urgences.revoir", key, {"id": str(acces_id)}, body(cmd))


# -- persons' accounts and the access journal of a dossier ------------------------------------------------


@router.get(f"{D}/acces-personnes", responses=PROBLEMS)
async def lister_acces_personnes(
    request: Request, dossier_id: UUID, actor: CurrentActor, bus: BusDep, position: MinPosition
) -> JSONResponse:
    """The persons' accounts (usager, personne de confiance, représentant légal) that may read the dossier."""
    return await FWD.read(request, bus, actor, "personnes.lister", position, ids(dossier_id))


@router.post(f"{D}/acces-personnes", status_code=201, response_model=CommandeAcceptee, responses=PROBLEMS)
async def ouvrir_acces_personne(
    request: Request,
    dossier_id: UUID,
    cmd: AccesPersonneAOuvrir,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """Let a person's account read this dossier's filtered view, in the quality given."""
    return await FWD.write(request, bus, actor, "personnes.ouvrir", key, ids(dossier_id), body(cmd))


@router.post(
    f"{D}/acces-personnes/{{identifiant}}/retrait", response_model=CommandeAcceptee, responses=PROBLEMS
)
async def retirer_acces_personne(
    request: Request,
    dossier_id: UUID,
    identifiant: IdentifiantPath,
    actor: CurrentActor,
    bus: BusDep,
    key: IdempotencyKey,
) -> JSONResponse:
    params = {**ids(dossier_id), "identifiant": identifiant}
    return await FWD.write(request, bus, actor, "personnes.retirer", key, params)


@router.get(f"{D}/journal-acces", response_model=PageJournal, responses=PROBLEMS)
async def journal_acces(
    request: Request,
    dossier_id: UUID,
    filtre: Annotated[FiltreJournal, Query()],
    actor: CurrentActor,
    bus: BusDep,
    position: MinPosition,
) -> JSONResponse:
    """Who read or wrote the dossier's data, when, as what, in which category; emergency accesses flagged."""
    return await FWD.read(
        request, bus, actor, "journal.lister", position, ids(dossier_id), filtre.model_dump(mode="json")
    )
