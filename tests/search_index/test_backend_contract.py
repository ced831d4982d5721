"""What every backend in search_index.backend.BACKENDS promises (the same tests for each):
apply + applied sequence, versions built and swapped, fingerprints, exact totals, the
writer lock; and the SEARCH_BACKEND setting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from search_index.backend import BACKENDS, Changes, SearchBackend, backend_class, open_backend
from search_index.documents import RecordDoc, SubjectDoc, content_hash
from webapp.config import ConfigError, load_config

TODAY = date(2026, 6, 1)
SHOP = SubjectDoc(1, "黑河市天鑫源商贸有限公司", "黑河市天鑫源商贸有限公司",
                  uscc="91231102MA1C2D3E4F")
PENALTY = RecordDoc(10, 1, "penalty", date(2026, 3, 1), doc_number="黑市监处罚〔2026〕15号",
                    facts="销售过期食品", department_name="黑河市市场监督管理局")
EXPIRED = RecordDoc(11, 1, "penalty", date(2025, 1, 1), public_until=date(2026, 1, 1),
                    facts="销售过期食品（已过公示期）")


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> SearchBackend:
    found = open_backend(request.param, tmp_path / request.param)
    yield found
    found.close()


def test_apply_writes_then_records_the_sequence(backend: SearchBackend):
    assert backend.applied_sequence() == 0  # an empty index replays the log from the start
    backend.apply(Changes(subjects=[SHOP], records=[PENALTY, EXPIRED]), upto_sequence=7)
    assert backend.applied_sequence() == 7
    page = backend.search_subjects("天鑫源")
    assert [h.id for h in page.hits] == [1] and page.total == 1 and page.exact
    assert "<mark>天鑫源</mark>" in page.hits[0].highlight
    assert [h.id for h in backend.search_records("过期食品", today=TODAY).hits] == [10]
    backend.apply(Changes(delete_records={10}), upto_sequence=9)
    assert backend.applied_sequence() == 9
    assert backend.search_records("过期食品", today=TODAY).total == 0


def test_a_built_version_carries_its_sequence_and_goes_live_on_swap(backend: SearchBackend):
    backend.apply(Changes(subjects=[SHOP]), upto_sequence=3)
    version = backend.build([SubjectDoc(2, "黑河市重建后公司", "黑河市重建后公司")], [],
                            upto_sequence=40)
    assert backend.applied_sequence(version) == 40 and backend.applied_sequence() == 3
    backend.apply(Changes(subjects=[SubjectDoc(3, "黑河市追上日志公司", "黑河市追上日志公司")]),
                  upto_sequence=41, version=version)
    assert backend.search_subjects("追上日志").total == 0  # not live yet
    backend.swap(version)
    assert backend.applied_sequence() == 41
    assert {h.id for h in backend.search_subjects("黑河市", per_page=10).hits} == {2, 3}


def test_fingerprints_are_ids_and_content_hashes_of_what_search_returns(
        backend: SearchBackend):
    backend.apply(Changes(subjects=[SHOP], records=[PENALTY, EXPIRED]), upto_sequence=1)
    assert backend.fingerprints(TODAY) == {
        "subject": {1: content_hash(SHOP)}, "record": {10: content_hash(PENALTY)}}


def test_the_writer_lock_is_exclusive(backend: SearchBackend, tmp_path: Path):
    other = open_backend(backend.name, backend.root)
    with backend.writer_lock(timeout=1) as held:
        assert held
        with other.writer_lock(timeout=0.05) as also:
            assert not also
    with other.writer_lock(timeout=0.05) as later:
        assert later


def test_the_search_backend_setting_names_a_known_backend(tmp_path: Path):
    assert backend_class("whoosh").name == "whoosh"
    assert load_config({"INSTANCE_DIR": str(tmp_path)})["SEARCH_BACKEND"] == "whoosh"
    with pytest.raises(ConfigError, match="SEARCH_BACKEND"):
        load_config({"INSTANCE_DIR": str(tmp_path), "SEARCH_BACKEND": "elastic"})
