"""Bearer tokens at the gateway, against a real provider serving in a thread (authlib, the login form, PKCE) and
the session's real NATS for revocations: what is accepted, and each way a token is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from nats.aio.client import Client as NATS

from dui_gateway.jetons import (
    FournisseurIdentiteIndisponible,
    JetonRefuse,
    JetonsRevoques,
    VerificateurJetons,
    charger_professions,
    identite,
)
from dui_oidc.client import EchecConnexion, authorize, obtain_tokens, pkce_pair
from dui_oidc.keys import KeyStore, rotate
from dui_oidc.server import serve_in_thread
from tests.support.oidc import demo_password, obtain_access_token

PROFESSIONS = charger_professions(None)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def header(token: str) -> dict[str, Any]:
    return segment(token.split(".")[0])


def payload(token: str) -> dict[str, Any]:
    return segment(token.split(".")[1])


def login(issuer: str, identifiant: str, **options: Any) -> dict[str, Any]:
    """A fresh login (not the session cache): for tokens a test revokes or inspects."""
    return obtain_tokens(issuer, identifiant, demo_password(identifiant), **options)


async def refused(verifier: VerificateurJetons, token: str) -> JetonRefuse:
    with pytest.raises(JetonRefuse) as caught:
        await verifier.verifier(token)
    assert caught.value.status == 401
    return caught.value


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def own_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A provider whose key file the tests can read, to sign tokens with its real key."""
    keys = tmp_path_factory.mktemp("oidc-propre") / "cles.json"
    with serve_in_thread(keys_file=keys) as issuer:
        yield issuer, keys


def sign_with_provider_key(keys: Path, claims: dict[str, Any], **header_fields: Any) -> str:
    key = KeyStore(keys).signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt", **header_fields}, claims, key)


def valid_claims(issuer: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": "dui-gateway",
        "sub": "u-1",
        "jti": f"forge-{now}",
        "iat": now,
        "exp": now + 300,
        "preferred_username": "x",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


# --- accepted ---------------------------------------------------------------------------------------------------


async def test_a_token_from_the_login_flow_is_accepted_and_names_the_caller(
    oidc_issuer: str, http: httpx.AsyncClient
) -> None:
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    medecin = identite(await verifier.verifier(obtain_access_token(oidc_issuer, "dr.martin")), PROFESSIONS)
    soignante = identite(await verifier.verifier(obtain_access_token(oidc_issuer, "as.petit")), PROFESSIONS)
    usager = identite(await verifier.verifier(obtain_access_token(oidc_issuer, "usager.martin")), PROFESSIONS)

    assert (medecin.identifiant, medecin.profession, medecin.profil) == (
        "10000000017",
        "medecin",
        "professionnel",
    )
    assert (medecin.nom, medecin.prenom) == ("Martin", "Sophie")
    assert (soignante.identifiant, soignante.profession) == ("as.petit", "aide_soignant")
    assert (usager.identifiant, usager.profession, usager.profil) == ("usager.martin", None, "usager")


async def test_an_access_token_is_an_rfc_9068_jwt_for_the_gateway(oidc_issuer: str) -> None:
    token = obtain_access_token(oidc_issuer, "inf.bernard")

    assert {k: header(token)[k] for k in ("typ", "alg")} == {"typ": "at+jwt", "alg": "RS256"}
    claims = payload(token)
    assert (claims["iss"], claims["aud"], claims["client_id"]) == (oidc_issuer, "dui-gateway", "dui-outils")
    assert claims["SubjectNameID"] == "810000100601"
    assert claims["SubjectRefPro"]["exercices"][0]["codeProfession"] == "60"


async def test_a_refresh_token_gives_a_new_accepted_access_token_and_cannot_be_used_twice(
    oidc_issuer: str, http: httpx.AsyncClient
) -> None:
    tokens = login(oidc_issuer, "inf.bernard", client_id="dui-front")
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": "dui-front",
    }

    renewed = await http.post(f"{oidc_issuer}/token", data=refresh)
    replayed = await http.post(f"{oidc_issuer}/token", data=refresh)

    assert renewed.status_code == 200
    claims = await verifier.verifier(renewed.json()["access_token"])
    assert claims["jti"] != payload(tokens["access_token"])["jti"]
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]  # rotated
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")


