"""`flask search-verify [--repair]` and `flask search-sync` on a real database."""

from __future__ import annotations

from sqlalchemy import update

from webapp.models import Subject
from webapp.services import search


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_search_verify_finds_drift_and_repair_fixes_it(app, make_subject, make_record,
                                                      db_session):
    shop = make_subject(name="黑河市核对前商贸有限公司")
    record = make_record(shop, facts="核对用的处罚事实")
    db_session.commit()
    assert cli(app, "search-sync").exit_code == 0
    clean = cli(app, "search-verify")
    assert clean.exit_code == 0 and "索引与数据库一致" in clean.output

    # A write that bypassed the services (and so the change log): the index drifts.
    db_session.execute(update(Subject).where(Subject.id == shop.id)
                       .values(name="黑河市核对后商贸有限公司"))
    db_session.commit()
    drift = cli(app, "search-verify")
    assert drift.exit_code == 1
    # The subject and its record (found on the records tab by the subject's name) are stale.
    assert f"索引内容过时：主体 {shop.id}" in drift.output
    assert f"索引内容过时：记录 {record.id}" in drift.output and "2 处差异" in drift.output
    assert search.search_subjects("核对后").total == 0

    repaired = cli(app, "search-verify", "--repair")
    assert repaired.exit_code == 1 and "复查剩余差异 0 处" in repaired.output
    assert [h.id for h in search.search_subjects("核对后").hits] == [shop.id]
    assert cli(app, "search-verify").exit_code == 0


def test_search_sync_catches_up_and_reports_the_lag(app, make_subject, db_session):
    make_subject(name="黑河市同步测试公司")
    db_session.commit()
    result = cli(app, "search-sync")
    assert result.exit_code == 0, result.output
    assert "落后 0 条" in result.output
    assert search.search_subjects("同步测试").total == 1
