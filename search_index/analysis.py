"""Character n-grams with positions, shared by every backend: phrase queries of n-grams then
match contiguous text only.

A value may hold several texts separated by SEPARATOR; positions jump across it so a phrase
never spans two fields (e.g. a name and a former name).
"""

from __future__ import annotations

from collections.abc import Iterator

from search_index.text import normalize

SEPARATOR = "\x1f"
POSITION_GAP = 10


def parts(value: str) -> Iterator[str]:
    """The normalised, non-empty texts of a joined value."""
    for part in value.split(SEPARATOR):
        normalized = normalize(part)
        if normalized:
            yield normalized


def ngrams(value: str, size: int, start_pos: int = 0) -> Iterator[tuple[str, int]]:
    """(gram, position) for every n-character slice of each part; for n > 1 also the part's
    last character alone, so that a one-character prefix query finds every occurrence (a
    character that ends a part, or a one-character part such as a tax grade "A", starts no
    n-gram). Phrase queries of n-grams never match the extra term."""
    pos = start_pos
    for part in parts(value):
        for i in range(max(0, len(part) - size + 1)):
            yield part[i:i + size], pos + i
        if size > 1:
            yield part[-1], pos + len(part) - 1
        pos += len(part) + POSITION_GAP


def join_parts(*texts: str | None) -> str:
    """One field value from several texts; phrases never cross from one to the next."""
    return SEPARATOR.join(t for t in texts if t)


def __getattr__(name: str) -> object:
    # Indexes written before the backend split pickled their schema with the tokenizer at
    # this path; whoosh unpickles it when opening them.
    if name == "NgramTokenizer":
        from search_index.whoosh_backend.tokenizer import NgramTokenizer

        return NgramTokenizer
    raise AttributeError(name)
