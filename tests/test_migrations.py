"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
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


def test_0003_re_evaluates_stored_penalties_under_the_2026_measures(empty_app: Flask) -> None:
    """Records imported under the old rules: a warning shown 3-12 months, a warning withheld
    as "revoked", a simplified-procedure fine, a minor's fine, a serious one."""
    from datetime import date, datetime

    import sqlalchemy as sa

    from webapp.services.imports.idcard import check_digit

    upgrade(revision="0001")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    subjects = sa.table("subjects", *(sa.column(c) for c in (
        "id", "uscc", "name", "subject_type", "id_number", "created_at", "updated_at")),
        sa.column("former_names", sa.JSON))
    records = sa.table("records", *(sa.column(c) for c in (
        "id", "kind", "subject_id", "identity_key", "doc_number", "amount",
        "visibility", "visibility_reason", "severity", "published_at", "created_at",
        "updated_at")),
        *(sa.column(c, sa.Date) for c in ("decided_on", "public_until", "repair_eligible_on")),
        *(sa.column(c, sa.JSON) for c in ("details", "extra", "source_row")))
    minor_id = "23110220120315042"
    minor_id += check_digit(minor_id)
    db.session.execute(subjects.insert(), [
        {"id": 1, "uscc": "91440300708461136T", "name": "甲公司", "subject_type": "企业法人",
         "id_number": None, "former_names": [], "created_at": now, "updated_at": now},
        {"id": 2, "uscc": None, "name": "王小川", "subject_type": "自然人",
         "id_number": minor_id, "former_names": [], "created_at": now, "updated_at": now},
    ])
    def penalty(n, subject, types, visibility="public", reason=None, amount=None, doc=None):
        return {"id": n, "kind": "penalty", "subject_id": subject, "identity_key": f"p|{n}",
                "doc_number": doc or f"黑市监处罚〔2026〕{n}号", "decided_on": date(2026, 6, 1),
                "amount": amount, "visibility": visibility, "visibility_reason": reason,
                "severity": "general", "public_until": date(2027, 5, 31),
                "repair_eligible_on": date(2026, 9, 1), "published_at": now,
                "created_at": now, "updated_at": now, "extra": {}, "source_row": {},
                "details": {"处罚类别": types, "公示截止期（计算）": "2027-05-31"}}
    db.session.execute(records.insert(), [
        penalty(1, 1, "警告"),
        penalty(2, 1, "警告", "revoked", "该处罚类别依规定不予公示"),
        penalty(3, 1, "罚款", amount=0.02, doc="黑市监简罚〔2026〕3号"),
        penalty(4, 2, "罚款", amount=0.05),
        penalty(5, 1, "罚款;吊销许可证件", amount=1),
        penalty(6, 1, "罚款", amount=0.5),
        penalty(7, 1, "警告", "revoked", "经异议撤销（YY20260601-000001）"),
    ])
    db.session.commit()
    upgrade()
    rows = {r.id: r for r in db.session.execute(sa.select(records))}
    assert [rows[n].visibility for n in range(1, 8)] == [
        "unpublished", "unpublished", "unpublished", "unpublished", "public", "public",
        "revoked"]
    assert "简易程序" in rows[3].visibility_reason and "未成年人" in rows[4].visibility_reason
    assert [rows[n].severity for n in (1, 3, 5, 6)] == ["minor", "minor", "serious", "general"]
    assert (rows[5].repair_eligible_on, rows[5].public_until) == (date(2027, 6, 1),
                                                                 date(2029, 5, 31))
    assert rows[5].details["公示截止期（计算）"] == "2029-05-31"
    assert rows[6].public_until == date(2027, 5, 31)  # unchanged: same rule as before
    assert rows[7].visibility_reason.startswith("经异议撤销")  # a decision is not undone
    db.session.rollback()  # end the read, so the fixture may drop the tables
