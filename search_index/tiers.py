"""Running a plan's tiers (search_index.ranking) as one paged list, on any backend.

A backend supplies `run(tier, earlier, offset, limit)`: the documents of that tier's clause
not in the `earlier` tiers (those that matched something: a tier that matched nothing needs
no excluding), most recent first, `limit` of them from `offset`, with their count. The walk
takes the page's hits from the tiers it falls in and counts the rest (the page's total).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from search_index.query_plan import AllOf, AnyOf, Clause, Key, Phrase
from search_index.text import bigrams

#: (count, count is exact, hits) of one tier
TierResult = tuple[int, bool, list[Any]]


@dataclass(frozen=True)
class Walked:
    total: int
    exact: bool
    hits: list[tuple[int, Any]]  # (score: tiers from the bottom, the tier's hit), in order


def walk(tiers: Sequence[Clause],
         run: Callable[[Clause, list[Clause], int, int], TierResult],
         page: int, per_page: int) -> Walked:
    """`run(tier, earlier_tiers_that_matched, offset_within_tier, limit)` for every tier,
    best first; once the page is full, the tiers left are only counted, together."""
    offset = (max(1, page) - 1) * per_page
    before = 0
    exact = True
    hits: list[tuple[int, Any]] = []
    matched: list[Clause] = []
    for number, tier in enumerate(tiers):
        wanted = per_page - len(hits)
        rest = tiers[number:]
        if not wanted and offset <= before and len(rest) > 1:
            count, tier_exact, _found = run(AnyOf(tuple(rest)), list(matched), 0, 0)
            return Walked(before + count, exact and tier_exact, hits)
        count, tier_exact, found = run(tier, list(matched), max(0, offset - before), wanted)
        hits.extend((len(tiers) - number, hit) for hit in found[:wanted])
        before += count
        exact = exact and tier_exact
        if count:
            matched.append(tier)
    return Walked(before, exact, hits)


def live(tiers: Sequence[tuple[str, Clause | None]]) -> list[Clause]:
    """The tiers that can match anything (a tier the query cannot have is None)."""
    return [clause for _name, clause in tiers if clause is not None]


def estimate(clause: Clause, frequency: Callable[[str, str], int], single: Callable[[str, str],
             int]) -> int:
    """An upper bound on the documents `clause` must verify: a phrase's rarest bigram, the
    smaller side of an AND, the sum of an OR. `single(field, char)`: one-character
    phrases."""
    if isinstance(clause, Key):
        return frequency(clause.field, clause.value)
    if isinstance(clause, Phrase):
        if len(clause.text) < 2:
            return single(clause.field, clause.text)
        return min(frequency(clause.field, pair) for pair in set(bigrams(clause.text)))
    counts = [estimate(part, frequency, single) for part in clause.parts]
    return sum(counts) if isinstance(clause, AnyOf) else min(counts)


__all__ = ["AllOf", "AnyOf", "Walked", "estimate", "live", "walk"]
