"""Query building, the same semantics as the whoosh backend's: a query of n characters is a
phrase of its bigrams (contiguous text only), plus single-term look-ups for codes, document
numbers and pinyin, each with the same boost."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import tantivy
from tantivy import Occur, Query

from search_index.documents import HEAD_CHARS, USCC_MIN_PREFIX, day_number, is_code_query
from search_index.text import bigrams, is_code_like, is_pinyin_like, normalize

FILTER_FIELDS = ("kind", "list_nature", "department_id", "region_id", "subject_type")


def _term(schema: tantivy.Schema, field: str, value: str, boost: float = 1.0) -> Query:
    query = Query.term_query(schema, field, value)
    return Query.boost_query(query, boost) if boost != 1.0 else query


def _ngram_query(schema: tantivy.Schema, field: str, normalized: str) -> Query:
    pairs = bigrams(normalized)
    if len(pairs) == 1:
        return Query.term_query(schema, field, pairs[0])
    return Query.phrase_query(schema, field, pairs)


def _any(parts: list[Query]) -> Query:
    return Query.boolean_query([(Occur.Should, part) for part in parts])


def subject_query(schema: tantivy.Schema, text: str) -> Query | None:
    n = normalize(text)
    if not n:
        return None
    parts = [_term(schema, "exact", n, 20.0)]
    parts.append(Query.term_query(schema, "name1", n) if len(n) == 1
                 else _ngram_query(schema, "name", n))
    if len(n) <= HEAD_CHARS:
        parts.append(_term(schema, "head", n, 3.0))
    if is_code_like(n) and len(n) >= USCC_MIN_PREFIX:
        parts.append(_term(schema, "uscc_head", n, 10.0))
    if is_pinyin_like(n) and len(n) >= 2:
        parts.append(_term(schema, "pinyin", n, 2.0))
    return _any(parts)


def record_query(schema: tantivy.Schema, text: str) -> Query | None:
    n = normalize(text)
    if not n:
        return None
    parts = [_term(schema, "docno", n, 20.0)]
    if is_code_query(n):  # term look-ups only (see documents.is_code_query)
        return _any([*parts, _term(schema, "codes", n, 10.0)])
    # One character: every bigram starting with it, and the lone last character of a part.
    parts.append(Query.regex_query(schema, "text", f"{n}.*") if len(n) == 1
                 else _ngram_query(schema, "text", n))
    return _any(parts)


def suggest_query(schema: tantivy.Schema, prefix: str) -> Query | None:
    n = normalize(prefix)
    if not n:
        return None
    parts = [_term(schema, "head", n[:HEAD_CHARS], 5.0)]
    if len(n) >= 2:
        parts.append(_ngram_query(schema, "name", n))
    if is_pinyin_like(n) and len(n) >= 2:
        parts.append(_term(schema, "pinyin", n, 2.0))
    if is_code_like(n) and len(n) >= USCC_MIN_PREFIX:
        parts.append(_term(schema, "uscc_head", n, 10.0))
    return _any(parts)


def with_filters(schema: tantivy.Schema, main: Query, filters: Mapping[str, Any],
                 date_field: str | None, public_on: date | None = None) -> Query:
    """AND the filters (and, for records, "still public on `public_on`") into the query."""
    required: list[tuple[Occur, Query]] = [(Occur.Must, main)]
    for name in FILTER_FIELDS:
        value = filters.get(name)
        if value not in (None, ""):
            required.append((Occur.Must, Query.term_query(schema, name, str(value))))
    date_from: date | None = filters.get("date_from")
    date_to: date | None = filters.get("date_to")
    if date_field and (date_from or date_to):
        required.append((Occur.Must, Query.range_query(
            schema, date_field, tantivy.FieldType.Integer,
            day_number(date_from) if date_from else None,
            day_number(date_to) if date_to else None)))
    if public_on is not None:
        required.append((Occur.Must, Query.range_query(
            schema, "public_until", tantivy.FieldType.Integer, day_number(public_on), None)))
    return main if len(required) == 1 else Query.boolean_query(required)
