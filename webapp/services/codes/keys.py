"""The signing-key store: Ed25519 keys as files under the instance directory.

Layout of the key directory (0700):

    manifest.json   kid, state, times and the PUBLIC key of every key ever made
    <kid>.jwk       the private key of a key that can still sign (0600), never logged

States: ``active`` signs new codes and verifies; ``retiring`` only verifies (codes signed
with it keep working after a rotation); ``retired`` verifies nothing (its private file is
deleted). Exactly one key is active at a time. The manifest is replaced atomically, so
web workers reading it while the CLI rotates never see half a file; they reload it when
its modification time changes.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from joserfc.jwk import OKPKey

MANIFEST = "manifest.json"
KID_LENGTH = 8  # hex characters of the RFC 7638 thumbprint: short, CLI-safe, unique enough


class KeyState(StrEnum):
    ACTIVE = "active"
    RETIRING = "retiring"  # verify-only
    RETIRED = "retired"  # verifies nothing


class KeyStoreError(RuntimeError):
    """A key operation that cannot be done (no active key, unknown kid, …)."""


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    state: KeyState
    created_at: str  # ISO 8601, UTC
    state_changed_at: str
    public_jwk: dict[str, str]

    @property
    def verifies(self) -> bool:
        return self.state in (KeyState.ACTIVE, KeyState.RETIRING)

    def as_manifest(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "state": self.state.value,
            "created_at": self.created_at,
            "state_changed_at": self.state_changed_at,
            "public_jwk": self.public_jwk,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """Keys of one directory. Safe to share between threads; cheap to call per request."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, KeyInfo] = {}
        self._public: dict[str, OKPKey] = {}
        self._private: dict[str, OKPKey] = {}

    # -- reading -------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    def _refresh(self) -> dict[str, KeyInfo]:
        """The manifest as loaded, re-read only when the file changed on disk."""
        try:
            stat = self.manifest_path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return self._keys
        with self._lock:
            keys: dict[str, KeyInfo] = {}
            if stamp is not None:
                data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
                for item in data["keys"]:
                    info = KeyInfo(
                        kid=item["kid"],
                        state=KeyState(item["state"]),
                        created_at=item["created_at"],
                        state_changed_at=item["state_changed_at"],
                        public_jwk=dict(item["public_jwk"]),
                    )
                    keys[info.kid] = info
            self._keys = keys
            self._public = {
                kid: _ed25519_key(info.public_jwk) for kid, info in keys.items() if info.verifies
            }
            self._private = {}
            self._stamp = stamp
        return self._keys

    def all_keys(self) -> list[KeyInfo]:
        """Every key, oldest first."""
        return sorted(self._refresh().values(), key=lambda k: (k.created_at, k.kid))

    def get(self, kid: str) -> KeyInfo | None:
        return self._refresh().get(kid)

    def active(self) -> KeyInfo | None:
        return next((k for k in self._refresh().values() if k.state is KeyState.ACTIVE), None)

    def verification_key(self, kid: str) -> OKPKey | None:
        """The public key for `kid` if codes signed with it are still valid."""
        self._refresh()
        return self._public.get(kid)

    def signing_key(self) -> tuple[str, OKPKey]:
        """The active key's kid and private key."""
        info = self.active()
        if info is None:
            raise KeyStoreError("没有可用的签名密钥，请运行 flask --app wsgi keys ensure")
        key = self._private.get(info.kid)
        if key is None:
            raw = json.loads((self.directory / f"{info.kid}.jwk").read_text(encoding="utf-8"))
            key = _ed25519_key(raw)
            self._private[info.kid] = key
        return info.kid, key

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys that verify codes today (active and retiring), as a JWK Set."""
        return {
            "keys": [
                {**k.public_jwk, "kid": k.kid, "use": "sig", "alg": "EdDSA"}
                for k in self.all_keys()
                if k.verifies
            ]
        }

    # -- changing (CLI) ------------------------------------------------------------------

    def generate(self) -> KeyInfo:
        """Make the first active key. Refuses when one is active: use rotate()."""
        if self.active() is not None:
            raise KeyStoreError("已有有效签名密钥；如需更换请使用 keys rotate")
        return self._add_active_key()

    def ensure(self) -> tuple[KeyInfo, bool]:
        """The active key, created if there is none; the flag says whether it was created."""
        current = self.active()
        if current is not None:
            return current, False
        return self._add_active_key(), True

    def rotate(self) -> tuple[KeyInfo, KeyInfo | None]:
        """A new active key; the previous one becomes verify-only (retiring)."""
        previous = self.active()
        if previous is not None:
            previous = self._set_state(previous.kid, KeyState.RETIRING)
        return self._add_active_key(), previous

    def retire(self, kid: str) -> KeyInfo:
        """Stop verifying codes signed with `kid` and delete its private key."""
        info = self.get(kid)
        if info is None:
            raise KeyStoreError(f"未知密钥 {kid}")
        if info.state is KeyState.ACTIVE:
            raise KeyStoreError("不能停用当前有效密钥；请先 keys rotate 生成新密钥")
        retired = self._set_state(kid, KeyState.RETIRED)
        (self.directory / f"{kid}.jwk").unlink(missing_ok=True)
        return retired

    def _add_active_key(self) -> KeyInfo:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        keys = dict(self._refresh())
        private = OKPKey.generate_key("Ed25519")
        kid = _kid_of(private)
        if kid in keys:  # astronomically unlikely; never reuse a kid
            raise KeyStoreError("密钥编号冲突，请重试")
        _write_private(self.directory / f"{kid}.jwk", private.as_dict(private=True))
        now = _now()
        public = {k: str(v) for k, v in private.as_dict(private=False).items()}
        info = KeyInfo(kid, KeyState.ACTIVE, now, now, public)
        keys[kid] = info
        self._write_manifest(keys)
        return info

    def _set_state(self, kid: str, state: KeyState) -> KeyInfo:
        keys = dict(self._refresh())
        old = keys[kid]
        keys[kid] = KeyInfo(kid, state, old.created_at, _now(), old.public_jwk)
        self._write_manifest(keys)
        return keys[kid]

    def _write_manifest(self, keys: Mapping[str, KeyInfo]) -> None:
        ordered = sorted(keys.values(), key=lambda k: (k.created_at, k.kid))
        body = json.dumps({"keys": [k.as_manifest() for k in ordered]}, indent=2)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        self._stamp = None  # force a reload on the next read
        self._refresh()


def _kid_of(key: OKPKey) -> str:
    """Hex of the key's RFC 7638 thumbprint, shortened (hex: never starts with "-")."""
    thumbprint = key.thumbprint()
    digest = base64.urlsafe_b64decode(thumbprint + "=" * (-len(thumbprint) % 4))
    return digest.hex()[:KID_LENGTH]


def _ed25519_key(jwk: Mapping[str, Any]) -> OKPKey:
    """Import a key, refusing anything but Ed25519 (codes are signed with nothing else)."""
    key = OKPKey.import_key(dict(jwk))
    if key.curve_name != "Ed25519":
        raise KeyStoreError("信用码只使用 Ed25519 密钥")
    return key


def _write_private(path: Path, jwk: Mapping[str, Any]) -> None:
    """Create the private key file with 0600 from the start (no window where it is wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dict(jwk), handle)
    path.chmod(0o600)  # in case a permissive umask-free filesystem ignored the mode
