"""Who may see what in the back office: login required, roles, and department scope."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from webapp.models.staff import Role, StaffUser

F = TypeVar("F", bound=Callable[..., Any])

#: Session key holding the login time (epoch seconds): the lifetime counts from login, so an
#: active session still ends after PERMANENT_SESSION_LIFETIME (the cookie alone would slide).
LOGIN_AT = "staff_login_at"


def current_staff() -> StaffUser:
    """The logged-in staff user; only call behind staff_required."""
    return cast(StaffUser, current_user._get_current_object())


def in_scope(staff: StaffUser, department_id: int | None) -> bool:
    """Admins see everything; other staff only their own department's items."""
    if staff.has_role(Role.ADMIN):
        return True
    return staff.department_id is not None and staff.department_id == department_id


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login, or None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def session_expired() -> bool:
    started = session.get(LOGIN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return not isinstance(started, int | float) or time.time() - started > lifetime


def _login_redirect() -> Any:
    nxt = request.full_path if request.method == "GET" else None
    nxt = safe_next(nxt.rstrip("?") if nxt else None)
    return redirect(url_for("admin.login", next=nxt) if nxt else url_for("admin.login"))


def staff_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous → login page (with a safe `next`); a role not listed → 403.

    With no roles given, any logged-in staff user may pass.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _login_redirect()
            if session_expired() or not current_staff().is_active:
                logout_user()
                session.pop(LOGIN_AT, None)
                flash("登录已过期，请重新登录。", "info")
                return _login_redirect()
            if current_staff().must_change_password and request.endpoint not in (
                    "admin.change_password", "admin.logout"):
                flash("请设置新密码后继续使用后台。", "info")
                return redirect(url_for("admin.change_password"))
            if roles and not current_staff().has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
