"""gunicorn settings for 诚信查询 (`gunicorn -c gunicorn.conf.py wsgi:app`, what `make run` does).

Every value can be overridden by an environment variable of the same upper-case name
(GUNICORN_BIND, WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT, …) or on the command line.

Graceful reload (new code or settings, no request dropped): `kill -HUP <master pid>` starts
new workers, then lets the old ones finish their requests within `graceful_timeout`.
"""

from __future__ import annotations

import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gthread: a thread waiting on the database does not hold the whole process. One worker
# per core (at least two, so a recycled worker never leaves none): the site is CPU-bound
# Python, and on 2 cores scripts/bench_http.py served 92 req/s with 2 workers, 83 with 3
# and 67-80 with gunicorn's rule of thumb of 2 x cores + 1 (more processes contending for
# the cores and the caches). Capped so that a large machine does not open more database
# connections than PostgreSQL allows (workers x threads x pool).
workers = _env_int("WEB_CONCURRENCY", min(max(2, multiprocessing.cpu_count()), 9))
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 4)
# A worker that stops answering its heartbeat this long is killed and replaced. With
# gthread the heartbeat goes on while a request runs; slow SQL is bounded by the database
# statement and lock timeouts (webapp/config.py), which answer 503 long before this.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # SIGHUP/SIGTERM: finish requests
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)  # behind nginx: keep upstream connections briefly
# Recycle workers now and then (jitter: not all at once) so a slow leak cannot grow forever.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)
limit_request_line = 8190
preload_app = False  # each worker imports the app itself: SIGHUP then loads new code

# Logs: the application writes one JSON line per request (with its request id) on stderr;
# gunicorn's own messages are JSON too. Its access log would repeat every request: off.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                              "process": "pid"},
        },
    },
    "filters": {"request_id": {"()": "webapp.observability.RequestIdFilter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json",
                   "filters": ["request_id"], "stream": "ext://sys.stderr"},
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"],
                           "propagate": False, "qualname": "gunicorn.error"},
        "alembic": {"level": "WARNING"},  # its plugin set-up lines in every worker
        "gunicorn.access": {"level": "INFO" if accesslog else "WARNING", "handlers": ["stderr"],
                            "propagate": False, "qualname": "gunicorn.access"},
    },
}
