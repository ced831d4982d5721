"""Petition workflow: opening cases, staff transitions, deadlines and effects on records.

Every function flushes and never commits, so a transition and its effect on the record (and the
audit entry) land in one transaction committed by the request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models.base import utcnow
from webapp.models.catalog import Department
from webapp.models.petitions import (
    CASE_NUMBER_PREFIX,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Outcome,
)
from webapp.models.record import Record
from webapp.models.staff import Role, StaffUser
from webapp.rules.kinds import RecordKind, Visibility
from webapp.services.audit import audit
from webapp.services.clock import to_local
from webapp.services.clock import today as china_today
from webapp.services.workdays import calendar

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
REPAIRABLE_KINDS = {RecordKind.PENALTY.value, RecordKind.LIST.value}
CORRECTABLE_FIELDS = ("title", "content", "facts", "legal_basis", "doc_number")


class PetitionError(ValueError):
    """A request the workflow refuses; the message is shown to the user as is."""


class NotAllowed(PermissionError):
    """A staff member acting outside their department or role."""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    eligible_on: date | None = None


# --- deadlines -----------------------------------------------------------------------------

def time_limit(kind: str, record: Record | None = None) -> int:
    """Working days allowed for a case kind (repair: per record kind or list type)."""
    limits: dict[str, Any] = current_app.config["PETITION_DEADLINES"]
    value = limits[kind]
    if not isinstance(value, dict):
        return int(value)
    if record is not None:
        for key in (record.list_type, record.kind):
            if key and key in value:
                return int(value[key])
    return int(value["*"])


def due_date(kind: str, received_on: date, record: Record | None = None) -> date:
    return calendar().add_workdays(received_on, time_limit(kind, record))


# --- eligibility ---------------------------------------------------------------------------

def repair_eligibility(record: Record, today: date) -> Eligibility:
    if record.kind not in REPAIRABLE_KINDS:
        return Eligibility(False, "该类信息不属于可修复的失信信息。")
    if record.visibility != Visibility.PUBLIC.value:
        return Eligibility(False, "该信息当前未公示，无需修复。")
    if record.repair_eligible_on is None:
        return Eligibility(False, "该信息不适用信用修复（法律法规规定不可修复）。")
    if today < record.repair_eligible_on:
        when = f"{record.repair_eligible_on:%Y年%m月%d日}"
        return Eligibility(False, f"最短公示期尚未届满，自 {when} 起可申请修复。",
                           record.repair_eligible_on)
    return Eligibility(True, "可以申请信用修复。", record.repair_eligible_on)


def objection_allowed(session: Session, record: Record) -> Eligibility:
    if record.visibility == Visibility.OBJECTION.value:
        return Eligibility(False, "该信息已有异议正在处理中。")
    if record.visibility != Visibility.PUBLIC.value:
        return Eligibility(False, "该信息当前未公示。")
    return Eligibility(True, "")


# --- opening a case ------------------------------------------------------------------------

def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(10))


def _event(case: Case, step: str, note: str | None = None, staff: StaffUser | None = None,
           public: bool = True) -> None:
    case.events.append(CaseEvent(step=step, note=note, staff_id=staff.id if staff else None,
                                 public=public))


#: Config keys naming the department that handles each kind of complaint.
ROUTING_KEYS = {
    CaseKind.COMPLAINT: "PETITION_COMPLAINT_DEPARTMENT",
    CaseKind.GOV_COMPLAINT: "PETITION_GOV_COMPLAINT_DEPARTMENT",
}


def department_by_name(session: Session, name: str) -> Department:
    """The department of that name, created when missing (a department is only its name)."""
    query = select(Department).where(Department.name == name)
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            found = Department(name=name)
            session.add(found)
            session.flush()
    except IntegrityError:  # a concurrent first complaint created it: use theirs
        found = session.scalars(query).one()
    return found


def route_department(session: Session, kind: CaseKind, record: Record | None) -> int | None:
    """Objections and repairs go to the department that published the record; complaints to
    the configured department, so its reviewers see them (not only the administrators)."""
    if record is not None:
        return record.department_id
    name = current_app.config.get(ROUTING_KEYS[kind], "") if kind in ROUTING_KEYS else ""
    return department_by_name(session, name).id if name else None


def reassign(session: Session, case: Case, staff: StaffUser, department: Department,
             note: str = "") -> None:
    """An administrator hands a case to another department (audited, internal step)."""
    if not staff.has_role(Role.ADMIN):
        raise NotAllowed("只有系统管理员可以转交案件。")
    if not case.is_open:
        raise PetitionError("案件已办结，不能转交。")
    if department.id == case.department_id:
        raise PetitionError("案件已在该部门。")
    before = {"department_id": case.department_id,
              "department": case.department.name if case.department else None}
    case.department = department
    case.department_id = department.id
    _event(case, "转交", f"转交{department.name}" + (f"：{note}" if note else ""), staff,
           public=False)
    audit(session, staff, "case.reassign", f"case:{case.id}", before,
          {"department_id": department.id, "department": department.name})
    session.flush()


def open_case(
    session: Session, kind: CaseKind, *, form_token: str, fields: dict[str, Any],
    record: Record | None = None, subject_id: int | None = None, today: date | None = None,
    ip: str | None = None, query_code: str | None = None,
) -> tuple[Case, str | None]:
    """Create a case; returns it and its query code (None when the token was used already:
    a double submission returns the first case and makes no second one). `query_code`:
    the caller's own code (e.g. derived from the form token), else a random one."""
    existing = session.scalar(select(Case).where(Case.form_token == form_token))
    if existing is not None:
        return existing, None
    today = today or china_today()
    if kind in (CaseKind.REPAIR, CaseKind.OBJECTION) and record is None:
        raise PetitionError("请选择具体的信用信息。")
    if kind == CaseKind.REPAIR:
        verdict = repair_eligibility(record, today)
        if not verdict.eligible:
            raise PetitionError(verdict.reason)
    if kind == CaseKind.OBJECTION:
        verdict = objection_allowed(session, record)
        if not verdict.eligible:
            raise PetitionError(verdict.reason)
    if record is not None:
        subject_id = record.subject_id
    code = query_code or new_query_code()
    case = Case(
        kind=kind.value, form_token=form_token, query_code_hash=generate_password_hash(code),
        record=record, subject_id=subject_id,
        department_id=route_department(session, kind, record),
        received_on=today, due_on=due_date(kind.value, today, record), submitter_ip=ip, **fields,
    )
    _event(case, "提交")
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
            case.number = f"{CASE_NUMBER_PREFIX[kind]}{today:%Y%m%d}-{case.id:06d}"
            if kind == CaseKind.OBJECTION:
                record.set_visibility(Visibility.OBJECTION, f"异议处理中（{case.number}）")
            session.flush()
    except IntegrityError:
        # A concurrent double click won the token, or an objection was opened meanwhile.
        existing = session.scalar(select(Case).where(Case.form_token == form_token))
        if existing is not None:
            return existing, None
        raise PetitionError("该信息已有异议正在处理中。") from None
    return case, code


