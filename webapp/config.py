"""Configuration: one table of defaults, overridden by environment variables of the same name.

Production (APP_ENV=production) refuses to start without a real secret key and database.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from search_index.backend import BACKENDS

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "APP_ENV": "development",  # development | production | testing
    "SECRET_KEY": None,  # development generates one per instance dir; production must set it
    "INSTANCE_DIR": str(PROJECT_ROOT / "instance"),
    "DATABASE_URL": None,  # default: SQLite file in the instance dir
    "SEARCH_INDEX_DIR": None,  # default: <instance>/search-index
    "SEARCH_BACKEND": "whoosh",  # search_index.backend.BACKENDS
    # The index follows the database's change log (services.search_sync):
    "SEARCH_SYNC_WAIT": 0.5,  # seconds a search waits for another worker's index write
    "SEARCH_SYNC_INLINE_ROWS": 5000,  # a larger backlog is applied by a background thread
    "SEARCH_REBUILD_BACKLOG": 200_000,  # an index further behind is rebuilt, not replayed
    "SEARCH_RETRY_SECONDS": 5.0,  # after a failed index write, searches retry this often
    "SEARCH_IMPORT_WAIT": 120.0,  # seconds an import waits to write its index update
    "SEARCH_READY_MAX_LAG_SECONDS": 60.0,  # /readyz fails when the index lags longer
    # `flask search-log-prune` keeps this many days of the change log; a node whose index
    # was off longer than that rebuilds itself when it comes back.
    "SEARCH_LOG_KEEP_DAYS": 30,
    "RATELIMIT_STORAGE_URI": "memory://",
    # A moving window: a fixed one lets twice the limit through across a window's edge (and
    # made the limit tests depend on the clock).
    "RATELIMIT_STRATEGY": "moving-window",
    # Said explicitly: Flask-Limiter's init_app falls back to the shared limiter's previous
    # value, so one app built with limits off (a benchmark) would turn them off for the next.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "chengxin",  # separates sites sharing one Redis
    "RATELIMIT_SEARCH": "60 per minute; 1000 per hour",
    "RATELIMIT_API": "120 per minute",
    "RATELIMIT_REPORTS": "10 per minute; 100 per day",  # credit report PDF downloads per IP
    # Every other page, per route and IP (profiles by id, records, forms, the back office).
    "RATELIMIT_PAGES": "120 per minute; 3000 per hour",
    "RATELIMIT_SCAN": "60 per minute; 1000 per hour",  # /c/<token>, the scan page
    "RATELIMIT_CODE_ISSUE": "10 per minute; 100 per day",  # 领取信用码 (POST)
    "RATELIMIT_CAPTCHA": "20 per minute; 300 per hour",  # each image is a stored challenge
    "RATELIMIT_REPORTS_VERIFY": "20 per minute; 300 per hour",  # report verification
    "RATELIMIT_DECLARATION": "10 per hour",  # 自主申报 submissions (POST)
    "PROXY_FIX_HOPS": 0,  # number of trusted reverse proxies in front of gunicorn
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",  # every absolute URL the site writes
    # Host names the site answers to (others: 400). Default: none checked in development,
    # PUBLIC_BASE_URL's host in production.
    "TRUSTED_HOSTS": None,
    "SITE_NAME": "信用黑河",
    "SIGNING_KEYS_DIR": None,  # credit-code signing keys; default: <instance>/keys
    "CITY_NAME": "黑河市",
    "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,  # hard ceiling; forms enforce their own limits
    # Publicity of penalties by 《信用修复管理办法》(国家发展改革委令第36号, in force 2026-04-01),
    # chapter 2: dishonest-conduct information is 轻微 (minor), 一般 (general) or 严重
    # (serious). Months: the shortest period opens credit repair, the longest takes the record
    # out of public view by itself. 轻微 is in principle not published; a department that
    # publishes it anyway shows it at most 3 months.
    "PUBLICITY_PERIODS": {
        "minor": {"min_months": 0, "max_months": 3},
        "general": {"min_months": 3, "max_months": 12},
        "serious": {"min_months": 12, "max_months": 36},
    },
    "PUBLISH_MINOR_PENALTIES": False,
    # 严重: one of these sanctions applies, or the fine reaches the amount (万元).
    "SERIOUS_PENALTY_TYPES": ["吊销许可证件", "责令关闭", "限制从业", "行政拘留",
                              "责令停产停业", "限制开展生产经营活动", "降低资质等级"],
    "SERIOUS_FINE_WAN_YUAN": 10,
    # 轻微: every sanction of the decision is one of these, or it was decided by the simplified
    # procedure (简易程序, 行政处罚法 art. 51).
    "MINOR_PENALTY_TYPES": ["警告", "通报批评"],
    # Never published (still imported, stored and counted): decisions whose sanctions are all
    # of these kinds (warnings and 通报批评 alone), decisions by the simplified procedure, and
    # penalties of minors (age at the decision from the ID number).
    "UNPUBLISHED_PENALTY_TYPES": ["警告", "通报批评"],
    "UNPUBLISHED_SIMPLIFIED_PROCEDURE": True,
    "UNPUBLISHED_MINORS": True,
    "MINOR_AGE": 18,
    # How a file says a penalty was decided by the simplified procedure: a 处罚程序 column
    # containing one of the words, or a decision number containing one of the markers.
    "SIMPLIFIED_PROCEDURE_WORDS": ["简易程序", "简易", "当场"],
    "SIMPLIFIED_PROCEDURE_DOC_MARKERS": ["简罚", "当罚", "简易"],
    # Dictionary codes departments' systems export instead of labels (DATA-STANDARD.md,
    # "Coded values"); a department's own codes can be added to a column's table.
    "IMPORT_CODE_TABLES": {
        "当前状态": {"source": "双公示行政许可数据标准 当前状态（1 有效，0 无效）",
                   "codes": {"1": "有效", "0": "无效"}},
        "证件类型": {"source": "双公示数据标准 2.0 证件类型代码",
                   "codes": {"001": "身份证", "002": "护照号", "003": "港澳居民来往内地通行证",
                             "004": "台湾居民来往大陆通行证", "005": "外国人永久居留身份证",
                             "006": "港澳台居民居住证"}},
        "法定代表人证件类型": {"source": "双公示数据标准 2.0 证件类型代码",
                       "codes": {"001": "身份证", "002": "护照号",
                                 "003": "港澳居民来往内地通行证",
                                 "004": "台湾居民来往大陆通行证",
                                 "005": "外国人永久居留身份证", "006": "港澳台居民居住证"}},
        "行政相对人类别": {"source": "双公示数据标准 2.0 行政相对人类别代码",
                     "codes": {"1": "法人及非法人组织", "2": "自然人", "3": "个体工商户"}},
    },
    # Lists whose natural persons' names must be disclosed (legal basis requires naming them).
    "NAME_DISCLOSED_LIST_TYPES": ["失信被执行人", "拖欠农民工工资失信联合惩戒对象名单"],
    "DOUBLE_PUBLICITY_WORKING_DAYS": 7,
    # Working days: chinesecalendar, then the holidays package where its data for the year
    # is the State Council's announced schedule. A year neither knows: its schedule here,
    # {"2027": {"holidays": ["2027-02-05", …], "workdays": ["2027-02-13", …],
    # "source": "国办发明电〔2026〕…号"}}; without one, deadlines in it are provisional.
    "WORKDAY_SCHEDULES": {},
    # Single corrections on top of every source (a holiday added by a local decision).
    "WORKDAY_EXTRA_HOLIDAYS": [],
    "WORKDAY_EXTRA_WORKDAYS": [],
    # Petitions: time limits in working days (DOMAIN.md; repair per list type, "*" otherwise).
    "PETITION_DEADLINES": {
        "complaint": 15, "gov_complaint": 15, "objection": 5,
        "repair": {"penalty": 3, "失信被执行人": 2, "金融领域失信名单": 14, "养老服务失信名单": 6,
                   "拖欠农民工工资失信联合惩戒对象名单": 14, "经营异常名录": 3, "*": 20},
    },
    # An answered (已答复) case is to be closed (办结) within this many working days.
    "PETITION_CLOSE_WORKDAYS": 5,
    "PETITION_MAX_FILES": 5,
    "PETITION_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "PETITION_CAPTCHA_AFTER": 3,  # submissions per IP per hour before a CAPTCHA is asked
    "RATELIMIT_PETITION_SUBMIT": "10 per minute; 100 per hour",
    "RATELIMIT_PETITION_TRACK": "10 per minute; 50 per hour",
    # Back office: login attempts per IP, and how long a staff login lasts, in seconds,
    # counted from the login itself (the cookie itself ends with the browser).
    "RATELIMIT_STAFF_LOGIN": "10 per minute; 50 per hour",
    # Failed logins per user name and address before that pair must wait (no account lockout).
    "RATELIMIT_STAFF_LOGIN_FAILURES": "5 per 15 minutes; 20 per day",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Departments (by name) that receive complaints; objections and repairs go to the
    # department that published the record.
    "PETITION_COMPLAINT_DEPARTMENT": "黑河市市场监督管理局",
    "PETITION_GOV_COMPLAINT_DEPARTMENT": "黑河市发展和改革委员会",
    # Largest department file the back office upload accepts, in bytes (a clear message
    # above it); MAX_CONTENT_LENGTH stays the hard ceiling of every request.
    "IMPORT_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # A preview nobody confirms is discarded after this many days by `flask
    # import-preview-prune` (daily), its staged file deleted from the database.
    "IMPORT_PREVIEW_KEEP_DAYS": 7,
    # Database time limits, in seconds, set on every PostgreSQL connection: a web request
    # that waits longer answers 503 with Retry-After instead of hanging; the CLI (imports,
    # reindex, backups) gets long ones. 0 = no limit. SQLite uses the lock timeout as its
    # busy timeout.
    "DB_STATEMENT_TIMEOUT_WEB": 10,
    "DB_LOCK_TIMEOUT_WEB": 3,
    "DB_STATEMENT_TIMEOUT_CLI": 3600,
    "DB_LOCK_TIMEOUT_CLI": 120,
    "DB_CONNECT_TIMEOUT": 5,  # a database host that does not answer
    "DB_POOL_TIMEOUT": 5,  # every pooled connection busy
    "UNAVAILABLE_RETRY_AFTER": 15,  # Retry-After of a 503 (database down or too slow)
    # Rate limits: when the Redis behind them is unreachable, count in each process's memory
    # (and log a warning) rather than fail requests; back to Redis when it answers again.
    "RATELIMIT_STORAGE_TIMEOUT": 0.5,
    # Hall kiosks: seconds without a touch before the 10-second countdown that ends the
    # visit (a kiosk may set its own in the back office); the hall screen's refresh period;
    # camera frames a kiosk may send for decoding (about 2 per second while scanning).
    "KIOSK_IDLE_SECONDS": 90,
    "KIOSK_COUNTDOWN_SECONDS": 10,
    "KIOSK_BOARD_REFRESH_SECONDS": 300,
    "RATELIMIT_KIOSK_SCAN": "240 per minute",
}

_JSON_KEYS = {
    "TRUSTED_HOSTS",
    "PETITION_DEADLINES",
    "PUBLICITY_PERIODS",
    "SERIOUS_PENALTY_TYPES",
    "UNPUBLISHED_PENALTY_TYPES",
    "MINOR_PENALTY_TYPES",
    "SIMPLIFIED_PROCEDURE_WORDS",
    "SIMPLIFIED_PROCEDURE_DOC_MARKERS",
    "IMPORT_CODE_TABLES",
    "WORKDAY_SCHEDULES",
    "PUBLISH_MINOR_PENALTIES",
    "UNPUBLISHED_SIMPLIFIED_PROCEDURE",
    "UNPUBLISHED_MINORS",
    "NAME_DISCLOSED_LIST_TYPES",
    "WORKDAY_EXTRA_HOLIDAYS",
    "WORKDAY_EXTRA_WORKDAYS",
}
_INT_KEYS = {"PETITION_MAX_FILES", "PETITION_MAX_FILE_BYTES", "PETITION_CAPTCHA_AFTER",
             "PROXY_FIX_HOPS", "MAX_CONTENT_LENGTH", "DOUBLE_PUBLICITY_WORKING_DAYS",
             "PERMANENT_SESSION_LIFETIME", "IMPORT_MAX_UPLOAD_BYTES", "MINOR_AGE",
             "UNAVAILABLE_RETRY_AFTER", "SEARCH_SYNC_INLINE_ROWS", "SEARCH_REBUILD_BACKLOG",
             "SEARCH_LOG_KEEP_DAYS", "IMPORT_PREVIEW_KEEP_DAYS",
             "KIOSK_IDLE_SECONDS", "KIOSK_COUNTDOWN_SECONDS", "KIOSK_BOARD_REFRESH_SECONDS"}
_FLOAT_KEYS = {"SERIOUS_FINE_WAN_YUAN", "DB_STATEMENT_TIMEOUT_WEB", "DB_LOCK_TIMEOUT_WEB",
               "DB_STATEMENT_TIMEOUT_CLI", "DB_LOCK_TIMEOUT_CLI", "DB_CONNECT_TIMEOUT",
               "DB_POOL_TIMEOUT", "RATELIMIT_STORAGE_TIMEOUT", "SEARCH_SYNC_WAIT",
               "SEARCH_RETRY_SECONDS", "SEARCH_IMPORT_WAIT", "SEARCH_READY_MAX_LAG_SECONDS"}


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
    if config["SEARCH_BACKEND"] not in BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND must be one of {sorted(BACKENDS)}, "
                          f"not {config['SEARCH_BACKEND']!r}")
    if not config["SEARCH_INDEX_DIR"]:
        config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    config["PREFERRED_URL_SCHEME"] = config["PUBLIC_BASE_URL"].split(":", 1)[0]
    if config["TRUSTED_HOSTS"] is None and config["APP_ENV"] == "production":
        config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_BASE_URL"]).hostname or ""]
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config["APP_ENV"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
    return config


def engine_options(config: dict[str, Any], role: str) -> dict[str, Any]:
    """SQLAlchemy engine options with the time limits of `role` ("web" or "cli")."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    statement = float(config[f"DB_STATEMENT_TIMEOUT_{role.upper()}"])
    lock = float(config[f"DB_LOCK_TIMEOUT_{role.upper()}"])
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": lock or 3600},  # the busy timeout
                "json_serializer": json_text}
    options = (f"-c statement_timeout={int(statement * 1000)} "
               f"-c lock_timeout={int(lock * 1000)}")
    return {
        "json_serializer": json_text,
        "pool_pre_ping": True,  # a connection broken by a restart is replaced, not used
        "pool_timeout": float(config["DB_POOL_TIMEOUT"]),
        "connect_args": {"connect_timeout": max(1, round(config["DB_CONNECT_TIMEOUT"])),
                         "options": options, "application_name": f"chengxin-{role}"},
    }


