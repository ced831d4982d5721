"""The degradation policy (README, "Degradation"): database down or too slow → 503 with
Retry-After and one log line per outage; Redis down → limits counted in memory, site serves."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from webapp import availability, create_app
from webapp.config import engine_options, load_config
from webapp.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _closed_port() -> int:
    """A loopback port nothing listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_site() -> Iterator[Callable[..., Flask]]:
    """make_site(directory, **settings) → a site of its own; its pooled connections are
    closed when the test ends (left to the garbage collector, an open PostgreSQL
    connection raises its ResourceWarning in whichever later test collects it)."""
    sites: list[Flask] = []

    def build(directory: Path, **settings: Any) -> Flask:
        sites.append(create_app({
            "APP_ENV": "testing", "TESTING": True, "SECRET_KEY": "test", "INSTANCE_DIR":
            str(directory / "instance"), "SEARCH_INDEX_DIR": str(directory / "index"),
            "PUBLIC_BASE_URL": "http://localhost", **settings}))
        return sites[-1]

    yield build
    for site in sites:
        with site.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def outage_free() -> None:
    """Each test starts with no outage in progress in this process."""
    availability.database_outage.__init__("database")  # type: ignore[misc]


def test_database_unreachable_answers_503_with_retry_after(
    make_site, tmp_path, caplog, outage_free
) -> None:
    app = make_site(tmp_path,
                    DATABASE_URL=f"postgresql://nobody@127.0.0.1:{_closed_port()}/none",
                    UNAVAILABLE_RETRY_AFTER=20)
    client = app.test_client()
    caplog.set_level(logging.INFO)
    pages = ["/", "/subjects/1", "/honour-board", "/timeliness", "/s/91110000802100433B"]
    for _ in range(4):
        for path in pages:
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "20"
            html = response.get_data(as_text=True)
            assert "服务暂时不可用" in html and "请在 20 秒后再试" in html
            assert response.headers["X-Request-ID"] in html  # a citizen can quote it
    api = client.get("/api/v1/subjects/91110000802100433B")
    assert api.status_code == 503 and api.headers["Retry-After"] == "20"
    body = api.get_json()
    assert body["status"] == 503 and body["retry_after"] == 20
    assert body["request_id"] == api.headers["X-Request-ID"]
    # 21 failed requests (4 x 5 pages + the API), one line in the log, no traceback.
    outage_lines = [r for r in caplog.records if r.name == "webapp.availability"]
    assert len(outage_lines) == 1 and outage_lines[0].levelno == logging.ERROR
    assert not [r for r in caplog.records if r.exc_info]


def test_readiness_reports_the_database(make_site, tmp_path, outage_free) -> None:
    down = make_site(tmp_path,
                     DATABASE_URL=f"postgresql://nobody@127.0.0.1:{_closed_port()}/none")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("unreachable")
    assert down.test_client().get("/healthz").status_code == 200


def test_readiness_says_whether_limits_are_shared(client, app) -> None:
    body = client.get("/readyz").get_json()
    assert body["database"] == "ok" and body["rate_limit_storage"] == "ok"


def test_outage_is_logged_once_and_its_end_once(monkeypatch, caplog) -> None:
    outage = availability.OutageLog("database")
    caplog.set_level(logging.INFO, logger="webapp.availability")
    for _ in range(5):
        outage.failed("OperationalError")
    outage.succeeded()  # too soon after the last failure: a flapping database is one outage
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    monkeypatch.setattr(availability, "QUIET_SECONDS", 0.0)
    time.sleep(0.01)
    outage.succeeded()
    outage.succeeded()
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]
    assert "5 requests answered 503" in caplog.records[-1].getMessage()
    assert not outage.active


def test_other_database_errors_stay_500(client, app, caplog) -> None:
    @app.get("/broken-sql")
    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = client.get("/broken-sql")
    assert response.status_code == 500  # a bug is a bug, not an outage
    assert "Retry-After" not in response.headers


