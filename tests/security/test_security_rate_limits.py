"""Finding 5: every public route has a rate limit, named in the configuration."""

from __future__ import annotations

import re
from typing import Any

import pytest

from webapp.config import DEFAULTS

NAMED = sorted(k for k in DEFAULTS if k.startswith("RATELIMIT_")
               and k not in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX",
                             "RATELIMIT_STRATEGY", "RATELIMIT_ENABLED"))


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **dict.fromkeys(NAMED, "2 per minute")}


def _public_routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        # /healthz: the supervisor's liveness probe, a constant answer (nothing to abuse);
        # /kiosk: refused (403) to every browser that is not an enrolled kiosk, before any
        # work; enrolled kiosks are limited per kiosk (tests/kiosk).
        if rule.endpoint in ("static", "public.favicon", "operations.healthz") or (
                rule.rule.startswith("/admin") and rule.endpoint != "admin.login") or (
                rule.rule.startswith("/kiosk")):
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)
        url = re.sub(r"<[^>]+>", "x", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def test_the_limits_are_named() -> None:
    for name in ("RATELIMIT_PAGES", "RATELIMIT_SCAN", "RATELIMIT_CODE_ISSUE",
                 "RATELIMIT_CAPTCHA", "RATELIMIT_REPORTS_VERIFY", "RATELIMIT_DECLARATION"):
        assert name in NAMED


def test_every_public_route_is_rate_limited(app: Any, no_csrf: None) -> None:
    routes = _public_routes(app)
    assert len(routes) >= 30, routes
    unlimited = []
    for method, url in routes:
        client = app.test_client()  # a fresh cookie jar; the address is what counts
        statuses = [client.open(url, method=method).status_code for _ in range(3)]
        if statuses[-1] != 429:
            unlimited.append((method, url, statuses))
    assert unlimited == []


def test_a_limited_page_says_when_to_retry(client: Any, make_subject: Any,
                                           db_session: Any) -> None:
    subject = make_subject()
    db_session.commit()
    for _ in range(2):
        assert client.get(f"/subjects/{subject.id}").status_code == 200
    response = client.get(f"/subjects/{subject.id}")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "请求过于频繁" in response.get_data(as_text=True)
