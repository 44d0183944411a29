"""The public integration contracts: subjects, ids, what they never carry, the EI mapping of a transmission's cible,
and the committed AsyncAPI document (every contract in it, up to date)."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from dui_reporting.integration import ASYNCAPI_FILE, asyncapi_document, render_asyncapi, type_ei_de_cible
from dui_shared.contracts.integration import (
    BY_SUBJECT,
    INTEGRATION_EVENTS,
    AdmissionGef,
    ChuteSignalee,
    FugueSignalee,
    IntegrationEvent,
    SortieGef,
)

IDENTITY_FIELDS = {
    "nom",
    "nom_naissance",
    "nom_utilise",
    "prenoms",
    "date_naissance",
    "matricule",
    "ins",
    "traits",
}
FREE_TEXT_FIELDS = {
    "texte",
    "donnees",
    "actions",
    "resultats",
    "commentaire",
    "cible",
    "reference",
    "motif_texte",
}


def test_subjects_are_versioned_and_unique() -> None:
    subjects = [c.subject() for c in INTEGRATION_EVENTS]
    assert len(set(subjects)) == len(subjects) == len(BY_SUBJECT)
    for subject in subjects:
        assert re.fullmatch(r"dui\.int\.(gef|rh|ei)\.[a-z_]+\.v[1-9][0-9]*", subject), subject
    assert AdmissionGef.subject() == "dui.int.gef.admission.v1"


def test_ids_derive_from_the_source_event_and_the_contract() -> None:
    source = uuid.uuid4()
    assert AdmissionGef.derived_id(source) == AdmissionGef.derived_id(source)
    assert AdmissionGef.derived_id(source) != SortieGef.derived_id(source)
    assert AdmissionGef.derived_id(source, "pro-1") != AdmissionGef.derived_id(source, "pro-2")
    assert AdmissionGef.derived_id(source) != AdmissionGef.derived_id(uuid.uuid4())


@pytest.mark.parametrize("contract", INTEGRATION_EVENTS, ids=lambda c: c.subject())
def test_contracts_never_carry_identity_nor_free_text(contract: type[IntegrationEvent]) -> None:
    fields = set(contract.model_fields)
    assert not fields & IDENTITY_FIELDS
    assert not fields & FREE_TEXT_FIELDS
    assert {"id", "source_event_id", "source_position", "survenu_le", "esms"} <= fields


@pytest.mark.parametrize(
    ("cible", "expected"),
    [
        ("Chute", ChuteSignalee),
        ("chute dans la chambre", ChuteSignalee),
        ("CHUTES répétées", ChuteSignalee),
        ("Risque de chute", None),
        ("Prévention des chutes", None),
        ("Fugue", FugueSignalee),
        ("Disparition du résident", FugueSignalee),
        ("Douleur", None),
        ("parachute", None),
        (None, None),
    ],
)
def test_ei_type_of_a_cible(cible: str | None, expected: type | None) -> None:
    assert type_ei_de_cible(cible) is expected


def test_asyncapi_lists_every_contract() -> None:
    document = asyncapi_document()
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(BY_SUBJECT)
    schemas = document["components"]["schemas"]
    for contract in INTEGRATION_EVENTS:
        schema = schemas[contract.__name__]
        assert set(schema["properties"]) == set(contract.model_fields), contract.__name__
        assert f"{contract.subject()}" in document["operations"]
        assert document["operations"][contract.subject()]["action"] == "send"


def test_committed_asyncapi_is_up_to_date() -> None:
    committed = ASYNCAPI_FILE.read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(render_asyncapi()), (
        "docs/asyncapi.json est périmé : python -m dui_reporting asyncapi (ou make asyncapi)"
    )
    assert committed == render_asyncapi()
