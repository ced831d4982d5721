"""Rate limits hold across gunicorn workers when counted in Redis (as production requires)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from live_server import fetch, gunicorn, site_env

REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set: no Redis to test")


def test_limit_is_shared_by_all_workers(tmp_path: Path) -> None:
    # A fresh key prefix per run, so earlier runs' counters do not interfere.
    env = site_env(tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_API="5 per minute",
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    with gunicorn(env, workers=2) as base:
        url = f"{base}/api/v1/subjects/91110000802100433B"
        statuses = [fetch(url)[0] for _ in range(12)]
    assert statuses.count(429) == 7, statuses
    assert all(code != 429 for code in statuses[:5])
