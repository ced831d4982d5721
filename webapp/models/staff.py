"""Staff accounts of the back office, with roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin
from webapp.models.catalog import Department


class Role(StrEnum):
    ADMIN = "admin"  # 系统管理员: everything, users, audit and query-use logs
    REVIEWER = "reviewer"  # 部门审核员: cases and records of their own department only
    DATA_OFFICER = "data_officer"  # 数据报送员: uploads the department's files


ROLE_LABELS = {
    Role.ADMIN: "系统管理员", Role.REVIEWER: "部门审核员", Role.DATA_OFFICER: "数据报送员",
}


class StaffUser(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'reviewer', 'data_officer')", name="role"),
        CheckConstraint("role = 'admin' OR department_id IS NOT NULL", name="dept_for_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Unused since login throttling moved to services.login_throttle (per name and address,
    # so strangers cannot lock an account); kept until the back office stops showing them.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every login's session id: raising it (logout, password change) ends every
    # session of the user at once, whatever cookies were saved.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A temporary password (set by an administrator) must be replaced at the next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # The login before this one: the home page lists cases received since then.
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    previous_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

    def get_id(self) -> str:  # Flask-Login stores this in the session
        return f"{self.id}.{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}


def load_staff_user(session_id: str) -> StaffUser | None:
    """Flask-Login's loader, on every request: the session holds "<id>.<session_version>";
    a session from before the user's last logout or password change finds nobody."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user
