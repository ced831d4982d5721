"""Credit codes in the back office: look a subject up, withdraw or reissue its code, and
review self-declarations (自主申报).

Administrators only: subjects carry no department, so a reviewer's department scope cannot
be applied to them. The code services flush and do not audit; every action here writes its
audit entry in the same transaction and the view commits once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.admin import bp
from webapp.admin.access import current_staff, staff_required
from webapp.extensions import db
from webapp.models import Subject
from webapp.models.codes import (
    DECLARATION_STATE_LABELS,
    WITHDRAWAL_LABELS,
    CreditCode,
    DeclarationState,
    SelfDeclaration,
    WithdrawalCategory,
)
from webapp.models.staff import Role
from webapp.rules import uscc as uscc_rules
from webapp.services import codes as code_service
from webapp.services.audit import audit
from webapp.services.clock import today as china_today

SEARCH_LIMIT = 20
#: What staff may choose when withdrawing; "reissued" and "key_retired" are set by the system.
STAFF_WITHDRAWAL_CATEGORIES = (
    WithdrawalCategory.DEREGISTERED, WithdrawalCategory.MISUSE, WithdrawalCategory.OTHER,
)


class WithdrawForm(FlaskForm):
    # No preset: the first option is empty, so a reason is always chosen on purpose.
    category = SelectField("作废原因类别", choices=[SelectChoice("", "请选择作废原因类别")] + [
        SelectChoice(c.value, WITHDRAWAL_LABELS[c]) for c in STAFF_WITHDRAWAL_CATEGORIES],
        validators=[DataRequired("请选择作废原因类别。")])
    reason = TextAreaField("作废说明（仅内部可见）", validators=[
        DataRequired("请填写作废说明。"), Length(max=500, message="不超过 500 字。")])
    confirm = BooleanField(
        "我确认作废：此码立即失效，扫码将显示“此码已作废”，序列号列入公开的作废清单，不能恢复",
        validators=[DataRequired("请勾选确认后再作废。")])


class ReissueForm(FlaskForm):
    reason = TextAreaField("换发说明（仅内部可见）", validators=[
        DataRequired("请填写换发说明。"), Length(max=500, message="不超过 500 字。")])


class DecisionForm(FlaskForm):
    note = TextAreaField("审核意见", validators=[
        Optional(), Length(max=500, message="不超过 500 字。")])
    # 撤下公示 only: the declaration disappears from the public code page at once.
    confirm = BooleanField("我确认撤下：该申报立即从信用码页面撤下，公众不再看到")


class LookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("统一社会信用代码或名称", validators=[Optional(), Length(max=200)])


def _actor() -> str:
    return current_staff().username


def _subject_or_404(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or not subject.uscc:  # only organisations with a USCC have codes
        abort(404)
    return subject


@bp.get("/codes")
@staff_required(Role.ADMIN)
def codes_admin() -> Any:
    """Find a subject by its USCC (straight to it) or by part of its name."""
    form = LookupForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    found: list[Subject] = []
    if query:
        code = uscc_rules.normalize(query)
        exact = db.session.scalar(select(Subject).where(Subject.uscc == code))
        if exact is not None:
            return redirect(url_for("admin.codes_subject", subject_id=exact.id))
        found = list(db.session.scalars(
            select(Subject)
            .where(Subject.uscc.is_not(None),
                   or_(Subject.name.contains(query, autoescape=True),
                       Subject.uscc.contains(query.upper(), autoescape=True)))
            .order_by(Subject.name).limit(SEARCH_LIMIT)
        ))
    pending = db.session.scalar(
        select(func.count()).select_from(SelfDeclaration)
        .where(SelfDeclaration.state == DeclarationState.PENDING.value)
    )
    return render_template("admin/codes.html", form=form, query=query, found=found,
                           pending=pending, limit=SEARCH_LIMIT)


@bp.get("/codes/subjects/<int:subject_id>")
@staff_required(Role.ADMIN)
def codes_subject(subject_id: int) -> Any:
    """A subject's current code, its code history, scan counts and declarations."""
    subject = _subject_or_404(subject_id)
    code_service.flush_scans(force=True)  # this process's pending counts, so totals are current
    codes = list(db.session.scalars(
        select(CreditCode).where(CreditCode.subject_id == subject.id)
        .order_by(CreditCode.issued_at.desc(), CreditCode.id.desc())
    ))
    current = next((c for c in codes if c.is_active), None)
    today = china_today()
    scans = {
        "total": code_service.scans_of(db.session, subject.id),
        "30d": code_service.scans_of(db.session, subject.id, since=today - timedelta(days=29)),
        "today": code_service.scans_of(db.session, subject.id, since=today),
    }
    declarations = list(db.session.scalars(
        select(SelfDeclaration).where(SelfDeclaration.subject_id == subject.id)
        .order_by(SelfDeclaration.submitted_at.desc(), SelfDeclaration.id.desc())
    ))
    return render_template(
        "admin/codes_subject.html", subject=subject, current=current, codes=codes,
        scans=scans, declarations=declarations, withdraw_form=WithdrawForm(),
        reissue_form=ReissueForm(), decision_form=DecisionForm(),
        withdrawal_labels={c.value: label for c, label in WITHDRAWAL_LABELS.items()},
        state_labels={s.value: label for s, label in DECLARATION_STATE_LABELS.items()},
    )


