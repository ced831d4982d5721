"""Scoring a search against a labelled query set: success@1, success@10, MRR.

A labelled item names the query, the tab ("subjects" or "records") and what a person
checking the answer expects: `subject` (on the records tab: any record of that subject) or
`record_docno`, and whether it must come "first", be on the first "page" (PAGE hits), or
be "absent" from it (persons kept private). Engines are compared on the same items: the
backends, and the SQLite FTS5 baseline of scripts/bench_search.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_index.documents import RecordDoc

PAGE = 20
LABELLED = Path(__file__).resolve().parent.parent / "tests" / "search_quality" / \
    "labelled_queries.json"

#: (tab, query) -> the ids of the first page, in order
Search = Callable[[str, str], list[int]]


def load(path: Path = LABELLED) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(path.read_text())
    return items


@dataclass
class Targets:
    """What each item's target is, as index ids."""

    records_of: Mapping[int, set[int]]
    by_docno: Mapping[str, set[int]]

    @classmethod
    def from_records(cls, records: Iterable[RecordDoc]) -> Targets:
        of: dict[int, set[int]] = {}
        docno: dict[str, set[int]] = {}
        for r in records:
            of.setdefault(r.subject_id, set()).add(r.id)
            if r.doc_number:
                docno.setdefault(r.doc_number, set()).add(r.id)
        return cls(of, docno)

    def of(self, item: Mapping[str, Any]) -> set[int]:
        if "record_docno" in item:
            return set(self.by_docno.get(item["record_docno"], set()))
        if item["tab"] == "records":
            return set(self.records_of.get(item["subject"], set()))
        return {int(item["subject"])}


def rank(hits: list[int], targets: set[int]) -> int | None:
    """1-based position of the first target among the hits."""
    return next((n for n, hit in enumerate(hits, 1) if hit in targets), None)


def passed(item: Mapping[str, Any], position: int | None) -> bool:
    expect = item["expect"]
    if expect == "absent":
        return position is None
    if expect == "first":
        return position == 1
    return position is not None and position <= PAGE


@dataclass
class Scores:
    queries: int = 0  # positive items (first / page)
    reciprocal: float = 0.0
    at_1: int = 0
    at_10: int = 0
    failures: list[tuple[dict[str, Any], list[int]]] = field(default_factory=list)

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.queries if self.queries else 0.0

    @property
    def success_1(self) -> float:
        return self.at_1 / self.queries if self.queries else 0.0

    @property
    def success_10(self) -> float:
        return self.at_10 / self.queries if self.queries else 0.0

    def line(self) -> str:
        return (f"MRR {self.mrr:.3f}  success@1 {self.success_1:.3f}  "
                f"success@10 {self.success_10:.3f}  ({self.queries} queries, "
                f"{len(self.failures)} labels missed)")


def measure(items: Iterable[dict[str, Any]], search: Search, targets: Targets) -> Scores:
    scores = Scores()
    for item in items:
        hits = search(item["tab"], item["query"])
        position = rank(hits, targets.of(item))
        if not passed(item, position):
            scores.failures.append((item, hits))
        if item["expect"] == "absent":
            continue
        scores.queries += 1
        if position is not None:
            scores.reciprocal += 1 / position
            scores.at_1 += position == 1
            scores.at_10 += position <= 10
    return scores
