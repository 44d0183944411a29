"""The habilitations service's write API, and the rights it computes for the gateway on every request.

The matrix and the accounts are aggregates held at the OG level: who may change them is decided here, from the
caller's profile in the matrix (their `Actor.role` is their profession, or a person's quality), not from the ESMS
they act for — the gateway checks first, the service checks again. Rights are computed from the aggregates as
the log holds them (never from the read model), so a change is effective on the very next request.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar, cast
from uuid import UUID

from dui_habilitations.domain.compte import Compte, DossierVise, compte_id
from dui_habilitations.domain.droits import calculer_droits
from dui_habilitations.domain.matrice import MATRICE_ID, QUALITES, Matrice
from dui_habilitations.queries import HabilitationsQueries
from dui_shared.aggregate import Application, CommandContext, DuiAggregate, Repository
from dui_shared.contracts import ContractRegistry
from dui_shared.contracts.habilitations import CategorieDonnees, Portee, ProfilHabilitation
from dui_shared.contracts.habilitations_api import (
    AccesPersonneAOuvrir,
    AccesUrgenceAOuvrir,
    AffectationsADefinir,
    Droits,
    DroitsDemandes,
    ProfilAEnregistrer,
    RevueAcces,
)
from dui_shared.envelope import Actor
from dui_shared.errors import ConcurrencyConflict, Forbidden, InvalidInput, NotFound, Unavailable
from dui_shared.eventstore import EventStore, event_subject
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import now_utc

A = TypeVar("A", bound=DuiAggregate)
SYSTEM = Actor(id="dui-habilitations", role="systeme", og_wide=True)
DEFAUT_FILE = Path(__file__).resolve().parents[3] / "config" / "habilitations-defaut.json"
CACHE_MAX = 20_000


def profils_defaut(path: Path | None = None) -> list[ProfilHabilitation]:
    """The matrix the OG starts from: `DUI_HABILITATIONS_DEFAUT`, else the one shipped in `config/`."""
    data = json.loads((path or DEFAUT_FILE).read_text(encoding="utf-8"))
    return [ProfilHabilitation.model_validate(p) for p in data["profils"]]


class Lecteur:
    """Aggregates read on every request (the matrix, the caller's account), kept in memory and brought up to
    date with what was appended since on their subject — one Direct Get when nothing changed — so a change made
    by any instance is seen on the very next read."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._items: dict[str, tuple[DuiAggregate, int]] = {}

    async def get(self, cls: type[A], subject: str) -> tuple[A | None, int]:
        """The aggregate (None when nothing was recorded) and the stream sequence of its last event."""
        cached = self._items.get(subject)
        last = cached[1] if cached else 0
        stored = await self.repository.store.read(subject, from_seq=last + 1)
        if not stored:
            return (cast(A, cached[0]), last) if cached else (None, 0)
        # readers may hold the cached object: the new events are applied to a copy
        start = cast(A, copy.deepcopy(cached[0])) if cached else None
        aggregate = self.repository.mapper.replay(cls, stored, start)
        if len(self._items) >= CACHE_MAX:
            self._items.clear()
        self._items[subject] = (aggregate, stored[-1].seq)
        return aggregate, stored[-1].seq


class HabilitationsApp(Application):
    service = "habilitation"

    def __init__(
        self,
        store: EventStore,
        registry: ContractRegistry,
        referentiel: Referentiel,
        queries: HabilitationsQueries,
        *,
        duree_urgence: timedelta = timedelta(hours=4),
    ) -> None:
        super().__init__(store, registry)
        self.referentiel = referentiel
        self.queries = queries
        self.og = referentiel.og.finess_juridique or "og"
        self.duree_urgence = duree_urgence
        self.lecteur = Lecteur(self.repository)

    # -- the aggregates, at the OG level ---------------------------------------------------------------

    def _subject(self, cls: type[DuiAggregate], aggregate_id: UUID) -> str:
        return event_subject(self.og, self.service, cls.aggregate_type(), str(aggregate_id))

    def _id(self, cls: type[DuiAggregate], aggregate_id: UUID) -> UUID:
        """The aggregate's id, its subject remembered (the OG's token is known): loads never look it up."""
        self.repository.remember(cls.aggregate_type(), aggregate_id, self._subject(cls, aggregate_id))
        return aggregate_id

    async def _existe(self, cls: type[DuiAggregate], aggregate_id: UUID) -> bool:
        return await self.store.next_sequence(self._subject(cls, aggregate_id), 1) is not None

    async def matrice(self) -> tuple[Matrice, int]:
        matrice, position = await self.lecteur.get(Matrice, self._subject(Matrice, MATRICE_ID))
        if matrice is None:
            raise Unavailable(
                "la matrice d'habilitations n'est pas encore initialisée ; réessayez dans un instant"
            )
        return matrice, position

    async def compte(self, identifiant: str) -> tuple[Compte | None, int]:
        return await self.lecteur.get(Compte, self._subject(Compte, compte_id(identifiant)))

    async def profil(self, actor: Actor) -> ProfilHabilitation | None:
        """The caller's line of the matrix: that of their profession (or quality), carried by `Actor.role`."""
        matrice, _ = await self.matrice()
        return matrice.profil(actor.role)

    async def exiger(self, actor: Actor, droit: str, message: str) -> ProfilHabilitation:
        profil = await self.profil(actor)
        if profil is None or not getattr(profil, droit):
            raise Forbidden(message, rule=f"{droit}_requis")
        return profil

    # -- rights ----------------------------------------------------------------------------------------

    async def droits(self, demande: DroitsDemandes) -> Droits:
        (matrice, pm), (compte, pc) = await asyncio.gather(self.matrice(), self.compte(demande.identifiant))
        return calculer_droits(matrice, compte, demande, now_utc(), max(pm, pc))

    # -- the matrix ------------------------------------------------------------------------------------

    async def initialiser_matrice(self, profils: list[ProfilHabilitation]) -> int:
        """Write the default matrix unless the log already has one. Every instance starting at once writes the
        very same event (its id derives from a key fixed per OG): the log keeps one."""
        matrice_id = self._id(Matrice, MATRICE_ID)
        try:
            return (await self.repository.load(Matrice, matrice_id))[1]
        except NotFound:
            pass
        ctx = CommandContext(actor=SYSTEM, idempotency_key=f"matrice-initialisee:{self.og}")
        uow = self.unit_of_work(ctx)
        uow.add(Matrice.initialiser(matrice_id, self.og, profils))
        try:
            return await uow.commit()
        except ConcurrencyConflict:  # initialised meanwhile by another instance
            return (await self.repository.load(Matrice, matrice_id))[1]

    async def definir_profil(self, profession: str, cmd: ProfilAEnregistrer, ctx: CommandContext) -> int:
        await self.exiger(ctx.actor, "administration", "seul un profil d'administration modifie la matrice")
        profil = ProfilHabilitation.model_validate({"profession": profession, **cmd.model_dump()})
        return await self.decide(
            Matrice, self._id(Matrice, MATRICE_ID), ctx, lambda m: m.definir_profil(profil)
        )

    async def retirer_profil(self, profession: str, ctx: CommandContext) -> int:
        await self.exiger(ctx.actor, "administration", "seul un profil d'administration modifie la matrice")
        return await self.decide(
            Matrice, self._id(Matrice, MATRICE_ID), ctx, lambda m: m.retirer_profil(profession)
        )

    # -- accounts --------------------------------------------------------------------------------------

    async def _sur_compte(
        self, identifiant: str, ctx: CommandContext, decide: Callable[[Compte], None]
    ) -> int:
        """Decide on the account, opening it first when nothing was recorded about it yet."""
        cid = self._id(Compte, compte_id(identifiant))
        if not await self._existe(Compte, cid):
            compte = Compte.ouvrir(identifiant, self.og)
            uow = self.unit_of_work(ctx)
            uow.add(compte)
            decide(compte)
            try:
                return await uow.commit()
            except ConcurrencyConflict:
                pass  # opened meanwhile (another request for it, or this very one retried): decide on it
        return await self.decide(Compte, cid, ctx, decide)

    async def definir_affectations(
        self, identifiant: str, cmd: AffectationsADefinir, ctx: CommandContext
    ) -> int:
        await self.exiger(ctx.actor, "administration", "seul un profil d'administration affecte les comptes")
        matrice, _ = await self.matrice()
        professions = {code for code, p in matrice.profils.items() if p.portee is not Portee.personne}
        connus = {e.finess for e in self.referentiel.esms}
        return await self._sur_compte(
            identifiant,
            ctx,
            lambda c: c.definir_affectations(
                cmd.profession, cmd.esms, cmd.nom, cmd.actif, connus, professions
            ),
        )

    # -- emergency accesses ----------------------------------------------------------------------------

    async def ouvrir_urgence(
        self, cmd: AccesUrgenceAOuvrir, ctx: CommandContext
    ) -> tuple[UUID, datetime, int]:
        """Break-the-glass on a dossier outside the caller's ESMS; the access granted (or the one still
        active on that dossier), its end and the log position."""
        profil = await self.profil(ctx.actor)
        dossier = await self.queries.dossier(cmd.dossier_id, a_jour=True)
        if dossier is None:
            raise InvalidInput.single(
                "dossier_id", "dossier_inconnu", f"dossier usager {cmd.dossier_id} introuvable"
            )
        acces_id = self.new_id(ctx, "ouvrir_urgence", cmd.dossier_id, cmd)
        debut = now_utc()
        accorde: list[tuple[UUID, datetime]] = []

        def decide(c: Compte) -> None:
            aid = c.ouvrir_urgence(
                acces_id,
                profil,
                dossier,
                ctx.actor.may_act_for(dossier.esms),
                cmd.justification,
                debut,
                self.duree_urgence,
            )
            accorde.append((aid, c.urgences[aid].fin))

        position = await self._sur_compte(ctx.actor.id, ctx, decide)
        if not accorde:  # the same request again (Idempotency-Key): answered as it was granted then
            compte, _ = await self.compte(ctx.actor.id)
            assert compte is not None
            accorde.append((acces_id, compte.urgences[acces_id].fin))
        aid, fin = accorde[-1]
        return aid, fin, position

    async def revoir_urgence(self, acces_id: UUID, cmd: RevueAcces, ctx: CommandContext) -> int:
        profil = await self.exiger(
            ctx.actor, "revue_acces", "votre profil ne permet pas de revoir les accès en urgence"
        )
        urgence = await self.queries.urgence(acces_id, ctx.actor)
        revu_le = now_utc()
        return await self.decide(
            Compte,
            self._id(Compte, compte_id(urgence.identifiant)),
            ctx,
            lambda c: c.revoir_urgence(
                acces_id, profil, ctx.actor.id, cmd.conforme, cmd.commentaire, revu_le
            ),
        )

    async def clore_urgence(self, acces_id: UUID, ctx: CommandContext) -> int:
        """Closed by the professional who opened it: the access is looked for in the caller's own account."""
        cid = self._id(Compte, compte_id(ctx.actor.id))
        if not await self._existe(Compte, cid):
            raise NotFound(f"accès en urgence {acces_id} introuvable")
        clos_le = now_utc()
        return await self.decide(Compte, cid, ctx, lambda c: c.clore_urgence(acces_id, clos_le))

    # -- persons ---------------------------------------------------------------------------------------

    async def dossier_administre(self, dossier_id: UUID, actor: Actor, *, ecriture: bool) -> DossierVise:
        """A dossier of the caller's ESMS, for a profile that reads (or writes) its administrative data; as the
        log holds it now for a change."""
        profil = await self.profil(actor)
        categorie = CategorieDonnees.administratif
        if profil is None or not (profil.peut_ecrire(categorie) if ecriture else profil.peut_lire(categorie)):
            raise Forbidden(
                "réservé aux profils qui "
                + ("modifient" if ecriture else "consultent")
                + " les données administratives du dossier",
                rule="ecriture_administratif_requise" if ecriture else "lecture_administratif_requise",
            )
        dossier = await self.queries.dossier(dossier_id, a_jour=ecriture)
        if dossier is None or not actor.may_act_for(dossier.esms):
            raise NotFound(f"dossier {dossier_id} introuvable")
        return dossier

    async def ouvrir_acces_personne(
        self, dossier_id: UUID, cmd: AccesPersonneAOuvrir, ctx: CommandContext
    ) -> int:
        dossier = await self.dossier_administre(dossier_id, ctx.actor, ecriture=True)
        return await self._sur_compte(
            cmd.identifiant, ctx, lambda c: c.ouvrir_acces_personne(dossier, cmd.qualite)
        )

    async def retirer_acces_personne(self, dossier_id: UUID, identifiant: str, ctx: CommandContext) -> int:
        await self.dossier_administre(dossier_id, ctx.actor, ecriture=True)
        cid = self._id(Compte, compte_id(identifiant))
        if not await self._existe(Compte, cid):
            raise NotFound(f"{identifiant} n'a pas accès à ce dossier")
        return await self.decide(Compte, cid, ctx, lambda c: c.retirer_acces_personne(dossier_id))

    # -- journal ---------------------------------------------------------------------------------------

    async def verifier_journal(self, dossier_id: UUID, actor: Actor) -> None:
        """The access journal of a dossier is read by a profile with the journal right (a dossier of its ESMS,
        any dossier of the OG for an OG-level one), or by a person linked to the dossier, in that quality."""
        if actor.role in QUALITES:
            compte, _ = await self.compte(actor.id)
            lien = compte.personnes.get(dossier_id) if compte is not None and compte.actif else None
            if lien is None or lien.qualite.value != actor.role:
                raise NotFound(f"dossier {dossier_id} introuvable")
            return
        await self.exiger(
            actor, "journal_acces", "le journal des accès est réservé aux profils qui ont ce droit"
        )
        dossier = await self.queries.dossier(dossier_id)
        if dossier is None or not actor.may_act_for(dossier.esms):
            raise NotFound(f"dossier {dossier_id} introuvable")
