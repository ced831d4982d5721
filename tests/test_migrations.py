"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import conftest as harness
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db


@pytest.fixture
def empty_app(tmp_path: Path):
    url = harness.TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app({
        "APP_ENV": "testing", "SECRET_KEY": "x" * 32, "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": url,
    })
    with app.app_context():
        if harness.TEST_DATABASE_URL:  # start from nothing on the shared server
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            harness._schema_ready.clear()
        yield app
        if harness.TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.engine.dispose()


def test_upgrade_matches_models(empty_app) -> None:
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
