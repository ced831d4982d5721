"""SQLite, the embedded default, with a long reader: `flask reindex` reads the whole
database for minutes at city scale, and the site must go on writing meanwhile."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import Subject


@pytest.fixture
def file_site(app_config: dict[str, Any], tmp_path: Path):
    if app_config["DATABASE_URL"] != "sqlite://":
        pytest.skip("about SQLite files: this run uses another database")
    path = tmp_path / "site.sqlite3"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{path}",
                      "DB_LOCK_TIMEOUT_CLI": 1})  # fail within a second, not two minutes
    with app.app_context():
        db.create_all()
        db.session.add(Subject(name="黑河市读者测试商行", subject_type="企业法人"))
        db.session.commit()
        yield app, path
        db.session.remove()
        db.engine.dispose()


def test_a_long_read_does_not_block_the_sites_writes(file_site):
    _app, path = file_site
    reader = sqlite3.connect(path)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM subjects").fetchone() == (1,)  # reading
        for n in range(3):  # without write-ahead logging: "database is locked" after 1 s
            db.session.add(Subject(name=f"黑河市写入测试商行{n}", subject_type="企业法人"))
            db.session.commit()
        # The reader still sees its snapshot; the site sees its writes.
        assert reader.execute("SELECT count(*) FROM subjects").fetchone() == (1,)
        assert db.session.scalar(select(func.count()).select_from(Subject)) == 4
    finally:
        reader.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
