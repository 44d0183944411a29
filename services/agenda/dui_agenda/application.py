"""The agenda service's write API: one method per command, each one decision appended atomically.

The agenda knows the dossiers usagers from the dossier service's events only (its own read model): a write
checks its participants against it, after waiting for it to reflect the log as it is, and looks there for the
other events its occurrences overlap (flagged in the reply, never refused).

Everything that can refuse a planning or a move — its fields, its rule and the bounds of its series, its
participants — is checked before the commit. The conflicts are looked for after it, best effort: the write is
done and answered as done whatever happens there (an error is logged and the reply lists no conflict; the
views flag the overlaps anyway).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from dui_agenda.domain.evenement import AgendaError, Evenement, Planification, PresenceDonnee, valider
from dui_agenda.domain.information import Information
from dui_agenda.domain.recurrence import Conflit, Serie
from dui_agenda.queries import AgendaQueries
from dui_shared.aggregate import Application, CommandContext, DuiAggregate
from dui_shared.contracts import ContractRegistry
from dui_shared.contracts.agenda import TypeDestinataire
from dui_shared.contracts.agenda_api import (
    EvenementAPlanifier,
    InformationATransmettre,
    RealisationARelever,
)
from dui_shared.errors import (
    ConcurrencyConflict,
    DomainError,
    FieldError,
    InvalidInput,
    NotFound,
    Unavailable,
)
from dui_shared.eventstore import EventStore
from dui_shared.observability import get_logger
from dui_shared.referentiel import Referentiel
from dui_shared.timezone import now_utc, to_utc

AGENDA_NS = uuid.UUID("6c1e4f0a-2b7d-5e93-8a41-9d3f7b2c5e18")
log = get_logger(__name__)


def planification(cmd: EvenementAPlanifier) -> Planification:
    return Planification(
        type=cmd.type,
        titre=cmd.titre,
        description=cmd.description,
        lieu=cmd.lieu,
        intervenant=cmd.intervenant,
        debut=to_utc(cmd.debut),
        fin=to_utc(cmd.fin),
        recurrence=cmd.recurrence,
        participants=cmd.participants,
    )


def _participant(e: Evenement, given: str) -> str:
    """A dossier or candidature id as the event stores it (a UUID in any case), a professional's as given."""
    if e.participants.type_of(given) is None:
        try:
            return str(UUID(given))
        except ValueError:
            pass
    return given


def participant_keys(p: Planification) -> frozenset[str]:
    return frozenset(f"{kind.value}:{pid}" for kind, pid in p.participants.all())


