"""The gateway's habilitation decision, without I/O: what `Actor` a request runs as, or which rule refuses it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.requests import Request

from dui_gateway.deps import _esms_du_jeton
from dui_gateway.habilitations import Acces, decider
from dui_gateway.jetons import IdentiteAppelant
from dui_gateway.regles import REGLES
from dui_gateway.requete import requete_id
from dui_gateway.routes.moi import _sans_autres_personnes
from dui_shared.contracts.habilitations import ProfilHabilitation, QualitePersonne
from dui_shared.contracts.habilitations_api import AccesPersonne, Droits, UrgenceActive
from dui_shared.errors import Forbidden, NotFound

EHPAD, SSIAD = "690004122", "130008154"
PROFILS = {
    p["profession"]: ProfilHabilitation.model_validate(p)
    for p in json.loads(Path("config/habilitations-defaut.json").read_text(encoding="utf-8"))["profils"]
}
DOSSIER = "/dossiers/{dossier_id}"


def qui(profession: str | None, profil: str = "professionnel") -> IdentiteAppelant:
    return IdentiteAppelant("sub", "moi", profession, profil, "Nom", "Prénom", "jti", 0)


def droits(profession: str, esms: list[str], **more: object) -> Droits:
    return Droits(
        identifiant="moi",
        profession=profession,
        profil="professionnel",
        profil_habilitation=PROFILS.get(profession),
        esms=esms,
        position=0,
        **more,  # type: ignore[arg-type]
    )


def run(method: str, route: str, did: str | None, who: IdentiteAppelant, rights: Droits) -> Acces:
    params = {"dossier_id": did} if did else {}
    return decider(REGLES[(method, route)], method, route, params, who, rights)


def test_a_profession_reads_its_categories_for_its_esms_only() -> None:
    acces = run("GET", f"{DOSSIER}/observations", "d", qui("medecin"), droits("medecin", [EHPAD]))
    assert acces.actor.esms == (EHPAD,) and not acces.actor.og_wide
    assert acces.categories == ("medical",)
    assert acces.actor.lecture is not None and "psychologique" in acces.actor.lecture  # médecin: lecture
    assert acces.actor.ecriture is not None and "psychologique" not in acces.actor.ecriture


def test_a_closed_category_is_refused_before_any_service() -> None:
    with pytest.raises(Forbidden) as refused:
        run("GET", f"{DOSSIER}/observations", "d", qui("aide_soignant"), droits("aide_soignant", [EHPAD]))
    assert refused.value.rule == "categorie_non_habilitee"
    with pytest.raises(Forbidden) as refused:  # reading is open, writing is not
        run("POST", f"{DOSSIER}/prestations", "d", qui("infirmier"), droits("infirmier", [EHPAD]))
    assert refused.value.rule == "categorie_non_habilitee"


def test_a_profession_without_a_line_may_do_nothing() -> None:
    with pytest.raises(Forbidden) as refused:
        run("GET", "/esms", None, qui("astronaute"), droits("astronaute", [EHPAD]))
    assert refused.value.rule == "profession_non_habilitee"


def test_flags_any_of() -> None:
    medecin = droits("medecin", [EHPAD])
    assert run("GET", "/acces-urgence", None, qui("medecin"), medecin)  # may open one: lists their own
    with pytest.raises(Forbidden) as refused:
        run("POST", "/acces-urgence/{acces_id}/revue", None, qui("medecin"), medecin)
    assert refused.value.rule == "droit_revue_acces"


def test_an_og_line_acts_for_every_esms() -> None:
    acces = run(
        "GET", "/habilitations/comptes", None, qui("administrateur_og"), droits("administrateur_og", [])
    )
    assert acces.actor.og_wide


def test_an_emergency_access_reads_its_dossier_until_its_end_and_writes_nothing() -> None:
    did = str(uuid.uuid4())
    now = datetime.now(UTC)

    def urgence(fin: datetime) -> Droits:
        return droits(
            "medecin",
            [SSIAD],
            urgences=[UrgenceActive(acces_id=uuid.uuid4(), dossier_id=uuid.UUID(did), esms=EHPAD, fin=fin)],
        )

    running = urgence(now + timedelta(hours=1))
    read = run("GET", f"{DOSSIER}/synthese", did, qui("medecin"), running)
    assert set(read.actor.esms) == {SSIAD, EHPAD} and read.acces_urgence is not None
    other = run("GET", f"{DOSSIER}/synthese", str(uuid.uuid4()), qui("medecin"), running)
    assert other.actor.esms == (SSIAD,) and other.acces_urgence is None  # that dossier only
    write = run("POST", f"{DOSSIER}/transmissions", did, qui("medecin"), running)
    assert write.actor.esms == (SSIAD,) and write.acces_urgence is None
    ended = run("GET", f"{DOSSIER}/synthese", did, qui("medecin"), urgence(now - timedelta(seconds=1)))
    assert ended.actor.esms == (SSIAD,)  # a cached access past its end opens nothing


def test_a_person_reads_only_the_dossiers_linked_in_the_quality_their_token_asserts() -> None:
    did = uuid.uuid4()
    lien = AccesPersonne(identifiant="moi", dossier_id=did, esms=EHPAD, qualite=QualitePersonne.usager)
    rights = Droits(
        identifiant="moi",
        profession=None,
        profil="usager",
        profil_habilitation=PROFILS["usager"],
        esms=[],
        personnes=[lien],
        position=0,
    )
    moi = run("GET", "/moi/dossiers/{dossier_id}/identite", str(did), qui(None, "usager"), rights)
    assert moi.actor.esms == (EHPAD,) and moi.actor.role == "usager" and moi.actor.ecriture == ()
    with pytest.raises(NotFound):
        run("GET", "/moi/dossiers/{dossier_id}/identite", str(uuid.uuid4()), qui(None, "usager"), rights)
    with pytest.raises(NotFound):  # linked as usager, the token says représentant légal: not this way
        run("GET", "/moi/dossiers/{dossier_id}/identite", str(did), qui(None, "representant_legal"), rights)
    with pytest.raises(Forbidden) as refused:
        run("GET", f"{DOSSIER}/synthese", str(did), qui(None, "usager"), rights)
    assert refused.value.rule == "reserve_professionnels"


def test_a_persons_journal_names_professionals_and_no_other_person() -> None:
    page = {
        "items": [
            {"identifiant": "ide-1", "profil": "professionnel"},
            {"identifiant": "moi", "profil": "usager"},
            {"identifiant": "voisin@example.org", "profil": "usager"},
        ]
    }
    shown = _sans_autres_personnes(page, "moi")
    assert [e["identifiant"] for e in shown["items"]] == ["ide-1", "moi", "autre personne"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-42.a:b_c", True), ("x" * 65, False), ("deux mots", False), ("é", False), ("", False)],
)
def test_a_client_request_id_is_kept_only_when_it_is_a_short_plain_token(given: str, kept: bool) -> None:
    """It lands in every access trace and log line: anything else is replaced by one of ours."""
    request = Request({"type": "http", "headers": [(b"x-request-id", given.encode())]})
    assert (requete_id(request) == given) is kept
    assert 1 <= len(requete_id(request)) <= 64


def test_the_esms_a_token_names_are_the_ogs_only() -> None:
    claims = {"dui_esms": [EHPAD, "999999999", "*", SSIAD]}
    assert _esms_du_jeton(claims, "dui_esms", frozenset({EHPAD, SSIAD})) == (EHPAD, "*", SSIAD)
    assert _esms_du_jeton(claims, None, frozenset({EHPAD})) == ()  # the claim is read only when named
