"""The scoring table: which matches come first. One table, every backend.

A search is run tier by tier (`search_index.query_plan` builds each tier's clause from the
query): a document is placed in the best tier it matches, tiers come in the order below,
and within a tier the most recent document comes first (subjects: founding date; records:
decision date; then the higher id). Credit status never enters the order: ranking must not
punish or favour. The typeahead uses the subject order.
"""

from __future__ import annotations

from search_index.documents import day_number

#: subject tiers, best first: (name, what a document in it matches)
SUBJECT_TIERS: tuple[tuple[str, str], ...] = (
    ("exact", "the whole query is a name, former name, USCC or (a person's) ID number"),
    ("exact_variant", "the whole query is a name without/with 市区县 有限 公司 股份, or a "
                      "whole name in full pinyin or initials"),
    ("prefix", "a name (or its pinyin, or the USCC) begins with the query"),
    ("name", "every term is in a name (substring, pinyin, mixed Chinese + pinyin)"),
    ("name_variant", "every term is in a name or a name's core (forms left out or added)"),
    ("across", "every term is in a name or in the subject's public records, one at least "
               "in a name"),
    ("records", "every term is in the subject's public records"),
)

#: record tiers, best first
RECORD_TIERS: tuple[tuple[str, str], ...] = (
    ("number", "the query is the record's document number"),
    ("code", "the query is (a prefix of) the subject's USCC or a number in the document number"),
    ("subject_exact", "the whole query is the subject's name or former name (or its core)"),
    ("text", "every term is in the record's text"),
    ("subject", "every term is in the subject's names"),
    ("across", "every term is in the record's text or its subject's names"),
)

ID_WEIGHT = 10 ** 8  # rank = day number * ID_WEIGHT + id: one integer, recency then id


def rank_value(day: object, doc_id: int) -> int:
    """The within-tier order key, highest first (a fast field in every backend)."""
    return day_number(day) * ID_WEIGHT + doc_id % ID_WEIGHT  # type: ignore[arg-type]


def tier_names(tiers: tuple[tuple[str, str], ...]) -> list[str]:
    return [name for name, _ in tiers]
