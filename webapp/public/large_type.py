"""适老化: the site's large-type switch, a cookie the server reads (works without script)."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from webapp.admin.access import safe_next
from webapp.public import bp

COOKIE = "large_type"


@bp.get("/large-type")
def large_type() -> Response:
    on = request.args.get("on") == "1"
    response = redirect(safe_next(request.args.get("next")) or url_for("public.home"), code=303)
    if on:
        response.set_cookie(COOKIE, "1", max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config["APP_ENV"] == "production")
    else:
        response.delete_cookie(COOKIE)
    return response


@bp.app_context_processor
def _large_type() -> dict[str, Any]:
    return {"large_type": request.cookies.get(COOKIE) == "1"}
