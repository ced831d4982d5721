"""Pinyin keys of names, so "hhsxy", "xinyuan" or "heiheshichuanda" finds 黑河市鑫源….

Every key is an edge n-gram of the full pinyin (or the initials) starting at a character
boundary, so a query is a single term look-up rather than a prefix expansion. From a name's
first character the keys run to the whole name (full pinyin and initials of any length);
from later characters they are capped (postings dominate whoosh's build time).
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

from search_index.text import normalize

MAX_START_CHARS = 12  # suffixes starting beyond this character are not indexed
MAX_FULL_LETTERS = 22  # "tianxinyuanshangmao" (19) from inside a name
MAX_INITIAL_LETTERS = 12
MAX_WHOLE_LETTERS = 80  # keys from the first character: the whole name, practically


def syllables(text: str) -> tuple[list[str], list[str]]:
    """Full pinyin syllables and their initials, one per character of the normalised
    text (letters and digits stay themselves)."""
    normalized = normalize(text)
    full = [s.lower() for s in lazy_pinyin(normalized, errors=lambda chars: list(chars))]
    return full, [s[:1] for s in full]


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
    return " ".join(sorted(keys))


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
