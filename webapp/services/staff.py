"""Staff accounts: hashed passwords, login, password changes, session versions.

Repeated failures are throttled per name and address in admin.throttle, not by locking the
account (which any stranger could do to any staff member).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models.base import utcnow
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


# --- account management (the administrators' /admin/users) --------------------------------

_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A one-time password an administrator hands over; it must be changed at first use."""
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(14))


def set_password(session: Session, user: StaffUser, password: str, *,
                 temporary: bool = False) -> None:
    """Replace the password (a temporary one forces a change at the next login); every
    session of the user ends, so a stolen cookie or password stops working."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.must_change_password = temporary
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user)


def change_own_password(session: Session, user: StaffUser, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise ValueError("当前密码不正确。")
    if new == current:
        raise ValueError("新密码不能与当前密码相同。")
    set_password(session, user, new)


def unlock_user(session: Session, user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def is_locked(user: StaffUser) -> bool:
    until = user.locked_until
    if until is None:
        return False
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return until > utcnow()


def update_user(session: Session, user: StaffUser, role: Role, department_id: int | None,
                display_name: str) -> None:
    if role != Role.ADMIN and department_id is None:
        raise ValueError("部门审核员和数据报送员必须指定所属部门。")
    user.role = role.value
    user.department_id = department_id
    user.display_name = display_name.strip()[:64] or user.username
    session.flush()
