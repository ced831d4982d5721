"""Rate limits hold across gunicorn workers when counted in Redis (as production requires)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from webapp import create_app
from webapp.extensions import db

REDIS_URL = os.environ.get("TEST_REDIS_URL")
PROJECT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set: no Redis to test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_limit_is_shared_by_all_workers(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_API": "5 per minute",
    }
    app = create_app({key: env[key] for key in ("INSTANCE_DIR", "DATABASE_URL")})
    with app.app_context():
        db.create_all()
    port = _free_port()
    # A fresh key prefix per run, so earlier runs' counters do not interfere.
    env["RATELIMIT_KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/subjects/91110000802100433B"
        deadline = time.monotonic() + 30
        while True:  # wait for the workers; the first answer already counts against the limit
            try:
                first = _status(url)
                break
            except (ConnectionError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        statuses = [first] + [_status(url) for _ in range(11)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert statuses.count(429) == 7, statuses
    assert all(code != 429 for code in statuses[:5])
