"""Pinyin keys of names, so "hhsxy" or "xinyuan" finds 黑河市鑫源….

Every key is an edge n-gram of the full pinyin (or the initials) starting at a character
boundary, so a query is a single term look-up rather than a prefix expansion.
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

from search_index.text import normalize

# Caps keep a name to ~150 keys (postings dominate whoosh's build time).
MAX_START_CHARS = 12  # suffixes starting beyond this character are not indexed
MAX_FULL_LETTERS = 14
MAX_INITIAL_LETTERS = 8


def _syllables(name: str) -> tuple[list[str], list[str]]:
    normalized = normalize(name)
    full = [s.lower() for s in lazy_pinyin(normalized, errors=lambda chars: list(chars))]
    initials = [s[:1] for s in full]
    return full, initials


def _edge_keys(parts: list[str], max_letters: int) -> set[str]:
    keys: set[str] = set()
    for start in range(min(len(parts), MAX_START_CHARS)):
        text = "".join(parts[start:])[:max_letters]
        keys.update(text[:n] for n in range(2, len(text) + 1))
    return keys


def pinyin_keys(*names: str | None) -> str:
    """Space-separated keys for a KEYWORD field."""
    keys: set[str] = set()
    for name in names:
        if not name:
            continue
        full, initials = _syllables(name)
        keys |= _edge_keys(full, MAX_FULL_LETTERS)
        keys |= _edge_keys(initials, MAX_INITIAL_LETTERS)
    return " ".join(sorted(keys))
