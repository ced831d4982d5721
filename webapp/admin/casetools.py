"""Clerk tools around the queue: XLSX export of the queue and of handling-time statistics,
the per-department statistics page, and a printable reply letter."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request
from flask_wtf import FlaskForm
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from wtforms.validators import Optional

from webapp.admin import bp
from webapp.admin.access import current_staff, in_scope, staff_required
from webapp.admin.cases import CASE_ROLES, queue_form, queue_query, staff_names
from webapp.admin.forms import KIND_LABELS, OUTCOME_LABELS, STATE_LABELS
from webapp.admin.logs import ChinaDateField
from webapp.extensions import db
from webapp.models.petitions import Case
from webapp.services import case_statistics, casework
from webapp.services.clock import today as china_today

EXPORT_LIMIT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    date_from = ChinaDateField("收到日期自", validators=[Optional()])
    date_to = ChinaDateField("至", validators=[Optional()])


def _xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
          filename: str) -> Response:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(sheet: Any, value: Any) -> Any:
    # A text starting with "=" would be stored as a formula and run in Excel: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


@bp.get("/cases/export.xlsx")
@staff_required(*CASE_ROLES)
def cases_export() -> Response:
    """The queue as filtered on the page, every row (up to EXPORT_LIMIT)."""
    staff = current_staff()
    today = china_today()
    cases = list(db.session.scalars(queue_query(staff, queue_form(staff), today)
                                    .limit(EXPORT_LIMIT)))
    names = staff_names({c.assignee_id for c in cases})
    rows = [[c.number, KIND_LABELS.get(c.kind, c.kind), c.title,
             STATE_LABELS.get(c.state, c.state),
             c.department.name if c.department else "未分配", names.get(c.assignee_id or 0, ""),
             c.received_on, c.due_on, c.work_due_on, casework.days_left(c, today)[0]]
            for c in cases]
    return _xlsx("案件", ["案件编号", "类型", "标题", "状态", "承办部门", "承办人", "收到日期",
                        "答复期限", "下一期限", "剩余工作日"], rows, f"cases-{today}.xlsx")


def _period() -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.args)
    today = china_today()
    start, end = date(today.year, 1, 1), today
    if form.validate():
        start = form.date_from.data or start
        end = form.date_to.data or end
    return form, start, end


def _stats_rows() -> tuple[PeriodForm, date, date, list[case_statistics.DepartmentStats]]:
    form, start, end = _period()
    rows = case_statistics.per_department(db.session, current_staff(), start, end,
                                          china_today())
    return form, start, end, rows


@bp.get("/statistics")
@staff_required(*CASE_ROLES)
def statistics() -> Any:
    form, start, end, rows = _stats_rows()
    return render_template("admin/statistics.html", form=form, start=start, end=end,
                           rows=rows, args={k: v for k, v in request.args.items() if v})


@bp.get("/statistics.xlsx")
@staff_required(*CASE_ROLES)
def statistics_export() -> Response:
    _, start, end, rows = _stats_rows()
    return _xlsx("办理时间统计", [
        "部门", "收到", "已答复", "按期答复", "按期率", "超期", "办理中", "答复中位工作日"],
        [[r.department, r.received, r.answered, r.on_time, r.on_time_rate, r.overdue, r.open,
          r.median_workdays] for r in rows], f"statistics-{start}-{end}.xlsx")


@bp.get("/cases/<int:case_id>/letter")
@staff_required(*CASE_ROLES)
def case_letter(case_id: int) -> Any:
    """The reply letter (答复函) to print and send or hand over."""
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    if not in_scope(current_staff(), case.department_id):
        abort(403)
    if not case.reply and not case.reject_reason:
        abort(404)
    return render_template("admin/letter.html", case=case, kinds=KIND_LABELS,
                           outcomes=OUTCOME_LABELS[case.kind], today=china_today())
