"""Configuration: one table of defaults, overridden by environment variables of the same name.

Production (APP_ENV=production) refuses to start without a real secret key and database.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "APP_ENV": "development",  # development | production | testing
    "SECRET_KEY": None,  # development generates one per instance dir; production must set it
    "INSTANCE_DIR": str(PROJECT_ROOT / "instance"),
    "DATABASE_URL": None,  # default: SQLite file in the instance dir
    "SEARCH_INDEX_DIR": None,  # default: <instance>/search-index
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "chengxin",  # separates sites sharing one Redis
    "RATELIMIT_SEARCH": "60 per minute; 1000 per hour",
    "RATELIMIT_API": "120 per minute",
    "RATELIMIT_REPORTS": "10 per minute; 100 per day",  # credit report PDF downloads per IP
    "PROXY_FIX_HOPS": 0,  # number of trusted reverse proxies in front of gunicorn
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    "SITE_NAME": "信用黑河",
    "SIGNING_KEYS_DIR": None,  # credit-code signing keys; default: <instance>/keys
    "CITY_NAME": "黑河市",
    "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,  # hard ceiling; forms enforce their own limits
    # Publicity periods of penalties, in months (DOMAIN.md): the shortest period opens credit
    # repair, the longest takes the record out of public view by itself.
    "PUBLICITY_PERIODS": {
        "general": {"min_months": 3, "max_months": 12},
        "serious": {"min_months": 12, "max_months": 36},
    },
    # A penalty is "serious" when one of these sanctions applies or the fine reaches the amount.
    "SERIOUS_PENALTY_TYPES": ["责令停产停业", "吊销许可证件", "限制从业", "行政拘留"],
    "SERIOUS_FINE_WAN_YUAN": 10,
    # Penalties that are not published at all (warnings only, small fines below the amount).
    "UNPUBLISHED_PENALTY_TYPES": [],
    # Lists whose natural persons' names must be disclosed (legal basis requires naming them).
    "NAME_DISCLOSED_LIST_TYPES": ["失信被执行人", "拖欠农民工工资失信联合惩戒对象名单"],
    "DOUBLE_PUBLICITY_WORKING_DAYS": 7,
    # Holidays and make-up working days for years chinesecalendar does not know yet.
    "WORKDAY_EXTRA_HOLIDAYS": [],
    "WORKDAY_EXTRA_WORKDAYS": [],
    # Petitions: time limits in working days (DOMAIN.md; repair per list type, "*" otherwise).
    "PETITION_DEADLINES": {
        "complaint": 15, "gov_complaint": 15, "objection": 5,
        "repair": {"penalty": 3, "失信被执行人": 2, "金融领域失信名单": 14, "养老服务失信名单": 6,
                   "拖欠农民工工资失信联合惩戒对象名单": 14, "经营异常名录": 3, "*": 20},
    },
    "PETITION_MAX_FILES": 5,
    "PETITION_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "PETITION_CAPTCHA_AFTER": 3,  # submissions per IP per hour before a CAPTCHA is asked
    "RATELIMIT_PETITION_SUBMIT": "10 per minute; 100 per hour",
    "RATELIMIT_PETITION_TRACK": "10 per minute; 50 per hour",
    # Back office: login attempts per IP (the per-account lockout is in services.staff), and
    # how long a staff login lasts, in seconds, counted from the login itself.
    "RATELIMIT_STAFF_LOGIN": "10 per minute; 50 per hour",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Departments (by name) that receive complaints; objections and repairs go to the
    # department that published the record.
    "PETITION_COMPLAINT_DEPARTMENT": "黑河市市场监督管理局",
    "PETITION_GOV_COMPLAINT_DEPARTMENT": "黑河市发展和改革委员会",
    # Largest department file the back office upload accepts, in bytes (a clear message
    # above it); MAX_CONTENT_LENGTH stays the hard ceiling of every request.
    "IMPORT_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # Hall kiosks: seconds without a touch before the 10-second countdown that ends the
    # visit (a kiosk may set its own in the back office); the hall screen's refresh period;
    # camera frames a kiosk may send for decoding (about 2 per second while scanning).
    "KIOSK_IDLE_SECONDS": 90,
    "KIOSK_COUNTDOWN_SECONDS": 10,
    "KIOSK_BOARD_REFRESH_SECONDS": 300,
    "RATELIMIT_KIOSK_SCAN": "240 per minute",
}

_JSON_KEYS = {
    "PETITION_DEADLINES",
    "PUBLICITY_PERIODS",
    "SERIOUS_PENALTY_TYPES",
    "UNPUBLISHED_PENALTY_TYPES",
    "NAME_DISCLOSED_LIST_TYPES",
    "WORKDAY_EXTRA_HOLIDAYS",
    "WORKDAY_EXTRA_WORKDAYS",
}
_INT_KEYS = {"PETITION_MAX_FILES", "PETITION_MAX_FILE_BYTES", "PETITION_CAPTCHA_AFTER",
             "PROXY_FIX_HOPS", "MAX_CONTENT_LENGTH", "DOUBLE_PUBLICITY_WORKING_DAYS",
             "PERMANENT_SESSION_LIFETIME", "IMPORT_MAX_UPLOAD_BYTES",
             "KIOSK_IDLE_SECONDS", "KIOSK_COUNTDOWN_SECONDS", "KIOSK_BOARD_REFRESH_SECONDS"}
_FLOAT_KEYS = {"SERIOUS_FINE_WAN_YUAN"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


def _coerce(key: str, raw: str) -> Any:
    if key in _JSON_KEYS:
        return json.loads(raw)
    if key in _INT_KEYS:
        return int(raw)
    if key in _FLOAT_KEYS:
        return float(raw)
    return raw


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then environment variables, then explicit overrides (tests, scripts)."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in os.environ:
            config[key] = _coerce(key, os.environ[key])
    if overrides:
        unknown = set(overrides) - set(DEFAULTS)
        for key in sorted(unknown):
            # Flask and extension keys (TESTING, WTF_CSRF_ENABLED, …) pass through; only
            # our own look-alike typos are worth a warning.
            if not (key.startswith(("FLASK_", "WTF_", "SQLALCHEMY_", "RATELIMIT_", "SESSION_"))
                    or key in {"TESTING", "DEBUG", "SERVER_NAME"}):
                log.warning("unknown configuration key %s", key)
        config.update(overrides)
    return _derive(config)


def _derive(config: dict[str, Any]) -> dict[str, Any]:
    instance = Path(config["INSTANCE_DIR"])
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"] or (
            f"sqlite:///{instance / 'chengxin.sqlite3'}"
        )
    config["SQLALCHEMY_DATABASE_URI"] = _with_driver(config["SQLALCHEMY_DATABASE_URI"])
    if not config["SEARCH_INDEX_DIR"]:
        config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    config["PREFERRED_URL_SCHEME"] = config["PUBLIC_BASE_URL"].split(":", 1)[0]
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config["APP_ENV"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
    return config


def _with_driver(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short form."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_secret_key(config: dict[str, Any]) -> None:
    """Production needs SECRET_KEY from the environment; development keeps one per instance."""
    if config.get("SECRET_KEY"):
        return
    if config["APP_ENV"] == "production":
        raise ConfigError("生产环境必须设置 SECRET_KEY 环境变量 (SECRET_KEY is required)")
    key_file = Path(config["INSTANCE_DIR"]) / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    config["SECRET_KEY"] = key_file.read_text().strip()


def check_production(config: dict[str, Any]) -> None:
    """Refuse unsafe production settings before anything is served."""
    if config["APP_ENV"] != "production":
        return
    if not config.get("DATABASE_URL"):
        raise ConfigError("生产环境必须设置 DATABASE_URL (a real database is required)")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError(
            "生产环境的限流必须使用共享存储 RATELIMIT_STORAGE_URI=redis://… "
            "(per-worker memory counters do not limit anything under gunicorn)"
        )
