"""The audit log and the query-use log (查询使用登记), readable by administrators only.

Both are append-only: there are read routes here and nothing else (the audit model also
refuses updates and deletes). Filters come in the query string, so a filtered page can be
bookmarked and shared; dates are China dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import Select, false, or_, select
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from webapp.admin import bp, log_labels
from webapp.admin.access import staff_required
from webapp.admin.paging import requested_page
from webapp.extensions import db
from webapp.models import QueryLog, Subject
from webapp.models.audit import AuditLog
from webapp.models.staff import Role
from webapp.services.clock import CHINA_TZ

PER_PAGE = 50


class ChinaDateField(DateField):
    """A date field whose format error is in Chinese (WTForms' own message is English)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("日期格式应为 年-月-日，例如 2026-06-01。") from None


class _Filters(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    date_from = ChinaDateField("起始日期", validators=[Optional()])
    date_to = ChinaDateField("截止日期", validators=[Optional()])

    def validate_date_to(self, field: ChinaDateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("截止日期不能早于起始日期。")


class AuditFilters(_Filters):
    user = StringField("用户", validators=[Optional(), Length(max=64)])
    action = StringField("操作", validators=[Optional(), Length(max=64)])
    target = StringField("对象", validators=[Optional(), Length(max=128)])


class QueryLogFilters(_Filters):
    subject = StringField("被查询主体（名称或证件号码）", validators=[Optional(), Length(max=200)])
    surface = StringField("查询渠道", validators=[Optional(), Length(max=64)])
    viewer = StringField("查询人", validators=[Optional(), Length(max=128)])


def _day_bounds(column: Any, start: date | None, end: date | None) -> list[Any]:
    """Conditions for China dates [start, end], compared in UTC as stored."""
    conditions = []
    if start:
        conditions.append(column >= datetime.combine(start, time.min, CHINA_TZ))
    if end:
        conditions.append(column < datetime.combine(end + timedelta(days=1), time.min, CHINA_TZ))
    return conditions


def _text(field: StringField) -> str:
    return (field.data or "").strip()


@bp.get("/audit")
@staff_required(Role.ADMIN)
def audit_log() -> Any:
    """Every staff action, newest first."""
    form = AuditFilters(request.args)
    query: Select[Any] = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if form.validate():
        if user := _text(form.user):
            query = query.where(AuditLog.username == user)
        if action := _text(form.action):
            # "import" finds import.upload and friends; a full name finds just that action.
            query = query.where(or_(AuditLog.action == action,
                                    AuditLog.action.like(f"{action}.%")))
        if target := _text(form.target):
            query = query.where(AuditLog.target.contains(target, autoescape=True))
        query = query.where(*_day_bounds(AuditLog.at, form.date_from.data, form.date_to.data))
    else:
        query = query.where(false())  # a filter we cannot read shows nothing, not everything
    entries = db.paginate(query, page=requested_page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/logs_audit.html", form=form, entries=entries, diff_rows=log_labels.diff_rows,
        action_label=log_labels.action_label,
        targets=log_labels.target_names(e.target for e in entries.items))


@bp.get("/query-log")
@staff_required(Role.ADMIN)
def query_log() -> Any:
    """查询使用登记: who looked at which natural person's data, through which page, when."""
    form = QueryLogFilters(request.args)
    query: Select[Any] = select(QueryLog).order_by(QueryLog.at.desc(), QueryLog.id.desc())
    if form.validate():
        if subject := _text(form.subject):
            matching = select(Subject.id).where(or_(
                Subject.name.contains(subject, autoescape=True),
                Subject.id_number == subject.upper(), Subject.uscc == subject.upper(),
            ))
            query = query.where(QueryLog.subject_id.in_(matching))
        if surface := _text(form.surface):
            query = query.where(QueryLog.surface.contains(surface, autoescape=True))
        if viewer := _text(form.viewer):
            query = query.where(QueryLog.viewer == viewer)
        query = query.where(*_day_bounds(QueryLog.at, form.date_from.data, form.date_to.data))
    else:
        query = query.where(false())
    entries = db.paginate(query, page=requested_page(), per_page=PER_PAGE, error_out=False)
    ids = {entry.subject_id for entry in entries.items}
    subjects = {s.id: s for s in db.session.scalars(select(Subject).where(Subject.id.in_(ids)))}
    return render_template("admin/logs_query.html", form=form, entries=entries,
                           subjects=subjects, surfaces=log_labels.SURFACE_LABELS)
