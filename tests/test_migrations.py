"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db

SHARED_SERVER_URL = os.environ.get("TEST_DATABASE_URL")


def _drop_everything() -> None:
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    url = SHARED_SERVER_URL or f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app({
        "APP_ENV": "testing", "SECRET_KEY": "x" * 32, "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    })
    with app.app_context():
        if SHARED_SERVER_URL:  # start from nothing on the shared server
            _drop_everything()
        yield app
        if SHARED_SERVER_URL:  # leave the schema the other tests expect
            _drop_everything()
            db.create_all()
        db.session.remove()
        db.engine.dispose()


def test_upgrade_matches_models(empty_app: Flask) -> None:
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
