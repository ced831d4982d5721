"""The case queue and case handling: filters, detail page, the staff actions, attachments.

Scope: administrators see every case; reviewers only their department's. A case outside the
user's scope answers 403 (not 404) for every GET and POST, so the refusal is explicit.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.sql import Select

from webapp.admin import bp
from webapp.admin.access import current_staff, in_scope, staff_required
from webapp.admin.forms import (
    KIND_LABELS,
    OUTCOME_CONSEQUENCES,
    OUTCOME_LABELS,
    STATE_LABELS,
    AcceptForm,
    AssignForm,
    BulkCloseForm,
    CloseForm,
    DecideForm,
    QueueFilterForm,
    ReassignForm,
    RejectForm,
    VerifyForm,
    choices,
)
from webapp.admin.paging import requested_page
from webapp.extensions import db
from webapp.models.catalog import Department
from webapp.models.petitions import Attachment, Case, CaseKind, CaseState, Outcome
from webapp.models.staff import Role, StaffUser
from webapp.models.subject import Subject
from webapp.petitions.views import send_attachment
from webapp.rules import publicity
from webapp.services import casework
from webapp.services import petitions as svc
from webapp.services.clock import today as local_today
from webapp.services.corrections import current_value

PER_PAGE = 50
WORK = casework.WORK
CASE_ROLES = (Role.ADMIN, Role.REVIEWER)


def _filtered(stmt: Select, form: QueueFilterForm, staff: StaffUser, today: date) -> Select:
    """The queue's filters (also used by the XLSX export): unknown values are ignored."""
    if form.kind.data in KIND_LABELS:
        stmt = stmt.where(Case.kind == form.kind.data)
    if form.state.data == "open":  # 未办结: everything still to be done, 已答复 included
        stmt = stmt.where(Case.state.in_(WORK))
    elif form.state.data in STATE_LABELS:
        stmt = stmt.where(Case.state == form.state.data)
    if staff.has_role(Role.ADMIN):
        if form.department.data == "none":
            stmt = stmt.where(Case.department_id.is_(None))
        elif (form.department.data or "").isdigit():
            stmt = stmt.where(Case.department_id == int(form.department.data))
    if form.overdue.data:
        stmt = stmt.where(casework.bucket_clause("overdue", staff, today))
    if form.due.data in casework.BUCKETS:
        stmt = stmt.where(casework.bucket_clause(form.due.data, staff, today))
    if form.assignee.data == "me":
        stmt = stmt.where(Case.assignee_id == staff.id)
    elif form.assignee.data == "none":
        stmt = stmt.where(Case.assignee_id.is_(None))
    words = (form.q.data or "").strip() if form.q.validate(form) else ""
    if words:
        subjects = select(Subject.id).where(or_(
            Subject.name.contains(words, autoescape=True), Subject.uscc == words.upper()))
        stmt = stmt.where(or_(
            Case.number.contains(words.upper(), autoescape=True),
            Case.title.contains(words, autoescape=True),
            Case.target_name.contains(words, autoescape=True),
            Case.subject_id.in_(subjects)))
    return stmt


def _ordered(stmt: Select, sort: str | None) -> Select:
    if sort == "received":
        return stmt.order_by(Case.received_on.desc(), Case.id.desc())
    if sort == "number":
        return stmt.order_by(Case.number)
    # Work first (已答复 included), then by the next deadline: what must be done is on top.
    return stmt.order_by(Case.state.not_in(WORK), casework.work_due(), Case.id)


def _counts(staff: StaffUser, today: date) -> dict[str, int]:
    """Headline numbers of the user's scope, independent of the filters."""
    base = svc.scope_cases(select(func.count()).select_from(Case), staff)
    return {
        "submitted": db.session.scalar(base.where(Case.state == "submitted")) or 0,
        "open": db.session.scalar(base.where(Case.state.in_(WORK))) or 0,
        "overdue": db.session.scalar(
            base.where(casework.bucket_clause("overdue", staff, today))) or 0,
    }


def queue_form(staff: StaffUser) -> QueueFilterForm:
    form = QueueFilterForm(formdata=request.args)
    if staff.has_role(Role.ADMIN):
        departments = db.session.scalars(select(Department).order_by(Department.name))
        form.department.choices = choices(
            {"": "全部部门", "none": "未分配部门", **{str(d.id): d.name for d in departments}})
    return form


