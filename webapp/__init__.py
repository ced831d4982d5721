"""诚信查询: the application factory. Each register_* step does one job."""

from __future__ import annotations

import importlib
import importlib.util
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import click
from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import availability, input_guard, observability
from webapp.config import (
    PROJECT_ROOT,
    check_production,
    engine_options,
    ensure_secret_key,
    load_config,
    ratelimit_options,
)
from webapp.extensions import csrf, db, limiter, login_manager, migrate, talisman

#: Feature packages: each has `bp` (a Blueprint) and may have `commands.register(app)`.
BLUEPRINT_FEATURES = ("public", "api", "codes", "reports", "petitions", "admin", "operations",
                      "kiosk")
COMMAND_FEATURES = (*BLUEPRINT_FEATURES, "imports", "search", "demo")



def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(Path(load_config(config)["INSTANCE_DIR"]).resolve()),
    )
    register_config(app, config)
    register_routing(app)
    observability.register(app)
    register_extensions(app)
    register_security(app)
    input_guard.register(app)
    register_blueprints(app)
    register_errorhandlers(app)
    availability.register(app)
    register_templating(app)
    register_commands(app)
    return app


def register_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    settings = load_config(overrides)
    Path(settings["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    ensure_secret_key(settings)
    check_production(settings)
    serving = click.get_current_context(silent=True) is None
    if serving:
        # Serving (gunicorn) refuses to start without a signing key; the flask CLI may run,
        # since `flask keys ensure` is how the first key is made.
        from webapp.services.codes import check_signing_key

        check_signing_key(settings)
    # Web requests get short database time limits, CLI commands (imports, reindex) long ones.
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                        engine_options(settings, "web" if serving else "cli"))
    for key, value in ratelimit_options(settings).items():
        settings.setdefault(key, value)
    app.config.update(settings)
    app.config["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    if settings["PROXY_FIX_HOPS"]:
        hops = settings["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_routing(app: Flask) -> None:
    """Before any blueprint: `<int:…>` accepts only ids the database can hold."""
    from webapp.routing import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "webapp" / "migrations"),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Limiter keeps "storage unreachable" across init_app: an app built after another
    # app's Redis outage would count in the fallback store until a late recheck flips it back
    # (and forgets the counts). Each app starts on its own, reachable storage.
    limiter._storage_dead = False
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = "请先登录后台。"
    # A staff cookie copied to another address or browser is void (staff sessions are not
    # permanent, so "strong" applies); logout ends it everywhere (models.staff session_version).
    login_manager.session_protection = "strong"
    # Importing the models package makes every table known to create_all() and Alembic.
    from webapp.models.staff import load_staff_user

    login_manager.user_loader(load_staff_user)


def register_security(app: Flask) -> None:
    """CSP with per-request nonces, no framing, no sniffing, no referrer leaks."""
    csp = {
        "default-src": "'self'",
        "img-src": ["'self'", "data:"],
        "script-src": "'self'",
        "style-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the reverse proxy
        strict_transport_security=app.config["APP_ENV"] == "production",
        session_cookie_secure=app.config["APP_ENV"] == "production",
        content_security_policy=csp,
        content_security_policy_nonce_in=["script-src", "style-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )


def register_blueprints(app: Flask) -> None:
    for feature in BLUEPRINT_FEATURES:
        module = importlib.import_module(f"webapp.{feature}")
        app.register_blueprint(module.bp)


def register_commands(app: Flask) -> None:
    for feature in COMMAND_FEATURES:
        name = f"webapp.{feature}.commands"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


ERROR_MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回后重试。"),
    403: ("无权访问", "您没有访问此页面的权限。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除。"),
    405: ("请求方式不支持", "此页面不支持该请求方式。"),
    413: ("上传内容过大", "上传的文件或内容超过了允许的大小。"),
    415: ("提交格式不支持", "请通过页面上的表单提交。"),
    429: ("请求过于频繁", "您的操作过于频繁，请稍后再试。"),
    500: ("服务器暂时出错", "服务器处理请求时出错，请稍后再试。我们已记录此问题。"),
    503: ("服务暂时不可用", "系统繁忙或正在维护，请稍后再试。"),
}


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: Exception) -> Any:
        code = error.code if isinstance(error, HTTPException) and error.code else 500
        if code == 500:
            with suppress(SQLAlchemyError):
                db.session.rollback()  # nothing half-written survives an error
        title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500 if code >= 500 else 400])
        message = getattr(error, "user_message", message)
        detail = getattr(error, "description", None) if code in (400, 413, 429) else None
        if isinstance(error, SecurityError):
            detail = None  # it would echo the untrusted Host header
        retry = _retry_after_seconds() if code == 429 else None
        # Keep what the error says beyond its body (405's Allow, 429's Retry-After, …).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"] \
            if isinstance(error, HTTPException) else []
        if _wants_json():
            body = {"error": title, "reason": message, "status": code,
                    "request_id": observability.request_id()}
            if isinstance(detail, str) and code != 429:
                body["detail"] = detail
            return jsonify(body), code, headers
        if isinstance(error, SecurityError):  # no URL adapter for an untrusted host: no page
            return f"{title}：{message}", code, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template(
            "errors/error.html", code=code, title=title, message=message, retry=retry
        ), code, headers

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(Exception, _unexpected(render_error))


def _retry_after_seconds() -> int | None:
    """Seconds until the breached rate limit resets (flask-limiter's error does not say)."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, current.reset_at - int(time.time()))


def _unexpected(render_error: Any) -> Any:
    def handler(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return render_error(error)
        unavailable = availability.unavailable_response(error)
        if unavailable is not None:
            return unavailable  # database down or too slow: 503, logged once per outage
        from flask import current_app

        current_app.logger.exception("unhandled error on %s", request.path)
        return render_error(error)

    return handler


def register_templating(app: Flask) -> None:
    from webapp import templating

    templating.register(app)
