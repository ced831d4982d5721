"""Whoosh tokenizers: character bigrams with positions (phrase queries then match contiguous
text only) and single characters (for one-character queries on names).

A value may hold several texts separated by SEPARATOR; positions jump across it so a phrase
never spans two fields (e.g. a name and a former name).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from search_index.text import normalize

SEPARATOR = "\x1f"
_POSITION_GAP = 10


def _parts(value: str) -> Iterator[str]:
    for part in value.split(SEPARATOR):
        normalized = normalize(part)
        if normalized:
            yield normalized


class NgramTokenizer(Tokenizer):
    """Emits every n-character slice of each normalised part, with positions; for n > 1 also
    the part's last character alone, so that a one-character prefix query finds every
    occurrence (a character that ends a part, or a one-character part such as a tax grade
    "A", starts no n-gram). Phrase queries of n-grams never match the extra term."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NgramTokenizer) and other.size == self.size

    def __hash__(self) -> int:
        return hash(("ngram", self.size))

    def __call__(  # type: ignore[override]
        self, value: str, positions: bool = False, chars: bool = False,
        keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
        start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        size = self.size
        for part in _parts(value):
            for i in range(max(0, len(part) - size + 1)):
                token.text = part[i:i + size]
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos + i
                yield token
            if size > 1:
                token.text = part[-1]
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos + len(part) - 1
                yield token
            pos += len(part) + _POSITION_GAP


def join_parts(*texts: str | None) -> str:
    """One field value from several texts; phrases never cross from one to the next."""
    return SEPARATOR.join(t for t in texts if t)
