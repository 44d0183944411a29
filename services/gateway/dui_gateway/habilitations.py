"""The one place a request's rights are decided: the caller's token identity, their rights from the
habilitations service (matrix profile, ESMS, emergency accesses, person links) and the endpoint's rule give the
`Actor` the services act for, or a 403 — before any service is called.

The services keep their own ESMS checks (a dossier outside `Actor.esms` is a 404 there, a list holds only the
rows of those ESMS): the gateway narrows what it passes, it never widens what a service would show.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from nats.aio.client import Client as NATS

from dui_gateway.jetons import IdentiteAppelant
from dui_gateway.regles import TOUTES, Regle
from dui_shared.contracts.habilitations import (
    CategorieDonnees,
    ModeAcces,
    Portee,
    ProfilHabilitation,
)
from dui_shared.contracts.habilitations_api import Droits, DroitsDemandes
from dui_shared.envelope import Actor
from dui_shared.errors import Forbidden, NotFound, Unavailable
from dui_shared.rpc import RpcClient, RpcRequest

HABILITATION_EVENTS = "dui.evt.*.habilitation.>"
DROITS_TTL = 30.0
"""Rights are cached this long at most; any habilitation event empties the cache of every gateway at once."""


@dataclass(frozen=True)
class Acces:
    """What the gateway decided for one request, kept on `request.state.acces` for the access trace."""

    identite: IdentiteAppelant
    profession: str | None
    route: str
    mode: ModeAcces
    categories: tuple[str, ...]
    actor: Actor
    dossier_id: str | None = None
    acces_urgence: UUID | None = None
    droits: Droits | None = field(default=None, repr=False)


def _refus(message: str, rule: str) -> Forbidden:
    return Forbidden(message, rule=rule)


def _ouvertes(profil: ProfilHabilitation, mode: ModeAcces) -> tuple[str, ...]:
    if mode is ModeAcces.ecriture:
        return tuple(c.value for c in TOUTES if profil.peut_ecrire(c))
    return tuple(c.value for c in TOUTES if profil.peut_lire(c))


def decider(
    regle: Regle,
    methode: str,
    route: str,
    path_params: Mapping[str, str],
    identite: IdentiteAppelant,
    droits: Droits,
    esms_jeton: tuple[str, ...] = (),
) -> Acces:
    """The actor the request runs as, or Forbidden / NotFound naming the rule that refused it."""
    mode = regle.mode_pour(methode)
    personne = identite.profil != "professionnel"
    profil = droits.profil_habilitation
    dossier_id = path_params.get("dossier_id")

    def acces(actor: Actor, categories: tuple[str, ...] = (), **more: Any) -> Acces:
        return Acces(
            identite=identite,
            profession=droits.profession,
            route=route,
            mode=mode,
            categories=categories,
            actor=actor,
            droits=droits,
            **more,
        )

    if regle.personne is None:  # one's own rights, logging out
        actor = Actor(
            id=identite.identifiant, role=droits.profession or identite.profil, lecture=(), ecriture=()
        )
        return acces(actor)
    if profil is None:
        raise _refus(
            f"aucune habilitation pour la profession « {droits.profession or 'inconnue'} » dans cet organisme "
            "(profession absente de la matrice, ou compte désactivé)",
            "profession_non_habilitee",
        )
    if regle.personne and not personne:
        raise _refus("espace réservé aux personnes accompagnées et à leurs proches", "reserve_personne")
    if not regle.personne and personne:
        raise _refus("opération réservée aux professionnels", "reserve_professionnels")
    if regle.drapeaux and not any(getattr(profil, d) for d in regle.drapeaux):
        raise _refus(
            f"le profil « {profil.libelle} » n'a pas le droit « {' ou '.join(regle.drapeaux)} »",
            f"droit_{regle.drapeaux[0]}",
        )
    categories: tuple[str, ...] = ()
    if regle.categories:
        ouvertes = _ouvertes(profil, mode)
        categories = tuple(c.value for c in regle.categories if c.value in ouvertes)
        if not categories:
            demandees = ", ".join(c.value for c in regle.categories)
            raise _refus(
                f"le profil « {profil.libelle} » n'ouvre pas la {mode.value} des données {demandees}",
                "categorie_non_habilitee",
            )
    lecture, ecriture = _ouvertes(profil, ModeAcces.lecture), _ouvertes(profil, ModeAcces.ecriture)

    if personne:
        if dossier_id is None:
            actor = Actor(id=identite.identifiant, role=identite.profil, lecture=lecture, ecriture=())
            return acces(actor, categories)
        # the link's quality must be the one the token asserts: the matrix line applied is the token's
        lien = next(
            (
                p
                for p in droits.personnes
                if str(p.dossier_id) == dossier_id and p.qualite.value == identite.profil
            ),
            None,
        )
        if lien is None:
            raise NotFound(f"dossier {dossier_id} introuvable")
        actor = Actor(
            id=identite.identifiant, role=lien.qualite.value, esms=(lien.esms,), lecture=lecture, ecriture=()
        )
        return acces(actor, categories, dossier_id=dossier_id)

    esms = set(droits.esms) | set(esms_jeton)
    og = profil.portee is Portee.og or "*" in esms
    esms.discard("*")
    urgence: UUID | None = None
    if dossier_id is not None and not og and mode is ModeAcces.lecture and not route.endswith(".ics"):
        # an emergency access reads one dossier until its end; it writes nothing (nothing it could leave behind,
        # such as a person's access to the dossier, outlives it)
        now = datetime.now(UTC)
        for u in droits.urgences:
            if str(u.dossier_id) == dossier_id and u.esms not in esms and u.fin > now:
                esms.add(u.esms)
                urgence = u.acces_id
    actor = Actor(
        id=identite.identifiant,
        role=droits.profession or "inconnue",
        esms=tuple(sorted(esms)),
        og_wide=og,
        lecture=lecture,
        ecriture=ecriture,
    )
    return acces(actor, categories, dossier_id=dossier_id, acces_urgence=urgence)


class Habilitations:
    """Each caller's rights from the habilitations service, cached briefly; emptied by any habilitation event
    (every gateway replica hears it) and by this gateway's own writes to the service."""

    def __init__(self, client: RpcClient, ttl: float = DROITS_TTL) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[tuple[str, str | None, str], tuple[float, Droits]] = {}
        self._lock = asyncio.Lock()

    async def suivre(self, nc: NATS) -> None:
        async def vider(_: object) -> None:
            self.oublier()

        await nc.subscribe(HABILITATION_EVENTS, cb=vider)

    def oublier(self) -> None:
        self._cache.clear()

    async def droits(self, identite: IdentiteAppelant, correlation_id: str) -> Droits:
        key = (identite.identifiant, identite.profession, identite.profil)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        demande = DroitsDemandes(
            identifiant=identite.identifiant, profession=identite.profession, profil=identite.profil
        )
        rpc = RpcRequest(
            actor=Actor(id=identite.identifiant, role=identite.profession or identite.profil),
            correlation_id=correlation_id,
            body=demande.model_dump(mode="json"),
        )
        reply = await self.client.call("habilitations", "droits.calculer", rpc)
        if reply.problem is not None:
            raise Unavailable("les habilitations ne peuvent pas être lues pour le moment")
        droits = Droits.model_validate(reply.body)
        self._cache[key] = (now, droits)
        return droits


