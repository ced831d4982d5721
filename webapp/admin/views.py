"""Routes of the admin blueprint: login, logout, the start page."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.admin import bp, throttle
from webapp.admin.access import LOGIN_AT, current_staff, safe_next, staff_required
from webapp.admin.forms import LoginForm, LogoutForm
from webapp.extensions import db, limiter
from webapp.models.base import utcnow
from webapp.services import search, search_sync, workdays
from webapp.services.audit import audit
from webapp.services.staff import LoginError, authenticate, end_sessions


def _clear_session() -> None:
    session.clear()
    # Flask-WTF caches the CSRF token per app context; drop it with the session's copy so
    # the next form gets a token that matches the new session.
    g.pop("csrf_token", None)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_STAFF_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        username = form.username.data.strip()
        wait = throttle.wait_seconds(username, request.remote_addr)
        if wait:
            form.password.errors.append(throttle.message(wait))
            response = current_app.make_response(render_template("admin/login.html", form=form))
            response.status_code = 429
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            user = authenticate(db.session, username, form.password.data)
        except LoginError as error:
            throttle.record_failure(username, request.remote_addr)
            audit(db.session, None, "staff.login_failed", f"username:{username[:64]}",
                  ip=request.remote_addr)
            db.session.commit()
            form.password.errors.append(str(error))
        else:
            _clear_session()  # nothing from before the login carries over
            # The previous login bounds "new since last login" on the home page.
            user.previous_login_at, user.last_login_at = user.last_login_at, utcnow()
            # Not a permanent cookie: it ends with the browser, and Flask-Login's "strong"
            # protection (address and browser bound) applies only to such sessions.
            login_user(user)
            session[LOGIN_AT] = int(time.time())
            audit(db.session, user, "staff.login", f"staff:{user.id}", ip=request.remote_addr)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("admin.index"))
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout() -> Any:
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.index"))
    if current_user.is_authenticated:
        staff = current_staff()
        audit(db.session, staff, "staff.logout", f"staff:{staff.id}", ip=request.remote_addr)
        end_sessions(db.session, staff)  # a cookie saved before this opens nothing
        db.session.commit()
    logout_user()
    _clear_session()
    flash("您已退出登录。", "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required()
def index() -> Any:
    """The day's work: counts and lists of what is overdue, due today, due soon and new."""
    from sqlalchemy import select

    from webapp.models import ImportBatch
    from webapp.models.imports import BatchState
    from webapp.models.staff import Role
    from webapp.services import casework
    from webapp.services.clock import today as china_today

    staff = current_staff()
    today = china_today()
    work = lists = mine = None
    departments: list[Any] = []
    if staff.has_role(Role.ADMIN, Role.REVIEWER):
        work = casework.counts(db.session, staff, today)
        lists = {name: casework.listing(db.session, staff, name, today)
                 for name in casework.BUCKETS}
        mine = casework.counts(db.session, staff, today, _assigned_to(staff))
        if staff.has_role(Role.ADMIN):
            departments = casework.per_department(db.session, staff, today)
    previews: list[Any] = []
    if staff.has_role(Role.ADMIN, Role.DATA_OFFICER):
        previews = list(db.session.scalars(
            select(ImportBatch).where(ImportBatch.state == BatchState.PREVIEW.value,
                                      ImportBatch.actor == staff.username)
            .order_by(ImportBatch.id.desc()).limit(10)))
    return render_template(
        "admin/index.html", staff=staff, work=work, lists=lists, mine=mine,
        departments=departments, buckets=casework.BUCKETS, previews=previews, today=today,
        days_left=casework.days_left, index=search_sync.lag(db.session, search.engine()),
        unknown_years=workdays.unknown_years(today))


def _assigned_to(staff: Any) -> Any:
    from sqlalchemy import func, select

    from webapp.models.petitions import Case

    return select(func.count()).select_from(Case).where(Case.assignee_id == staff.id)
