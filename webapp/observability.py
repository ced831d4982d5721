"""Request ids and the per-request log line.

Every request gets an id: the one a trusted proxy sent in X-Request-ID (nginx's
$request_id), or a fresh one. It is returned in the X-Request-ID header, printed on error
pages (a citizen can quote it), and added to every log line written while the request
runs (RequestIdFilter, installed on gunicorn's handlers by gunicorn.conf.py). After each
request one line goes to the `webapp.access` logger: method, path, status, duration.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{8,128}")  # what we accept from the proxy and echo back

access_log = logging.getLogger("webapp.access")


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _VALID.fullmatch(offered) else uuid.uuid4().hex
    return str(g.request_id)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request), for the JSON formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


def register(app: Flask) -> None:
    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def finish_request(response: Response) -> Response:
        rid = request_id()
        if rid:
            response.headers[HEADER] = rid
        if "retry_after" in g:  # a 503's own advice, not the rate limit window's reset
            response.headers["Retry-After"] = str(g.retry_after)
        elif response.status_code not in (429, 503):
            # Flask-Limiter adds its window's Retry-After to every limited answer (and every
            # route has a limit); only a refusal should tell a client when to come back.
            response.headers.pop("Retry-After", None)
        started = g.get("request_started")
        if started is not None and request.endpoint != "static":
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code, "remote": request.remote_addr,
                       "ms": round((time.perf_counter() - started) * 1000, 1)},
            )
        return response

    @app.context_processor
    def request_globals() -> dict[str, Any]:
        return {"request_id": request_id()}
