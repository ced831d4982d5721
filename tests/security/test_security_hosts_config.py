"""Findings 8 and 9: absolute URLs come from PUBLIC_BASE_URL and untrusted Host headers are
refused; production refuses a weak SECRET_KEY and SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from webapp import create_app
from webapp.config import ConfigError, check_production, load_config

BASE = "https://credit.heihe.example.gov.cn"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PUBLIC_BASE_URL": BASE,
            "TRUSTED_HOSTS": ["credit.heihe.example.gov.cn", "localhost"]}


def test_untrusted_host_header_is_refused(client: Any) -> None:
    for url in ("/api/v1/openapi.json", "/", "/api/v1/search?q=鑫源"):
        response = client.get(url, headers={"Host": "evil.example"})
        assert response.status_code == 400, url
        assert "evil.example" not in response.get_data(as_text=True)


def test_absolute_urls_use_the_public_base_url(client: Any, make_subject: Any,
                                               db_session: Any) -> None:
    make_subject(name="黑河市鑫源商贸有限公司")
    db_session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": f"{BASE}/api/v1"}]
    body = client.get("/api/v1/search?q=鑫源&kind=subjects").get_json()
    urls = [hit["url"] for hit in body["subjects"]["hits"]]
    assert urls and all(u.startswith(f"{BASE}/subjects/") for u in urls), urls


def _production(**changes: Any) -> dict[str, Any]:
    settings = {"APP_ENV": "production", "SECRET_KEY": "Zq8v-3kLr_W1nXpT5bYc9hGm2JdF7sA0",
                "DATABASE_URL": "postgresql://credit@db.internal/credit",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "PROXY_FIX_HOPS": 1,
                "PUBLIC_BASE_URL": BASE, "TRUSTED_HOSTS": ["credit.heihe.example.gov.cn"]}
    settings.update(changes)
    return load_config(settings)


def test_a_sound_production_configuration_passes() -> None:
    check_production(_production())
    derived = _production(TRUSTED_HOSTS=None)
    check_production(derived)
    assert derived["TRUSTED_HOSTS"] == ["credit.heihe.example.gov.cn"]


@pytest.mark.parametrize("changes", [
    {"SECRET_KEY": "x"}, {"SECRET_KEY": "x" * 64},
    {"SECRET_KEY": "change-me-change-me-change-me-1"},
    {"SECRET_KEY": "0123456789012345678901234567890123"},
    {"DATABASE_URL": "sqlite:////srv/credit.sqlite3"},
    {"RATELIMIT_STORAGE_URI": "memory://"},
    {"PUBLIC_BASE_URL": "http://127.0.0.1:8000"},
    {"TRUSTED_HOSTS": []},
    {"PROXY_FIX_HOPS": 0},
])
def test_production_refuses_weak_settings(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        check_production(_production(**changes))


def test_production_app_does_not_start_with_a_weak_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        create_app({**_production(SECRET_KEY="x"), "INSTANCE_DIR": str(tmp_path)})
