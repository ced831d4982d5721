"""The whoosh tokenizers over the shared n-grams: bigrams with positions for names and
record text, single characters for one-character queries on names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from search_index.analysis import ngrams


class NgramTokenizer(Tokenizer):
    """`search_index.analysis.ngrams` as whoosh Tokens."""

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
        for text, pos in ngrams(value, self.size, start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            yield token
