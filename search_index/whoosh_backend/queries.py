"""Query building: a query of n characters becomes a phrase of its bigrams (contiguous text
only), plus single-term look-ups for codes, document numbers and pinyin."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from whoosh import query as q

from search_index.documents import HEAD_CHARS, USCC_MIN_PREFIX, day_number, is_code_query
from search_index.text import bigrams, is_code_like, is_pinyin_like, normalize
from search_index.whoosh_backend import budget

FILTER_FIELDS = ("kind", "list_nature", "department_id", "region_id", "subject_type")


def _ngram_query(field: str, normalized: str) -> q.Query:
    pairs = bigrams(normalized)
    if len(pairs) == 1:
        return q.Term(field, pairs[0])
    return budget.Phrase(field, pairs)


def subject_query(text: str) -> q.Query | None:
    n = normalize(text)
    if not n:
        return None
    parts: list[q.Query] = [q.Term("exact", n, boost=20.0)]
    parts.append(q.Term("name1", n) if len(n) == 1 else _ngram_query("name", n))
    if len(n) <= HEAD_CHARS:
        parts.append(q.Term("head", n, boost=3.0))
    if is_code_like(n) and len(n) >= USCC_MIN_PREFIX:
        parts.append(q.Term("uscc_head", n, boost=10.0))
    if is_pinyin_like(n) and len(n) >= 2:
        parts.append(q.Term("pinyin", n, boost=2.0))
    return q.Or(parts)


def record_query(text: str) -> q.Query | None:
    n = normalize(text)
    if not n:
        return None
    parts: list[q.Query] = [q.Term("docno", n, boost=20.0)]
    if is_code_query(n):  # term look-ups only (see documents.is_code_query)
        return q.Or([*parts, q.Term("codes", n, boost=10.0)])
    parts.append(q.Prefix("text", n) if len(n) == 1 else _ngram_query("text", n))
    return q.Or(parts)


def suggest_query(prefix: str) -> q.Query | None:
    n = normalize(prefix)
    if not n:
        return None
    parts: list[q.Query] = [q.Term("head", n[:HEAD_CHARS], boost=5.0)]
    if len(n) >= 2:
        parts.append(_ngram_query("name", n))
    if is_pinyin_like(n) and len(n) >= 2:
        parts.append(q.Term("pinyin", n, boost=2.0))
    if is_code_like(n) and len(n) >= USCC_MIN_PREFIX:
        parts.append(q.Term("uscc_head", n, boost=10.0))
    return q.Or(parts)


def with_filters(
    main: q.Query, filters: Mapping[str, Any], date_field: str | None
) -> q.Query:
    """AND the filters into the query (intersections skip; no whole-corpus doc sets).
    Filter parts keep their default boost: a zero boost makes whoosh drop the documents."""
    required = [main]
    for name in FILTER_FIELDS:
        value = filters.get(name)
        if value not in (None, ""):
            required.append(q.Term(name, str(value)))
    date_from: date | None = filters.get("date_from")
    date_to: date | None = filters.get("date_to")
    if date_field and (date_from or date_to):
        required.append(q.NumericRange(
            date_field, day_number(date_from) if date_from else None,
            day_number(date_to) if date_to else None,
        ))
    return required[0] if len(required) == 1 else q.And(required)


def candidates(searcher: Any, field: str, normalized: str) -> int:
    """An upper bound on the documents a query must verify: the rarest bigram's document
    frequency (a one-character query: that character's, or the whole corpus); records, code
    queries: the documents carrying the code term."""
    if field == "text" and is_code_query(normalized):
        return int(searcher.doc_frequency("codes", normalized))
    if len(normalized) < 2:
        if field == "name1":
            return int(searcher.doc_frequency(field, normalized))
        return int(searcher.doc_count_all())
    return min(int(searcher.doc_frequency(field, pair)) for pair in set(bigrams(normalized)))