async def test_userinfo_answers_the_identity_until_the_token_is_revoked_at_the_provider(
    oidc_issuer: str, http: httpx.AsyncClient
) -> None:
    token = login(oidc_issuer, "pdc.martin")["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    before = await http.get(f"{oidc_issuer}/userinfo", headers=bearer)
    revoked = await http.post(f"{oidc_issuer}/revoke", data={"token": token, "client_id": "dui-outils"})
    after = await http.get(f"{oidc_issuer}/userinfo", headers=bearer)

    assert before.status_code == 200
    assert (before.json()["dui_profil"], before.json()["family_name"]) == ("personne_de_confiance", "Martin")
    assert revoked.status_code == 200
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["www-authenticate"]


# --- refused: lifetime, signature, audience, issuer, type, algorithm -------------------------------------------


async def test_an_expired_token_is_refused_unless_within_the_clock_leeway(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    with serve_in_thread(access_token_lifetime=1, keys_file=tmp_path / "cles.json") as issuer:
        token = login(issuer, "kine.thomas")["access_token"]
        strict = VerificateurJetons(issuer, "dui-gateway", leeway=0, http=http)
        tolerant = VerificateurJetons(issuer, "dui-gateway", leeway=60, http=http)
        await asyncio.sleep(2.1)

        assert (await refused(strict, token)).rule == "jeton_expire"
        assert (await tolerant.verifier(token))["jti"] == payload(token)["jti"]


async def test_a_tampered_signature_is_refused(oidc_issuer: str, http: httpx.AsyncClient) -> None:
    h, p, s = obtain_access_token(oidc_issuer, "as.petit").split(".")
    other_first = "B" if s[0] != "B" else "C"
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    assert (await refused(verifier, f"{h}.{p}.{other_first}{s[1:]}")).rule == "signature_invalide"


async def test_claims_changed_after_signature_are_refused(oidc_issuer: str, http: httpx.AsyncClient) -> None:
    token = obtain_access_token(oidc_issuer, "as.petit")
    h, _, s = token.split(".")
    promoted = {**payload(token), "dui_profession": "direction"}
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    forged = f"{h}.{b64(json.dumps(promoted).encode())}.{s}"

    assert (await refused(verifier, forged)).rule == "signature_invalide"


async def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused(
    oidc_issuer: str, http: httpx.AsyncClient
) -> None:
    token = obtain_access_token(oidc_issuer, "as.petit")
    impostor = RSAKey.generate_key(2048)
    forged = jwt.encode(header(token), payload(token), impostor)
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    assert header(forged)["kid"] == header(token)["kid"]
    assert (await refused(verifier, forged)).rule == "signature_invalide"


async def test_a_token_for_another_audience_is_refused(tmp_path: Path, http: httpx.AsyncClient) -> None:
    with serve_in_thread(audience="autre-service", keys_file=tmp_path / "cles.json") as issuer:
        token = login(issuer, "dr.martin")["access_token"]
        gateway = VerificateurJetons(issuer, "dui-gateway", http=http)
        other_service = VerificateurJetons(issuer, "autre-service", http=http)

        assert (await refused(gateway, token)).rule == "audience_invalide"
        assert (await other_service.verifier(token))["aud"] == "autre-service"


async def test_a_token_of_another_issuer_signed_with_a_trusted_key_is_refused(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    shared_keys = tmp_path / "cles.json"
    with serve_in_thread(keys_file=shared_keys) as ours, serve_in_thread(keys_file=shared_keys) as theirs:
        token = login(theirs, "dr.martin")["access_token"]
        verifier = VerificateurJetons(ours, "dui-gateway", http=http)

        assert (await refused(verifier, token)).rule == "emetteur_invalide"
        assert await VerificateurJetons(theirs, "dui-gateway", http=http).verifier(token)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_provider_presenting_another_issuer_than_configured_is_not_trusted(
    tmp_path: Path, oidc_issuer: str
) -> None:
    fetched: list[str] = []

    async def record(request: httpx.Request) -> None:
        fetched.append(request.url.path)

    port = free_port()
    elsewhere = f"http://127.0.0.1:{port}/realms/autre"
    with serve_in_thread(port=port, issuer=elsewhere, keys_file=tmp_path / "cles.json"):
        async with httpx.AsyncClient(timeout=5, event_hooks={"request": [record]}) as http:
            verifier = VerificateurJetons(f"http://127.0.0.1:{port}", "dui-gateway", http=http)
            error = await refused(verifier, obtain_access_token(oidc_issuer, "dr.martin"))

    assert error.rule == "emetteur_invalide"
    assert fetched == ["/.well-known/openid-configuration"]  # its keys were not even fetched


async def test_an_id_token_presented_as_bearer_is_refused(oidc_issuer: str, http: httpx.AsyncClient) -> None:
    id_token = login(oidc_issuer, "dr.martin")["id_token"]
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    assert payload(id_token)["aud"] == ["dui-outils"]
    assert (await refused(verifier, id_token)).rule == "audience_invalide"


async def test_a_token_that_is_not_an_access_token_by_its_type_is_refused(
    own_provider: tuple[str, Path], http: httpx.AsyncClient
) -> None:
    issuer, keys = own_provider
    verifier = VerificateurJetons(issuer, "dui-gateway", http=http)
    logout_token = sign_with_provider_key(keys, valid_claims(issuer), typ="logout+jwt")
    good = sign_with_provider_key(keys, valid_claims(issuer))

    assert (await refused(verifier, logout_token)).rule == "type_jeton_invalide"
    assert (await verifier.verifier(good))["sub"] == "u-1"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": None}, "exp"),
        ({"jti": None}, "jti"),
        ({"sub": None}, "sub"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"nbf": int(time.time()) + 3600}, "nbf"),
        # a logout is remembered 24 h: a token valid longer would come back to life after it
        ({"exp": int(time.time()) + 25 * 3600}, "24 h"),
        ({"exp": float("inf")}, "exp"),  # JSON parsers read Infinity and NaN: no time check may pass them
        ({"exp": float("nan")}, "exp"),
    ],
)
async def test_a_well_signed_token_missing_a_required_claim_or_dated_in_the_future_is_refused(
    own_provider: tuple[str, Path], http: httpx.AsyncClient, changes: dict[str, Any], reason: str
) -> None:
    issuer, keys = own_provider
    verifier = VerificateurJetons(issuer, "dui-gateway", leeway=30, http=http)

    error = await refused(verifier, sign_with_provider_key(keys, valid_claims(issuer, **changes)))

    assert error.rule == "jeton_invalide"
    assert reason in error.message


