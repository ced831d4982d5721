"""Staff accounts: hashed passwords, login with lockout after repeated failures."""

from __future__ import annotations

import re
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