def json_text(value: Any) -> str:
    """JSON columns as UTF-8 text: escaped as \\uXXXX, each Chinese character took six
    bytes, and a record's source row and change snapshots were most of the database."""
    return json.dumps(value, ensure_ascii=False)


def lifted_limits(rate: str) -> dict[str, str]:
    """Every named rate limit set to `rate`: for test sites and benchmarks, where one
    address sends everything."""
    from limits import parse_many

    def is_limit(value: object) -> bool:
        try:
            return isinstance(value, str) and bool(parse_many(value))
        except ValueError:
            return False

    return {key: rate for key, value in DEFAULTS.items()
            if key.startswith("RATELIMIT_") and is_limit(value)}


def ratelimit_options(config: dict[str, Any]) -> dict[str, Any]:
    """Flask-Limiter settings: in-memory fallback while the shared storage is unreachable,
    and short socket timeouts so that a Redis that hangs cannot hang the site."""
    options: dict[str, Any] = {"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
                               "RATELIMIT_SWALLOW_ERRORS": True}
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        timeout = float(config["RATELIMIT_STORAGE_TIMEOUT"])
        options["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": timeout,
                                                "socket_connect_timeout": timeout}
    return options


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


def strong_secret(key: str) -> bool:
    """At least 32 characters and about 128 bits even if every character were random
    (`secrets.token_hex(32)` is 256): refuses "x"*64, "change-me…", digit runs."""
    distinct = len(set(key))
    return len(key) >= 32 and distinct >= 8 and len(key) * math.log2(distinct) >= 128