async def test_an_unsigned_token_is_refused(oidc_issuer: str, http: httpx.AsyncClient) -> None:
    token = obtain_access_token(oidc_issuer, "as.petit")
    p = token.split(".")[1]
    unsigned = f"{b64(json.dumps({**header(token), 'alg': 'none'}).encode())}.{p}."
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    assert (await refused(verifier, unsigned)).rule == "algorithme_refuse"


async def test_a_token_hmac_signed_with_the_public_key_is_refused(
    oidc_issuer: str, http: httpx.AsyncClient
) -> None:
    token = obtain_access_token(oidc_issuer, "as.petit")
    jwks = (await http.get(f"{oidc_issuer}/jwks")).json()
    public = next(k for k in jwks["keys"] if k["kid"] == header(token)["kid"])
    signing_input = f"{b64(json.dumps({**header(token), 'alg': 'HS256'}).encode())}.{token.split('.')[1]}"
    mac = hmac.new(json.dumps(public).encode(), signing_input.encode(), hashlib.sha256).digest()
    verifier = VerificateurJetons(oidc_issuer, "dui-gateway", http=http)

    assert (await refused(verifier, f"{signing_input}.{b64(mac)}")).rule == "algorithme_refuse"


@pytest.mark.parametrize(
    ("token", "rule"), [("", "jeton_absent"), ("abc", "jeton_invalide"), ("a.b.c", "jeton_invalide")]
)
async def test_a_missing_or_malformed_token_is_refused(
    oidc_issuer: str, http: httpx.AsyncClient, token: str, rule: str
) -> None:
    assert (await refused(VerificateurJetons(oidc_issuer, "dui-gateway", http=http), token)).rule == rule


