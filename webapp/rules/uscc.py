"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidUSCC(ValueError):
    """The code is not a valid USCC; str(error) is a message a person understands."""


def normalize(raw: str) -> str:
    """Full-width to half-width, spaces removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (each must be in ALPHABET)."""
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(raw: str) -> str:
    """Return the normalised code, or raise InvalidUSCC with the reason in Chinese."""
    code = normalize(raw or "")
    if not code:
        raise InvalidUSCC("统一社会信用代码为空")
    if len(code) != 18:
        raise InvalidUSCC(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = sorted({ch for ch in code if ch not in _VALUES})
    if bad:
        raise InvalidUSCC(
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(f"统一社会信用代码校验位错误：第18位应为 {expected}，实际为 {code[17]}")
    return code


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidUSCC:
        return False
    return True


def looks_like_code_prefix(text: str) -> bool:
    """True when a search query could be the start of a USCC (for prefix look-up)."""
    code = normalize(text)
    return 4 <= len(code) <= 18 and all(ch in _VALUES for ch in code) and code[:1].isalnum() \
        and any(ch.isdigit() for ch in code)
