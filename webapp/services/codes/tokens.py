"""Credit-code tokens: compact JWS (RFC 7515) signed with Ed25519 (alg EdDSA, RFC 8037).

    header  {"alg":"EdDSA","kid":"<8 chars>"}
    payload {"sub":"<USCC>","iat":<unix seconds>,"jti":"<serial>","v":1}

Codes do not expire (they hang on doors for years); the status is looked up live, and a
withdrawn code is refused through its serial. Verification checks, in this order, and
stops at the first failure, each with its own reason: the format, the algorithm (only
EdDSA/Ed25519: never "none", never an HMAC keyed with our public key), the key id, the
signature, the payload, the revocation list.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Container
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError

from webapp.rules import uscc as uscc_rules
from webapp.services.codes.keys import KeyState, KeyStore
from webapp.services.codes.registry import CODE_REGISTRY, SIGNING_ALG, VERIFY_ALGS

CODE_VERSION = 1
#: A real token is about 220 characters; anything far longer is refused before parsing.
MAX_TOKEN_LENGTH = 1024
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class Reason(StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"  # not a compact JWS of ours at all
    ALG_NOT_ALLOWED = "alg_not_allowed"  # "none", HS256, RS256, …
    UNKNOWN_KEY = "unknown_key"  # kid we never had
    KEY_RETIRED = "key_retired"  # kid we had, retired: its codes are no longer valid
    BAD_SIGNATURE = "bad_signature"  # altered or forged
    REVOKED = "revoked"  # withdrawn by staff; serial on the revocation list


#: What each reason means to a person holding a phone in front of a shop.
REASON_MESSAGES: dict[Reason, str] = {
    Reason.VALID: "这是本网站签发的真实信用码。",
    Reason.MALFORMED: "这不是有效的信用码：内容格式不正确，可能被涂改或并非本网站签发。",
    Reason.ALG_NOT_ALLOWED: "这不是本网站签发的信用码：签名方式不被接受，可能为伪造。",
    Reason.UNKNOWN_KEY: "这不是本网站签发的信用码：签名密钥不属于本网站，可能为伪造。",
    Reason.KEY_RETIRED: "此信用码使用的签名密钥已停用，请商户重新领取信用码。",
    Reason.BAD_SIGNATURE: "此信用码的签名校验失败：内容被篡改或为伪造，请勿信任。",
    Reason.REVOKED: "此信用码已被收回作废，不再代表该主体的信用状况。",
}


@dataclass(frozen=True)
class CodeClaims:
    sub: str  # USCC
    iat: int  # issue time, unix seconds
    jti: str  # serial
    v: int = CODE_VERSION

    def as_payload(self) -> bytes:
        body = {"sub": self.sub, "iat": self.iat, "jti": self.jti, "v": self.v}
        return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Verification:
    reason: Reason
    kid: str | None = None
    claims: CodeClaims | None = None

    @property
    def valid(self) -> bool:
        return self.reason is Reason.VALID

    @property
    def message(self) -> str:
        return REASON_MESSAGES[self.reason]


def new_serial() -> str:
    """A code serial: 48 random bits, 8 URL-safe characters."""
    return secrets.token_urlsafe(6)


def sign_code(store: KeyStore, claims: CodeClaims) -> str:
    kid, key = store.signing_key()
    header = {"alg": SIGNING_ALG, "kid": kid}
    return jws.serialize_compact(
        header, claims.as_payload(), key, algorithms=[SIGNING_ALG], registry=CODE_REGISTRY
    )


RevokedCheck = Container[str] | Callable[[str], bool]


def verify_code(
    token: object, store: KeyStore, revoked: RevokedCheck = frozenset()
) -> Verification:
    """Check a token completely; never raises on bad input."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return Verification(Reason.MALFORMED)
    if token.count(".") != 2 or not set(token) <= _TOKEN_ALPHABET:
        return Verification(Reason.MALFORMED)
    try:
        header = _header_of(token)
    except ValueError:
        return Verification(Reason.MALFORMED)
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str):
        return Verification(Reason.MALFORMED)
    if alg not in VERIFY_ALGS:
        return Verification(Reason.ALG_NOT_ALLOWED, kid if isinstance(kid, str) else None)
    if not isinstance(kid, str) or not kid:
        return Verification(Reason.MALFORMED)
    info = store.get(kid)
    if info is None:
        return Verification(Reason.UNKNOWN_KEY, kid)
    key = store.verification_key(kid)
    if info.state is KeyState.RETIRED or key is None:
        return Verification(Reason.KEY_RETIRED, kid)
    try:
        obj = jws.deserialize_compact(
            token, key, algorithms=sorted(VERIFY_ALGS), registry=CODE_REGISTRY
        )
    except BadSignatureError:
        return Verification(Reason.BAD_SIGNATURE, kid)
    except (JoseError, ValueError):
        return Verification(Reason.MALFORMED, kid)
    claims = _claims_of(obj.payload)
    if claims is None:
        return Verification(Reason.MALFORMED, kid)
    is_revoked = revoked(claims.jti) if callable(revoked) else claims.jti in revoked
    if is_revoked:
        return Verification(Reason.REVOKED, kid, claims)
    return Verification(Reason.VALID, kid, claims)


def header_kid(token: str) -> str | None:
    """The kid named in a token's header (unverified: for bookkeeping, not for trust)."""
    try:
        kid = _header_of(token).get("kid")
    except ValueError:
        return None
    return kid if isinstance(kid, str) else None


def _header_of(token: str) -> dict[str, Any]:
    """The protected header, read before any key is chosen (only to pick alg and kid)."""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(_b64decode(segment))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("bad header") from error
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header


def _b64decode(segment: str) -> bytes:
    if len(segment) % 4 == 1:
        raise ValueError("impossible base64 length")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _claims_of(payload: bytes) -> CodeClaims | None:
    """Our payload, strictly: exactly the four claims with the right types."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or set(data) != {"sub", "iat", "jti", "v"}:
        return None
    sub, iat, jti, version = data["sub"], data["iat"], data["jti"], data["v"]
    if not (isinstance(sub, str) and uscc_rules.is_valid(sub) and uscc_rules.normalize(sub) == sub):
        return None
    if not (isinstance(iat, int) and not isinstance(iat, bool) and iat > 0):
        return None
    if not (isinstance(jti, str) and 0 < len(jti) <= 32):
        return None
    if version != CODE_VERSION or isinstance(version, bool):
        return None
    return CodeClaims(sub=sub, iat=iat, jti=jti, v=version)
