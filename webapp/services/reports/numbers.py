"""Report numbers: random (not enumerable) with a check character (typos caught early)."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet: no I, O, S, V, Z
PREFIX = "XYBG"  # 信用报告
BODY_LENGTH = 16  # 31**16 ≈ 7e23 possible numbers


def _check_character(body: str) -> str:
    total = sum(ALPHABET.index(c) * pow(3, i + 1, 31) for i, c in enumerate(body))
    return ALPHABET[(31 - total % 31) % 31]


def new_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return PREFIX + body + _check_character(body)


def normalise(raw: str | None) -> str | None:
    """Upper-case, spaces and dashes removed; None when the shape or check character is wrong."""
    if not raw:
        return None
    value = "".join(raw.split()).replace("-", "").upper()
    body = value[len(PREFIX):-1]
    if (not value.startswith(PREFIX) or len(body) != BODY_LENGTH
            or any(c not in ALPHABET for c in value[len(PREFIX):])):
        return None
    return value if _check_character(body) == value[-1] else None