def check_production(config: dict[str, Any]) -> None:
    """Refuse unsafe production settings before anything is served."""
    if config["APP_ENV"] != "production":
        return
    if not strong_secret(str(config.get("SECRET_KEY") or "")):
        raise ConfigError(
            "生产环境的 SECRET_KEY 太弱：至少 32 个随机字符，例如 "
            "python3 -c 'import secrets; print(secrets.token_hex(32))' (weak SECRET_KEY)")
    url = str(config.get("DATABASE_URL") or "")
    if not url or url.startswith("sqlite"):
        raise ConfigError("生产环境必须使用 PostgreSQL：DATABASE_URL=postgresql://… "
                          "(SQLite is for development only)")
    base = urlsplit(config["PUBLIC_BASE_URL"])
    if base.scheme != "https" or base.hostname in (None, "127.0.0.1", "localhost"):
        raise ConfigError("生产环境必须设置 PUBLIC_BASE_URL=https://网站域名 "
                          "(every absolute URL and QR code is built from it)")
    if not config["TRUSTED_HOSTS"]:
        raise ConfigError("生产环境的 TRUSTED_HOSTS 不能为空 (the host names the site answers to)")
    if int(config["PROXY_FIX_HOPS"]) < 1:
        raise ConfigError("生产环境须部署在 nginx 之后并设置 PROXY_FIX_HOPS=1 "
                          "(see scripts/deploy/nginx.conf)")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError(
            "生产环境的限流必须使用共享存储 RATELIMIT_STORAGE_URI=redis://… "
            "(per-worker memory counters do not limit anything under gunicorn)"
        )