@bp.post("/codes/subjects/<int:subject_id>/withdraw")
@staff_required(Role.ADMIN)
def codes_withdraw(subject_id: int) -> Any:
    subject = _subject_or_404(subject_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back_to(subject)
    category = WithdrawalCategory(form.category.data)
    reason = form.reason.data.strip()
    code = code_service.withdraw_subject_code(
        db.session, subject.id, category=category, reason=reason, actor=_actor())
    if code is None:
        flash("该主体当前没有有效的信用码，无需作废。", "error")
        return _back_to(subject)
    audit(db.session, current_staff(), "code.withdraw", f"subject:{subject.id}",
          before={"serial": code.serial, "state": "active"},
          after={"serial": code.serial, "state": code.state, "category": category.value,
                 "reason": reason}, ip=request.remote_addr)
    db.session.commit()
    flash(f"信用码 {code.serial} 已作废，扫码将显示“此码已作废”。", "info")
    return _back_to(subject)


@bp.post("/codes/subjects/<int:subject_id>/reissue")
@staff_required(Role.ADMIN)
def codes_reissue(subject_id: int) -> Any:
    subject = _subject_or_404(subject_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back_to(subject)
    old = code_service.current_code(db.session, subject.id)
    old_serial = old.serial if old else None
    reason = form.reason.data.strip()
    try:
        new = code_service.reissue_code(
            db.session, subject, code_service.key_store(), reason=reason, actor=_actor(),
            base_url=current_app.config["PUBLIC_BASE_URL"])
    except code_service.CodeError as error:
        db.session.rollback()  # the old code stays valid when no new one can be made
        flash(f"换发失败：{error}", "error")
        return _back_to(subject)
    audit(db.session, current_staff(), "code.reissue", f"subject:{subject.id}",
          before={"serial": old_serial}, after={"serial": new.serial, "kid": new.kid,
                                                "reason": reason}, ip=request.remote_addr)
    db.session.commit()
    flash(f"已换发新码 {new.serial}" + (f"，旧码 {old_serial} 已作废。" if old_serial else "。"),
          "info")
    return _back_to(subject)


@bp.get("/codes/declarations")
@staff_required(Role.ADMIN)
def codes_declarations() -> Any:
    """The self-declaration review queue, oldest first."""
    pending = code_service.pending_declarations(db.session)
    # Their subjects in one query; each declaration's .subject then comes from the session.
    list(db.session.scalars(select(Subject).where(
        Subject.id.in_({d.subject_id for d in pending}))))
    return render_template("admin/codes_declarations.html", pending=pending,
                           decision_form=DecisionForm())


@bp.post("/codes/declarations/<int:declaration_id>/<any(approve, reject, withdraw):action>")
@staff_required(Role.ADMIN)
def codes_declaration_decide(declaration_id: int, action: str) -> Any:
    form = DecisionForm()
    back = request.form.get("back") == "subject"
    declaration = db.session.get(SelfDeclaration, declaration_id)
    if declaration is None:
        abort(404)
    target = (url_for("admin.codes_subject", subject_id=declaration.subject_id) if back
              else url_for("admin.codes_declarations"))
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(target, code=303)
    before = declaration.state
    note = (form.note.data or "").strip()
    if action == "withdraw" and not (form.confirm.data and note):
        flash("撤下公示须填写审核意见（撤下理由）并勾选确认。", "error")
        return redirect(target, code=303)
    decide = {
        "approve": code_service.approve_declaration,
        "reject": code_service.reject_declaration,
        "withdraw": code_service.withdraw_approval,
    }[action]
    try:
        decide(db.session, declaration_id, _actor(), note)
    except code_service.DeclarationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target, code=303)
    audit(db.session, current_staff(), f"declaration.{action}", f"declaration:{declaration_id}",
          before={"state": before},
          after={"state": declaration.state, "note": declaration.decision_note},
          ip=request.remote_addr)
    db.session.commit()
    done = {"approve": "已通过，将在信用码页面展示", "reject": "已不予通过",
            "withdraw": "已撤下公示"}[action]
    flash(f"申报“{declaration.title}”{done}。", "info")
    return redirect(target, code=303)


def _back_to(subject: Subject) -> Any:
    return redirect(url_for("admin.codes_subject", subject_id=subject.id), code=303)


def _flash_errors(form: FlaskForm) -> None:
    messages = [e for errors in form.errors.values() for e in errors]
    flash("；".join(str(m) for m in messages) or "提交无效，请刷新页面后重试。", "error")
