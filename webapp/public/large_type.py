"""适老化: the site's large-type switch, a cookie the server reads (works without script)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from webapp.admin.access import safe_next
from webapp.public import bp

COOKIE = "large_type"


def _back() -> str:
    """The page the switch was pressed on. The link carries no address of its own, so a page
    reads the same whatever its URL (the case pages rely on that)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return url_for("public.home")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path) or url_for("public.home")


@bp.get("/large-type")
def large_type() -> Response:
    on = request.args.get("on") == "1"
    response = redirect(_back(), code=303)
    if on:
        response.set_cookie(COOKIE, "1", max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config["APP_ENV"] == "production")
    else:
        response.delete_cookie(COOKIE)
    return response


@bp.app_context_processor
def _large_type() -> dict[str, Any]:
    return {"large_type": request.cookies.get(COOKIE) == "1"}
