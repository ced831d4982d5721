"""Handling-time statistics per department: received, answered on time, overdue, median
working days from receipt to answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models.catalog import Department
from webapp.models.petitions import WORK_STATES, Case, CaseState
from webapp.models.staff import StaffUser
from webapp.services.clock import to_local
from webapp.services.petitions import scope_cases
from webapp.services.workdays import calendar

_ANSWERED = (CaseState.DECIDED.value, CaseState.CLOSED.value, CaseState.REJECTED.value)
_WORK = {s.value for s in WORK_STATES}


@dataclass
class DepartmentStats:
    department: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0  # answered late, or still unanswered past the deadline
    open: int = 0
    median_workdays: float | None = None

    @property
    def on_time_rate(self) -> str:
        return f"{self.on_time / self.answered:.0%}" if self.answered else "—"


def per_department(session: Session, staff: StaffUser, start: date, end: date,
                   today: date) -> list[DepartmentStats]:
    """Cases received in [start, end] within the user's scope, by handling department."""
    names = {d.id: d.name for d in session.scalars(select(Department))}
    stmt = scope_cases(select(Case), staff).where(Case.received_on >= start,
                                                 Case.received_on <= end)
    cal = calendar()
    rows: dict[str, DepartmentStats] = {}
    durations: dict[str, list[int]] = {}
    for case in session.scalars(stmt.execution_options(yield_per=1000)):
        name = names.get(case.department_id or 0, "未分配部门")
        stats = rows.setdefault(name, DepartmentStats(name))
        stats.received += 1
        answered_on = to_local(case.decided_at).date() if case.decided_at else None
        if case.state in _ANSWERED and answered_on is not None:
            stats.answered += 1
            if answered_on <= case.due_on:
                stats.on_time += 1
            else:
                stats.overdue += 1
            durations.setdefault(name, []).append(cal.workdays_between(case.received_on,
                                                                       answered_on))
        elif case.state in _WORK:
            stats.open += 1
            if today > case.due_on:
                stats.overdue += 1
    for name, values in durations.items():
        rows[name].median_workdays = float(median(values))
    return [rows[name] for name in sorted(rows)]
