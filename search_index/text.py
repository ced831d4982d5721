"""Text normalisation shared by indexing and querying: NFKC, case folding, only letters and
digits kept, so full/half-width forms, brackets, spaces and case never decide a match."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Exactly the characters str.isalnum() rejects (for str patterns, \w is isalnum() plus "_"):
# one regex pass instead of a Python test per character.
_NOT_ALNUM = re.compile(r"[\W_]+")
# Text made only of ASCII, CJK punctuation, CJK ideographs and full-width forms (nearly all
# department text) may drop its punctuation before NFKC: no such character becomes a letter
# or digit under NFKC, and none composes with another. What is left is then mostly already
# normalised, which NFKC's quick check returns at once (tests/search_index/test_text.py
# checks this character by character).
_PUNCTUATION_FIRST = re.compile(r"[\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uff60\uffe0-\uffef]*")


def _keep(char: str) -> bool:
    return char.isalnum()


# Cached: department texts repeat (authorities, legal bases, violation types, list types),
# and an index build normalises each of them once per record.
@lru_cache(maxsize=1 << 16)
def normalize(text: str | None) -> str:
    """The matchable form of `text`: NFKC, lower case, letters and digits only."""
    if not text:
        return ""
    if _PUNCTUATION_FIRST.fullmatch(text):
        text = _NOT_ALNUM.sub("", text)
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index in `text` it came from
    (so a match found in normalised text can be marked in the original)."""
    if normalize(text) == text:  # nothing to fold or drop: offsets are the identity
        return text, list(range(len(text)))
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if _keep(folded):
                out.append(folded)
                offsets.append(index)
    return "".join(out), offsets


def bigrams(normalized: str) -> list[str]:
    """Overlapping character pairs: "黑河市" -> ["黑河", "河市"]."""
    return [normalized[i:i + 2] for i in range(len(normalized) - 1)]


def is_code_like(normalized: str) -> bool:
    """Looks like (a prefix of) a USCC or other code: ASCII letters/digits with a digit."""
    return (
        normalized.isascii() and normalized.isalnum() and any(c.isdigit() for c in normalized)
    )


def is_pinyin_like(normalized: str) -> bool:
    return normalized.isascii() and normalized.isalpha()
