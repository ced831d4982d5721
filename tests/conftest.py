"""Shared fixtures: a fresh app per test, on SQLite or on TEST_DATABASE_URL (PostgreSQL)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp import create_app
from webapp.extensions import db
from webapp.models import Department, Record, Subject
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import ListNature, RecordKind

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
# The whole suite runs on each search backend: .ci/run repeats it with TEST_SEARCH_BACKEND.
TEST_SEARCH_BACKEND = os.environ.get("TEST_SEARCH_BACKEND", "whoosh")
_schema_ready: set[str] = set()
_empty_statements: dict[str, str] = {}  # database URL -> what empties it between tests


def _reset_database(url: str) -> None:
    """SQLite in memory starts empty; a real server is wiped once per session, emptied per test.

    Emptied with DELETE and sequence restarts in one round trip: the tables of a test hold a
    few rows, and TRUNCATE's per-table file swap cost ~120 ms a test against ~9 ms (about a
    minute and a half of the PostgreSQL pass)."""
    if url.startswith("sqlite"):
        db.create_all()
        return
    if url not in _schema_ready:
        db.drop_all()
        db.create_all()
        sequences = db.session.scalars(text(
            "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"))
        _empty_statements[url] = "; ".join(
            [f'DELETE FROM "{table.name}"'  # noqa: S608 (the models' own table names)
             for table in reversed(db.metadata.sorted_tables)]
            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences])
        db.session.commit()
        _schema_ready.add(url)
    else:
        db.session.execute(text(_empty_statements[url]))
        db.session.commit()


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Override in a test module to change settings before the app is built."""
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": TEST_DATABASE_URL or "sqlite://",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "SEARCH_BACKEND": TEST_SEARCH_BACKEND,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "http://localhost",
    }


class FreshRequestClient(FlaskClient):
    """Each request starts with an empty `g`, as it does when served: the tests keep one app
    context open, and Flask would otherwise carry Flask-Login's user and the CSRF token in
    `g` from one client's request into another client's."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        for key in list(g):
            g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        _reset_database(app.config["SQLALCHEMY_DATABASE_URI"])
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def no_csrf(app: Flask) -> Iterator[None]:
    """For tests that are not about CSRF; one test proves a POST without a token fails."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def db_session(app: Flask) -> Session:
    return db.session


_serial = itertools.count(1)


def make_uscc(n: int, region: str = "231102") -> str:
    """A valid USCC: 9 (industry & commerce) 1 (enterprise) + region + organisation code."""
    return uscc_rules.make("91", region, n)


@pytest.fixture
def make_subject(db_session: Session) -> Callable[..., Subject]:
    def factory(**fields: Any) -> Subject:
        n = next(_serial)
        fields.setdefault("name", f"黑河市测试{n}号贸易有限公司")
        fields.setdefault("subject_type", "企业法人")
        if fields["subject_type"] != "自然人":
            fields.setdefault("uscc", make_uscc(n))
        subject = Subject(**fields)
        db_session.add(subject)
        db_session.flush()
        return subject

    return factory


@pytest.fixture
def make_record(db_session: Session) -> Callable[..., Record]:
    def factory(subject: Subject, **fields: Any) -> Record:
        n = next(_serial)
        kind = fields.setdefault("kind", RecordKind.PENALTY.value)
        if kind == RecordKind.LIST:
            fields.setdefault("list_nature", ListNature.BLACK.value)
            fields.setdefault("list_type", "严重失信主体名单")
        department = fields.pop("department", None)
        if department is None:
            name = fields.pop("department_name", "黑河市市场监督管理局")
            department = db_session.query(Department).filter_by(name=name).one_or_none()
            department = department or Department(name=name)
        fields.setdefault("doc_number", f"黑市监处罚〔2026〕{n}号")
        fields.setdefault("identity_key", f"{kind}|{fields['doc_number']}|{department.name}|{n}")
        fields.setdefault("decided_on", date(2026, 6, 1))
        record = Record(subject=subject, department=department, **fields)
        db_session.add(record)
        db_session.flush()
        return record

    return factory


# --- Back office staff (shared by tests/admin and tests/admin_tools) ---------------------

STAFF_PASSWORD = "staff-password-for-tests"
_staff_serial = itertools.count(1)


@pytest.fixture
def department(db_session: Session) -> Callable[[str], Department]:
    """department(name) → the Department of that name, created on first use."""

    def factory(name: str = "黑河市市场监督管理局") -> Department:
        found = db_session.query(Department).filter_by(name=name).one_or_none()
        if found is None:
            found = Department(name=name)
            db_session.add(found)
            db_session.flush()
        return found

    return factory


@pytest.fixture
def make_staff(db_session: Session, department: Callable[[str], Department]) -> Callable[..., Any]:
    """make_staff(role, department=None, **fields) → an enabled StaffUser whose password is
    STAFF_PASSWORD. department: a Department or its name; non-admins default to 市场监管局."""
    from webapp.models.staff import Role
    from webapp.services.staff import create_user

    def factory(role: Role | str, department: Department | str | None = None,
                **fields: Any) -> Any:
        role = Role(role)
        if department is None and role != Role.ADMIN:
            department = "黑河市市场监督管理局"
        if isinstance(department, str):
            department = department_factory(department)
        n = next(_staff_serial)
        return create_user(
            db_session, fields.pop("username", f"{role.value}{n}"),
            fields.pop("password", STAFF_PASSWORD), role,
            department_id=department.id if department else None,
            display_name=fields.pop("display_name", None),
        )

    department_factory = department
    return factory


@pytest.fixture
def login_as() -> Callable[..., Any]:
    """login_as(client, user, password=STAFF_PASSWORD) logs in through the real login form
    (works with CSRF on or off) and returns the response after the redirect."""
    import re

    def do_login(client: FlaskClient, user: Any, password: str = STAFF_PASSWORD) -> Any:
        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"username": user.username, "password": password}
        if token:
            data["csrf_token"] = token.group(1)
        return client.post("/admin/login", data=data, follow_redirects=True)

    return do_login
