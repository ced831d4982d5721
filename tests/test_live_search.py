"""A write through the services shows in search in every gunicorn worker within a second."""

from __future__ import annotations

import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from live_server import fetch, gunicorn, site_env

from webapp import create_app
from webapp.extensions import db
from webapp.models import Subject
from webapp.rules.uscc import check_character

NAME = "黑河市远方来客民宿有限公司"
USCC = "91231102MA1X2Y3W4" + check_character("91231102MA1X2Y3W4")
SHOWN = "<mark>远方来客</mark>民宿有限公司"  # the result list highlights the match


def _search_pages(base: str, query: str, count: int) -> list[str]:
    """`count` searches, two at a time, so both workers answer some of them."""
    url = f"{base}/search?q={urllib.parse.quote(query)}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [body for status, body in pool.map(fetch, [url] * count) if status == 200]


def test_new_subject_is_found_by_every_worker_within_a_second(tmp_path: Path) -> None:
    env = site_env(tmp_path, RATELIMIT_SEARCH="10000 per minute")
    writer = create_app({key: env[key] for key in
                         ("INSTANCE_DIR", "DATABASE_URL", "SEARCH_INDEX_DIR",
                          "SEARCH_BACKEND")})
    with gunicorn(env, workers=2) as base:
        # Both workers open their searchers before the write, as on a live site.
        before = _search_pages(base, "远方来客", 10)
        assert len(before) == 10 and not any(SHOWN in page for page in before)

        with writer.app_context():
            db.session.add(Subject(name=NAME, subject_type="企业法人", uscc=USCC))
            db.session.commit()
            db.engine.dispose()
        written = time.monotonic()

        while not all(SHOWN in page for page in _search_pages(base, "远方来客", 4)):
            assert time.monotonic() - written < 1.0, "not visible in every worker after 1 s"
        after = _search_pages(base, "远方来客", 20)
    assert len(after) == 20 and all(SHOWN in page for page in after)
