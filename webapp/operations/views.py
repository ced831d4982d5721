"""Health endpoints, as JSON. /healthz: the process answers (liveness; no dependencies, so
a slow database never gets a healthy worker restarted). /readyz: this node can serve —
its database answers and its search index is built and not too far behind the change
log (503 otherwise, with the reason), so a load balancer can take a lagging node out.
Warnings that do not stop serving (a year no working-day calendar knows) are listed too."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.availability import rate_limit_storage_state
from webapp.extensions import db, limiter
from webapp.operations import bp
from webapp.rules.workdays import Source
from webapp.services import clock, search, search_sync, workdays


@bp.get("/healthz")
@limiter.exempt  # a constant answer for the process supervisor: nothing to abuse
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")  # it queries the database: under RATELIMIT_PAGES like any page
def readyz() -> Any:
    problems: list[str] = []
    body: dict[str, Any] = {"database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        body["search"] = search_sync.lag(db.session, search.engine())
    except SQLAlchemyError as error:
        db.session.rollback()
        body["database"] = f"unreachable: {type(error).__name__}"
        problems.append("database unreachable")
    index = body.get("search")
    if index:
        if not index["built"]:
            problems.append("search index not built from the database yet")
        elif index["pruned_past"]:
            problems.append("search index older than the pruned change log: rebuilding")
        elif index["lag_seconds"] > current_app.config["SEARCH_READY_MAX_LAG_SECONDS"]:
            problems.append(f"search index {index['lag_seconds']:.0f} s behind")
    # Informational: without Redis the limits are counted per worker, the site still serves.
    body["rate_limit_storage"] = rate_limit_storage_state()
    # Informational too: a year no calendar knows gets provisional deadlines (暂定), served.
    calendar = workdays.sources(clock.today())
    body["workday_calendar"] = {str(year): source.value for year, source in calendar.items()}
    body["warnings"] = [
        f"no working-day calendar knows {year}: deadlines in it are provisional; set "
        f"WORKDAY_SCHEDULES[\"{year}\"] from the State Council's notice or run make lock"
        for year, source in calendar.items() if source == Source.PROVISIONAL
    ]
    body["status"] = "not ready" if problems else "ready"
    body["problems"] = problems
    return jsonify(body), 503 if problems else 200
