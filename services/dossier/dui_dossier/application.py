"""The dossier service's write API: one method per command, each one decision appended atomically.

Commands on a dossier do not depend on what the client saw, so a decision that loses a race with another
writer of the same dossier is simply decided again on the fresh state (a few times) instead of answering 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from pydantic import ValidationError

from dui_dossier.domain import aggir, grilles
from dui_dossier.domain.dossier import DossierUsager, auteur_consentement, ins_changes
from dui_dossier.domain.evaluation import Evaluation, GrilleEvaluation
from dui_dossier.domain.projet import ProjetPersonnalise
from dui_dossier.insi import Insi, ResultatInsi
from dui_shared.aggregate import Application, CommandContext, Guard
from dui_shared.contracts import ContractRegistry
from dui_shared.contracts.admission import AdmissionPrononcee, SortiePrononcee
from dui_shared.contracts.aggir import ReponsesAggir
from dui_shared.contracts.dossier import Contact, ContenuProjet, OperationInsi
from dui_shared.contracts.dossier_api import (
    AbsenceADeclarer,
    AffectationEquipe,
    CloturePrestation,
    ConsentementAExprimer,
    EchangeATracer,
    EvaluationARealiser,
    InterrogationInsi,
    MesureAPrendre,
    PrestationAOuvrir,
    RenouvellementPrestation,
    ResultatInsiVue,
    RevisionMesure,
    TraitsACorriger,
    ValidationIdentite,
)
from dui_shared.contracts.grille import DefinitionGrille
from dui_shared.contracts.identite import TraitsIdentite
from dui_shared.envelope import Actor
from dui_shared.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound
from dui_shared.eventstore import EventStore, event_subject
from dui_shared.referentiel import Referentiel
from dui_shared.rpc import validation_problem
from dui_shared.timezone import now_utc, to_utc, today_paris

DOSSIER_NS = uuid.UUID("3d0f6a52-8e1b-5c4d-9a7f-2b6c8e0d1f3a")
SYSTEM = Actor(id="dui-dossier", role="systeme", og_wide=True)
AGGIR = "aggir"
AGGIR_LIBELLE = "AGGIR (autonomie gérontologique groupes iso-ressources)"


def dossier_id_for(sejour_id: UUID) -> UUID:
    """One dossier per séjour, derived from it: re-applying the admission opens nothing twice."""
    return uuid.uuid5(DOSSIER_NS, f"dossier:{sejour_id}")


def projet_id_for(dossier_id: UUID) -> UUID:
    """The projet personnalisé has its dossier's id: one wildcard subject then covers both, so a change to the
    projet can require the dossier unchanged (not archived meanwhile) in the same JetStream check."""
    return dossier_id


def grille_id_for(code: str) -> UUID:
    return uuid.uuid5(DOSSIER_NS, f"grille:{code}")


class DossierApp(Application):
    service = "dossier"

    def __init__(
        self,
        store: EventStore,
        registry: ContractRegistry,
        referentiel: Referentiel,
        insi: Insi,
        *,
        conservation_annees: int = 20,
        conservation_deces_annees: int = 10,
    ) -> None:
        super().__init__(store, registry)
        self.referentiel = referentiel
        self.insi = insi
        self.conservation = (conservation_annees, conservation_deces_annees)
        self.og_esms = referentiel.og.finess_juridique or "og"

    async def _writable_dossier(self, dossier_id: UUID, ctx: CommandContext) -> DossierUsager:
        dossier = await self.unit_of_work(ctx).get(DossierUsager, dossier_id)
        dossier.check_writable()
        return dossier

    # -- reactions to the admission service --------------------------------------------------------------

    async def ouvrir(self, data: AdmissionPrononcee, sejour_id: UUID, cause: UUID) -> int:
        """Open the dossier of a new séjour; applying the same admission again changes nothing."""
        ctx = CommandContext(actor=SYSTEM, causation_id=str(cause), idempotency_key=str(cause))
        dossier_id = dossier_id_for(sejour_id)
        try:
            _, seq = await self.repository.load(DossierUsager, dossier_id)
            return seq
        except NotFound:
            pass
        u = data.usager
        # what the admission service accepted is taken as it is (identitovigilance corrects it later): a
        # stricter rule here must never leave an admitted person without a dossier
        traits = TraitsIdentite.model_validate(
            {
                "nom_naissance": u.nom_naissance,
                "prenoms": u.prenoms,
                "date_naissance": u.date_naissance,
                "sexe": u.sexe,
                "nom_utilise": u.nom_utilise,
            },
            context={"stored": True},
        )
        uow = self.unit_of_work(ctx)
        uow.add(
            DossierUsager(
                id=dossier_id,
                sejour_id=sejour_id,
                esms=data.esms,
                traits=traits,
                type_accueil=data.type_accueil,
                admis_le=data.admis_le,
            )
        )
        try:
            return await uow.commit()
        except ConcurrencyConflict:  # opened meanwhile by another instance
            return (await self.repository.load(DossierUsager, dossier_id))[1]

    async def clore(self, data: SortiePrononcee, sejour_id: UUID, cause: UUID) -> int:
        ctx = CommandContext(actor=SYSTEM, causation_id=str(cause), idempotency_key=str(cause))
        return await self.decide(
            DossierUsager,
            dossier_id_for(sejour_id),
            ctx,
            lambda d: d.clore(data.sortie_le, data.motif, data.destination),
        )

    async def archiver(self, dossier_id: UUID, ctx: CommandContext) -> int:
        annees, deces = self.conservation
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.archiver(now_utc(), annees, deces)
        )

    # -- identity and INS -------------------------------------------------------------------------------

    async def corriger_traits(self, dossier_id: UUID, cmd: TraitsACorriger, ctx: CommandContext) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.corriger_traits(cmd.traits, cmd.motif)
        )

    async def interroger_insi(
        self, dossier_id: UUID, cmd: InterrogationInsi, ctx: CommandContext
    ) -> ResultatInsiVue:
        """Ask INSi; only an unambiguous answer whose traits match the dossier's is recorded."""
        dossier = await self._writable_dossier(dossier_id, ctx)
        asked = dossier.traits
        if cmd.operation is OperationInsi.verification:
            if cmd.matricule is None:
                raise InvalidInput.single(
                    "matricule", "matricule_requis", "la vérification porte sur un matricule : indiquez-le"
                )
            reponse = await self.insi.verifier(cmd.matricule, asked)
        else:
            reponse = await self.insi.rechercher(asked)
        position = 0
        if reponse.resultat is ResultatInsi.trouve:
            matricule, traits = reponse.matricule, reponse.traits
            assert matricule is not None and traits is not None
            now = now_utc()

            def record(d: DossierUsager) -> None:
                if ins_changes(d.traits, asked):
                    raise ConcurrencyConflict(
                        "l'identité a été modifiée pendant l'interrogation de l'INSi : interrogez-le de nouveau"
                    )
                d.recuperer_ins(cmd.operation, matricule, traits, now)

            position = await self.decide(DossierUsager, dossier_id, ctx, record)
            dossier = await self.get(DossierUsager, dossier_id)
        return ResultatInsiVue(
            resultat=reponse.resultat.value,
            statut_identite=dossier.statut_identite,
            differences=reponse.differences,
            candidats=reponse.candidats,
            position=position,
        )

    async def valider_identite(self, dossier_id: UUID, cmd: ValidationIdentite, ctx: CommandContext) -> int:
        when = to_utc(cmd.verifiee_le) if cmd.verifiee_le else now_utc()
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.valider_identite(cmd.justificatif, when)
        )

    async def signaler_doute(self, dossier_id: UUID, motif: str, ctx: CommandContext) -> int:
        return await self.decide(DossierUsager, dossier_id, ctx, lambda d: d.signaler_doute(motif))

    # -- entourage and team -----------------------------------------------------------------------------

    async def ajouter_contact(self, dossier_id: UUID, cmd: Contact, ctx: CommandContext) -> tuple[UUID, int]:
        contact_id = self.new_id(ctx, "ajouter_contact", dossier_id, cmd)
        position = await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.ajouter_contact(contact_id, cmd)
        )
        return contact_id, position

    async def modifier_contact(
        self, dossier_id: UUID, contact_id: UUID, cmd: Contact, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.modifier_contact(contact_id, cmd)
        )

    async def retirer_contact(
        self, dossier_id: UUID, contact_id: UUID, motif: str | None, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.retirer_contact(contact_id, motif)
        )

    async def affecter(
        self, dossier_id: UUID, cmd: AffectationEquipe, ctx: CommandContext
    ) -> tuple[UUID, int]:
        membre_id = self.new_id(ctx, "affecter", dossier_id, cmd)
        position = await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.affecter(membre_id, cmd.professionnel, cmd.du, cmd.au, cmd.referent, today_paris()),
        )
        return membre_id, position

    async def designer_referent(self, dossier_id: UUID, membre_id: UUID, ctx: CommandContext) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.designer_referent(membre_id, today_paris())
        )

    async def retirer_membre(self, dossier_id: UUID, membre_id: UUID, au: date, ctx: CommandContext) -> int:
        return await self.decide(DossierUsager, dossier_id, ctx, lambda d: d.retirer_membre(membre_id, au))

    # -- absences ---------------------------------------------------------------------------------------

    async def declarer_absence(
        self, dossier_id: UUID, cmd: AbsenceADeclarer, ctx: CommandContext
    ) -> tuple[UUID, int]:
        absence_id = self.new_id(ctx, "declarer_absence", dossier_id, cmd)
        fin = to_utc(cmd.fin_prevue) if cmd.fin_prevue else None
        position = await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.declarer_absence(absence_id, cmd.type, to_utc(cmd.debut), fin, cmd.commentaire),
        )
        return absence_id, position

    async def terminer_absence(
        self, dossier_id: UUID, absence_id: UUID, fin: datetime, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.terminer_absence(absence_id, to_utc(fin))
        )

    async def annuler_absence(
        self, dossier_id: UUID, absence_id: UUID, motif: str, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.annuler_absence(absence_id, motif)
        )

    # -- mesures de liberté -----------------------------------------------------------------------------

    async def prendre_mesure(
        self, dossier_id: UUID, cmd: MesureAPrendre, ctx: CommandContext
    ) -> tuple[UUID, int]:
        mesure_id = self.new_id(ctx, "prendre_mesure", dossier_id, cmd)
        position = await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.prendre_mesure(
                mesure_id,
                cmd.nature,
                cmd.justification,
                cmd.decidee_par,
                cmd.decidee_le,
                cmd.avis_usager,
                cmd.avis_representant,
                cmd.debut or cmd.decidee_le,
                cmd.revision_le,
            ),
        )
        return mesure_id, position

    async def reviser_mesure(
        self, dossier_id: UUID, mesure_id: UUID, cmd: RevisionMesure, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.reviser_mesure(
                mesure_id,
                cmd.revisee_le,
                cmd.conclusion,
                cmd.avis_usager,
                cmd.avis_representant,
                cmd.prochaine_revision_le,
            ),
        )

    async def lever_mesure(
        self, dossier_id: UUID, mesure_id: UUID, levee_le: date, motif: str, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.lever_mesure(mesure_id, levee_le, motif)
        )

    # -- prestations ------------------------------------------------------------------------------------

    async def ouvrir_prestation(
        self, dossier_id: UUID, cmd: PrestationAOuvrir, ctx: CommandContext
    ) -> tuple[UUID, int]:
        prestation_id = self.new_id(ctx, "ouvrir_prestation", dossier_id, cmd)
        position = await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.ouvrir_prestation(
                prestation_id, cmd.type, cmd.organisme, cmd.reference, cmd.montant_mensuel, cmd.debut, cmd.fin
            ),
        )
        return prestation_id, position

    async def renouveler_prestation(
        self, dossier_id: UUID, prestation_id: UUID, cmd: RenouvellementPrestation, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.renouveler_prestation(prestation_id, cmd.fin, cmd.montant_mensuel),
        )

    async def cloturer_prestation(
        self, dossier_id: UUID, prestation_id: UUID, cmd: CloturePrestation, ctx: CommandContext
    ) -> int:
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.cloturer_prestation(prestation_id, cmd.le, cmd.motif)
        )

    async def signaler_echeances(self, dossier_id: UUID, today: date, delai_jours: int) -> int:
        """The scheduler's command; the aggregate remembers what it already signalled, so it never fires twice."""
        ctx = CommandContext(actor=SYSTEM)
        return await self.decide(
            DossierUsager, dossier_id, ctx, lambda d: d.signaler_echeances(today, delai_jours)
        )

    # -- échanges ---------------------------------------------------------------------------------------

    async def tracer_echange(
        self, dossier_id: UUID, cmd: EchangeATracer, ctx: CommandContext
    ) -> tuple[UUID, int]:
        echange_id = self.new_id(ctx, "tracer_echange", dossier_id, cmd)
        position = await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.tracer_echange(
                echange_id, to_utc(cmd.le), cmd.canal, tuple(cmd.participants), cmd.objet, cmd.resume
            ),
        )
        return echange_id, position

    # -- consentements ---------------------------------------------------------------------------------

    async def exprimer_consentement(
        self, dossier_id: UUID, cmd: ConsentementAExprimer, ctx: CommandContext
    ) -> int:
        """One of the person's consent choices, from their own account (in its quality) or recorded by a
        professional of the dossier's ESMS."""
        exprime_par = auteur_consentement(cmd.exprime_par, ctx.actor)
        maintenant = now_utc()
        le = to_utc(cmd.le) if cmd.le else maintenant
        return await self.decide(
            DossierUsager,
            dossier_id,
            ctx,
            lambda d: d.recueillir_consentement(
                cmd.objet, cmd.choix, exprime_par, ctx.actor.id, cmd.commentaire, le, maintenant
            ),
        )

    # -- projet personnalisé ----------------------------------------------------------------------------

    async def initier_projet(
        self, dossier_id: UUID, contenu: ContenuProjet, ctx: CommandContext
    ) -> tuple[UUID, int]:
        projet_id = projet_id_for(dossier_id)
        uow = self.unit_of_work(ctx)
        try:
            existing = await uow.get(ProjetPersonnalise, projet_id)
        except NotFound:
            pass
        else:
            done = uow.replayed(existing)
            if done is not None:
                return projet_id, done  # the same request again
            if existing.versions[1].contenu == contenu and len(existing.versions) == 1:
                return projet_id, uow.loaded_at(existing)
            raise DomainError(
                "ce dossier a déjà un projet personnalisé : modifiez le brouillon ou ouvrez une révision",
                rule="projet_existant",
            )
        dossier = await self._writable_dossier(dossier_id, ctx)
        position = await self.create(
            lambda: ProjetPersonnalise(
                id=projet_id, dossier_id=dossier_id, esms=dossier.esms, contenu=contenu
            ),
            ctx,
            guard=self._writable(dossier_id),
        )
        return projet_id, position

    def _writable(self, dossier_id: UUID) -> Guard:
        """The dossier must exist, be visible to the actor, not be archived — and stay so until the append."""
        return Guard(DossierUsager, dossier_id, lambda d: d.check_writable())

    async def _on_projet(
        self, dossier_id: UUID, ctx: CommandContext, decide: Callable[[ProjetPersonnalise], None]
    ) -> int:
        return await self.decide(
            ProjetPersonnalise, projet_id_for(dossier_id), ctx, decide, guard=self._writable(dossier_id)
        )

    async def modifier_projet(
        self, dossier_id: UUID, version: int, contenu: ContenuProjet, ctx: CommandContext
    ) -> int:
        return await self._on_projet(dossier_id, ctx, lambda p: p.modifier(version, contenu))

    async def valider_projet(
        self, dossier_id: UUID, version: int, valide_le: date | None, ctx: CommandContext
    ) -> int:
        day = valide_le or today_paris()
        return await self._on_projet(dossier_id, ctx, lambda p: p.valider(version, day))

    async def ouvrir_revision(self, dossier_id: UUID, motif: str, ctx: CommandContext) -> tuple[int, int]:
        created: list[int] = []

        def decide(p: ProjetPersonnalise) -> None:
            created.append(p.ouvrir_revision(motif))

        position = await self._on_projet(dossier_id, ctx, decide)
        if not created:  # the same request again: the version its own event opened, whatever came since
            subject = event_subject("*", self.service, ProjetPersonnalise.aggregate_type(), str(dossier_id))
            stored = await self.store.read(subject, from_seq=position)
            created.append(int(stored[0].envelope.data["version"]))
        return created[-1], position

    # -- evaluations ------------------------------------------------------------------------------------

    async def realiser_evaluation(
        self, dossier_id: UUID, cmd: EvaluationARealiser, ctx: CommandContext
    ) -> tuple[UUID, int]:
        dossier = await self._writable_dossier(dossier_id, ctx)
        score: float | None = None
        gir: int | None = None
        interpretation: str | None = None
        alerte = False
        detail: dict[str, object] = {}
        if cmd.grille == AGGIR:
            try:
                reponses_aggir = ReponsesAggir.model_validate(cmd.reponses)
            except ValidationError as exc:
                raise _prefixed(validation_problem(exc), "reponses") from None
            resultat = aggir.calculer(reponses_aggir)
            reponses = reponses_aggir.model_dump(mode="json", exclude_none=True)
            gir, libelle, version = resultat.gir, AGGIR_LIBELLE, 1
            interpretation = f"GIR {resultat.gir}"
            detail = resultat.model_dump(mode="json")
        else:
            grille = await self._grille(cmd.grille)
            definition = grille.definition
            reponses = grilles.valider_reponses(definition, cmd.reponses)
            resultat_grille = grilles.calculer(definition, reponses)
            score, interpretation, alerte = (
                resultat_grille.score,
                resultat_grille.interpretation,
                resultat_grille.alerte,
            )
            libelle, version = definition.libelle, grille.numero
            detail = resultat_grille.model_dump(mode="json")
        evaluation_id = self.new_id(ctx, "realiser_evaluation", dossier_id, cmd)
        realisee_le = to_utc(cmd.realisee_le) if cmd.realisee_le else now_utc()
        if realisee_le < dossier.admis_le:
            raise InvalidInput.single("realisee_le", "avant_admission", "l'évaluation précède l'admission")
        try:
            _, seq = await self.repository.load(Evaluation, evaluation_id)
            return evaluation_id, seq  # the same request again under its Idempotency-Key
        except NotFound:
            pass
        evaluateur = cmd.evaluateur or ctx.actor.id
        position = await self.create(
            lambda: Evaluation(
                id=evaluation_id,
                dossier_id=dossier_id,
                esms=dossier.esms,
                grille=cmd.grille,
                grille_version=version,
                grille_libelle=libelle,
                realisee_le=realisee_le,
                evaluateur=evaluateur,
                reponses=reponses,
                score=score,
                gir=gir,
                interpretation=interpretation,
                alerte=alerte,
                detail=detail,
                commentaire=cmd.commentaire,
            ),
            ctx,
            guard=self._writable(dossier_id),
        )
        return evaluation_id, position

    async def annuler_evaluation(self, evaluation_id: UUID, motif: str, ctx: CommandContext) -> int:
        evaluation = await self.unit_of_work(ctx).get(Evaluation, evaluation_id)
        await self._writable_dossier(evaluation.dossier_id, ctx)
        return await self.decide(Evaluation, evaluation_id, ctx, lambda e: e.annuler(motif))

    async def _grille(self, code: str) -> GrilleEvaluation:
        try:
            return await self.get(GrilleEvaluation, grille_id_for(code))
        except NotFound:
            raise InvalidInput.single(
                "grille", "grille_inconnue", f"aucune grille « {code} » n'est définie pour l'organisme"
            ) from None

    # -- grids of the OG --------------------------------------------------------------------------------

    async def definir_grille(self, definition: DefinitionGrille, ctx: CommandContext) -> tuple[UUID, int]:
        """Define a new grid, or revise an existing one (a new version; past evaluations keep theirs)."""
        if definition.code == AGGIR:
            raise InvalidInput.single("code", "code_reserve", "la grille AGGIR est fournie par la plateforme")
        grille_id = grille_id_for(definition.code)
        try:
            return grille_id, await self.decide(
                GrilleEvaluation, grille_id, ctx, lambda g: g.reviser(definition)
            )
        except NotFound:
            pass
        uow = self.unit_of_work(ctx)
        uow.add(GrilleEvaluation(id=grille_id, esms=self.og_esms, definition=definition))
        return grille_id, await uow.commit()


def _prefixed(error: InvalidInput, prefix: str) -> InvalidInput:
    for e in error.errors:
        e.field = f"{prefix}.{e.field}" if e.field else prefix
    return InvalidInput(error.errors)
