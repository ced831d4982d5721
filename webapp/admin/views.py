"""Routes of the admin blueprint: login, logout, the start page."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.admin import bp
from webapp.admin.access import LOGIN_AT, current_staff, safe_next, staff_required
from webapp.admin.forms import LoginForm, LogoutForm
from webapp.extensions import db, limiter
from webapp.services import search, search_sync
from webapp.services.audit import audit
from webapp.services.staff import LoginError, authenticate


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
        try:
            user = authenticate(db.session, form.username.data.strip(), form.password.data)
        except LoginError as error:
            audit(db.session, None, "staff.login_failed",
                  f"username:{form.username.data.strip()[:64]}", ip=request.remote_addr)
            db.session.commit()  # keep the failure count that leads to the lockout
            form.password.errors.append(str(error))
        else:
            _clear_session()  # nothing from before the login carries over
            login_user(user)
            session.permanent = True
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
        db.session.commit()
    logout_user()
    _clear_session()
    flash("您已退出登录。", "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required()
def index() -> Any:
    index = search_sync.lag(db.session, search.engine())
    return render_template("admin/index.html", staff=current_staff(), index=index)
