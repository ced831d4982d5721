"""What the site does when the database is unreachable or too slow (README, "Degradation").

A request whose database work fails for lack of the database — it is down, the connection
broke, a statement or lock timeout fired, the pool had no free connection — is answered
503 with Retry-After (a page, or JSON under /api/), not 500. The log gets one line when an
outage starts and one when it is over, per process, not a traceback per request.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from webapp.extensions import db, limiter

log = logging.getLogger(__name__)

TITLE = "服务暂时不可用"
MESSAGE = "系统繁忙或正在维护，暂时无法处理您的请求，请稍后再试。您提交的内容未被保存。"
QUIET_SECONDS = 5.0  # an outage is over once statements succeed this long after the last failure
# SQLite's OperationalError also covers programming errors ("no such table"): only these
# mean the database is busy or gone.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def unavailable_reason(error: BaseException) -> str | None:
    """Why `error` means "no database right now", or None for any other error."""
    if isinstance(error, PoolTimeout):
        return "connection pool exhausted"
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "connection lost"
    if isinstance(error, OperationalError | InterfaceError):
        original = error.orig
        module = type(original).__module__
        if module.startswith("sqlite3"):
            message = str(original).lower()
            return message if any(m in message for m in _SQLITE_UNAVAILABLE) else None
        if module.startswith("psycopg") and getattr(original, "sqlstate", None):
            # query_canceled (statement timeout), lock_not_available, admin shutdown, …
            return f"{type(original).__name__} ({original.sqlstate})"
        return type(original).__name__
    return None


class OutageLog:
    """One log line when failures start, one when they stop; counts in between."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last_failure = 0.0
        self._failures = 0

    @property
    def active(self) -> bool:
        return self._since is not None

    def failed(self, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures += 1
            self._last_failure = now
            if self._since is not None:
                return
            self._since = now
        log.error("%s unavailable (%s): answering 503 until it is back", self.what, reason)

    def succeeded(self) -> None:
        if self._since is None:  # the common case: no lock taken
            return
        now = time.monotonic()
        with self._lock:
            if self._since is None or now - self._last_failure < QUIET_SECONDS:
                return
            lasted, failures = self._last_failure - self._since, self._failures
            self._since, self._failures = None, 0
        log.warning("%s available again: outage of %.1f s, %d requests answered 503",
                    self.what, lasted, failures)


database_outage = OutageLog("database")


def _statement_succeeded(*_args: Any) -> None:
    database_outage.succeeded()


def unavailable_response(error: Exception) -> Any | None:
    """The 503 answer when `error` means the database is unavailable, else None."""
    from webapp.observability import request_id

    reason = unavailable_reason(error)
    if reason is None:
        return None
    database_outage.failed(reason)
    with suppress(SQLAlchemyError):
        db.session.rollback()  # may fail too with the connection gone; the pool drops it
    retry = int(current_app.config["UNAVAILABLE_RETRY_AFTER"])
    if request.path.startswith(("/api/", "/.well-known/")):
        response = jsonify({"error": TITLE, "reason": MESSAGE, "status": 503,
                            "retry_after": retry, "request_id": request_id()})
    else:
        response = current_app.make_response(render_template(
            "errors/error.html", code=503, title=TITLE, message=MESSAGE, retry=retry))
    response.status_code = 503
    response.headers["Retry-After"] = str(retry)
    g.retry_after = retry  # kept over the rate limiter's own Retry-After (observability)
    return response


def rate_limit_storage_state() -> str:
    """"ok", or "memory fallback" while the shared storage (Redis) does not answer."""
    try:
        return "ok" if limiter.storage.check() else "memory fallback"
    except Exception:  # any storage error means the same for us
        return "memory fallback"


def register(app: Flask) -> None:
    if not event.contains(Engine, "after_cursor_execute", _statement_succeeded):
        event.listen(Engine, "after_cursor_execute", _statement_succeeded)

    @app.teardown_appcontext
    def close_session(_error: BaseException | None) -> None:
        """Runs before Flask-SQLAlchemy's own teardown (registered earlier): closing a
        session whose connection the database dropped raises on its ROLLBACK, and a
        teardown that raises escapes every error handler (gunicorn's bare 500)."""
        try:
            db.session.close()
        except SQLAlchemyError:
            with suppress(SQLAlchemyError):
                db.session().invalidate()  # the Session itself: scoped_session lacks it
