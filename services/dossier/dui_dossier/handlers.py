"""The dossier service's operations on the bus: parse, call the application or a query, shape the reply."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from dui_dossier.application import DossierApp
from dui_dossier.projections import PROJECTIONS, DossierReadModel
from dui_dossier.queries import DossierQueries
from dui_dossier.reactions import AdmissionReactions
from dui_shared.contracts.dossier import Contact, ContenuProjet
from dui_shared.contracts.dossier_api import (
    AbsenceADeclarer,
    AffectationEquipe,
    AnnulationAbsence,
    AnnulationEvaluation,
    CloturePrestation,
    ConsentementAExprimer,
    ContactARetirer,
    DouteIdentite,
    EchangeATracer,
    EvaluationARealiser,
    FiltreComparaison,
    FiltreDossiers,
    FiltreEcheances,
    FiltreEsms,
    FiltreEvaluations,
    FiltrePresences,
    FinAffectation,
    InterrogationInsi,
    LeveeMesure,
    MesureAPrendre,
    PrestationAOuvrir,
    RenouvellementPrestation,
    RetourAbsence,
    RevisionMesure,
    RevisionProjet,
    TraitsACorriger,
    ValidationIdentite,
    ValidationProjet,
)
from dui_shared.contracts.grille import DefinitionGrille
from dui_shared.errors import Forbidden, InvalidInput, NotFound
from dui_shared.operations import accepted, command_context, created, path_id, to_json
from dui_shared.projection import projection_status, read_after_reactions
from dui_shared.rpc import RpcReply, RpcRequest, RpcServer
from dui_shared.timezone import today_paris

GRID_CODE = re.compile(r"[a-z][a-z0-9_-]{1,39}")


def _version(req: RpcRequest) -> int:
    version = int(req.params["version"])
    if not 1 <= version <= 10_000:
        raise NotFound(f"version {version} du projet personnalisé introuvable")
    return version


def register(rpc: RpcServer, app: DossierApp, queries: DossierQueries, pool: asyncpg.Pool) -> None:
    """Every operation of the service; the gateway maps each to one REST endpoint."""

    async def consistent(req: RpcRequest) -> int:
        """Reads reflect the caller's write, including what the dossier service did about an admission."""
        return await read_after_reactions(
            app.store, pool, DossierReadModel, AdmissionReactions, req.min_position
        )

    def query(name: str) -> Callable[[Callable[[RpcRequest], Awaitable[Any]]], None]:
        """A read: consistent with the caller's own writes, answered as JSON."""

        def decorate(fn: Callable[[RpcRequest], Awaitable[Any]]) -> None:
            async def handle(req: RpcRequest) -> RpcReply:
                await consistent(req)
                return RpcReply(body=to_json(await fn(req)))

            rpc.operation(name)(handle)

        return decorate

    # -- dossiers and archive ----------------------------------------------------------------------------

    @query("dossiers")
    async def dossiers(req: RpcRequest) -> Any:
        return (await queries.dossiers(FiltreDossiers.model_validate(req.query), req.actor)).model_dump(
            mode="json"
        )

    @query("dossier")
    async def dossier(req: RpcRequest) -> Any:
        return (await queries.dossier(path_id(req), req.actor)).model_dump(mode="json")

    @rpc.operation("synthese")
    async def synthese(req: RpcRequest) -> RpcReply:
        await consistent(req)
        fiche = await queries.synthese(path_id(req), req.actor)
        return RpcReply(body=fiche.model_dump(mode="json"))

    @rpc.operation("archiver")
    async def archiver(req: RpcRequest) -> RpcReply:
        return accepted(path_id(req), await app.archiver(path_id(req), command_context(req)))

    # -- identity --------------------------------------------------------------------------------------

    @query("identite")
    async def identite(req: RpcRequest) -> Any:
        return await queries.identite(path_id(req), req.actor)

    @rpc.operation("corriger_traits")
    async def corriger_traits(req: RpcRequest) -> RpcReply:
        cmd = TraitsACorriger.model_validate(req.body)
        return accepted(path_id(req), await app.corriger_traits(path_id(req), cmd, command_context(req)))

    @rpc.operation("interroger_insi")
    async def interroger_insi(req: RpcRequest) -> RpcReply:
        resultat = await app.interroger_insi(
            path_id(req), InterrogationInsi.model_validate(req.body), command_context(req)
        )
        return RpcReply(body=resultat.model_dump(mode="json"), position=resultat.position or None)

    @rpc.operation("valider_identite")
    async def valider_identite(req: RpcRequest) -> RpcReply:
        cmd = ValidationIdentite.model_validate(req.body)
        return accepted(path_id(req), await app.valider_identite(path_id(req), cmd, command_context(req)))

    @rpc.operation("signaler_doute")
    async def signaler_doute(req: RpcRequest) -> RpcReply:
        cmd = DouteIdentite.model_validate(req.body)
        return accepted(path_id(req), await app.signaler_doute(path_id(req), cmd.motif, command_context(req)))

    # -- entourage -------------------------------------------------------------------------------------

    @query("entourage")
    async def entourage(req: RpcRequest) -> Any:
        return await queries.entourage(path_id(req), req.actor, bool(req.query.get("tous")))

    @rpc.operation("ajouter_contact")
    async def ajouter_contact(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        contact_id, position = await app.ajouter_contact(
            did, Contact.model_validate(req.body), command_context(req)
        )
        return created(contact_id, position, f"/dossiers/{did}/entourage/{contact_id}")

    @rpc.operation("modifier_contact")
    async def modifier_contact(req: RpcRequest) -> RpcReply:
        cid = path_id(req, "contact_id")
        return accepted(
            cid,
            await app.modifier_contact(
                path_id(req), cid, Contact.model_validate(req.body), command_context(req)
            ),
        )

    @rpc.operation("retirer_contact")
    async def retirer_contact(req: RpcRequest) -> RpcReply:
        cid = path_id(req, "contact_id")
        cmd = ContactARetirer.model_validate(req.body or {})
        return accepted(cid, await app.retirer_contact(path_id(req), cid, cmd.motif, command_context(req)))

    # -- équipe ----------------------------------------------------------------------------------------

    @query("equipe")
    async def equipe(req: RpcRequest) -> Any:
        return await queries.equipe(path_id(req), req.actor)

    @rpc.operation("affecter")
    async def affecter(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        membre_id, position = await app.affecter(
            did, AffectationEquipe.model_validate(req.body), command_context(req)
        )
        return created(membre_id, position, f"/dossiers/{did}/equipe/{membre_id}")

    @rpc.operation("designer_referent")
    async def designer_referent(req: RpcRequest) -> RpcReply:
        mid = path_id(req, "membre_id")
        return accepted(mid, await app.designer_referent(path_id(req), mid, command_context(req)))

    @rpc.operation("retirer_membre")
    async def retirer_membre(req: RpcRequest) -> RpcReply:
        mid = path_id(req, "membre_id")
        cmd = FinAffectation.model_validate(req.body)
        return accepted(mid, await app.retirer_membre(path_id(req), mid, cmd.au, command_context(req)))

    # -- absences and presences ------------------------------------------------------------------------

    @query("absences")
    async def absences(req: RpcRequest) -> Any:
        return await queries.absences(path_id(req), req.actor)

    @rpc.operation("declarer_absence")
    async def declarer_absence(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        aid, position = await app.declarer_absence(
            did, AbsenceADeclarer.model_validate(req.body), command_context(req)
        )
        return created(aid, position, f"/dossiers/{did}/absences/{aid}")

    @rpc.operation("terminer_absence")
    async def terminer_absence(req: RpcRequest) -> RpcReply:
        aid = path_id(req, "absence_id")
        cmd = RetourAbsence.model_validate(req.body)
        return accepted(aid, await app.terminer_absence(path_id(req), aid, cmd.fin, command_context(req)))

    @rpc.operation("annuler_absence")
    async def annuler_absence(req: RpcRequest) -> RpcReply:
        aid = path_id(req, "absence_id")
        cmd = AnnulationAbsence.model_validate(req.body)
        return accepted(aid, await app.annuler_absence(path_id(req), aid, cmd.motif, command_context(req)))

    @query("presences")
    async def presences(req: RpcRequest) -> Any:
        filtre = FiltrePresences.model_validate(req.query)
        return await queries.presences(req.actor, filtre.esms, filtre.mois)

    @query("presences_dossier")
    async def presences_dossier(req: RpcRequest) -> Any:
        annee = int(req.query.get("annee") or today_paris().year)
        if not 1900 <= annee <= 2100:
            raise InvalidInput.single("annee", "annee_hors_limites", "année entre 1900 et 2100")
        return await queries.presences_dossier(path_id(req), req.actor, annee)

    # -- mesures de liberté ----------------------------------------------------------------------------

    @query("mesures")
    async def mesures(req: RpcRequest) -> Any:
        return await queries.mesures(path_id(req), req.actor)

    @query("mesures_a_reexaminer")
    async def mesures_a_reexaminer(req: RpcRequest) -> Any:
        return await queries.mesures_a_reexaminer(req.actor, FiltreEsms.model_validate(req.query).esms)

    @rpc.operation("prendre_mesure")
    async def prendre_mesure(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        mid, position = await app.prendre_mesure(
            did, MesureAPrendre.model_validate(req.body), command_context(req)
        )
        return created(mid, position, f"/dossiers/{did}/mesures-liberte/{mid}")

    @rpc.operation("reviser_mesure")
    async def reviser_mesure(req: RpcRequest) -> RpcReply:
        mid = path_id(req, "mesure_id")
        cmd = RevisionMesure.model_validate(req.body)
        return accepted(mid, await app.reviser_mesure(path_id(req), mid, cmd, command_context(req)))

    @rpc.operation("lever_mesure")
    async def lever_mesure(req: RpcRequest) -> RpcReply:
        mid = path_id(req, "mesure_id")
        cmd = LeveeMesure.model_validate(req.body)
        return accepted(
            mid, await app.lever_mesure(path_id(req), mid, cmd.levee_le, cmd.motif, command_context(req))
        )

    # -- prestations -----------------------------------------------------------------------------------

    @query("prestations")
    async def prestations(req: RpcRequest) -> Any:
        return await queries.prestations(path_id(req), req.actor)

    @query("echeances_prestations")
    async def echeances_prestations(req: RpcRequest) -> Any:
        filtre = FiltreEcheances.model_validate(req.query)
        return await queries.echeances_prestations(req.actor, filtre.esms, filtre.jours)

    @rpc.operation("ouvrir_prestation")
    async def ouvrir_prestation(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        pid, position = await app.ouvrir_prestation(
            did, PrestationAOuvrir.model_validate(req.body), command_context(req)
        )
        return created(pid, position, f"/dossiers/{did}/prestations/{pid}")

    @rpc.operation("renouveler_prestation")
    async def renouveler_prestation(req: RpcRequest) -> RpcReply:
        pid = path_id(req, "prestation_id")
        cmd = RenouvellementPrestation.model_validate(req.body)
        return accepted(pid, await app.renouveler_prestation(path_id(req), pid, cmd, command_context(req)))

    @rpc.operation("cloturer_prestation")
    async def cloturer_prestation(req: RpcRequest) -> RpcReply:
        pid = path_id(req, "prestation_id")
        cmd = CloturePrestation.model_validate(req.body)
        return accepted(pid, await app.cloturer_prestation(path_id(req), pid, cmd, command_context(req)))

    # -- échanges --------------------------------------------------------------------------------------

    @query("echanges")
    async def echanges(req: RpcRequest) -> Any:
        return await queries.echanges(path_id(req), req.actor)

    @rpc.operation("tracer_echange")
    async def tracer_echange(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        eid, position = await app.tracer_echange(
            did, EchangeATracer.model_validate(req.body), command_context(req)
        )
        return created(eid, position, f"/dossiers/{did}/echanges/{eid}")

    # -- consentements --------------------------------------------------------------------------------

    @query("consentements")
    async def consentements(req: RpcRequest) -> Any:
        return await queries.consentements(path_id(req), req.actor)

    @rpc.operation("exprimer_consentement")
    async def exprimer_consentement(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        cmd = ConsentementAExprimer.model_validate(req.body)
        return accepted(did, await app.exprimer_consentement(did, cmd, command_context(req)))

    # -- projet personnalisé ---------------------------------------------------------------------------

    @query("projet")
    async def projet(req: RpcRequest) -> Any:
        return await queries.projet(path_id(req), req.actor)

    @query("projet_version")
    async def projet_version(req: RpcRequest) -> Any:
        return await queries.projet_version(path_id(req), _version(req), req.actor)

    @query("projet_comparaison")
    async def projet_comparaison(req: RpcRequest) -> Any:
        filtre = FiltreComparaison.model_validate(req.query)
        return await queries.comparaison(path_id(req), filtre.de, filtre.a, req.actor)

    @rpc.operation("initier_projet")
    async def initier_projet(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        pid, position = await app.initier_projet(
            did, ContenuProjet.model_validate(req.body), command_context(req)
        )
        return created(pid, position, f"/dossiers/{did}/projet-personnalise/versions/1")

    @rpc.operation("modifier_projet")
    async def modifier_projet(req: RpcRequest) -> RpcReply:
        did, version = path_id(req), _version(req)
        contenu = ContenuProjet.model_validate(req.body)
        return accepted(did, await app.modifier_projet(did, version, contenu, command_context(req)))

    @rpc.operation("valider_projet")
    async def valider_projet(req: RpcRequest) -> RpcReply:
        did, version = path_id(req), _version(req)
        cmd = ValidationProjet.model_validate(req.body or {})
        return accepted(did, await app.valider_projet(did, version, cmd.valide_le, command_context(req)))

    @rpc.operation("ouvrir_revision")
    async def ouvrir_revision(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        cmd = RevisionProjet.model_validate(req.body)
        version, position = await app.ouvrir_revision(did, cmd.motif, command_context(req))
        return RpcReply(
            status=201,
            body={"version": version, "position": position},
            position=position,
            location=f"/dossiers/{did}/projet-personnalise/versions/{version}",
        )

    # -- evaluations and grids -------------------------------------------------------------------------

    @query("evaluations")
    async def evaluations(req: RpcRequest) -> Any:
        filtre = FiltreEvaluations.model_validate(req.query)
        return await queries.evaluations(path_id(req), req.actor, filtre.grille)

    @query("evaluation")
    async def evaluation(req: RpcRequest) -> Any:
        return await queries.evaluation(path_id(req), req.actor)

    @rpc.operation("realiser_evaluation")
    async def realiser_evaluation(req: RpcRequest) -> RpcReply:
        did = path_id(req)
        eid, position = await app.realiser_evaluation(
            did, EvaluationARealiser.model_validate(req.body), command_context(req)
        )
        return created(eid, position, f"/evaluations/{eid}")

    @rpc.operation("annuler_evaluation")
    async def annuler_evaluation(req: RpcRequest) -> RpcReply:
        eid = path_id(req)
        cmd = AnnulationEvaluation.model_validate(req.body)
        return accepted(eid, await app.annuler_evaluation(eid, cmd.motif, command_context(req)))

    @query("grilles")
    async def grilles(req: RpcRequest) -> Any:
        return await queries.grilles()

    @query("grille")
    async def grille(req: RpcRequest) -> Any:
        code = req.params["code"]
        if not GRID_CODE.fullmatch(code):
            raise NotFound(f"grille {code[:40]!r} introuvable")
        return await queries.grille(code)

    @rpc.operation("definir_grille")
    async def definir_grille(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("les grilles d'évaluation sont définies au niveau de l'organisme gestionnaire")
        definition = DefinitionGrille.model_validate(req.body)
        gid, position = await app.definir_grille(definition, command_context(req))
        return created(gid, position, f"/grilles/{definition.code}")

    @rpc.operation("dossier_projections")
    async def dossier_projections(req: RpcRequest) -> RpcReply:
        if not req.actor.og_wide:
            raise Forbidden("réservé aux rôles de niveau organisme gestionnaire")
        names = [*(p.name for p in PROJECTIONS), AdmissionReactions.name]
        statuses = [(await projection_status(app.store, pool, name)).model_dump() for name in names]
        return RpcReply(body=statuses)