def queue_query(staff: StaffUser, form: QueueFilterForm, today: date) -> Select:
    return _ordered(_filtered(svc.scope_cases(select(Case), staff), form, staff, today),
                    form.sort.data)


def staff_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(
        select(StaffUser).where(StaffUser.id.in_(wanted)))}


@bp.get("/cases")
@staff_required(*CASE_ROLES)
def cases() -> Any:
    staff = current_staff()
    today = local_today()
    form = queue_form(staff)
    page = db.paginate(queue_query(staff, form, today), page=requested_page(),
                       per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(number: int) -> str:
        return url_for("admin.cases", page=number, **args)

    return render_template(
        "admin/cases.html", form=form, page=page, page_url=page_url, today=today,
        counts=_counts(staff, today), is_admin=staff.has_role(Role.ADMIN),
        kinds=KIND_LABELS, states=STATE_LABELS, days_left=casework.days_left,
        assignees=staff_names({c.assignee_id for c in page.items}),
        bulk_form=BulkCloseForm(), export_args=args,
    )


@bp.post("/cases/bulk-close")
@staff_required(*CASE_ROLES)
def cases_bulk_close() -> Any:
    """办结 every selected 已答复 case in one step (after its confirmation)."""
    staff = current_staff()
    form = BulkCloseForm()
    # Back to the same filtered queue: only its query string is taken from the form.
    query = urlencode(parse_qsl(request.form.get("back", ""))[:20])
    back = redirect(url_for("admin.cases") + (f"?{query}" if query else ""), code=303)
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
        return back
    ids = sorted({int(v) for v in request.form.getlist("case") if v.isdigit()})[:500]
    if not ids:
        flash("请先勾选要办结的已答复案件。", "error")
        return back
    chosen = list(db.session.scalars(
        select(Case).where(Case.id.in_(ids)).order_by(Case.id).with_for_update()))
    closed, skipped = [], []
    for case in chosen:
        if not svc.can_handle(staff, case) or case.state != CaseState.DECIDED.value:
            skipped.append(case.number)
            continue
        svc.close(db.session, case, staff, "批量办结")
        closed.append(case.number)
    db.session.commit()
    flash(f"已办结 {len(closed)} 件" + (f"；{len(skipped)} 件不是本部门的已答复案件，未处理："
                                      f"{'、'.join(skipped[:10])}" if skipped else "") + "。",
          "info" if closed else "error")
    return back


def _case_in_scope(case_id: int, lock: bool = False) -> Case:
    case = db.session.get(Case, case_id, with_for_update=lock)
    if case is None:
        abort(404)
    if not in_scope(current_staff(), case.department_id):
        abort(403)
    return case


def _decide_form(case: Case) -> DecideForm:
    form = DecideForm(prefix="decide")
    labels = OUTCOME_LABELS[case.kind]
    form.outcome.choices = choices(labels)
    if request.method == "GET" and case.record is not None:
        for name in svc.CORRECTABLE_FIELDS:
            getattr(form, name).data = current_value(case.record, name)
    return form


def _reassign_form(case: Case) -> ReassignForm:
    form = ReassignForm(prefix="reassign")
    form.department.choices = choices({
        d.id: d.name for d in db.session.scalars(select(Department).order_by(Department.name))
        if d.id != case.department_id})
    return form


def _assign_form(case: Case) -> AssignForm:
    form = AssignForm(prefix="assign")
    colleagues = db.session.scalars(
        select(StaffUser).where(StaffUser.role == Role.REVIEWER.value,
                                StaffUser.department_id == case.department_id,
                                StaffUser.is_enabled.is_(True))
        .order_by(StaffUser.display_name))
    form.assignee.choices = choices({0: "（不指派）", **{u.id: u.display_name for u in colleagues}})
    if request.method == "GET":
        form.assignee.data = case.assignee_id or 0
    return form


def _forms(case: Case) -> dict[str, FlaskForm]:
    # Prefixed field names ("accept-note"): several forms share the page, ids stay unique.
    return {"accept": AcceptForm(prefix="accept"), "reject": RejectForm(prefix="reject"),
            "verify": VerifyForm(prefix="verify"), "decide": _decide_form(case),
            "close": CloseForm(prefix="close"), "reassign": _reassign_form(case),
            "assign": _assign_form(case)}


def record_truth(case: Case, today: date) -> dict[str, Any] | None:
    """The record's real public state today (a 公示中 record past its last day is not public)."""
    record = case.record
    if record is None:
        return None
    text, shown = publicity.public_state_text(
        record.visibility, record.visibility_reason, record.public_until, today)
    return {"text": text, "shown": shown}


def _render_case(case: Case, forms: dict[str, FlaskForm], status: int = 200) -> Any:
    staff = current_staff()
    names = staff_names({e.staff_id for e in case.events}
                        | {case.decided_by_id, case.assignee_id})
    today = local_today()
    return render_template(
        "admin/case.html", case=case, forms=forms, names=names, today=today,
        days_left=casework.days_left(case, today), record_state=record_truth(case, today),
        consequences=OUTCOME_CONSEQUENCES[case.kind],
        kinds=KIND_LABELS, states=STATE_LABELS, outcomes=OUTCOME_LABELS[case.kind],
        is_admin=staff.has_role(Role.ADMIN), can_act=svc.can_handle(staff, case),
        is_objection=case.kind == CaseKind.OBJECTION.value,
    ), status


@bp.get("/cases/<int:case_id>")
@staff_required(*CASE_ROLES)
def case_detail(case_id: int) -> Any:
    case = _case_in_scope(case_id)
    return _render_case(case, _forms(case))


@bp.get("/cases/<int:case_id>/files/<int:attachment_id>")
@staff_required(*CASE_ROLES)
def case_file(case_id: int, attachment_id: int) -> Any:
    case = _case_in_scope(case_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    return send_attachment(attachment, inline=request.args.get("inline") == "1")


def _corrections(case: Case, form: DecideForm) -> dict[str, str] | None:
    """The objection's record changes; {} revokes the record; None: nothing to change."""
    if case.kind != CaseKind.OBJECTION.value or form.outcome.data != Outcome.UPHELD.value:
        return {}
    if form.effect.data == "revoke":
        return {}
    record = case.record
    changes = {}
    for name in svc.CORRECTABLE_FIELDS:
        value = (getattr(form, name).data or "").strip()
        if value and value != current_value(record, name).strip():
            changes[name] = value
    return changes or None


def _text(value: str | None) -> str:
    return (value or "").strip()


ACTIONS = {
    "accept": "已受理。", "reject": "已作出不予受理决定。", "verify": "已开始核查。",
    "decide": "已答复。", "close": "案件已办结。", "reassign": "案件已转交。",
    "assign": "已指派。",
}


@bp.post("/cases/<int:case_id>/<action>")
@staff_required(*CASE_ROLES)
def case_action(case_id: int, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    case = _case_in_scope(case_id, lock=True)
    staff = current_staff()
    forms = _forms(case)
    form: Any = forms[action]
    if action == "reassign" and not staff.has_role(Role.ADMIN):
        abort(403)
    if not form.validate_on_submit():
        db.session.rollback()  # release the row lock; nothing was changed
        missing_confirm = "confirm" in getattr(form, "errors", {})
        flash("请勾选确认框：该操作不能撤回。" if missing_confirm
              else "提交的内容有误，请按提示修改。", "error")
        return _render_case(_case_in_scope(case_id), forms, 400)
    try:
        if action == "accept":
            svc.accept(db.session, case, staff, _text(form.note.data))
        elif action == "reject":
            svc.reject(db.session, case, staff, _text(form.reason.data))
        elif action == "verify":
            svc.start_verification(db.session, case, staff, _text(form.note.data))
        elif action == "decide":
            corrections = _corrections(case, form)
            if corrections is None:
                raise svc.PetitionError(
                    "没有填写与原信息不同的更正内容；如需撤销该信息，请选择“撤销该信息”。")
            svc.decide(db.session, case, staff, Outcome(form.outcome.data),
                       _text(form.reply.data), corrections)
        elif action == "close":
            svc.close(db.session, case, staff, _text(form.note.data))
        elif action == "assign":
            casework.assign(db.session, case, staff, form.assignee.data or None)
        else:
            target = db.session.get(Department, form.department.data)
            if target is None:
                raise svc.PetitionError("请选择要转交的部门。")
            svc.reassign(db.session, case, staff, target, _text(form.note.data))
    except svc.NotAllowed:
        db.session.rollback()
        abort(403)
    except svc.PetitionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.case_detail", case_id=case_id))
    db.session.commit()
    flash(ACTIONS[action], "info")
    return redirect(url_for("admin.case_detail", case_id=case_id))
