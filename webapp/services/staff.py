"""Staff accounts: hashed passwords, login with lockout after repeated failures."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models.base import utcnow
from webapp.models.staff import Role, StaffUser

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")


class LoginError(ValueError):
    """Wrong credentials or a locked account; the message is shown as is."""


def create_user(session: Session, username: str, password: str, role: Role,
                department_id: int | None = None, display_name: str | None = None) -> StaffUser:
    if not USERNAME.match(username):
        raise ValueError("用户名只能包含字母、数字、下划线、点和连字符，长度 2-64。")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise ValueError(f"用户名 {username} 已存在。")
    if role != Role.ADMIN and department_id is None:
        raise ValueError("部门审核员和数据报送员必须指定所属部门。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 位。")
    user = StaffUser(username=username, display_name=display_name or username,
                     password_hash=generate_password_hash(password), role=role.value,
                     department_id=department_id, is_enabled=True, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser:
    """The user, or LoginError; failures count towards a temporary lockout."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    now = utcnow()
    if user is None or not user.is_enabled:
        raise LoginError("用户名或密码错误。")
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:  # SQLite drops the zone
        locked_until = locked_until.replace(tzinfo=UTC)
    if locked_until is not None and locked_until > now:
        raise LoginError("登录失败次数过多，账号已临时锁定，请稍后再试。")
    if not check_password_hash(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.flush()
        raise LoginError("用户名或密码错误。")
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def disable_user(session: Session, username: str) -> StaffUser:
    """Disabled accounts cannot log in; the row stays, so the audit log keeps its names."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise ValueError(f"用户 {username} 不存在。")
    user.is_enabled = False
    session.flush()
    return user


# --- account management (the administrators' /admin/users) --------------------------------

_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A one-time password an administrator hands over; it must be changed at first use."""
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(14))


def set_password(session: Session, user: StaffUser, password: str, *,
                 temporary: bool = False) -> None:
    """Replace the password; a temporary one forces a change at the next login."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 位。")
    user.password_hash = generate_password_hash(password)
    user.must_change_password = temporary
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


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
