"""The query plan (search_index.query_plan) as whoosh queries: a phrase of n characters is
a phrase of its bigrams (contiguous text only), keys are term look-ups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from whoosh import query as q

from search_index.documents import day_number
from search_index.query_plan import AnyOf, Clause, Key, Phrase
from search_index.text import bigrams
from search_index.whoosh_backend import budget

FILTER_FIELDS = ("kind", "list_nature", "department_id", "region_id", "subject_type")
#: n-gram fields with a single-character twin (other fields: a prefix of their bigrams)
SINGLE_CHARACTER_FIELDS = {"name": "name1"}


def _phrase(field: str, text: str) -> q.Query:
    if len(text) == 1:
        single = SINGLE_CHARACTER_FIELDS.get(field)
        return q.Term(single, text) if single else q.Prefix(field, text)
    pairs = bigrams(text)
    if len(pairs) == 1:
        return q.Term(field, pairs[0])
    return budget.Phrase(field, pairs)


def translate(clause: Clause) -> q.Query:
    if isinstance(clause, Key):
        return q.Term(clause.field, clause.value)
    if isinstance(clause, Phrase):
        return _phrase(clause.field, clause.text)
    parts = [translate(part) for part in clause.parts]
    if isinstance(clause, AnyOf):
        return q.Or(parts)
    return q.And(parts)  # AllOf


def excluding(main: q.Query, earlier: list[q.Query]) -> q.Query:
    """`main` without the documents of the earlier (better) tiers."""
    if not earlier:
        return main
    return q.AndNot(main, earlier[0] if len(earlier) == 1 else q.Or(earlier))


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
