"""`flask search-log-prune`: the change log does not grow for ever, and pruning it never
makes an index skip a change: a node that was away longer than the log is kept rebuilds
itself; a node that kept up just goes on replaying."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from webapp.models import SearchChange, Subject
from webapp.models.base import utcnow
from webapp.services import changelog, search, search_sync


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _age_log(db_session, days: int) -> None:
    """Pretend every row so far was logged `days` ago."""
    db_session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(days=days)))
    db_session.commit()


def _log_rows(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(SearchChange))


def test_pruning_drops_old_rows_and_a_current_node_keeps_replaying(app, make_subject,
                                                                  db_session):
    for n in range(30):
        make_subject(name=f"黑河市旧日志{n}号商贸有限公司")
        db_session.commit()
    assert cli(app, "search-sync").exit_code == 0
    version = search.engine().store.current_name()
    latest = changelog.latest(db_session)
    _age_log(db_session, 40)
    make_subject(name="黑河市新日志商贸有限公司")  # logged today: kept
    db_session.commit()

    result = cli(app, "search-log-prune", "--keep-days", "30")
    assert result.exit_code == 0, result.output
    assert "已清理 30 天前的变更日志 30 条" in result.output
    assert _log_rows(db_session) == 2  # the cut's marker and today's row
    assert changelog.horizon(db_session) == latest

    # The node had applied everything up to the cut: it replays the rest, no rebuild.
    assert search.search_subjects("新日志").total == 1
    make_subject(name="黑河市更新日志商贸有限公司")
    db_session.commit()
    assert search.search_subjects("更新日志").total == 1
    assert search.engine().store.current_name() == version
    assert search_sync.lag(db_session, search.engine())["pruned_past"] is False
    # New sequences keep climbing after a prune (SQLite must not reuse ids).
    assert changelog.latest(db_session) > latest + 1


def test_the_last_row_is_kept_so_sequences_never_restart(app, make_subject, db_session):
    make_subject(name="黑河市唯一日志商贸有限公司")
    db_session.commit()
    assert cli(app, "search-sync").exit_code == 0
    latest = changelog.latest(db_session)
    _age_log(db_session, 400)
    assert cli(app, "search-log-prune", "--keep-days", "1").exit_code == 0
    assert changelog.latest(db_session) == latest  # nothing below the last row to cut
    make_subject(name="黑河市其后日志商贸有限公司")
    db_session.commit()
    assert changelog.latest(db_session) > latest
    assert search.search_subjects("其后日志").total == 1


def test_a_node_away_longer_than_the_log_rebuilds_instead_of_skipping(app, make_subject,
                                                                     make_record, db_session):
    shop = make_subject(name="黑河市离线期间商贸有限公司")
    db_session.commit()
    assert cli(app, "search-sync").exit_code == 0  # the node is built, then goes away
    make_record(shop, facts="离线期间作出的处罚决定")
    renamed = make_subject(name="黑河市改名之前商贸有限公司")
    db_session.commit()
    renamed.name = "黑河市改名之后商贸有限公司"
    db_session.commit()
    for n in range(5):
        make_subject(name=f"黑河市填充{n}号商贸有限公司")
        db_session.commit()
    _age_log(db_session, 40)
    make_subject(name="黑河市回来之后商贸有限公司")
    db_session.commit()
    pruned = cli(app, "search-log-prune", "--keep-days", "30")
    assert pruned.exit_code == 0
    assert "本节点索引只应用到序号" in pruned.output and "将自动重建" in pruned.output

    backend = search.engine()
    lag = search_sync.lag(db_session, backend)
    assert lag["pruned_past"] is True
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert any("pruned" in p for p in ready.get_json()["problems"])
    # An import's index update says so instead of skipping the pruned span.
    problem = search.index_problem(search.index_now())
    assert problem is not None and "需要重建" in problem
    assert backend.applied_sequence() < changelog.horizon(db_session)

    result = cli(app, "search-sync")  # what the background thread runs, too
    assert result.exit_code == 0, result.output
    assert search.search_records("离线期间作出").total == 1
    assert search.search_subjects("改名之后").total == 1
    assert search.search_subjects("改名之前").total == 0
    assert search.search_subjects("回来之后").total == 1
    assert cli(app, "search-verify").exit_code == 0
    assert app.test_client().get("/readyz").status_code == 200


def test_rolled_back_ids_are_not_taken_for_pruning(app, make_subject, db_session):
    assert cli(app, "search-sync").exit_code == 0
    make_subject(name="黑河市回滚之前商贸有限公司")
    db_session.flush()
    changelog._append(db_session())  # the log row takes its id, then all is undone
    db_session.rollback()
    make_subject(name="黑河市回滚之后商贸有限公司")
    db_session.commit()
    assert changelog.horizon(db_session) == 0
    assert search_sync.lag(db_session, search.engine())["pruned_past"] is False
    assert search.search_subjects("回滚之后").total == 1
    assert db_session.scalar(select(func.count()).select_from(Subject)) == 1


def test_keep_days_must_be_positive(app):
    result = cli(app, "search-log-prune", "--keep-days", "0")
    assert result.exit_code == 2 and "keep-days" in result.output
