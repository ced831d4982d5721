"""The query plan (search_index.query_plan) as tantivy queries, the same semantics as the
whoosh backend's: a phrase of n characters is a phrase of its bigrams (contiguous text
only), keys are term look-ups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import tantivy
from tantivy import Occur, Query

from search_index.documents import day_number
from search_index.query_plan import AnyOf, Clause, Key, Phrase
from search_index.text import bigrams

FILTER_FIELDS = ("kind", "list_nature", "department_id", "region_id", "subject_type")
#: n-gram fields with a single-character twin (other fields: a prefix of their bigrams)
SINGLE_CHARACTER_FIELDS = {"name": "name1"}


def _phrase(schema: tantivy.Schema, field: str, text: str) -> Query:
    if len(text) == 1:
        single = SINGLE_CHARACTER_FIELDS.get(field)
        if single:
            return Query.term_query(schema, single, text)
        # Every bigram starting with it, and the lone last character of a part.
        return Query.regex_query(schema, field, f"{re.escape(text)}.*")
    pairs = bigrams(text)
    if len(pairs) == 1:
        return Query.term_query(schema, field, pairs[0])
    return Query.phrase_query(schema, field, covering_pairs(pairs))


def covering_pairs(pairs: list[str]) -> list[tuple[int, str]]:
    """(offset, bigram) of every other bigram and the last: they cover every character, so
    the phrase still matches only the contiguous text, with about half the posting lists
    to intersect and positions to check (common bigrams made record text the slow class)."""
    offsets = sorted({*range(0, len(pairs), 2), len(pairs) - 1})
    return [(i, pairs[i]) for i in offsets]


def translate(schema: tantivy.Schema, clause: Clause) -> Query:
    if isinstance(clause, Key):
        return Query.term_query(schema, clause.field, clause.value)
    if isinstance(clause, Phrase):
        return _phrase(schema, clause.field, clause.text)
    parts = [translate(schema, part) for part in clause.parts]
    occur = Occur.Should if isinstance(clause, AnyOf) else Occur.Must
    return Query.boolean_query([(occur, part) for part in parts])


def excluding(main: Query, earlier: list[Query]) -> Query:
    """`main` without the documents of the earlier (better) tiers."""
    if not earlier:
        return main
    return Query.boolean_query([(Occur.Must, main),
                                *((Occur.MustNot, query) for query in earlier)])


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