# --- revocation, key rotation, the provider's availability ------------------------------------------------------


async def test_a_token_replayed_after_logout_is_refused_by_every_gateway_replica(
    oidc_issuer: str, nc: NATS, http: httpx.AsyncClient
) -> None:
    token = login(oidc_issuer, "sec.fournier")["access_token"]
    other_session = login(oidc_issuer, "sec.fournier")["access_token"]
    replica_a = VerificateurJetons(
        oidc_issuer, "dui-gateway", http=http, revocations=JetonsRevoques(nc.jetstream())
    )
    replica_b = VerificateurJetons(
        oidc_issuer, "dui-gateway", http=http, revocations=JetonsRevoques(nc.jetstream())
    )
    assert await replica_b.verifier(token)  # replica B saw the token before the logout

    claims = await replica_a.verifier(token)
    assert replica_a.revocations is not None
    await replica_a.revocations.revoquer(claims["jti"])  # logout on replica A

    assert (await refused(replica_b, token)).rule == "jeton_revoque"
    assert (await refused(replica_a, token)).rule == "jeton_revoque"
    assert await replica_b.verifier(other_session)  # the user's other session is untouched


async def test_after_a_key_rotation_new_and_earlier_tokens_are_both_accepted(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    keys = tmp_path / "cles.json"
    with serve_in_thread(keys_file=keys) as issuer:
        before = login(issuer, "ergo.moreau")["access_token"]
        verifier = VerificateurJetons(issuer, "dui-gateway", jwks_refresh_min=0, http=http)
        await verifier.verifier(before)  # the verifier has cached the JWKS of the first key

        new_kid = rotate(keys)
        after = login(issuer, "ergo.moreau")["access_token"]

        assert header(after)["kid"] == new_kid != header(before)["kid"]
        assert (await verifier.verifier(after))["jti"] == payload(after)["jti"]
        assert (await verifier.verifier(before))["jti"] == payload(before)["jti"]
        fresh = VerificateurJetons(issuer, "dui-gateway", http=http)
        assert await fresh.verifier(before)

        rotate(keys)
        rotate(keys)  # three keys are kept: the first one is withdrawn from /jwks
        published = [k["kid"] for k in (await http.get(f"{issuer}/jwks")).json()["keys"]]
        assert len(published) == 3 and header(before)["kid"] not in published
        assert (await refused(VerificateurJetons(issuer, "dui-gateway", http=http), before)).rule == (
            "signature_invalide"
        )


async def test_made_up_key_ids_do_not_make_the_gateway_hammer_the_provider(oidc_issuer: str) -> None:
    fetched: list[str] = []

    async def record(request: httpx.Request) -> None:
        fetched.append(request.url.path)

    async with httpx.AsyncClient(timeout=5, event_hooks={"request": [record]}) as http:
        verifier = VerificateurJetons(oidc_issuer, "dui-gateway", jwks_refresh_min=60, http=http)
        token = obtain_access_token(oidc_issuer, "dir.girard")
        await verifier.verifier(token)
        _, p, s = token.split(".")
        for i in range(20):
            made_up = b64(json.dumps({**header(token), "kid": f"inconnue-{i}"}).encode())
            assert (await refused(verifier, f"{made_up}.{p}.{s}")).rule == "signature_invalide"

    assert fetched.count("/jwks") == 1
    assert fetched.count("/.well-known/openid-configuration") == 1


async def test_an_unreachable_provider_is_a_503_not_a_refusal(http: httpx.AsyncClient) -> None:
    verifier = VerificateurJetons(f"http://127.0.0.1:{free_port()}", "dui-gateway", http=http)
    token = (
        f"{b64(json.dumps({'alg': 'RS256', 'typ': 'at+jwt', 'kid': 'k'}).encode())}.{b64(b'{}')}.{b64(b'x')}"
    )

    with pytest.raises(FournisseurIdentiteIndisponible) as caught:
        await verifier.verifier(token)

    assert (caught.value.status, caught.value.rule) == (503, "fournisseur_identite_indisponible")


# --- the provider's login page and authorization requests --------------------------------------------------------


def authorization_request(issuer: str, **changes: str | None) -> httpx.Response:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "dui-front",
        "redirect_uri": "http://127.0.0.1:5173/rappel",
        "scope": "openid profile",
        "state": "etat-1",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }
    params.update(changes)
    return httpx.get(f"{issuer}/authorize", params={k: v for k, v in params.items() if v is not None})


