"""Tokens: every way a code can be wrong is refused, each with its own reason.

An independent JOSE library (jwcrypto) checks our tokens against the published JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws

from webapp.rules import uscc as uscc_rules
from webapp.services.codes.keys import KeyStore
from webapp.services.codes.tokens import (
    MAX_TOKEN_LENGTH,
    CodeClaims,
    Reason,
    new_serial,
    sign_code,
    verify_code,
)

USCC = "91231102MA1AB2CD3" + uscc_rules.check_character("91231102MA1AB2CD3")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides) -> CodeClaims:
    values = {"sub": USCC, "iat": int(time.time()), "jti": new_serial()}
    values.update(overrides)
    return CodeClaims(**values)


@pytest.fixture
def keys(tmp_path) -> KeyStore:
    store = KeyStore(tmp_path / "keys")
    store.ensure()
    return store


@pytest.fixture
def token(keys: KeyStore) -> str:
    return sign_code(keys, claims())


def test_a_fresh_token_is_valid_and_small(keys: KeyStore, token: str) -> None:
    result = verify_code(token, keys)
    assert result.valid and result.reason is Reason.VALID
    assert result.claims.sub == USCC and result.claims.v == 1
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": keys.active().kid}
    assert len(token) < 240  # 64-byte signature + a minimal payload keeps the QR small


def test_an_independent_jose_library_verifies_against_the_jwks(keys: KeyStore, token: str) -> None:
    keyset = jc_jwk.JWKSet.from_json(json.dumps(keys.jwks()))
    obj = jc_jws.JWS()
    obj.deserialize(token)
    obj.verify(keyset.get_key(obj.jose_header["kid"]), alg="EdDSA")
    assert json.loads(obj.payload)["sub"] == USCC


@pytest.mark.parametrize("segment", [1, 2])
def test_one_character_changed_is_a_bad_signature(keys: KeyStore, token: str, segment: int) -> None:
    parts = token.split(".")
    middle = len(parts[segment]) // 2
    original = parts[segment][middle]
    parts[segment] = parts[segment][:middle] + ("B" if original != "B" else "C") + \
        parts[segment][middle + 1:]
    assert verify_code(".".join(parts), keys).reason is Reason.BAD_SIGNATURE


def test_a_token_signed_by_an_unknown_key_is_refused(keys: KeyStore, tmp_path) -> None:
    forger = KeyStore(tmp_path / "forger")
    forger.ensure()
    forged = sign_code(forger, claims())
    result = verify_code(forged, keys)
    assert result.reason is Reason.UNKNOWN_KEY and not result.valid


def test_a_foreign_key_claiming_our_kid_is_a_bad_signature(keys: KeyStore, tmp_path) -> None:
    forger = KeyStore(tmp_path / "forger")
    forger.ensure()
    forged = sign_code(forger, claims())
    _, payload, signature = forged.split(".")
    header = b64(json.dumps({"alg": "EdDSA", "kid": keys.active().kid}).encode())
    assert verify_code(f"{header}.{payload}.{signature}", keys).reason is Reason.BAD_SIGNATURE


def test_alg_none_is_refused(keys: KeyStore, token: str) -> None:
    header = b64(json.dumps({"alg": "none", "kid": keys.active().kid}).encode())
    payload = token.split(".")[1]
    for signature in ("", token.split(".")[2]):
        result = verify_code(f"{header}.{payload}.{signature}", keys)
        assert result.reason is Reason.ALG_NOT_ALLOWED


def test_hmac_keyed_with_our_public_key_is_refused(keys: KeyStore, token: str) -> None:
    """The classic algorithm-confusion attack: HS256 with the published key as the secret."""
    kid = keys.active().kid
    public = keys.jwks()["keys"][0]
    header = b64(json.dumps({"alg": "HS256", "kid": kid}).encode())
    payload = token.split(".")[1]
    for secret in (base64.urlsafe_b64decode(public["x"] + "="), json.dumps(public).encode()):
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        result = verify_code(f"{header}.{payload}.{b64(mac)}", keys)
        assert result.reason is Reason.ALG_NOT_ALLOWED


def test_a_revoked_serial_is_refused(keys: KeyStore) -> None:
    code_claims = claims()
    token = sign_code(keys, code_claims)
    assert verify_code(token, keys, revoked={code_claims.jti}).reason is Reason.REVOKED
    assert verify_code(token, keys, revoked=lambda jti: jti == code_claims.jti).reason \
        is Reason.REVOKED
    assert verify_code(token, keys, revoked={"someone-else"}).valid


def test_rotation_keeps_old_tokens_until_the_key_is_retired(keys: KeyStore) -> None:
    old_token = sign_code(keys, claims())
    old_kid = keys.active().kid
    keys.rotate()
    new_token = sign_code(keys, claims())
    assert verify_code(old_token, keys).valid
    assert verify_code(new_token, keys).valid
    keys.retire(old_kid)
    assert verify_code(old_token, keys).reason is Reason.KEY_RETIRED
    assert verify_code(new_token, keys).valid


@pytest.mark.parametrize(
    "bad",
    [
        None, 42, "", "abc", "a.b", "a.b.c", "..", "a.b.c.d", "x" * (MAX_TOKEN_LENGTH + 1),
        "eyJ.eyJ.sig", "e30.e30.AA",  # {} header: no alg
        b64(b"[1,2]") + ".e30.AA", b64(b"\xff\xfe") + ".e30.AA",
        "中文.中文.中文", "a b.c d.e f", "%00.%00.%00",
    ],
)
def test_malformed_input_is_malformed_never_an_exception(keys: KeyStore, bad: object) -> None:
    result = verify_code(bad, keys)
    assert result.reason is Reason.MALFORMED
    assert not result.valid


def test_a_signed_payload_that_is_not_ours_is_malformed(keys: KeyStore) -> None:
    """Even with a good signature: unexpected claims or types are refused, not guessed at."""
    kid, key = keys.signing_key()
    from joserfc import jws

    from webapp.services.codes.registry import CODE_REGISTRY

    for body in ({"sub": USCC, "iat": 1, "jti": "x", "v": 1, "admin": True},
                 {"sub": "not-a-uscc", "iat": 1, "jti": "x", "v": 1},
                 {"sub": USCC, "iat": "yesterday", "jti": "x", "v": 1},
                 {"sub": USCC, "iat": 1, "jti": "x", "v": 2}):
        token = jws.serialize_compact({"alg": "EdDSA", "kid": kid}, json.dumps(body), key,
                                      algorithms=["EdDSA"], registry=CODE_REGISTRY)
        assert verify_code(token, keys).reason is Reason.MALFORMED


def test_no_single_character_change_anywhere_verifies(keys: KeyStore, token: str) -> None:
    """Every position, including the last characters whose low bits base64 might ignore."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position, original in enumerate(token):
        if original == ".":
            continue
        for replacement in (alphabet[(alphabet.index(original) + 1) % 64],
                            alphabet[(alphabet.index(original) + 33) % 64]):
            changed = token[:position] + replacement + token[position + 1:]
            result = verify_code(changed, keys)
            assert not result.valid, (position, replacement)
            assert result.reason in (Reason.BAD_SIGNATURE, Reason.MALFORMED,
                                     Reason.UNKNOWN_KEY, Reason.ALG_NOT_ALLOWED)


def test_a_key_embedded_in_the_header_is_never_trusted(keys: KeyStore, tmp_path) -> None:
    """CVE-2018-0114 style: the token carries the forger's public key in its header."""
    forger = KeyStore(tmp_path / "forger")
    forger.ensure()
    _, forger_key = forger.signing_key()
    from joserfc import jws

    from webapp.services.codes.registry import CODE_REGISTRY

    header = {"alg": "EdDSA", "kid": keys.active().kid,
              "jwk": forger_key.as_dict(private=False)}
    forged = jws.serialize_compact(header, claims().as_payload(), forger_key,
                                   algorithms=["EdDSA"], registry=CODE_REGISTRY)
    assert verify_code(forged, keys).reason is Reason.BAD_SIGNATURE
