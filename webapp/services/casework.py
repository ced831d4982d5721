"""The staff's work on cases: what is overdue, due today, due soon, new; days left.

Work is every case staff still have to act on: the open states and 已答复 (to be closed).
Its deadline is the legal answer deadline, or for 已答复 the closing deadline. The home page
counts and the queue's `due=` filter use the same conditions, so they always agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from webapp.models.petitions import WORK_STATES, Case, CaseEvent, CaseState
from webapp.models.staff import StaffUser
from webapp.services.petitions import scope_cases
from webapp.services.workdays import calendar

WORK = [s.value for s in WORK_STATES]
SOON_WORKDAYS = 3
BUCKETS = {
    "overdue": "已超期", "today": "今天到期", "soon": f"{SOON_WORKDAYS} 个工作日内到期",
    "new": "上次登录以来新收到",
}


def work_due() -> ColumnElement[date]:
    """SQL: the deadline of the next staff step (answer, or closing for 已答复)."""
    return case((Case.state == CaseState.DECIDED.value,
                 func.coalesce(Case.close_due_on, Case.due_on)), else_=Case.due_on)


def new_since(staff: StaffUser) -> datetime:
    """Cases received since the user's previous login (first login: the last day)."""
    since = staff.previous_login_at
    if since is None:
        return datetime.now(UTC) - timedelta(days=1)
    return since if since.tzinfo else since.replace(tzinfo=UTC)


def bucket_clause(name: str, staff: StaffUser, today: date) -> ColumnElement[bool]:
    due = work_due()
    in_work = Case.state.in_(WORK)
    if name == "overdue":
        return and_(in_work, due < today)
    if name == "today":
        return and_(in_work, due == today)
    if name == "soon":
        last = calendar().add_workdays(today, SOON_WORKDAYS)
        return and_(in_work, due > today, due <= last)
    if name == "new":
        return Case.created_at >= new_since(staff)
    raise ValueError(name)


def counts(session: Session, staff: StaffUser, today: date,
           base: Select[Any] | None = None) -> dict[str, int]:
    base = base if base is not None else scope_cases(
        select(func.count()).select_from(Case), staff)
    return {name: session.scalar(base.where(bucket_clause(name, staff, today))) or 0
            for name in BUCKETS}


def per_department(session: Session, staff: StaffUser, today: date
                   ) -> list[tuple[str, dict[str, int]]]:
    """For administrators: each department's work counts (departments with work only)."""
    from webapp.models.catalog import Department

    rows = []
    for department in session.scalars(select(Department).order_by(Department.name)):
        base = select(func.count()).select_from(Case).where(
            Case.department_id == department.id)
        found = counts(session, staff, today, base)
        if any(found.values()):
            rows.append((department.name, found))
    return rows


def listing(session: Session, staff: StaffUser, name: str, today: date,
            limit: int = 10) -> list[Case]:
    stmt = scope_cases(select(Case), staff).where(bucket_clause(name, staff, today))
    return list(session.scalars(stmt.order_by(work_due(), Case.id).limit(limit)))


def days_left(case_: Case, today: date) -> tuple[str, str]:
    """(text, tone) for a case's deadline in working days: tone overdue / today / soon / ok."""
    due = case_.work_due_on
    if due is None:
        return "—", "done"
    step = "办结" if case_.state == CaseState.DECIDED.value else "答复"
    if due < today:
        late = max(calendar().workdays_between(due, today), 1)
        return f"{step}已超期 {late} 个工作日", "overdue"
    if due == today:
        return f"今天到期（{step}）", "today"
    left = calendar().workdays_between(today, due)
    tone = "soon" if left <= SOON_WORKDAYS else "ok"
    return f"剩余 {left} 个工作日（{step}）", tone


def assign(session: Session, case_: Case, staff: StaffUser, assignee_id: int | None) -> None:
    """Hand a case to a colleague (a reviewer of the case's department), audited."""
    from webapp.services.audit import audit
    from webapp.services.petitions import NotAllowed, PetitionError, can_handle

    if not can_handle(staff, case_):
        raise NotAllowed("无权办理该案件。")
    if case_.state not in WORK:
        raise PetitionError("案件已办结，不能再指派。")
    assignee = session.get(StaffUser, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or not assignee.is_enabled
                        or assignee.department_id != case_.department_id):
        raise PetitionError("只能指派给本部门的审核员。")
    before = {"assignee": case_.assignee_id}
    case_.assignee_id = assignee.id if assignee else None
    case_.events.append(CaseEvent(
        step="指派", note=f"指派给{assignee.display_name}" if assignee else "取消指派",
        staff_id=staff.id, public=False))
    audit(session, staff, "case.assign", f"case:{case_.id}", before,
          {"assignee": case_.assignee_id,
           "assignee_name": assignee.display_name if assignee else None})
    session.flush()
