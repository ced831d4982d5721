"""Run the real site under gunicorn for tests that need several worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webapp import create_app
from webapp.config import lifted_limits
from webapp.extensions import db

PROJECT = Path(__file__).resolve().parent.parent


# Every named rate limit lifted, for sites one fast test client walks through.
RELAXED_LIMITS = lifted_limits("10000 per minute")


def site_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Environment for a throwaway site on a SQLite file, with its schema created."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SEARCH_BACKEND": os.environ.get("TEST_SEARCH_BACKEND", "whoosh"),
        "RATELIMIT_STORAGE_URI": "memory://",
        **settings,
    }
    app = create_app({key: env[key] for key in ("INSTANCE_DIR", "DATABASE_URL",
                                                "SEARCH_BACKEND")})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, port: int | None = None) -> Iterator[str]:
    """Serve wsgi:app; yields the base URL once a worker has served a static file (which no
    rate limit counts). `port`: one from free_port(), for a site that must know its own URL."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(f"{base}/static/css/site.css")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
