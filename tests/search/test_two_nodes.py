"""Two nodes, one database: each gunicorn instance has its own index directory and follows
the change log. A change made through node A is searchable on node B within 2 s; a node
started empty builds its index from the database, then follows the log.

On PostgreSQL when TEST_DATABASE_URL is set (the deployment this is for), else on one
SQLite file both nodes open."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from import_files import csv_bytes, penalty_row
from live_server import PROJECT, fetch, gunicorn, site_env

from webapp import create_app
from webapp.extensions import db


def _import(env: dict[str, str], path: Path, rows: list[dict[str, str]]) -> None:
    """`flask import-records` run as node A (its database and index directory)."""
    path.write_bytes(csv_bytes(rows))
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "import-records", "--kind", "penalty",
         str(path)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _finds(base: str, number: str) -> bool:
    status, body = fetch(f"{base}/search?tab=records&q={urllib.parse.quote(number)}")
    return status == 200 and "找到 <strong>1</strong> 条" in body


def _wait_for(base: str, number: str, seconds: float) -> float:
    started = time.monotonic()
    while not _finds(base, number):
        waited = time.monotonic() - started
        assert waited < seconds, f"{number} not searchable on {base} after {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def shared_env(tmp_path: Path) -> dict[str, str]:
    url = os.environ.get("TEST_DATABASE_URL")
    env = site_env(tmp_path, RATELIMIT_SEARCH="100000 per minute",
                   **({"DATABASE_URL": url} if url else {}))
    if url:  # the shared test database: start from empty tables
        app = create_app({key: env[key] for key in ("INSTANCE_DIR", "DATABASE_URL")})
        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(db.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
            db.engine.dispose()
    return env


def test_a_change_through_one_node_is_searchable_on_the_other(shared_env, tmp_path: Path):
    node_a = {**shared_env, "SEARCH_INDEX_DIR": str(tmp_path / "index-a")}
    # Node B starts later, empty, with a low rebuild threshold: it builds in bulk.
    node_b = {**shared_env, "SEARCH_INDEX_DIR": str(tmp_path / "index-b"),
              "SEARCH_REBUILD_BACKLOG": "10"}
    _import(node_a, tmp_path / "before.csv", [penalty_row(n) for n in range(1, 31)])
    with gunicorn(node_a, workers=1) as base_a, gunicorn(node_b, workers=2) as base_b:
        assert _finds(base_a, "黑市监处罚〔2026〕30号")
        _wait_for(base_b, "黑市监处罚〔2026〕30号", 60)  # built from the database
        ready = json.loads(fetch(f"{base_b}/readyz")[1])
        assert ready["status"] == "ready" and ready["search"]["lag_sequences"] == 0
        assert (tmp_path / "index-b" / "CURRENT").exists()  # its own index, not A's

        lags = []
        for n in range(31, 34):
            _import(node_a, tmp_path / f"new{n}.csv", [penalty_row(n)])
            lags.append(_wait_for(base_b, f"黑市监处罚〔2026〕{n}号", 2.0))
            assert _finds(base_a, f"黑市监处罚〔2026〕{n}号")
    assert max(lags) < 2.0, lags