SECTIONS_SYNTHESE: dict[str, CategorieDonnees] = {
    "gir": CategorieDonnees.accompagnement,
    "projet_personnalise": CategorieDonnees.accompagnement,
    "mesures_liberte": CategorieDonnees.accompagnement,
    "evaluations_recentes": CategorieDonnees.accompagnement,
    "prestations": CategorieDonnees.social,
    "derniers_echanges": CategorieDonnees.social,
}
ALERTES_SYNTHESE: dict[str, CategorieDonnees] = {
    "projet_absent": CategorieDonnees.accompagnement,
    "projet_a_reevaluer": CategorieDonnees.accompagnement,
    "mesure_a_reexaminer": CategorieDonnees.accompagnement,
    "evaluation_alerte": CategorieDonnees.accompagnement,
    "prestation_expiree": CategorieDonnees.social,
    "prestation_bientot_expiree": CategorieDonnees.social,
}


def filtrer_synthese(fiche: dict[str, object], lisibles: frozenset[str]) -> dict[str, object]:
    """The fiche de synthèse without the sections (and their alerts) of categories the caller may not read."""
    masquees = [s for s, c in SECTIONS_SYNTHESE.items() if c.value not in lisibles]
    out = dict(fiche)
    for section in masquees:
        out[section] = [] if isinstance(out.get(section), list) else None
    alertes = out.get("alertes")
    if isinstance(alertes, list):
        out["alertes"] = [
            a
            for a in alertes
            if not isinstance(a, dict)
            or ALERTES_SYNTHESE.get(str(a.get("code")), CategorieDonnees.administratif).value in lisibles
        ]
    out["sections_masquees"] = masquees
    return out
