"""Writing the append-only audit log; services flush, the request commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from webapp.models.audit import AuditLog
from webapp.models.staff import StaffUser


def audit(
    session: Session, staff: StaffUser | None, action: str, target: str,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    entry = AuditLog(
        staff_id=staff.id if staff else None, username=staff.username if staff else "-",
        action=action, target=target, before=before, after=after, ip=ip,
    )
    session.add(entry)
    return entry
