"""The application shell: configuration safety, security headers, error pages."""

import click
import pytest

from webapp import create_app
from webapp.config import ConfigError


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "INSTANCE_DIR": str(tmp_path)})


#: A production configuration that passes every check but the one a test takes away.
PRODUCTION = {
    "APP_ENV": "production", "SECRET_KEY": "5c0b8f1e9a7d4c2b6e3f0a9d8c7b6a5e4f3d2c1b",
    "DATABASE_URL": "postgresql://credit@127.0.0.1:1/credit",  # never connected to here
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "PROXY_FIX_HOPS": 1,
    "PUBLIC_BASE_URL": "https://credit.heihe.example.gov.cn",
}


def test_production_refuses_memory_rate_limits(tmp_path) -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({**PRODUCTION, "INSTANCE_DIR": str(tmp_path),
                    "RATELIMIT_STORAGE_URI": "memory://"})


def test_development_keeps_one_secret_per_instance(tmp_path) -> None:
    first = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_security_headers_and_csp(client) -> None:
    response = client.get("/no-such-page")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "nonce-" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_not_found_page_is_in_chinese(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_api_errors_are_json_with_a_reason(client) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.is_json and response.json["reason"]


def test_production_server_refuses_to_start_without_signing_key(tmp_path, monkeypatch) -> None:
    settings = {**PRODUCTION, "INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="签名密钥"):
        create_app(settings)
    # The CLI still loads (it is how the first key is generated), and then serving works.
    from flask.cli import ScriptInfo

    script = ScriptInfo(create_app=lambda: create_app(settings))
    with click.Context(click.Command("keys"), obj=script):
        cli_app = create_app(settings)
    result = cli_app.test_cli_runner().invoke(args=["keys", "ensure"])
    assert result.exit_code == 0, result.output
    assert create_app(settings).config["APP_ENV"] == "production"
