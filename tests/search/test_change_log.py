"""The change log under concurrency, on a database with real connections (a SQLite file,
or PostgreSQL when TEST_DATABASE_URL is set): log ids are handed out in commit order, so
an index that has applied id N never misses a later-committed row with a lower id; a
rolled-back transaction's gap is passed over; rows are written only with their change."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from import_files import make_uscc
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import SearchChange, Subject
from webapp.services import changelog, search, search_sync


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    # In-memory SQLite is one shared connection: no concurrency to test.
    if not os.environ.get("TEST_DATABASE_URL"):
        app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    return app_config


def _add(app, name: str, n: int, pause: bool = False, rollback: bool = False) -> None:
    with app.app_context():
        db.session.info["pause"] = pause
        db.session.add(Subject(name=name, subject_type="企业法人", uscc=make_uscc(70000 + n)))
        if rollback:
            db.session.flush()
            changelog._append(db.session())  # the log row takes its id, then all is undone
            db.session.rollback()
        else:
            db.session.commit()
        db.session.remove()


def names_found(query: str) -> set[str]:
    ids = {h.id for h in search.search_subjects(query, per_page=50).hits}
    return {db.session.get(Subject, i).name for i in ids}


def test_a_transaction_that_logs_later_cannot_commit_before_one_that_logged_earlier(app):
    paused, go = threading.Event(), threading.Event()

    def hold_commit(session: Session) -> None:  # after changelog's own before_commit
        if session.info.get("pause"):
            paused.set()
            go.wait(20)

    event.listen(Session, "before_commit", hold_commit)
    first = threading.Thread(target=_add, args=(app, "黑河市先记日志公司", 1, True))
    second = threading.Thread(target=_add, args=(app, "黑河市后记日志公司", 2))
    try:
        first.start()
        assert paused.wait(20)  # its log row is written, its commit not yet done
        second.start()
        second.join(0.8)
        assert second.is_alive(), "the second commit must wait for the first"
        db.session.rollback()
        assert names_found("记日志公司") == set()  # nothing committed, nothing applied
        go.set()
        first.join(20)
        second.join(20)
    finally:
        go.set()
        for thread in (first, second):
            if thread.is_alive():
                thread.join(20)
        event.remove(Session, "before_commit", hold_commit)
    db.session.rollback()
    logged = db.session.execute(select(SearchChange.entity_id).order_by(SearchChange.id))
    order = [db.session.get(Subject, i).name for (i,) in logged]
    assert order == ["黑河市先记日志公司", "黑河市后记日志公司"]
    assert names_found("记日志公司") == {"黑河市先记日志公司", "黑河市后记日志公司"}


def test_a_rolled_back_gap_is_passed_over_and_later_rows_are_applied(app):
    _add(app, "黑河市回滚之前公司", 3)
    assert names_found("回滚之前") == {"黑河市回滚之前公司"}
    _add(app, "黑河市回滚公司", 4, rollback=True)
    _add(app, "黑河市回滚之后公司", 5)
    db.session.rollback()
    assert names_found("回滚") == {"黑河市回滚之前公司", "黑河市回滚之后公司"}
    assert search.engine().applied_sequence() == changelog.latest(db.session)


def test_unchanged_writes_log_nothing_and_changes_log_once_per_entity(app, make_subject,
                                                                      db_session):
    shop = make_subject(name="黑河市日志测试公司")
    shop.name = "黑河市日志测试公司二"
    db_session.flush()
    shop.name = "黑河市日志测试公司三"
    db_session.commit()
    assert db_session.scalars(select(SearchChange.entity_id)).all() == [shop.id]
    shop.name = shop.name  # set to what it is
    db_session.commit()
    assert changelog.latest(db_session) == 1
    lag = search_sync.lag(db_session, search.engine())
    assert lag["lag_sequences"] == 1 and lag["lag_seconds"] >= 0
