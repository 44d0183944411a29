"""The admission service's write API: one method per command, each one decision appended atomically."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, time
from uuid import UUID

from pydantic import BaseModel, ValidationError

from dui_admission.domain.candidature import Candidature
from dui_admission.domain.sejour import Sejour
from dui_shared.aggregate import Application, CommandContext
from dui_shared.contracts import ContractRegistry
from dui_shared.contracts.admission import ActionSortie, Origine, TypeAccueil
from dui_shared.contracts.admission_api import (
    ActionSortieATracer,
    AdmissionAPrononcer,
    ContactAPlanifier,
    DecisionAPrononcer,
    DemandeCreee,
    DossierViaTrajectoire,
    ImportViaTrajectoire,
    NouvelleCandidature,
    RapportImport,
    RejetImport,
    SortieAPrononcer,
    VisiteATracer,
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
from dui_shared.finess import finess_problem
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import validation_problem
from dui_shared.timezone import now_utc, to_utc

VIATRAJECTOIRE_NS = uuid.UUID("6f1d2b8e-3c4a-5e9f-8a7b-0c1d2e3f4a5b")


class AdmissionApp(Application):
    service = "admission"

    def __init__(self, store: EventStore, registry: ContractRegistry, referentiel: Referentiel) -> None:
        super().__init__(store, registry)
        self.referentiel = referentiel

    # -- checks shared by commands ---------------------------------------------------------------------

    def _esms_errors(self, field: str, finess: str, type_accueil: TypeAccueil) -> list[FieldError]:
        problem = finess_problem(finess)
        if problem:
            return [FieldError(field, *problem)]
        esms = self.referentiel.get(finess)
        if esms is None:
            return [
                FieldError(
                    field, "esms_inconnu", f"l'ESMS {finess} n'appartient pas à l'organisme gestionnaire"
                )
            ]
        if type_accueil not in esms.types_accueil:
            return [
                FieldError(
                    "type_accueil",
                    "type_accueil_non_propose",
                    f"{esms.nom} ne propose pas l'accueil {type_accueil.value.replace('_', ' ')}",
                )
            ]
        return []

    # -- candidatures ----------------------------------------------------------------------------------

    async def recevoir_candidature(
        self,
        cmd: NouvelleCandidature,
        ctx: CommandContext,
        *,
        origine: Origine = Origine.saisie,
        reference_externe: str | None = None,
        demande_id: UUID | None = None,
        ids: list[UUID] | None = None,
    ) -> tuple[DemandeCreee, int]:
        errors = [
            e
            for i, finess in enumerate(cmd.esms)
            for e in self._esms_errors(f"esms.{i}", finess, cmd.type_accueil)
        ]
        if errors:
            raise InvalidInput(errors)
        request = (
            f"recevoir_candidature:{_fingerprint(cmd)}"  # the same key with another body is another request
        )
        demande_id = demande_id or ctx.derived_id(f"{request}:demande") or uuid.uuid4()
        ids = ids or [ctx.derived_id(f"{request}:{f}") or uuid.uuid4() for f in cmd.esms]
        recue_le = to_utc(cmd.recue_le) if cmd.recue_le else now_utc()
        uow = self.unit_of_work(ctx)
        for candidature_id, finess in zip(ids, cmd.esms, strict=True):
            uow.add(
                Candidature(
                    id=candidature_id,
                    demande_id=demande_id,
                    esms=finess,
                    usager=cmd.usager,
                    type_accueil=cmd.type_accueil,
                    recue_le=recue_le,
                    date_entree_souhaitee=cmd.date_entree_souhaitee,
                    origine=origine,
                    reference_externe=reference_externe,
                    urgence=cmd.urgence,
                    commentaire=cmd.commentaire,
                )
            )
        position = await uow.commit()
        return DemandeCreee(demande_id=demande_id, candidatures=ids), position

    async def planifier_contact(
        self, candidature_id: UUID, cmd: ContactAPlanifier, ctx: CommandContext
    ) -> int:
        uow = self.unit_of_work(ctx)
        candidature = await uow.get(Candidature, candidature_id)
        candidature.planifier_contact(to_utc(cmd.planifie_le), cmd.interlocuteur, cmd.moyen, cmd.note)
        return await uow.commit()

    async def tracer_visite(self, candidature_id: UUID, cmd: VisiteATracer, ctx: CommandContext) -> int:
        uow = self.unit_of_work(ctx)
        candidature = await uow.get(Candidature, candidature_id)
        candidature.tracer_visite(to_utc(cmd.le), cmd.statut, cmd.compte_rendu)
        return await uow.commit()

    async def prononcer_decision(
        self, candidature_id: UUID, cmd: DecisionAPrononcer, ctx: CommandContext
    ) -> int:
        uow = self.unit_of_work(ctx)
        candidature = await uow.get(Candidature, candidature_id)
        when = to_utc(cmd.prononcee_le) if cmd.prononcee_le else now_utc()
        candidature.prononcer_decision(cmd.decision, when, cmd.motif)
        return await uow.commit()

    async def admettre(
        self, candidature_id: UUID, cmd: AdmissionAPrononcer, ctx: CommandContext
    ) -> tuple[UUID, int]:
        """Admission creates the séjour and closes the candidature in one atomic append."""
        uow = self.unit_of_work(ctx)
        candidature = await uow.get(Candidature, candidature_id)
        type_accueil = cmd.type_accueil or candidature.type_accueil
        errors = self._esms_errors("type_accueil", candidature.esms, type_accueil)
        if errors:
            raise InvalidInput(errors)
        admis_le = to_utc(cmd.admis_le)
        sejour_id = ctx.derived_id(f"admettre:{candidature_id}:{_fingerprint(cmd)}") or uuid.uuid4()
        if candidature.sejour_id is not None and candidature.sejour_id == sejour_id:
            # the same request again (same idempotency key): answer what the first one did
            _, sejour_seq = await self.repository.load(Sejour, sejour_id)
            return sejour_id, max(uow.loaded_at(candidature), sejour_seq)
        candidature.admettre(sejour_id, admis_le)
        uow.add(
            Sejour(
                id=sejour_id,
                candidature_id=candidature.id,
                esms=candidature.esms,
                usager=candidature.usager,
                type_accueil=type_accueil,
                admis_le=admis_le,
                place=cmd.place,
            )
        )
        return sejour_id, await uow.commit()

    # -- séjours ---------------------------------------------------------------------------------------

    async def prononcer_sortie(self, sejour_id: UUID, cmd: SortieAPrononcer, ctx: CommandContext) -> int:
        uow = self.unit_of_work(ctx)
        sejour = await uow.get(Sejour, sejour_id)
        actions = tuple(a.model_copy(update={"realisee_le": to_utc(a.realisee_le)}) for a in cmd.actions)
        sejour.prononcer_sortie(to_utc(cmd.sortie_le), cmd.motif, cmd.destination, actions)
        return await uow.commit()

    async def tracer_action_sortie(
        self, sejour_id: UUID, cmd: ActionSortieATracer, ctx: CommandContext
    ) -> int:
        uow = self.unit_of_work(ctx)
        sejour = await uow.get(Sejour, sejour_id)
        action = ActionSortie(
            libelle=cmd.libelle, realisee_le=to_utc(cmd.realisee_le), commentaire=cmd.commentaire
        )
        sejour.tracer_action_sortie(action)
        return await uow.commit()

    # -- ViaTrajectoire import -------------------------------------------------------------------------

    async def importer_viatrajectoire(
        self, fichier: ImportViaTrajectoire, ctx: CommandContext
    ) -> tuple[RapportImport, int]:
        """Each dossier becomes one candidature per known ESMS; re-importing the same file creates nothing.

        Dossiers are independent: a rejected dossier or establishment is reported and the others go on.
        Returns the report and the position of the last event appended (0 when nothing was)."""
        rapport = RapportImport(crees=0, deja_importes=0, rejets=[], candidatures=[])
        position = 0
        for index, raw in enumerate(fichier.dossiers):
            numero = raw.get("numero_dossier") if isinstance(raw.get("numero_dossier"), str) else None
            try:
                dossier = DossierViaTrajectoire.model_validate(raw)
                errors, appended = await self._importer_dossier(dossier, ctx, rapport)
                position = max(position, appended)
            except ValidationError as exc:
                errors = validation_problem(exc).errors
            except InvalidInput as exc:
                errors = exc.errors
            except Unavailable:
                raise  # an outage is not a rejected dossier: the caller retries the file
            except DomainError as exc:
                errors = [FieldError(exc.field or "dossier", exc.rule, exc.message)]
            rapport.rejets.extend(
                RejetImport(index=index, numero_dossier=numero, field=e.field, rule=e.rule, message=e.message)
                for e in errors
            )
        return rapport, position

    async def _importer_dossier(
        self, dossier: DossierViaTrajectoire, ctx: CommandContext, rapport: RapportImport
    ) -> tuple[list[FieldError], int]:
        """Create what is new of one dossier; return the establishments refused and the position appended."""
        refused: list[FieldError] = []
        known: list[str] = []
        for i, finess in enumerate(dossier.etablissements_demandes):
            field = f"etablissements_demandes.{i}"
            errors = self._esms_errors(field, finess, dossier.type_accueil)
            if not errors and not ctx.actor.may_act_for(finess):
                errors = [FieldError(field, "habilitation", f"non habilité pour l'ESMS {finess}")]
            refused.extend(errors)
            if not errors and finess not in known:
                known.append(finess)
        ids = [uuid.uuid5(VIATRAJECTOIRE_NS, f"{dossier.numero_dossier}:{f}") for f in known]
        new = [(cid, f) for cid, f in zip(ids, known, strict=True) if not await self._exists(cid)]
        rapport.deja_importes += len(known) - len(new)
        if not new:
            return refused, 0
        cmd = NouvelleCandidature(
            usager=dossier.usager,
            esms=[f for _, f in new],
            type_accueil=dossier.type_accueil,
            date_entree_souhaitee=dossier.date_entree_souhaitee,
            urgence=dossier.urgence,
            commentaire=dossier.commentaire,
            recue_le=to_utc(_midday(dossier)),
        )
        try:
            _, position = await self.recevoir_candidature(
                cmd,
                ctx,
                origine=Origine.viatrajectoire,
                reference_externe=dossier.numero_dossier,
                demande_id=uuid.uuid5(VIATRAJECTOIRE_NS, dossier.numero_dossier),
                ids=[c for c, _ in new],
            )
        except ConcurrencyConflict:  # imported concurrently by someone else
            rapport.deja_importes += len(new)
            return refused, 0
        rapport.crees += len(new)
        rapport.candidatures.extend(c for c, _ in new)
        return refused, position

    async def _exists(self, candidature_id: UUID) -> bool:
        try:
            await self.get(Candidature, candidature_id)
        except NotFound:
            return False
        return True


def _fingerprint(cmd: BaseModel) -> str:
    return hashlib.sha256(cmd.model_dump_json().encode()).hexdigest()[:32]


def _midday(dossier: DossierViaTrajectoire) -> datetime:
    """ViaTrajectoire gives the request's date only; it is kept as noon, Paris time."""
    return datetime.combine(dossier.date_demande, time(12, 0))