def test_the_login_page_is_a_french_form_carrying_the_authorization_request(oidc_issuer: str) -> None:
    page = authorization_request(oidc_issuer)

    assert page.status_code == 200
    assert 'lang="fr"' in page.text and "Mot de passe" in page.text and "Se connecter" in page.text
    assert 'name="code_challenge"' in page.text and 'value="etat-1"' in page.text
    assert page.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "changes",
    [{"code_challenge": None, "code_challenge_method": None}, {"code_challenge_method": "plain"}],
)
def test_an_authorization_request_without_an_s256_pkce_challenge_is_sent_back_refused(
    oidc_issuer: str, changes: dict[str, str | None]
) -> None:
    answer = authorization_request(oidc_issuer, **changes)

    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith("http://127.0.0.1:5173/rappel?")
    assert "error=invalid_request" in location and "state=etat-1" in location and "code=" not in location


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "client-inconnu"}, {"redirect_uri": "https://attaquant.example/rappel"}],
)
def test_an_unknown_client_or_unregistered_redirect_uri_gets_a_page_not_a_redirect(
    oidc_issuer: str, changes: dict[str, str | None]
) -> None:
    answer = authorization_request(oidc_issuer, **changes)

    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "Demande de connexion refusée" in answer.text


def test_a_wrong_password_gives_no_code_and_the_form_again(oidc_issuer: str) -> None:
    page = authorization_request(oidc_issuer)
    fields = {
        "client_id": "dui-front",
        "redirect_uri": "http://127.0.0.1:5173/rappel",
        "response_type": "code",
    }
    fields |= dict(page.url.params) | {"identifiant": "dr.martin", "mot_de_passe": "demo-as.petit"}

    answer = httpx.post(f"{oidc_issuer}/authorize", data=fields)

    assert answer.status_code == 200 and "location" not in answer.headers
    assert "Identifiant ou mot de passe incorrect." in answer.text
    with pytest.raises(EchecConnexion, match="mot de passe incorrect"):
        obtain_tokens(oidc_issuer, "dr.martin", "pas-le-bon")


def test_a_code_is_exchanged_only_with_the_verifier_of_its_challenge(oidc_issuer: str) -> None:
    with httpx.Client(timeout=5) as client:
        _, challenge = pkce_pair()
        code = authorize(
            client,
            oidc_issuer,
            "dr.martin",
            demo_password("dr.martin"),
            client_id="dui-outils",
            scope="openid",
            redirect_uri="http://127.0.0.1/rappel",
            code_challenge=challenge,
        )
        stolen_code_exchange = client.post(
            f"{oidc_issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1/rappel",
                "client_id": "dui-outils",
                "code_verifier": pkce_pair()[0],  # not the verifier of the challenge
            },
        )

    assert stolen_code_exchange.status_code == 400
    assert stolen_code_exchange.json()["error"] == "invalid_grant"
    assert "access_token" not in stolen_code_exchange.json()