class AgendaApp(Application):
    service = "agenda"

    def __init__(
        self, store: EventStore, registry: ContractRegistry, referentiel: Referentiel, queries: AgendaQueries
    ) -> None:
        super().__init__(store, registry)
        self.referentiel = referentiel
        self.queries = queries

    # -- who takes part ------------------------------------------------------------------------------------

    async def _esms(
        self, esms: str | None, dossiers: list[tuple[str, UUID]], ctx: CommandContext, *, fixe: bool = False
    ) -> str:
        """The ESMS of what is written: `esms` if given, else that of the dossiers, else the actor's only one.
        Every dossier (field name, id) must be known to the agenda, visible to the actor, of that ESMS and
        not archived."""
        ids = [did for _, did in dossiers]
        connus = await self.queries.dossiers(ids) if ids else {}
        if len(connus) < len(set(ids)):  # opened a moment ago? wait for the read model to catch up, once
            if not await self.queries.rattraper():
                raise Unavailable(
                    "l'agenda n'a pas encore pris connaissance des derniers dossiers ; réessayez"
                )
            connus = await self.queries.dossiers(ids)
        errors = [
            FieldError(name, "dossier_inconnu", f"dossier usager {did} introuvable")
            for name, did in dossiers
            if did not in connus or not ctx.actor.may_act_for(connus[did].esms)
        ]
        if errors:
            raise InvalidInput(errors)
        for name, did in dossiers:
            if connus[did].statut == "archive":
                raise AgendaError(
                    f"le dossier de {connus[did].nom} est archivé : il ne peut plus rien recevoir",
                    rule="dossier_archive",
                    field=name,
                )
        if esms is None:
            if ids:
                esms = connus[ids[0]].esms
            elif len(ctx.actor.esms) == 1:
                esms = ctx.actor.esms[0]
            else:
                raise InvalidInput.single("esms", "esms_requis", "précisez l'ESMS (FINESS) concerné")
        elif not fixe and self.referentiel.get(esms) is None:
            raise InvalidInput.single("esms", "esms_inconnu", f"l'ESMS {esms} n'appartient pas à l'organisme")
        errors = [
            FieldError(name, "dossier_autre_esms", "ce dossier est suivi par un autre ESMS que celui indiqué")
            for name, did in dossiers
            if connus[did].esms != esms
        ]
        if errors:
            raise InvalidInput(errors)
        return esms

    async def _existing(self, cls: type[DuiAggregate], aggregate_id: UUID, ctx: CommandContext) -> int | None:
        """The position a request already applied answered with (same Idempotency-Key), else None."""
        if ctx.idempotency_key is None:
            return None  # a new random id: nothing to find
        uow = self.unit_of_work(ctx)
        try:
            aggregate = await uow.get(cls, aggregate_id)
        except NotFound:
            return None
        return uow.replayed(aggregate) or uow.loaded_at(aggregate)

    async def conflits(self, evenement_id: UUID, p: Planification, ctx: CommandContext) -> list[Conflit]:
        """What the (validated, written) planning overlaps, among the events the actor may see: best effort,
        the write is done whatever happens here (an error is logged, no conflict is listed)."""
        serie = Serie(p.debut, p.fin, p.recurrence)
        try:
            return await self.queries.conflits(ctx.actor, evenement_id, p.titre, serie, participant_keys(p))
        except DomainError as exc:
            log.warning("agenda.conflits_non_calcules", evenement=str(evenement_id), erreur=exc.message)
        except Exception:
            log.exception("agenda.conflits_non_calcules", evenement=str(evenement_id))
        return []

    # -- events ----------------------------------------------------------------------------------------

    async def planifier(
        self, cmd: EvenementAPlanifier, ctx: CommandContext
    ) -> tuple[UUID, int, list[Conflit]]:
        evenement_id = self.new_id(ctx, "planifier", AGENDA_NS, cmd)
        p = valider(planification(cmd))
        done = await self._existing(Evenement, evenement_id, ctx)
        if done is None:
            await self.queries.rattraper()  # conflicts against the log as it is (best effort: they are flags)
            dossiers = [(f"participants.usagers.{i}", u) for i, u in enumerate(p.participants.usagers)]
            esms = await self._esms(cmd.esms, dossiers, ctx)
            uow = self.unit_of_work(ctx)
            uow.add(Evenement.planifier(evenement_id, esms, p))
            try:
                done = await uow.commit()
            except ConcurrencyConflict:  # the same request, applied meanwhile by another instance
                done = await self._existing(Evenement, evenement_id, ctx)
                if done is None:
                    raise
        return evenement_id, done, await self.conflits(evenement_id, p, ctx)

    async def modifier(
        self, evenement_id: UUID, cmd: EvenementAPlanifier, ctx: CommandContext
    ) -> tuple[int, list[Conflit]]:
        p = valider(planification(cmd))
        evenement = await self.unit_of_work(ctx).get(Evenement, evenement_id)
        if cmd.esms is not None and cmd.esms != evenement.esms:
            raise InvalidInput.single("esms", "esms_immuable", "un événement ne change pas d'ESMS")
        await self.queries.rattraper()
        dossiers = [(f"participants.usagers.{i}", u) for i, u in enumerate(p.participants.usagers)]
        await self._esms(evenement.esms, dossiers, ctx, fixe=True)
        position = await self.decide(Evenement, evenement_id, ctx, lambda e: e.modifier(p))
        return position, await self.conflits(evenement_id, p, ctx)

    async def annuler(self, evenement_id: UUID, motif: str, ctx: CommandContext) -> int:
        return await self.decide(Evenement, evenement_id, ctx, lambda e: e.annuler(motif))

    async def realiser(self, evenement_id: UUID, cmd: RealisationARelever, ctx: CommandContext) -> int:
        maintenant = now_utc()

        def decide(e: Evenement) -> None:
            presences = [
                PresenceDonnee(_participant(e, p.participant), p.present, p.motif) for p in cmd.presences
            ]
            if cmd.occurrence is not None:
                occurrence = to_utc(cmd.occurrence)
            elif e.planification.recurrence is None:
                occurrence = e.planification.debut
            else:
                raise InvalidInput.single(
                    "occurrence", "occurrence_requise", "précisez l'occurrence (son début prévu) de la série"
                )
            e.realiser(
                occurrence, cmd.statut, cmd.motif, cmd.commentaire, presences, cmd.correction, maintenant
            )

        return await self.decide(Evenement, evenement_id, ctx, decide)

    # -- information -----------------------------------------------------------------------------------

    async def transmettre(self, cmd: InformationATransmettre, ctx: CommandContext) -> tuple[UUID, int]:
        information_id = self.new_id(ctx, "transmettre", AGENDA_NS, cmd)
        done = await self._existing(Information, information_id, ctx)
        if done is not None:
            return information_id, done
        destinataire = cmd.destinataire.id
        dossiers: list[tuple[str, UUID]] = []
        if cmd.destinataire.type is TypeDestinataire.usager:
            try:
                dossier_id = UUID(destinataire)
            except ValueError:
                raise InvalidInput.single(
                    "destinataire.id", "dossier_inconnu", "l'identifiant d'un dossier usager est un UUID"
                ) from None
            destinataire = str(dossier_id)
            dossiers.append(("destinataire.id", dossier_id))
        esms = await self._esms(cmd.esms, dossiers, ctx)
        afficher_le: datetime = to_utc(cmd.afficher_le) if cmd.afficher_le else now_utc()
        uow = self.unit_of_work(ctx)
        uow.add(
            Information.transmettre(
                id=information_id,
                esms=esms,
                destinataire_type=cmd.destinataire.type,
                destinataire=destinataire,
                objet=cmd.objet,
                message=cmd.message,
                afficher_le=afficher_le,
                rappeler_le=to_utc(cmd.rappeler_le) if cmd.rappeler_le else None,
                canal=cmd.canal,
                adresse_mssante=cmd.adresse_mssante,
            )
        )
        try:
            return information_id, await uow.commit()
        except ConcurrencyConflict:
            done = await self._existing(Information, information_id, ctx)
            if done is None:
                raise
            return information_id, done

    async def marquer_lue(self, information_id: UUID, ctx: CommandContext) -> int:
        lue_le = now_utc()
        return await self.decide(
            Information, information_id, ctx, lambda i: i.marquer_lue(ctx.actor.id, lue_le)
        )
