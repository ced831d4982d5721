"""The tantivy build: documents handed over as a list (inherited by the forked workers) or
as a stream (a database cursor) give the same index, and the memoised pinyin converter
gives what pypinyin gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypinyin import lazy_pinyin

from search_index.documents import RECORD, SUBJECT
from search_index.pinyin import syllables
from search_index.text import normalize
from webapp.demo.search_docs import city_documents

tantivy_engine = pytest.importorskip("search_index.tantivy_backend.engine")


@pytest.fixture(scope="module")
def city():
    return city_documents(300, seed=11, records_per_subject=4)


def test_a_list_and_a_stream_build_the_same_index(tmp_path: Path, city):
    subjects, records = city
    listed = tantivy_engine.TantivyBackend(tmp_path / "listed")
    listed.swap(listed.build(subjects, records, procs=2))
    streamed = tantivy_engine.TantivyBackend(tmp_path / "streamed")
    streamed.swap(streamed.build(iter(subjects), iter(records), procs=2))
    today = max(r.decided_on for r in records if r.decided_on)
    assert listed.fingerprints(today) == streamed.fingerprints(today)
    assert len(listed.fingerprints(today)[SUBJECT]) == len(subjects)
    assert listed.fingerprints(today)[RECORD]  # records are there, not only subjects
    name = subjects[7].name
    assert (listed.search_subjects(name).hits[0].id == streamed.search_subjects(name).hits[0].id
            == subjects[7].id)


def test_memoised_pinyin_is_pypinyins_own(city):
    subjects, _records = city
    names = [s.name for s in subjects] + ["重庆市长春路银行", "长安区重点行业", "乐山音乐厅"]
    for _ in range(2):  # the second pass answers from the memo
        for name in names:
            full, initials = syllables(name)
            expected = [s.lower() for s in lazy_pinyin(normalize(name),
                                                       errors=lambda chars: list(chars))]
            assert full == expected, name
            assert initials == [s[:1] for s in expected]
