"""Bearer tokens at the gateway: validated the way Pro Santé Connect's are, then read into the caller's identity.

`VerificateurJetons` reads the issuer's discovery document once, then its JWKS (cached; an unknown `kid` triggers
one refetch at most every `jwks_refresh_min` seconds, so a rotation at the provider is followed while made-up kids
cannot hammer it), and checks signature (RS256, PS256 or ES256 only), `typ`, `iss`, `aud`, `exp`, `nbf`, `iat`
and `jti`. `JetonsRevoques` is the list of tokens logged out before they expire, in a JetStream key-value bucket
every gateway replica reads. `identite` turns validated claims into an `IdentiteAppelant`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeGuard

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from dui_shared.errors import DomainError, Unavailable
from dui_shared.observability import get_logger

log = get_logger(__name__)

ALGORITHMES: Final = ("RS256", "PS256", "ES256")
"""Signature algorithms accepted: asymmetric only (`none` and the HMAC family are refused)."""
TYPES_ACCEPTES: Final = ("at+jwt", "application/at+jwt", "jwt")
"""`typ` header values accepted: RFC 9068 access tokens, and `JWT` as Pro Santé Connect (Keycloak) writes it."""
PROFILS_PERSONNE: Final = ("usager", "personne_de_confiance", "representant_legal")
PROFIL_PROFESSIONNEL: Final = "professionnel"
TAILLE_MAX: Final = 16 * 1024
_KTY = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}
_SUBJECT_RPPS = re.compile(r"8([0-9]{11})")
_PROFESSION = re.compile(r"[a-z][a-z0-9_]{1,39}")


DUREE_MAX_JETON = 24 * 3600
"""Seconds a logged-out token is remembered as revoked; tokens valid longer than this are refused outright."""


class JetonRefuse(DomainError):
    """The bearer token is absent or cannot be trusted; `rule` says why (`jeton_absent`, `jeton_invalide`,
    `signature_invalide`, `jeton_expire`, `audience_invalide`, `emetteur_invalide`, `jeton_revoque`,
    `type_jeton_invalide`, `algorithme_refuse`)."""

    status = 401
    title = "Jeton d'accès refusé"
    rule = "jeton_invalide"


class FournisseurIdentiteIndisponible(Unavailable):
    """The identity provider's discovery document or keys could not be read: a 503, never a 500."""

    title = "Fournisseur d'identité indisponible"
    rule = "fournisseur_identite_indisponible"


def www_authenticate(erreur: DomainError, realm: str | None = "dui") -> str:
    """The RFC 6750 `WWW-Authenticate` value for a refused request: `invalid_token` with the reason in ASCII (the
    header allows no accents nor quotes); no error code when no token was sent (§3.1) or for a non-401 error."""
    parts = [f'realm="{realm}"'] if realm else []
    if erreur.status == 401 and erreur.rule != "jeton_absent":
        ascii_text = unicodedata.normalize("NFKD", erreur.message).encode("ascii", "ignore").decode("ascii")
        description = "".join(c for c in ascii_text if c.isprintable() and c not in '"\\')
        parts += ['error="invalid_token"', f'error_description="{description}"']
    return "Bearer " + ", ".join(parts) if parts else "Bearer"


class JetonsRevoques:
    """Tokens refused before their expiry (logout), by `jti`, in the JetStream key-value bucket
    `dui_jetons_revoques` shared by every gateway replica. An entry lives `ttl` seconds (24 h), longer than any
    access token."""

    BUCKET: Final = "dui_jetons_revoques"
    _KEY: Final = re.compile(r"[A-Za-z0-9_=-]{1,128}")

    def __init__(self, js: JetStreamContext, *, ttl: float = DUREE_MAX_JETON, replicas: int = 1) -> None:
        self.js = js
        self.ttl = ttl
        self.replicas = replicas
        self._kv: KeyValue | None = None
        self._lock = asyncio.Lock()
        self._connus: set[str] = set()  # revoked stays revoked: no need to ask twice

    @classmethod
    def cle(cls, jti: str) -> str:
        """The bucket key of a `jti`: itself when it fits the key rules, else a hash (no `.`, so no clash)."""
        if cls._KEY.fullmatch(jti):
            return jti
        return "h." + hashlib.sha256(jti.encode("utf-8")).hexdigest()

    async def ouvrir(self) -> None:
        """Create the bucket if it is missing, before the first request needs it."""
        await self._bucket()

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            async with self._lock:
                if self._kv is None:
                    try:
                        self._kv = await self.js.key_value(self.BUCKET)
                    except BucketNotFoundError:
                        self._kv = await self.js.create_key_value(
                            bucket=self.BUCKET, ttl=self.ttl, history=1, replicas=self.replicas
                        )
        return self._kv

    async def revoquer(self, jti: str) -> None:
        kv = await self._bucket()
        await kv.put(self.cle(jti), str(int(time.time())).encode())
        self._retenir(jti)

    async def est_revoque(self, jti: str) -> bool:
        if jti in self._connus:
            return True
        kv = await self._bucket()
        try:
            entry = await kv.get(self.cle(jti))
        except KeyNotFoundError:
            return False
        if entry.value is None:  # a delete or purge marker
            return False
        self._retenir(jti)
        return True

    def _retenir(self, jti: str) -> None:
        if len(self._connus) >= 100_000:  # bounded memory; the bucket stays the reference
            self._connus.clear()
        self._connus.add(jti)


