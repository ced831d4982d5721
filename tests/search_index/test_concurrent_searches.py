"""gunicorn's gthread workers search from several threads of one process at once: every
backend must answer each of them as it answers one alone."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from search_index.backend import BACKENDS, Page, backend_class
from search_index.documents import RECORD, SUBJECT
from webapp.demo.search_docs import city_documents

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def city():
    return city_documents(1500, seed=5, records_per_subject=8)  # postings of many blocks


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_threads_searching_at_once_get_the_answers_of_one_alone(tmp_path: Path, city, name):
    subjects, records = city
    engine = backend_class(name)(tmp_path / name)
    engine.swap(engine.build(subjects, records))
    queries = ([s.name[2:6] for s in subjects[:40]] + ["罚款", "食品经营", "有限公司", "许可"]
               + [r.doc_number for r in records[:20] if r.doc_number])

    def answer(query: str) -> list[Page]:
        return [engine.search_subjects(query, per_page=30),
                engine.search_records(query, per_page=30, today=TODAY)]

    def same(one: Page, other: Page, matching: set[int]) -> bool:
        """The same page; where either is an estimate (whoosh's scans are time-budgeted,
        and a busy machine runs out of time sooner), hits that all match."""
        if one.exact and other.exact:
            return ([h.id for h in one.hits] == [h.id for h in other.hits]
                    and one.total == other.total)
        return {h.id for h in one.hits} <= matching

    alone = {q: answer(q) for q in queries}
    matching = {q: [engine.matching_ids(SUBJECT, q), engine.matching_ids(RECORD, q)]
                for q in queries}
    engine.close()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads take turns often, as on a busy worker
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _round in range(3):
                answers = pool.map(answer, queries * 2)
                for query, pages in zip(queries * 2, answers, strict=True):
                    assert all(map(same, pages, alone[query], matching[query])), query
    finally:
        sys.setswitchinterval(switch)

