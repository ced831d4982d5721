"""Staff accounts: hashed passwords, login, password changes, session versions.

Repeated failures are throttled per name and address in admin.throttle, not by locking the
account (which any stranger could do to any staff member).
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models.staff import Role, StaffUser

MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password-of-anyone")


class LoginError(ValueError):
    """Wrong credentials or a disabled account; the message is shown as is."""


def create_user(session: Session, username: str, password: str, role: Role,
                department_id: int | None = None, display_name: str | None = None) -> StaffUser:
    if not USERNAME.match(username):
        raise ValueError("用户名只能包含字母、数字、下划线、点和连字符，长度 2-64。")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise ValueError(f"用户名 {username} 已存在。")
    if role != Role.ADMIN and department_id is None:
        raise ValueError("部门审核员和数据报送员必须指定所属部门。")
    _check_password(password)
    user = StaffUser(username=username, display_name=display_name or username,
                     password_hash=generate_password_hash(password), role=role.value,
                     department_id=department_id, is_enabled=True, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser:
    """The user, or LoginError with the same words for every kind of failure."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    # A hash is checked even for unknown names, so timing does not tell which names exist.
    password_hash = user.password_hash if user is not None else _dummy_hash()
    matches = check_password_hash(password_hash, password)
    if user is None or not user.is_enabled or not matches:
        raise LoginError("用户名或密码错误。")
    return user


def end_sessions(session: Session, user: StaffUser) -> None:
    """Every session of the user ends (logout, password change, disabling): a saved cookie
    names the old session version, which the login loader no longer accepts."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """A new password; every session of the user ends, so a stolen one stops working."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 位。")


def disable_user(session: Session, username: str) -> StaffUser:
    """Disabled accounts cannot log in; the row stays, so the audit log keeps its names."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise ValueError(f"用户 {username} 不存在。")
    user.is_enabled = False
    end_sessions(session, user)
    return user
