"""Search through the real database: what a commit does to the index, hidden records,
natural persons, filters, and `flask reindex`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from webapp.models import Region
from webapp.rules.kinds import Visibility
from webapp.services import changelog, search, search_documents, search_sync
from webapp.services.search import SearchFilters

ID_NUMBER = "231102198001011234"


def subject_ids(q: str, **filters) -> set[int]:
    return {h.id for h in search.search_subjects(q, SearchFilters(**filters)).hits}


def record_ids(q: str, **filters) -> set[int]:
    return {h.id for h in search.search_records(q, SearchFilters(**filters)).hits}


@pytest.fixture
def shop(make_subject, db_session):
    shop = make_subject(name="黑河市天鑫源（北方）商贸有限公司", former_names=["黑河市老街商店"])
    db_session.commit()
    return shop


def test_committed_subjects_are_found_by_name_parts_pinyin_and_code(shop):
    name = "黑河市天鑫源北方商贸有限公司"
    for size in range(2, 7):
        for start in range(len(name) - size + 1):
            assert shop.id in subject_ids(name[start:start + size]), name[start:start + size]
    assert shop.id in subject_ids("天鑫源（北方）")
    assert shop.id in subject_ids("天鑫源(北方)")
    assert shop.id in subject_ids("老街商店")
    assert shop.id in subject_ids("hhstxy")
    assert shop.id in subject_ids("tianxinyuan")
    assert subject_ids(shop.uscc[:8]) >= {shop.id}
    assert subject_ids(shop.uscc) == {shop.id}
    hit = search.search_subjects("鑫源").hits[0]
    assert hit.highlight == "黑河市天<mark>鑫源</mark>（北方）商贸有限公司"


def test_uncommitted_or_rolled_back_changes_are_not_indexed(make_subject, db_session):
    make_subject(name="黑河市未提交公司")
    db_session.rollback()
    assert subject_ids("未提交") == set()


def test_hidden_records_are_never_found(shop, make_record, db_session):
    shown = make_record(shop, facts="销售过期食品案一")
    objection = make_record(shop, facts="销售过期食品案二", visibility=Visibility.OBJECTION.value)
    for state in (Visibility.ARCHIVED, Visibility.REVOKED, Visibility.EXPIRED):
        make_record(shop, facts=f"销售过期食品{state.value}", visibility=state.value)
    make_record(shop, facts="销售过期食品已过公示期", public_until=date(2020, 1, 1))
    db_session.commit()
    assert record_ids("销售过期食品") == {shown.id, objection.id}
    assert search.search_records("过期食品").total == 2


def test_a_record_that_becomes_archived_disappears_after_the_commit(shop, make_record,
                                                                   db_session):
    record = make_record(shop, facts="超范围经营被处罚")
    db_session.commit()
    assert record_ids("超范围经营") == {record.id}
    record.set_visibility(Visibility.ARCHIVED, "信用修复")
    db_session.flush()
    assert record_ids("超范围经营") == {record.id}  # not committed yet
    db_session.commit()
    assert record_ids("超范围经营") == set()


def test_deleted_subjects_leave_the_index(make_subject, db_session):
    gone = make_subject(name="黑河市将注销公司")
    db_session.commit()
    db_session.delete(gone)
    db_session.commit()
    assert subject_ids("将注销") == set()


def test_records_by_document_number_and_filters(shop, make_subject, make_record, db_session):
    region = Region(code="231102", name="爱辉区")
    db_session.add(region)
    other = make_subject(name="黑河市爱辉区张记餐馆", subject_type="个体工商户", region=region)
    penalty = make_record(shop, doc_number="黑市监处罚〔2026〕88号", facts="未按规定公示食品信息",
                          decided_on=date(2026, 3, 2))
    red = make_record(other, kind="list", list_nature="red", list_type="守信激励对象名单",
                      title="守信激励对象", facts="食品安全示范店", decided_on=date(2026, 5, 2),
                      department_name="黑河市税务局")
    db_session.commit()
    assert record_ids("黑市监处罚〔2026〕88号") == {penalty.id}
    assert record_ids("食品") == {penalty.id, red.id}
    assert record_ids("食品", kind="list") == {red.id}
    assert record_ids("食品", list_nature="red") == {red.id}
    assert record_ids("食品", department_id=penalty.department_id) == {penalty.id}
    assert record_ids("食品", region_id=region.id) == {red.id}
    assert record_ids("食品", subject_type="个体工商户") == {red.id}
    assert record_ids("食品", date_from=date(2026, 4, 1)) == {red.id}
    assert record_ids("食品", date_to=date(2026, 4, 1)) == {penalty.id}
    newest = search.search_records("食品", sort="date")
    assert [h.id for h in newest.hits] == [red.id, penalty.id]
    assert subject_ids("餐馆", region_id=region.id) == {other.id}
    assert subject_ids("黑河市", subject_type="个体工商户") == {other.id}


def test_natural_persons_are_found_by_the_whole_id_number_and_shown_masked(
        make_subject, make_record, db_session):
    person = make_subject(name="欧阳明华", subject_type="自然人", id_number=ID_NUMBER)
    db_session.commit()
    assert search.search_subjects(ID_NUMBER).total == 0  # no public record: not at all
    make_record(person, facts="无证驾驶营运车辆")
    db_session.commit()
    assert search.search_subjects("欧阳明华").total == 0  # a name on no naming list
    page = search.search_subjects(ID_NUMBER)
    assert [h.id for h in page.hits] == [person.id]
    assert "明华" not in page.hits[0].highlight
    assert all("明华" not in s["name"] for s in search.suggest("欧阳"))


def test_suggest_returns_name_uscc_and_id(shop):
    assert search.suggest("黑河市天鑫") == [
        {"id": shop.id, "name": shop.name, "uscc": shop.uscc}
    ]


def test_reindex_builds_a_new_version_and_swaps_it_in(app, shop, make_record, db_session):
    record = make_record(shop, facts="无证经营")
    db_session.commit()
    assert record_ids("无证经营") == {record.id}  # the first search made the index, caught up
    root = Path(app.config["SEARCH_INDEX_DIR"])
    before = (root / "CURRENT").read_text().strip()
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    after = (root / "CURRENT").read_text().strip()
    assert after != before and (root / after).is_dir()
    assert "主体 1 个" in result.output and "公示记录 1 条" in result.output
    assert record_ids("无证经营") == {record.id}
    assert subject_ids("天鑫源") == {shop.id}


def test_commits_during_a_rebuild_are_replayed_from_the_log_before_the_swap(
        app, make_subject, db_session, monkeypatch):
    early = make_subject(name="黑河市重建之前公司")
    db_session.commit()
    real_build = search.engine().build

    def build_then_commit(*args, **kwargs):
        version = real_build(*args, **kwargs)
        late = make_subject(name="黑河市重建期间新公司")  # committed while building
        db_session.commit()
        found.append(late.id)
        return version

    found: list[int] = []
    monkeypatch.setattr(search.engine(), "build", build_then_commit)
    search_sync.rebuild(db_session, search.engine())
    assert subject_ids("重建之前") == {early.id}
    assert subject_ids("重建期间") == set(found)
    assert search.engine().applied_sequence() == changelog.latest(db_session)


def test_a_parallel_rebuild_leaves_hidden_records_out(shop, make_record, db_session):
    public = make_record(shop, facts="占道经营公开案")
    hidden = [make_record(shop, facts=f"占道经营隐藏案{state.value}", visibility=state.value)
              for state in (Visibility.ARCHIVED, Visibility.REVOKED, Visibility.EXPIRED)]
    db_session.commit()
    version, subjects, records = search_sync.rebuild(db_session, search.engine(), procs=2)
    assert (subjects, records) == (1, 1)
    assert search.engine().store.current_name() == version
    assert record_ids("占道经营") == {public.id}
    assert not {r.id for r in hidden} & record_ids("隐藏案")


def test_the_rebuild_indexes_records_as_the_log_replay_does(shop, make_record,
                                                                     db_session):
    record = make_record(shop, facts="无照经营", doc_number="黑市监罚〔2026〕9号",
                         legal_basis="《无证无照经营查处办法》第十三条")
    db_session.commit()
    streamed = search_documents.all_records(db_session, date.today())
    incremental = search_documents.collect(db_session, set(), {record.id},
                                           date.today()).records
    assert list(streamed) == incremental
    assert incremental[0].department_name and incremental[0].subject_uscc == shop.uscc