def query_code_matches(case: Case, code: str) -> bool:
    return check_password_hash(case.query_code_hash, code.strip().upper())


_dummy_hash: list[str] = []  # a hash of the same cost as a query code's, made once


def find_case(session: Session, number: str, code: str) -> Case | None:
    case = session.scalar(select(Case).where(Case.number == number.strip().upper()))
    if case is None:
        # An unknown number costs the same hash check as a wrong code: otherwise the
        # response time tells a guesser which case numbers exist.
        if not _dummy_hash:
            _dummy_hash.append(generate_password_hash(new_query_code()))
        check_password_hash(_dummy_hash[0], code.strip().upper())
        return None
    return case if query_code_matches(case, code) else None


def nudge(session: Session, case: Case, today: date | None = None) -> None:
    """催办: allowed once the deadline has passed, once per day."""
    today = today or china_today()
    if not case.is_overdue(today):
        raise PetitionError("办理期限尚未届满，暂不能催办。")
    if case.nudged_at is not None and to_local(case.nudged_at).date() == today:
        raise PetitionError("今天已经催办过，请耐心等待。")
    case.nudged_at = utcnow()
    _event(case, "催办", "申请人催办")
    session.flush()


# --- staff transitions ---------------------------------------------------------------------

def can_handle(staff: StaffUser, case: Case) -> bool:
    if staff.has_role(Role.ADMIN):
        return True
    if not staff.has_role(Role.REVIEWER):
        return False
    return case.department_id is not None and case.department_id == staff.department_id


def _snapshot(case: Case) -> dict[str, Any]:
    return {"state": case.state, "outcome": case.outcome}


def _require(staff: StaffUser, case: Case, *states: CaseState) -> dict[str, Any]:
    if not can_handle(staff, case):
        raise NotAllowed("无权办理该案件。")
    if case.state not in {s.value for s in states}:
        raise PetitionError("案件当前状态不允许此操作。")
    return _snapshot(case)


def accept(session: Session, case: Case, staff: StaffUser, note: str = "") -> None:
    before = _require(staff, case, CaseState.SUBMITTED)
    case.state = CaseState.ACCEPTED.value
    _event(case, "受理", note or "已受理", staff)
    audit(session, staff, "case.accept", f"case:{case.id}", before, _snapshot(case))
    session.flush()