def test_redis_unreachable_limits_fall_back_to_memory(make_site, tmp_path, caplog) -> None:
    app = make_site(tmp_path, DATABASE_URL="sqlite://",
                    RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0",
                    RATELIMIT_API="3 per minute")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    caplog.set_level(logging.WARNING)
    statuses = [client.get("/api/v1/subjects/91110000802100433B").status_code
                for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]  # served, and still limited (in memory)
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    assert client.get("/readyz").get_json()["rate_limit_storage"] == "memory fallback"


def test_an_app_built_after_an_outage_counts_in_its_own_storage(make_site, tmp_path) -> None:
    """One process, two apps (as in tests, or a reload): the second app's limits are not
    left on the first one's fallback store, whose counts vanish at its next recheck."""
    dead = make_site(tmp_path / "a", DATABASE_URL="sqlite://", RATELIMIT_API="100 per minute",
                     RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0")
    with dead.app_context():
        db.create_all()
    for _ in range(2):  # the first marks Redis down, the second fails a recheck
        dead.test_client().get("/api/v1/subjects/91110000802100433B")
    assert dead.test_client().get("/readyz").get_json()["rate_limit_storage"] == "memory fallback"
    app = make_site(tmp_path / "b", DATABASE_URL="sqlite://", RATELIMIT_API="3 per minute")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    url = "/api/v1/subjects/91110000802100433B"
    statuses = [client.get(url).status_code for _ in range(4)]
    time.sleep(2.5)  # past the next recheck of the first app's storage
    statuses += [client.get(url).status_code for _ in range(3)]
    assert statuses == [404, 404, 404, 429, 429, 429, 429]


def test_timeouts_per_role() -> None:
    config = load_config({"DATABASE_URL": "postgresql://u@h/d", "DB_STATEMENT_TIMEOUT_WEB": 7,
                          "DB_LOCK_TIMEOUT_WEB": 2})
    web = engine_options(config, "web")["connect_args"]
    assert web["options"] == "-c statement_timeout=7000 -c lock_timeout=2000"
    cli = engine_options(config, "cli")["connect_args"]
    assert cli["options"] == "-c statement_timeout=3600000 -c lock_timeout=120000"
    sqlite = engine_options(load_config({"DATABASE_URL": "sqlite:///x.db"}), "web")
    assert sqlite["connect_args"] == {"timeout": 3.0}


needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL,
                                    reason="TEST_DATABASE_URL not set: lock timeouts are "
                                           "PostgreSQL's")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "DB_LOCK_TIMEOUT_WEB": 1, "DB_STATEMENT_TIMEOUT_WEB": 2}


@needs_postgres
def test_web_connections_carry_the_timeouts(app) -> None:
    assert db.session.scalar(text("SHOW statement_timeout")) == "2s"
    assert db.session.scalar(text("SHOW lock_timeout")) == "1s"


@needs_postgres
def test_a_locked_table_answers_503_within_the_lock_timeout(
    app, client, make_subject, outage_free
) -> None:
    page = f"/subjects/{make_subject().id}"
    db.session.commit()
    assert client.get(page).status_code == 200
    db.session.rollback()  # the tests share one session: let go of the page's read lock
    with db.engine.connect() as locker:
        locker.execute(text("LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        response = client.get(page)
        waited = time.monotonic() - started
        locker.rollback()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert waited < 2.0  # the 1 s lock timeout, not the lock's length
    assert client.get(page).status_code == 200


@pytest.mark.skipif(not TEST_DATABASE_URL,
                    reason="TEST_DATABASE_URL not set: PostgreSQL ends the connection")
def test_a_connection_dropped_before_teardown_does_not_break_the_answer(
    make_site, tmp_path, outage_free
) -> None:
    """The fault drill's race: PostgreSQL ends the connection after the view has answered,
    so the session's ROLLBACK at teardown fails. The answer stands, and the dropped
    connection leaves the pool (the next request gets a good one)."""
    app = make_site(tmp_path, DATABASE_URL=TEST_DATABASE_URL)

    @app.get("/dropped")
    def dropped() -> str:
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # a transaction is open
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "answered"

    @app.get("/ping")
    def ping() -> str:
        return str(db.session.scalar(text("SELECT 1")))

    client = app.test_client()
    response = client.get("/dropped")
    assert response.status_code == 200 and response.get_data(as_text=True) == "answered"
    assert client.get("/ping").get_data(as_text=True) == "1"