@dataclass(frozen=True, slots=True)
class IdentiteAppelant:
    """Who calls, as the gateway's rights and traces need it."""

    sub: str
    identifiant: str
    """The RPPS number (11 digits) for a Pro Santé Connect professional, else the login, else `sub`."""
    profession: str | None
    """A DUI profession code (`medecin`, `aide_soignant`…), None for a person or an unmapped PSC profession."""
    profil: str
    """`professionnel`, or the person's quality: `usager`, `personne_de_confiance`, `representant_legal`."""
    nom: str | None
    prenom: str | None
    jti: str
    exp: int


def _texte(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _premier_exercice(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = claims.get("SubjectRefPro")
    exercices = ref.get("exercices") if isinstance(ref, Mapping) else None
    if isinstance(exercices, list) and exercices and isinstance(exercices[0], Mapping):
        return exercices[0]
    return {}


def identite(claims: Mapping[str, Any], professions: Mapping[str, str]) -> IdentiteAppelant:
    """The caller's identity from validated claims. `professions` maps PSC profession codes (TRE_G15) to DUI
    profession codes (`charger_professions`). A person's account (`dui_profil`) never carries a profession."""
    sub = str(claims["sub"])
    subject = claims.get("SubjectNameID")
    rpps = _SUBJECT_RPPS.fullmatch(subject) if isinstance(subject, str) else None
    identifiant = rpps.group(1) if rpps else _texte(claims.get("preferred_username")) or sub
    exercice = _premier_exercice(claims)
    profil_personne = claims.get("dui_profil")
    profession: str | None
    if profil_personne is not None:
        if profil_personne not in PROFILS_PERSONNE:
            raise JetonRefuse(
                f"profil inconnu dans le jeton : {str(profil_personne)[:40]}", rule="jeton_invalide"
            )
        profil, profession = str(profil_personne), None
    else:
        profil = PROFIL_PROFESSIONNEL
        code_psc = exercice.get("codeProfession")
        if code_psc is not None:
            profession = professions.get(str(code_psc))
        else:
            profession = _texte(claims.get("dui_profession"))
    return IdentiteAppelant(
        sub=sub,
        identifiant=identifiant,
        profession=profession,
        profil=profil,
        nom=_texte(claims.get("family_name")) or _texte(exercice.get("nomDexercice")),
        prenom=_texte(claims.get("given_name")) or _texte(exercice.get("prenomDexercice")),
        jti=str(claims["jti"]),
        exp=int(claims["exp"]),
    )


def professions_par_defaut() -> Path:
    """The repository's `config/professions.json` (or `./config/` in an image)."""
    in_repo = Path(__file__).resolve().parents[3] / "config" / "professions.json"
    return in_repo if in_repo.exists() else Path("config") / "professions.json"


def charger_professions(path: Path | None = None) -> dict[str, str]:
    """The PSC profession code → DUI profession code mapping of `path` (default `config/professions.json`)."""
    path = path or professions_par_defaut()
    data = json.loads(path.read_text(encoding="utf-8"))
    psc = data.get("psc") if isinstance(data, dict) else None
    if not isinstance(psc, dict):
        raise ValueError(f"{path} : objet « psc » attendu (code profession PSC → code profession du DUI)")
    for code, profession in psc.items():
        if not isinstance(profession, str) or not _PROFESSION.fullmatch(profession):
            raise ValueError(
                f"{path} : code profession du DUI invalide pour le code PSC {code} : {profession!r}"
            )
    return {str(code): profession for code, profession in psc.items()}


class VerificateurJetons:
    """Validates access tokens of one issuer for one audience (the gateway).

    `discovery_url` defaults to `<issuer>/.well-known/openid-configuration`; whatever the URL, the document's
    `issuer` must be exactly `issuer`. `jwks_max_age`: the JWKS is read again after that many seconds, so a key
    withdrawn at the provider stops being trusted."""

    def __init__(
        self,
        issuer: str,
        audience: str = "dui-gateway",
        *,
        leeway: float = 30.0,
        jwks_refresh_min: float = 10.0,
        http: httpx.AsyncClient | None = None,
        revocations: JetonsRevoques | None = None,
        jwks_max_age: float = 600.0,
        discovery_url: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.discovery_url = discovery_url or issuer.rstrip("/") + "/.well-known/openid-configuration"
        self.audience = audience
        self.leeway = leeway
        self.jwks_refresh_min = jwks_refresh_min
        self.jwks_max_age = jwks_max_age
        self.revocations = revocations
        self._http = http
        self._own_http = http is None
        self._jwks_uri: str | None = None
        self._cles: dict[str, Key] = {}
        self._charge_le: float | None = None  # monotonic time of the last JWKS fetch (successful or not)
        self._echec: JetonRefuse | FournisseurIdentiteIndisponible | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0)
        return self._http

    async def _get_json(self, url: str, quoi: str) -> dict[str, Any]:
        try:
            response = await self._client().get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("jetons.fournisseur_injoignable", url=url, erreur=type(exc).__name__)
            raise FournisseurIdentiteIndisponible(
                f"{quoi} du fournisseur d'identité illisible ou injoignable"
            ) from exc
        if not isinstance(body, dict):
            raise FournisseurIdentiteIndisponible(f"{quoi} du fournisseur d'identité illisible")
        return body

    async def _decouvrir(self) -> str:
        if self._jwks_uri is None:
            doc = await self._get_json(self.discovery_url, "document de découverte")
            # OpenID Connect Discovery §4.3: the document's issuer is exactly the configured one
            if doc.get("issuer") != self.issuer:
                log.error(
                    "jetons.emetteur_inattendu", attendu=self.issuer, annonce=str(doc.get("issuer"))[:200]
                )
                raise JetonRefuse(
                    f"le fournisseur d'identité se présente comme {str(doc.get('issuer'))[:200]!r}, "
                    f"pas comme l'émetteur configuré {self.issuer!r}",
                    rule="emetteur_invalide",
                )
            if not isinstance(doc.get("jwks_uri"), str):
                raise FournisseurIdentiteIndisponible("document de découverte sans jwks_uri")
            self._jwks_uri = doc["jwks_uri"]
        return self._jwks_uri

    async def _charger_jwks(self) -> None:
        """Read the discovery document (once) and the JWKS. A failure is remembered, and repeated without asking
        the provider again, for `jwks_refresh_min` seconds when no key is known yet."""
        self._charge_le = time.monotonic()
        try:
            body = await self._get_json(await self._decouvrir(), "jeu de clés (JWKS)")
        except (JetonRefuse, FournisseurIdentiteIndisponible) as exc:
            if not self._cles:
                self._echec = exc
            raise
        cles: dict[str, Key] = {}
        for data in body.get("keys", []):
            if not isinstance(data, dict) or data.get("use", "sig") != "sig" or not data.get("kid"):
                continue
            if data.get("kty") not in ("RSA", "EC"):
                continue
            try:
                key = KeySet.import_key_set({"keys": [data]}).keys[0]
            except (JoseError, ValueError, TypeError):
                continue
            cles[str(data["kid"])] = key
        self._cles, self._echec = cles, None

    async def _cle(self, kid: str) -> Key:
        async with self._lock:
            age = 0.0 if self._charge_le is None else time.monotonic() - self._charge_le
            if self._charge_le is None or (self._echec is not None and age >= self.jwks_refresh_min):
                await self._charger_jwks()  # first use, or a new attempt after a failure
            elif self._echec is not None:
                raise type(self._echec)(self._echec.message, rule=self._echec.rule)
            elif kid not in self._cles and age >= self.jwks_refresh_min:
                await self._charger_jwks()  # the provider may have rotated its key
            elif age >= self.jwks_max_age:
                try:  # keys withdrawn at the provider stop being trusted; keep the old set if it is unreachable
                    await self._charger_jwks()
                except FournisseurIdentiteIndisponible:
                    pass
            key = self._cles.get(kid)
        if key is None:
            raise JetonRefuse(
                "clé de signature inconnue du fournisseur d'identité", rule="signature_invalide"
            )
        return key

    async def verifier(self, token: str) -> dict[str, Any]:
        """The claims of `token` once every check passed; else `JetonRefuse` (401) or
        `FournisseurIdentiteIndisponible` (503)."""
        if not token or not token.strip():
            raise JetonRefuse("jeton d'accès absent", rule="jeton_absent")
        if len(token) > TAILLE_MAX:
            raise JetonRefuse("jeton d'accès trop long", rule="jeton_invalide")
        try:
            obj = jws.extract_compact(token.encode("ascii"))
        except (JoseError, ValueError, UnicodeError) as exc:
            raise JetonRefuse("jeton d'accès mal formé (JWT compact attendu)", rule="jeton_invalide") from exc
        header = obj.headers()
        alg = header.get("alg")
        if alg not in ALGORITHMES:
            raise JetonRefuse(
                f"algorithme de signature refusé : {str(alg)[:20]} (acceptés : {', '.join(ALGORITHMES)})",
                rule="algorithme_refuse",
            )
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in TYPES_ACCEPTES:
            raise JetonRefuse("ce n'est pas un jeton d'accès (en-tête typ)", rule="type_jeton_invalide")
        if "crit" in header or "b64" in header:
            raise JetonRefuse("en-tête de jeton non pris en charge", rule="jeton_invalide")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JetonRefuse("jeton sans identifiant de clé (kid)", rule="jeton_invalide")

        key = await self._cle(kid)
        courbe = key.curve_name if isinstance(key, ECKey) else "P-256"
        if _KTY[alg] != key.key_type or key.get("alg", alg) != alg or courbe != "P-256":
            raise JetonRefuse(
                "la clé publiée ne correspond pas à l'algorithme du jeton", rule="signature_invalide"
            )
        try:
            registre = jws.JWSRegistry(algorithms=[alg], strict_check_header=False)
            valide = jws.validate_compact(obj, key, registry=registre)
        except (JoseError, ValueError) as exc:
            raise JetonRefuse("signature du jeton invalide", rule="signature_invalide") from exc
        if not valide:
            raise JetonRefuse("signature du jeton invalide", rule="signature_invalide")

        try:
            claims = json.loads(obj.payload)
        except ValueError as exc:
            raise JetonRefuse("contenu du jeton illisible", rule="jeton_invalide") from exc
        if not isinstance(claims, dict):
            raise JetonRefuse("contenu du jeton illisible", rule="jeton_invalide")
        self._verifier_claims(claims)
        if self.revocations is not None and await self.revocations.est_revoque(str(claims["jti"])):
            raise JetonRefuse("jeton révoqué (session fermée)", rule="jeton_revoque")
        return claims

    def _verifier_claims(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self.issuer:
            raise JetonRefuse("jeton émis par un autre fournisseur d'identité", rule="emetteur_invalide")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if self.audience not in audiences:
            raise JetonRefuse(
                f"jeton destiné à un autre service que {self.audience}", rule="audience_invalide"
            )
        now = time.time()
        exp = claims.get("exp")
        if not _nombre(exp):
            raise JetonRefuse("jeton sans date d'expiration (exp)", rule="jeton_invalide")
        if exp + self.leeway <= now:
            raise JetonRefuse("jeton expiré", rule="jeton_expire")
        if exp - now > DUREE_MAX_JETON:  # a logout is remembered that long: no token may outlive its memory
            raise JetonRefuse("jeton valable trop longtemps (plus de 24 h)", rule="jeton_invalide")
        nbf = claims.get("nbf")
        if nbf is not None and (not _nombre(nbf) or nbf - self.leeway > now):
            raise JetonRefuse("jeton pas encore valide (nbf)", rule="jeton_invalide")
        iat = claims.get("iat")
        if iat is not None and (not _nombre(iat) or iat - self.leeway > now):
            raise JetonRefuse("jeton émis dans le futur (iat)", rule="jeton_invalide")
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise JetonRefuse("jeton sans identifiant (jti)", rule="jeton_invalide")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise JetonRefuse("jeton sans sujet (sub)", rule="jeton_invalide")


def _nombre(value: object) -> TypeGuard[int | float]:
    """A finite number (JSON parsers accept NaN and Infinity, which would pass or break every time check)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
