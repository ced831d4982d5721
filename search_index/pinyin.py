"""Pinyin keys of names, so "hhsxy", "xinyuan" or "heiheshichuanda" finds 黑河市鑫源….

Every key is an edge n-gram of the full pinyin (or the initials) starting at a character
boundary, so a query is a single term look-up rather than a prefix expansion. From a name's
first character the keys run to the whole name (full pinyin and initials of any length);
from later characters they are capped (postings dominate whoosh's build time).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pypinyin import Style
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin

from search_index.text import normalize

MAX_START_CHARS = 12  # suffixes starting beyond this character are not indexed
MAX_FULL_LETTERS = 22  # "tianxinyuanshangmao" (19) from inside a name
MAX_INITIAL_LETTERS = 12
MAX_WHOLE_LETTERS = 80  # keys from the first character: the whole name, practically
WORD_MEMO_SIZE = 200_000  # segmented words remembered by the converter


class _WordMemoConverter(DefaultConverter):
    """pypinyin's own converter, remembering each segmented word's result. Names are
    made of few distinct words (黑河市, 食品, 有限责任公司), and converting a word was
    most of the cost of a subject's index document; the result is unchanged (the
    segmentation that picks a polyphone's reading runs before this, on the whole text)."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[tuple[Any, ...], list[list[str]]] = {}

    def convert(self, words: str, style: Any, heteronym: bool, errors: Any, strict: bool,
                **kwargs: Any) -> list[list[str]]:
        key = (words, style, heteronym, errors, strict)
        found = self._memo.get(key)
        if found is None:
            found = super().convert(words, style, heteronym, errors, strict, **kwargs)
            if len(self._memo) < WORD_MEMO_SIZE:
                self._memo[key] = found
        return [list(item) for item in found]


_PINYIN = Pinyin(converter=_WordMemoConverter())


def _as_is(chars: str) -> list[str]:
    """Letters and digits keep themselves, one item per character."""
    return list(chars)


@lru_cache(maxsize=4096)
def _syllables(normalized: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    full = tuple(s.lower() for s in _PINYIN.lazy_pinyin(normalized, style=Style.NORMAL,
                                                           errors=_as_is))
    return full, tuple(s[:1] for s in full)


def syllables(text: str) -> tuple[list[str], list[str]]:
    """Full pinyin syllables and their initials, one per character of the normalised
    text (letters and digits stay themselves). Cached: each name is asked for its
    keys, its heads and its whole pinyin."""
    full, initials = _syllables(normalize(text))
    return list(full), list(initials)


def _edge_keys(parts: list[str], max_letters: int, starts: int = MAX_START_CHARS) -> set[str]:
    keys: set[str] = set()
    for start in range(min(len(parts), starts)):
        limit = MAX_WHOLE_LETTERS if start == 0 else max_letters
        text = "".join(parts[start:])[:limit]
        keys.update(text[:n] for n in range(2, len(text) + 1))
    return keys


def pinyin_keys(*names: str | None) -> str:
    """Space-separated keys for a KEYWORD field: any part of a name starting at a
    character, in full pinyin or initials."""
    keys: set[str] = set()
    for name in names:
        if not name:
            continue
        full, initials = syllables(name)
        keys |= _edge_keys(full, MAX_FULL_LETTERS)
        keys |= _edge_keys(initials, MAX_INITIAL_LETTERS)
    return " ".join(keys)  # in any order: every key is one term


def pinyin_heads(*names: str | None) -> str:
    """Keys of the names' beginnings only (full pinyin or initials): the prefix rank."""
    keys: set[str] = set()
    for name in names:
        if name:
            for parts in syllables(name):
                keys |= _edge_keys(parts, MAX_WHOLE_LETTERS, starts=1)
    return " ".join(sorted(keys))


def pinyin_wholes(*names: str | None) -> str:
    """The whole names in full pinyin and in initials: the exact-variant rank."""
    keys: set[str] = set()
    for name in names:
        if name:
            keys.update("".join(parts) for parts in syllables(name))
    return " ".join(sorted(k for k in keys if len(k) >= 2))
