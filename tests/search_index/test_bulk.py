"""The bulk builder writes what whoosh's own writer would: same postings (positions
included), stored fields, lengths and columns, on one process or several; incremental
updates and searches work on what it wrote."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from whoosh.index import FileIndex

from search_index.documents import RECORD, RecordDoc, SubjectDoc
from search_index.store import IndexStore
from search_index.whoosh_backend import WhooshBackend, bulk
from search_index.whoosh_backend.engine import create_indexes, open_index
from search_index.whoosh_backend.fields import record_fields, subject_fields
from search_index.whoosh_backend.schema import RECORDS, SUBJECTS

NAMES = ["黑河市天鑫源商贸有限公司", "爱辉区张记老街烧烤店", "五大连池市龙腾矿泉水饮品有限责任公司",
         "孙吴县（ＡＢＣ）食品店", "欧阳明华"]


def subjects() -> list[SubjectDoc]:
    return [SubjectDoc(i, f"{NAMES[i % len(NAMES)]}{i}号", f"{NAMES[i % len(NAMES)]}{i}号",
                       uscc=f"91231102MA1C2D{i:04d}" if i % 3 else None,
                       former_names=("黑河市旧名称贸易公司",) if i % 7 == 0 else (),
                       subject_type="企业法人", region_id=i % 4, founded_on=date(2020, 1, 1)
                       + timedelta(days=i))
            for i in range(1, 121)]


def records() -> list[RecordDoc]:
    return [RecordDoc(i, 1 + i % 120, "penalty", date(2026, 1, 1) + timedelta(days=i % 90),
                      doc_number=f"黑市监处罚〔2026〕{i}号",
                      facts=f"销售过期食品第{i}批，违反第六十条规定，依据第十三条处罚；食品食品",
                      legal_basis="《中华人民共和国食品安全法》第一百二十四条",
                      department_name="黑河市市场监督管理局", department_id=5,
                      public_until=date(2027, 1, 1) if i % 5 else None)
            for i in range(1, 301)]


def contents(ix: FileIndex) -> dict[str, Any]:
    """Everything a reader sees, keyed by document id (doc numbers may differ)."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        key = {d: reader.stored_fields(d)["id"] for d in range(reader.doc_count_all())}
        postings: dict[tuple[str, bytes], list[Any]] = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                found.append((key[matcher.id()], matcher.weight(), matcher.value() or None))
                matcher.next()
            info = reader.term_info(fieldname, text)
            stats = (info.weight(), info.doc_frequency(), info.min_length(),
                     info.max_length(), info.max_weight())
            postings[(fieldname, text)] = [stats, *sorted(found)]
        stored = {key[d]: reader.stored_fields(d) for d in key}
        lengths = {(f, key[d]): reader.doc_field_length(d, f)
                   for f in ix.schema.scorable_names() for d in key}
        columns = {(f, key[d]): reader.column_reader(f)[d]
                   for f in ("founded", "decided") if f in ix.schema for d in key}
    return {"postings": postings, "stored": stored, "lengths": lengths, "columns": columns}


@pytest.mark.parametrize("procs", [1, 2])
@pytest.mark.parametrize(("indexname", "docs", "to_fields"), [
    (SUBJECTS, subjects, subject_fields), (RECORDS, records, record_fields),
])
def test_bulk_build_writes_what_whoosh_would(tmp_path: Path, procs, indexname, docs,
                                             to_fields):
    store = IndexStore(tmp_path, initialise=create_indexes)
    reference, built = store.new_version(), store.new_version()
    ix = open_index(reference, indexname)
    writer = ix.writer()
    for doc in docs():
        writer.add_document(**to_fields(doc))
    writer.commit()
    count = bulk.build_index(open_index(built, indexname), docs(), to_fields, procs=procs,
                             segment_docs=50, batch_docs=10)
    assert count == len(docs())
    bulk_ix = open_index(built, indexname)
    assert len(bulk_ix._segments()) >= 2  # segments were cut and committed together
    assert contents(bulk_ix) == contents(open_index(reference, indexname))


