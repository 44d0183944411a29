"""Aggregates in a known state, built through their own commands; tests change only what their scenario is about."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dui_admission.domain.candidature import Candidature
from dui_admission.domain.sejour import Sejour
from dui_shared.contracts.admission import Decision, Origine, Sexe, StatutVisite, TypeAccueil, Usager

EHPAD = "690004122"
RECUE_LE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIS_LE = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def jours(n: int) -> timedelta:
    return timedelta(days=n)


def usager(nom: str = "Martin", **changes: Any) -> Usager:
    traits: dict[str, Any] = {
        "nom_naissance": nom,
        "prenoms": "Jeanne Marie",
        "date_naissance": date(1938, 4, 12),
        "sexe": Sexe.F,
    }
    traits.update(changes)
    return Usager(**traits)


def candidature_recue(esms: str = EHPAD, recue_le: datetime = RECUE_LE, **changes: Any) -> Candidature:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "demande_id": uuid.uuid4(),
        "esms": esms,
        "usager": usager(),
        "type_accueil": TypeAccueil.permanent,
        "recue_le": recue_le,
        "date_entree_souhaitee": date(2026, 5, 1),
        "origine": Origine.saisie,
        "reference_externe": None,
        "urgence": False,
        "commentaire": None,
    }
    fields.update(changes)
    return Candidature(**fields)


def candidature_acceptee() -> Candidature:
    candidature = candidature_recue()
    candidature.planifier_contact(RECUE_LE + jours(1), "famille", "telephone", None)
    candidature.tracer_visite(RECUE_LE + jours(7), StatutVisite.realisee, "visite de la chambre")
    candidature.prononcer_decision(Decision.acceptee, RECUE_LE + jours(10), None)
    return candidature


def sejour_admis(admis_le: datetime = ADMIS_LE) -> Sejour:
    return Sejour(
        id=uuid.uuid4(),
        candidature_id=uuid.uuid4(),
        esms=EHPAD,
        usager=usager(),
        type_accueil=TypeAccueil.permanent,
        admis_le=admis_le,
        place="chambre 12",
    )
