"""The provider's signing keys: a private JWK set kept in one JSON file, generated on first start, rotated on demand.

The last key of the file signs; the others stay published in /jwks so that tokens they signed remain valid until
they expire. A rotation writes the file atomically; a running provider notices the change on its next request, so
`python -m dui_oidc rotation` works against a provider that is serving.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

MAX_KEYS = 3
"""Keys kept in the file (the signing key and the two previous ones)."""

_COMMENT = (
    "Clés privées du fournisseur OIDC local (développement et tests uniquement). La dernière clé signe ; les "
    "précédentes restent publiées dans /jwks. Rotation : python -m dui_oidc rotation."
)


def default_keys_file() -> Path:
    """`<DUI_DATA_DIR>/oidc/cles.json`."""
    return Path(os.environ.get("DUI_DATA_DIR", "data")) / "oidc" / "cles.json"


def _new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)


class KeyStore:
    """The key file, reloaded whenever another process (the rotation command) replaced it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._keys: list[RSAKey] = []
        with self._lock:
            if not self.path.exists():
                self._write([_new_key()])
            self._reload_if_changed()

    def _file_stamp(self) -> tuple[int, int, int]:
        st = self.path.stat()
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _reload_if_changed(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        keys = [RSAKey.import_key(k) for k in data["keys"]]
        if not keys or any(not k.is_private for k in keys):
            raise ValueError(f"{self.path} : le jeu de clés doit contenir au moins une clé privée RSA")
        for key in keys:
            key.ensure_kid()
        self._keys, self._stamp = keys, stamp

    def _write(self, keys: list[RSAKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body: dict[str, Any] = {
            "_commentaire": _COMMENT,
            "cle_de_signature": keys[-1].kid,
            "keys": [k.as_dict(private=True) for k in keys],
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cles-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(body, f, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _current(self) -> list[RSAKey]:
        with self._lock:
            self._reload_if_changed()
            return list(self._keys)

    def signing_key(self) -> RSAKey:
        return self._current()[-1]

    def signing_key_set(self) -> KeySet:
        """The signing key alone, as a set: joserfc then writes its `kid` in the JWS header."""
        return KeySet([self.signing_key()])

    def public_key_set(self) -> KeySet:
        return KeySet([RSAKey.import_key(k.as_dict(private=False)) for k in self._current()])

    def public_jwks(self) -> dict[str, Any]:
        """What /jwks publishes: every key of the file, public parts only, newest first."""
        return {"keys": [k.as_dict(private=False) for k in reversed(self._current())]}

    def rotate(self) -> str:
        """A new signing key; the previous ones stay published (at most `MAX_KEYS` in all). Returns the new kid."""
        with self._lock:
            self._reload_if_changed()
            key = _new_key()
            self._write([*self._keys, key][-MAX_KEYS:])
            self._reload_if_changed()
            return str(key.kid)


def rotate(path: Path | None = None) -> str:
    """Rotate the keys of the file at `path` (default `default_keys_file()`); returns the new signing kid."""
    return KeyStore(path or default_keys_file()).rotate()