def test_a_bulk_built_index_serves_searches_and_takes_updates(tmp_path: Path):
    engine = WhooshBackend(tmp_path)
    engine.swap(engine.build(subjects(), records(), procs=2))
    today = date(2026, 6, 1)
    assert {h.id for h in engine.search_subjects("老街烧烤", per_page=100).hits} == {
        i for i in range(1, 121) if i % len(NAMES) == 1}
    assert [h.id for h in engine.search_records("〔2026〕17号", today=today).hits] == [17]
    engine.update([SubjectDoc(2, "黑河市改名后公司", "黑河市改名后公司")], [],
                  delete_records=[17])
    assert [h.id for h in engine.search_subjects("改名后").hits] == [2]
    assert engine.search_records("〔2026〕17号", today=today).total == 0
    # (a broad query's total is an estimate under a time budget; count them all instead)
    assert len(engine.matching_ids(RECORD, "第十三条")) == 300 - 1


def test_a_failing_worker_fails_the_build_and_nothing_is_committed(tmp_path: Path):
    store = IndexStore(tmp_path, initialise=create_indexes)
    ix = open_index(store.new_version(), RECORDS)

    def broken(doc: RecordDoc) -> dict[str, Any]:
        if doc.id == 250:
            raise ValueError("bad document")
        return record_fields(doc)

    with pytest.raises(RuntimeError, match="bad document"):
        bulk.build_index(ix, records(), broken, procs=2)
    assert open_index(Path(ix.storage.folder), RECORDS).doc_count_all() == 0


def test_a_large_update_replaces_documents_in_one_commit(tmp_path: Path):
    engine = WhooshBackend(tmp_path)
    engine.update(subjects()[:10], records()[:10])
    assert engine.search_subjects("天鑫源商贸").total == 2  # ids 5 and 10
    renamed = [SubjectDoc(d.id, f"黑河市批量更新公司{d.id}号", f"黑河市批量更新公司{d.id}号")
               for d in subjects()] * 5  # 600 documents (repeats replace each other)
    engine.update(renamed[:600], delete_records=[1, 2])
    assert engine.search_subjects("天鑫源商贸").total == 0  # the old names are gone
    page = engine.search_subjects("批量更新公司", per_page=200)
    assert sorted(h.id for h in page.hits) == list(range(1, 121))
    assert [h.id for h in engine.search_subjects("批量更新公司7号").hits] == [7]
    today = date(2026, 6, 1)
    assert engine.search_records("〔2026〕1号", today=today).total == 0
    assert [h.id for h in engine.search_records("〔2026〕3号", today=today).hits] == [3]


def test_single_document_updates_after_a_bulk_build_survive_every_merge(tmp_path: Path):
    """The issue's scenario: after a rebuild, one-row imports one at a time. whoosh merges
    the small segments, inlined postings included; each number stays findable, and the
    merged index holds what whoosh's own writer would have written."""
    engine = WhooshBackend(tmp_path / "engine")
    engine.swap(engine.build(subjects(), records()))
    today = date(2026, 6, 1)
    added = []
    for n in range(1, 41):
        doc = RecordDoc(1000 + n, 1, "penalty", date(2026, 2, 1),
                        doc_number=f"黑市监处罚〔2026〕X{n}号", facts=f"无证经营第{n}次")
        engine.update([subjects()[0]], [doc])
        added.append(doc)
        found = engine.search_records(f"黑市监处罚〔2026〕X{n}号", today=today)
        assert [h.id for h in found.hits] == [1000 + n], n
    ix = open_index(engine.store.live_dir(), RECORDS)
    assert len(ix._segments()) < 40  # merges happened

    store = IndexStore(tmp_path / "reference", initialise=create_indexes)
    reference = open_index(store.new_version(), RECORDS)
    writer = reference.writer()
    for doc in records() + added:
        writer.add_document(**record_fields(doc))
    writer.commit()
    assert contents(ix) == contents(reference)
