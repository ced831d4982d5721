"""Highlights: the original text, HTML-escaped, with <mark> around normalised matches."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from search_index.text import normalize, normalize_with_offsets

Needles = str | Sequence[str]


def _spans(text: str, needles: Needles) -> list[tuple[int, int]]:
    """Original-text spans [start, end) of every occurrence of the normalised needles
    (one, or several: the terms of a query), overlapping ones merged."""
    wanted = [needles] if isinstance(needles, str) else list(needles)
    wanted = [n for n in wanted if n]
    plain = normalize(text)
    if not any(n in plain for n in wanted):
        return []  # the common case in a result list, decided without per-character work
    normalized, offsets = normalize_with_offsets(text)
    found: list[tuple[int, int]] = []
    for needle in wanted:
        at = normalized.find(needle)
        while at >= 0:
            found.append((offsets[at], offsets[at + len(needle) - 1] + 1))
            at = normalized.find(needle, at + 1)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def mark(text: str, needle: Needles) -> Markup:
    """`text` escaped, matches of `needle` (already normalised; or several) in <mark>."""
    out = Markup("")
    last = 0
    for start, end in _spans(text, needle):
        out += escape(text[last:start]) + Markup("<mark>") + escape(text[start:end])
        out += Markup("</mark>")
        last = end
    return out + escape(text[last:])


def snippet(text: str, needle: Needles, width: int = 120) -> Markup:
    """A window of `text` around its first match, marked; empty Markup when none matches."""
    spans = _spans(text, needle)
    if not spans:
        return Markup("")
    start = max(0, spans[0][0] - width // 3)
    window = text[start:start + width]
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(text) else ""
    return escape(prefix) + mark(window, needle) + escape(suffix)
