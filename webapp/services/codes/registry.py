"""The JWS algorithms credit codes accept, in a registry of their own.

RFC 9864 (2025) deprecates the polymorphic "EdDSA" name in favour of the fully specified
"Ed25519"; the signature bytes are identical. Codes are signed as "EdDSA" (RFC 8037)
because that is what offline verifiers at banks and kiosks understand today, and our keys
are Ed25519 only (the key store refuses others), so the ambiguity RFC 9864 removes does
not arise here. joserfc warns on every "EdDSA" use; this registry records that the choice
was made on purpose and leaves joserfc's global default registry untouched. "Ed25519" is
accepted when verifying, so a later switch of the signing name needs no verifier change.
"""

from __future__ import annotations

from joserfc.jws import JWSAlgModel, JWSRegistry

SIGNING_ALG = "EdDSA"
VERIFY_ALGS = frozenset({"EdDSA", "Ed25519"})

_EdDSA = type(JWSRegistry.algorithms["EdDSA"])


class _DeliberateEdDSA(_EdDSA):  # type: ignore[misc,valid-type]
    security_warning = None  # deliberate: see the module docstring


class CodeRegistry(JWSRegistry):
    algorithms: dict[str, JWSAlgModel] = {  # noqa: RUF012  (class-level table, as in joserfc)
        "EdDSA": _DeliberateEdDSA(),
        "Ed25519": JWSRegistry.algorithms["Ed25519"],
    }


CODE_REGISTRY = CodeRegistry(algorithms=sorted(VERIFY_ALGS))
