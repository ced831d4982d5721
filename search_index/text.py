"""Text normalisation shared by indexing and querying: NFKC, case folding, only letters and
digits kept, so full/half-width forms, brackets, spaces and case never decide a match."""

from __future__ import annotations

import unicodedata


def _keep(char: str) -> bool:
    return char.isalnum()


def normalize(text: str | None) -> str:
    """The matchable form of `text`: NFKC, lower case, letters and digits only."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if _keep(c))


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index in `text` it came from
    (so a match found in normalised text can be marked in the original)."""
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
