"""The per-IP rate limit on staff login (its own module: it changes the app's config)."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.models.staff import Role


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_STAFF_LOGIN": "3 per minute"}


def test_login_rate_limit_per_ip(client: Any, no_csrf: None, make_staff: Any) -> None:
    user = make_staff(Role.ADMIN)
    codes = [client.post("/admin/login", data={"username": user.username,
                                               "password": "nope-nope"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "请求过于频繁" in client.post("/admin/login", data={}).get_data(as_text=True)