def reject(session: Session, case: Case, staff: StaffUser, reason: str) -> None:
    before = _require(staff, case, CaseState.SUBMITTED)
    if not reason.strip():
        raise PetitionError("请填写不予受理的理由。")
    case.state = CaseState.REJECTED.value
    case.reject_reason = reason
    case.decided_by_id = staff.id
    case.decided_at = case.closed_at = utcnow()
    _event(case, "不予受理", reason, staff)
    if case.kind == CaseKind.OBJECTION.value and case.record is not None:
        case.record.set_visibility(Visibility.PUBLIC, "异议不予受理")
    audit(session, staff, "case.reject", f"case:{case.id}", before, _snapshot(case))
    session.flush()


def start_verification(session: Session, case: Case, staff: StaffUser, note: str = "") -> None:
    before = _require(staff, case, CaseState.ACCEPTED)
    case.state = CaseState.VERIFYING.value
    _event(case, "核查", note or "正在核查", staff)
    audit(session, staff, "case.verify", f"case:{case.id}", before, _snapshot(case))
    session.flush()


def decide(
    session: Session, case: Case, staff: StaffUser, outcome: Outcome, reply: str,
    corrections: dict[str, str] | None = None,
) -> None:
    """Answer the case and apply its effect on the record in the same transaction."""
    before = _require(staff, case, CaseState.ACCEPTED, CaseState.VERIFYING)
    if not reply.strip():
        raise PetitionError("请填写书面答复。")
    case.state = CaseState.DECIDED.value
    case.outcome = outcome.value
    case.reply = reply
    case.decided_by_id = staff.id
    case.decided_at = utcnow()
    _event(case, "答复", reply, staff)
    record_before, record_after = _apply_effect(case, outcome, corrections or {})
    audit(session, staff, "case.decide", f"case:{case.id}", before, _snapshot(case))
    if record_before != record_after:
        audit(session, staff, "record.update", f"record:{case.record_id}", record_before,
              record_after)
    session.flush()


def _record_state(record: Record) -> dict[str, Any]:
    state = {f: getattr(record, f) for f in CORRECTABLE_FIELDS}
    state["visibility"] = record.visibility
    return state


def _apply_effect(case: Case, outcome: Outcome, corrections: dict[str, str]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    record = case.record
    if record is None:
        return {}, {}
    before = _record_state(record)
    if case.kind == CaseKind.OBJECTION.value:
        if outcome == Outcome.UPHELD and corrections:
            for name, value in corrections.items():
                if name not in CORRECTABLE_FIELDS:
                    raise PetitionError(f"不能更正字段 {name}。")
                setattr(record, name, value)
            record.set_visibility(Visibility.PUBLIC, f"经异议更正（{case.number}）")
        elif outcome == Outcome.UPHELD:
            record.set_visibility(Visibility.REVOKED, f"经异议撤销（{case.number}）")
        else:
            record.set_visibility(Visibility.PUBLIC, f"异议不成立（{case.number}）")
    elif case.kind == CaseKind.REPAIR.value and outcome == Outcome.UPHELD:
        record.set_visibility(Visibility.ARCHIVED, f"信用修复（{case.number}）")
    return before, _record_state(record)


def close(session: Session, case: Case, staff: StaffUser, note: str = "") -> None:
    before = _require(staff, case, CaseState.DECIDED)
    case.state = CaseState.CLOSED.value
    case.closed_at = utcnow()
    _event(case, "办结", note or "已办结", staff)
    audit(session, staff, "case.close", f"case:{case.id}", before, _snapshot(case))
    session.flush()


# --- summaries -----------------------------------------------------------------------------

def complaint_summary(session: Session, subject_id: int) -> tuple[int, int]:
    """Complaints about a subject received in the last 12 months, and how many were resolved
    (answered or closed)."""
    since = china_today() - timedelta(days=365)
    base = (select(func.count()).select_from(Case)
            .where(Case.subject_id == subject_id, Case.kind == CaseKind.COMPLAINT.value,
                   Case.received_on >= since))
    received = session.scalar(base) or 0
    resolved = session.scalar(base.where(Case.state.in_(
        [CaseState.DECIDED.value, CaseState.CLOSED.value]))) or 0
    return received, resolved


def scope_cases(stmt: Select, staff: StaffUser) -> Select:
    """Limit a query on cases to what the staff member may see: reviewers their department's."""
    if staff.has_role(Role.ADMIN):
        return stmt
    return stmt.where(Case.department_id == staff.department_id)


def queue(session: Session, staff: StaffUser, *, kind: str | None = None,
          state: str | None = None, department_id: int | None = None,
          overdue: bool = False, today: date | None = None) -> list[Case]:
    """The staff member's cases, ordered by deadline; reviewers see their department only."""
    stmt = scope_cases(select(Case), staff).order_by(Case.due_on, Case.id)
    if staff.has_role(Role.ADMIN) and department_id:
        stmt = stmt.where(Case.department_id == department_id)
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if state:
        stmt = stmt.where(Case.state == state)
    if overdue:
        stmt = stmt.where(Case.state.in_(["submitted", "accepted", "verifying"]),
                          Case.due_on < (today or china_today()))
    return list(session.scalars(stmt.limit(500)))
