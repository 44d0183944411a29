"""The soins service's write API: one method per command, each one decision appended atomically.

Commands on an existing aggregate that do not depend on what the client saw (an act, a stop, a planned care…) are
decided again on the fresh state when they lose a race (`Application.decide`). New items get server-chosen ids,
stable under the client's `Idempotency-Key` (`Application.new_id`), so a retried creation creates nothing twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

import asyncpg

from dui_shared.aggregate import Application, CommandContext, DuiAggregate
from dui_shared.contracts import ContractRegistry
from dui_shared.contracts.soins import DONNEES_PAR_CATEGORIE, ContenuPrescription
from dui_shared.contracts.soins_api import (
    ActeATracer,
    ArretPrescription,
    ModificationPrescription,
    ObservationASaisir,
    PrescriptionAEmettre,
    SoinAPlanifier,
    StatutActe,
    TransmissionASaisir,
)
from dui_shared.envelope import Envelope
from dui_shared.errors import ConcurrencyConflict, Forbidden, InvalidInput, NotFound
from dui_shared.eventstore import EventStore, event_subject
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import now_utc, to_utc
from dui_soins.domain.observation import Observation
from dui_soins.domain.plan_soins import PlanSoins
from dui_soins.domain.prescription import Intervenant, Prescripteur, Prescription
from dui_soins.domain.roles import voit
from dui_soins.domain.transmission import Auteur, Note, SuiviLectures, Transmission, suivi_id
from dui_soins.dossiers import DossierConnu, DossiersConnus

SOINS_NS = uuid.UUID("9b2e4c71-0d3f-5a86-b7e1-4c2d8f6a9e03")
A = TypeVar("A", bound=DuiAggregate)


def plan_id_for(dossier_id: UUID) -> UUID:
    """One plan de soins per dossier, derived from it."""
    return uuid.uuid5(SOINS_NS, f"plan_soins:{dossier_id}")


class SoinsApp(Application):
    service = "soins"

    def __init__(
        self, store: EventStore, registry: ContractRegistry, referentiel: Referentiel, pool: asyncpg.Pool
    ) -> None:
        super().__init__(store, registry)
        self.referentiel = referentiel
        self.dossiers = DossiersConnus(store, pool)

    def _unites(self, esms: str) -> list[str]:
        found = self.referentiel.get(esms)
        return list(found.unites) if found else []

    def _subject(self, cls: type[DuiAggregate], aggregate_id: UUID) -> str:
        return event_subject("*", self.service, cls.aggregate_type(), str(aggregate_id))

    async def _exists(self, cls: type[DuiAggregate], aggregate_id: UUID) -> bool:
        """Whether the aggregate has events (one look-up, nothing replayed)."""
        return await self.store.next_sequence(self._subject(cls, aggregate_id), 1) is not None

    async def _existing(self, cls: type[A], aggregate_id: UUID, ctx: CommandContext) -> int | None:
        """For a new item whose id derives from the request's Idempotency-Key: None when it does not exist yet,
        else the position the request that created it answered (not the item's latest: it may have changed
        since)."""
        uow = self.unit_of_work(ctx)
        try:
            aggregate = await uow.get(cls, aggregate_id)
        except NotFound:
            return None
        return uow.replayed(aggregate) or uow.loaded_at(aggregate)

    async def _create(self, ctx: CommandContext, aggregate: DuiAggregate) -> int:
        """Append a new aggregate; the same request again (its id derived from the Idempotency-Key) answers the
        position of the first."""
        uow = self.unit_of_work(ctx)
        uow.add(aggregate)
        try:
            return await uow.commit()
        except ConcurrencyConflict:
            done = await self._existing(type(aggregate), aggregate.id, ctx)
            if done is None:
                raise
            return done

    async def _decide_or_open(
        self,
        cls: type[A],
        aggregate_id: UUID,
        ctx: CommandContext,
        open_: Callable[[], A],
        decide: Callable[[A], None],
    ) -> int:
        """`Application.decide` on an aggregate opened on first use: the opening and the first decision are one
        append; one opened meanwhile by another request is decided on as it is."""
        if not await self._exists(cls, aggregate_id):
            aggregate = open_()
            decide(aggregate)
            uow = self.unit_of_work(ctx)
            uow.add(aggregate)
            try:
                return await uow.commit()
            except ConcurrencyConflict:
                pass  # opened meanwhile: decide on what is there
        return await self.decide(cls, aggregate_id, ctx, decide)

    async def _appended(
        self, cls: type[DuiAggregate], aggregate_id: UUID, ctx: CommandContext
    ) -> list[Envelope]:
        """The events this very request (same Idempotency-Key) appended to the aggregate: their ids derive from
        the key, so a retry can answer what the first request answered."""
        by_id = {e.envelope.id: e.envelope for e in await self.store.read(self._subject(cls, aggregate_id))}
        out: list[Envelope] = []
        while (event_id := ctx.derived_id(f"{aggregate_id}:{len(out)}")) is not None and event_id in by_id:
            out.append(by_id[event_id])
        return out

    # -- transmissions ----------------------------------------------------------------------------------

    async def saisir_transmission(
        self, dossier_id: UUID, cmd: TransmissionASaisir, ctx: CommandContext
    ) -> tuple[UUID, int]:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        categorie = cmd.categorie_donnees or DONNEES_PAR_CATEGORIE[cmd.categorie]
        if not ctx.actor.may_write(categorie.value):
            raise Forbidden(
                f"votre profil n'ouvre pas l'écriture des données « {categorie.value} »",
                rule="categorie_non_habilitee",
            )
        transmission_id = self.new_id(ctx, "saisir_transmission", dossier_id, cmd)
        done = await self._existing(Transmission, transmission_id, ctx)
        if done is not None:
            return transmission_id, done
        now = now_utc()
        transmission = Transmission.saisir(
            transmission_id,
            dossier_id,
            dossier.esms,
            Note(
                type=cmd.type,
                categorie=cmd.categorie,
                categorie_donnees=cmd.categorie_donnees,
                cible=cmd.cible,
                donnees=cmd.donnees,
                actions=cmd.actions,
                resultats=cmd.resultats,
                texte=cmd.texte,
            ),
            to_utc(cmd.le) if cmd.le else now,
            cmd.unite or dossier.unite,
            Auteur(ctx.actor.id, ctx.actor.role, cmd.auteur_nom),
            unites=self._unites(dossier.esms),
            postes=self.referentiel.og.postes,
            admis_le=dossier.admis_le,
            now=now,
        )
        return transmission_id, await self._create(ctx, transmission)

    async def marquer_lues(self, ids: list[UUID], ctx: CommandContext) -> tuple[int, int]:
        """Mark transmissions as read by the caller, on the caller's SuiviLectures of each ESMS and shift day.
        Unknown, invisible (another ESMS, a category the caller may not read) → 404; one's own and already read
        ones are skipped. Returns (newly read, position)."""
        actor = ctx.actor
        distinct = list(dict.fromkeys(ids))
        loaded = await asyncio.gather(*(self._transmission(t, ctx) for t in distinct))
        par_jour: dict[tuple[str, date], list[UUID]] = {}
        for t in loaded:
            if t.auteur != actor.id:
                par_jour.setdefault((t.esms, t.jour_poste), []).append(t.id)
        lues, position = 0, 0
        for (esms, jour), tids in sorted(par_jour.items()):
            nouvelles, at = await self._lire(esms, jour, tids, ctx)
            lues, position = lues + nouvelles, max(position, at)
        return lues, position

    async def _lire(self, esms: str, jour: date, tids: list[UUID], ctx: CommandContext) -> tuple[int, int]:
        """Mark as read on one SuiviLectures (opened on first use); returns (newly read, position)."""
        sid = suivi_id(esms, ctx.actor.id, jour)
        nouvelles: list[int] = []
        position = await self._decide_or_open(
            SuiviLectures,
            sid,
            ctx,
            lambda: SuiviLectures.ouvrir(esms, ctx.actor.id, jour),
            lambda s: nouvelles.append(s.lire(tids, now_utc())),
        )
        if not nouvelles:  # this very request again (same Idempotency-Key): what it recorded then
            appended = await self._appended(SuiviLectures, sid, ctx)
            return sum(
                len(e.data["transmission_ids"]) for e in appended if e.name == "TransmissionsLues"
            ), position
        return nouvelles[-1], position

    async def _transmission(self, transmission_id: UUID, ctx: CommandContext) -> Transmission:
        try:
            transmission = await self.get(Transmission, transmission_id)
        except NotFound:
            transmission = None
        if (
            transmission is None
            or not ctx.actor.may_act_for(transmission.esms)
            or not voit(ctx.actor, transmission.categorie_donnees)
        ):
            raise NotFound(f"transmission {transmission_id} introuvable")
        return transmission

    # -- observations -----------------------------------------------------------------------------------

    async def saisir_observation(
        self, dossier_id: UUID, cmd: ObservationASaisir, ctx: CommandContext
    ) -> tuple[UUID, int]:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        observation_id = self.new_id(ctx, "saisir_observation", dossier_id, cmd)
        done = await self._existing(Observation, observation_id, ctx)
        if done is not None:
            return observation_id, done
        now = now_utc()
        observation = Observation.saisir(
            observation_id,
            dossier_id,
            dossier.esms,
            cmd.texte,
            cmd.motif,
            to_utc(cmd.observee_le) if cmd.observee_le else now,
            cmd.source,
            cmd.source_detail,
            Auteur(ctx.actor.id, ctx.actor.role, cmd.auteur_nom),
            now,
        )
        return observation_id, await self._create(ctx, observation)

    # -- prescriptions ----------------------------------------------------------------------------------

    async def emettre_prescription(
        self, dossier_id: UUID, cmd: PrescriptionAEmettre, ctx: CommandContext
    ) -> tuple[UUID, int]:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        prescription_id = self.new_id(ctx, "emettre_prescription", dossier_id, cmd)
        done = await self._existing(Prescription, prescription_id, ctx)
        if done is not None:
            return prescription_id, done
        prescription = Prescription.emettre(
            prescription_id,
            dossier_id,
            dossier.esms,
            _contenu_utc(cmd.contenu),
            Prescripteur(ctx.actor.id, ctx.actor.role, cmd.prescripteur_nom),
            now_utc(),
        )
        return prescription_id, await self._create(ctx, prescription)

    async def _on_prescription(
        self, prescription_id: UUID, ctx: CommandContext, decide: Callable[[Prescription], None]
    ) -> int:
        prescription = await self.unit_of_work(ctx).get(Prescription, prescription_id)
        await self.dossiers.modifiable(prescription.dossier_id, ctx.actor)
        return await self.decide(Prescription, prescription_id, ctx, decide)

    async def modifier_prescription(
        self, prescription_id: UUID, cmd: ModificationPrescription, ctx: CommandContext
    ) -> tuple[int, int]:
        """A new signed version; returns (its number, position)."""
        versions: list[int] = []
        prescripteur = Prescripteur(ctx.actor.id, ctx.actor.role, cmd.prescripteur_nom)
        contenu = _contenu_utc(cmd.contenu)

        def decide(p: Prescription) -> None:
            versions.append(p.modifier(contenu, cmd.motif, prescripteur, now_utc(), cmd.version))

        position = await self._on_prescription(prescription_id, ctx, decide)
        if not versions:  # this very request again (same Idempotency-Key): the version it signed then
            appended = await self._appended(Prescription, prescription_id, ctx)
            versions.extend(e.data["version"] for e in appended if e.name == "PrescriptionModifiee")
        if not versions:  # nothing of this request left to read: the version in force
            versions.append((await self.get(Prescription, prescription_id)).courante)
        return versions[-1], position

    async def arreter_prescription(
        self, prescription_id: UUID, cmd: ArretPrescription, ctx: CommandContext
    ) -> int:
        prescripteur = Prescripteur(ctx.actor.id, ctx.actor.role, cmd.prescripteur_nom)
        return await self._on_prescription(
            prescription_id, ctx, lambda p: p.arreter(cmd.motif, prescripteur, now_utc())
        )

    # -- plan de soins ----------------------------------------------------------------------------------

    async def _on_plan(
        self, dossier: DossierConnu, ctx: CommandContext, decide: Callable[[PlanSoins], None]
    ) -> int:
        """Decide on the dossier's plan de soins, opening it on first use."""
        return await self._decide_or_open(
            PlanSoins,
            plan_id_for(dossier.id),
            ctx,
            lambda: PlanSoins(id=plan_id_for(dossier.id), dossier_id=dossier.id, esms=dossier.esms),
            decide,
        )

    async def affecter_unite(self, dossier_id: UUID, unite: str, ctx: CommandContext) -> int:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        unites = self._unites(dossier.esms)
        return await self._on_plan(dossier, ctx, lambda p: p.affecter_unite(unite, unites))

    async def planifier_soin(
        self, dossier_id: UUID, cmd: SoinAPlanifier, ctx: CommandContext
    ) -> tuple[UUID, int]:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        soin_id = self.new_id(ctx, "planifier_soin", dossier_id, cmd)
        debut = to_utc(cmd.debut) if cmd.debut else now_utc()
        position = await self._on_plan(
            dossier,
            ctx,
            lambda p: p.planifier(
                soin_id,
                cmd.type,
                cmd.libelle,
                tuple(cmd.heures),
                tuple(cmd.jours_semaine),
                debut,
                cmd.fin,
                cmd.consignes,
                ctx.actor.role,
            ),
        )
        return soin_id, position

    async def arreter_soin(self, dossier_id: UUID, soin_id: UUID, motif: str, ctx: CommandContext) -> int:
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        try:
            return await self.decide(
                PlanSoins,
                plan_id_for(dossier.id),
                ctx,
                lambda p: p.arreter_soin(soin_id, motif, now_utc(), ctx.actor.role),
            )
        except NotFound as exc:
            raise NotFound(f"soin {soin_id} introuvable dans ce plan de soins") from exc

    # -- acts -------------------------------------------------------------------------------------------

    async def tracer_acte(self, dossier_id: UUID, cmd: ActeATracer, ctx: CommandContext) -> tuple[UUID, int]:
        """Trace an act against a prescription or a planned care of this dossier; answers (what it was traced
        on, position)."""
        if (cmd.prescription_id is None) == (cmd.soin_id is None):
            raise InvalidInput.single(
                "prescription_id",
                "reference_acte",
                "un acte se rapporte à une prescription ou à un soin planifié",
            )
        if cmd.statut is StatutActe.non_realise and cmd.motif is None:
            raise InvalidInput.single("motif", "motif_requis", "indiquez pourquoi l'acte n'a pas été réalisé")
        if cmd.statut is StatutActe.realise and cmd.motif is not None:
            raise InvalidInput.single(
                "motif", "motif_non_attendu", "un acte réalisé n'a pas de motif de non-réalisation"
            )
        dossier = await self.dossiers.modifiable(dossier_id, ctx.actor)
        par = Intervenant(ctx.actor.id, ctx.actor.role, cmd.par_nom)
        prevu_le = to_utc(cmd.prevu_le) if cmd.prevu_le else None
        now = now_utc()
        realise_le = to_utc(cmd.realise_le) if cmd.realise_le else now
        motif = cmd.motif
        if cmd.prescription_id is not None:
            prescription_id = cmd.prescription_id

            def on_prescription(p: Prescription) -> None:
                if p.dossier_id != dossier_id:
                    raise NotFound(f"prescription {prescription_id} introuvable dans ce dossier")
                if motif is None:
                    p.realiser(prevu_le, realise_le, par, cmd.quantite, cmd.commentaire, now)
                else:
                    p.non_realiser(prevu_le, motif, cmd.commentaire, par, now)

            return prescription_id, await self.decide(Prescription, prescription_id, ctx, on_prescription)
        soin_id = cmd.soin_id
        assert soin_id is not None

        def on_plan(p: PlanSoins) -> None:
            if motif is None:
                p.realiser(soin_id, prevu_le, realise_le, par, cmd.commentaire, now)
            else:
                p.non_realiser(soin_id, prevu_le, motif, cmd.commentaire, par, now)

        try:
            return soin_id, await self.decide(PlanSoins, plan_id_for(dossier.id), ctx, on_plan)
        except NotFound as exc:
            raise NotFound(f"soin {soin_id} introuvable dans ce plan de soins") from exc


def _contenu_utc(contenu: ContenuPrescription) -> ContenuPrescription:
    """Instants of the content in UTC (naive ones are Paris time): the signed content is the stored one."""
    changes: dict[str, datetime] = {}
    if contenu.debut is not None:
        changes["debut"] = to_utc(contenu.debut)
    if contenu.le is not None:
        changes["le"] = to_utc(contenu.le)
    return contenu.model_copy(update=changes) if changes else contenu
