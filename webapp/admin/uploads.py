"""Data officers upload their department's files through the same importer as the CLI.

The upload, its import batch (with the row error report) and the audit entry are one
transaction: the view commits once. A file the importer cannot use still leaves a batch
that says why (the importer keeps it on purpose) and no subject or record.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from webapp.admin import bp
from webapp.admin.access import current_staff, in_scope, staff_required
from webapp.admin.paging import requested_page
from webapp.extensions import db
from webapp.models import Department, ImportBatch, Record
from webapp.models.staff import Role, StaffUser
from webapp.services import search
from webapp.services.audit import audit
from webapp.services.imports import KINDS, SPECS, import_file

PER_PAGE = 20
SHOWN_ERRORS = 1000  # the page lists this many; the CSV download has them all
#: Multipart framing around the file (boundaries, headers, CSRF token, the other fields).
_FORM_OVERHEAD = 64 * 1024
UPLOAD_ROLES = (Role.ADMIN, Role.DATA_OFFICER)


class ChoiceField(SelectField):
    """A select whose "not one of the choices" message is in Chinese."""

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("请从列表中选择。") from None


class UploadForm(FlaskForm):
    kind = ChoiceField("数据类别", validators=[DataRequired("请选择数据类别。")])
    department = ChoiceField("所属部门", coerce=int, default=0)
    file = FileField("数据文件（CSV 或 XLSX）", validators=[FileRequired("请选择要上传的文件。")])

    def __init__(self, staff: StaffUser, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind.choices = [SelectChoice(kind, SPECS[kind].label) for kind in KINDS]
        if staff.has_role(Role.ADMIN):
            departments = db.session.scalars(select(Department).order_by(Department.name))
            self.department.choices = [SelectChoice(0, "不指定部门")] + [  # type: ignore[arg-type]
                SelectChoice(d.id, d.name) for d in departments]  # type: ignore[arg-type]
        else:
            # A data officer's files are always their own department's: whatever the
            # request says is ignored (see _department_for), so it is not validated.
            self.department.choices = []
            self.department.validate_choice = False


def max_upload_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_UPLOAD_BYTES"])


def _too_large_message() -> str:
    return f"文件超过 {max_upload_bytes() // (1024 * 1024)} MB 的上限，请拆分后分批上传。"


def _batches_query(staff: StaffUser) -> Any:
    query = select(ImportBatch).order_by(ImportBatch.started_at.desc(), ImportBatch.id.desc())
    if not staff.has_role(Role.ADMIN):
        query = query.where(ImportBatch.department_id == staff.department_id)
    return query


def _page(staff: StaffUser, form: UploadForm, status: int = 200, error: str | None = None) -> Any:
    batches = db.paginate(_batches_query(staff), page=requested_page(), per_page=PER_PAGE,
                          error_out=False)
    departments = {d.id: d.name for d in db.session.scalars(select(Department))}
    return render_template(
        "admin/uploads.html", form=form, batches=batches, departments=departments,
        kind_labels={k: SPECS[k].label for k in KINDS}, error=error,
        max_mb=max_upload_bytes() // (1024 * 1024),
    ), status


@bp.route("/uploads", methods=["GET", "POST"])
@staff_required(*UPLOAD_ROLES)
def uploads() -> Any:
    """The upload form and the department's past batches."""
    staff = current_staff()
    limit = max_upload_bytes()
    if request.method == "POST":
        # Refuse an oversize body before parsing it; the per-request ceiling also catches
        # uploads sent without a Content-Length.
        if (request.content_length or 0) > limit + _FORM_OVERHEAD:
            return _page(staff, UploadForm(staff, formdata=None), 413, _too_large_message())
        request.max_content_length = limit + _FORM_OVERHEAD
        try:
            form = UploadForm(staff)
        except RequestEntityTooLarge:
            return _page(staff, UploadForm(staff, formdata=None), 413, _too_large_message())
    else:
        form = UploadForm(staff)
    if not form.validate_on_submit():
        return _page(staff, form, 400 if request.method == "POST" else 200)

    upload = form.file.data
    data = upload.read(limit + 1)
    if len(data) > limit:
        return _page(staff, form, 413, _too_large_message())
    department_id = _department_for(staff, form.department.data)
    filename = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    result = import_file(db.session, form.kind.data, filename, data,
                         department_id=department_id, actor=staff.username)
    audit(db.session, staff, "import.upload", f"import_batch:{result.batch_id}", after={
        "kind": result.kind, "filename": filename, "department_id": department_id,
        "rows_total": result.rows_total, "created": result.created, "updated": result.updated,
        "unchanged": result.unchanged, "rejected": result.rejected,
        "unusable": result.unusable,
    }, ip=request.remote_addr)
    db.session.commit()
    flash(result.summary(), "error" if result.exit_code else "info")
    if result.exit_code != 2:  # rows were saved: search must have them, or say why not
        problem = search.index_problem(search.index_now())
        if problem:
            flash(problem, "error")
    return redirect(url_for("admin.upload_batch", batch_id=result.batch_id), code=303)


def _department_for(staff: StaffUser, chosen: int | None) -> int | None:
    if not staff.has_role(Role.ADMIN):
        return staff.department_id
    if chosen and db.session.get(Department, chosen) is not None:
        return chosen
    return None


def _batch_in_scope(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    if not in_scope(current_staff(), batch.department_id):
        abort(403)
    return batch


@bp.get("/uploads/<int:batch_id>")
@staff_required(*UPLOAD_ROLES)
def upload_batch(batch_id: int) -> Any:
    """One batch: its counts, warnings and row error table (行, 列, 原因)."""
    batch = _batch_in_scope(batch_id)
    department = db.session.get(Department, batch.department_id) if batch.department_id else None
    # Records name their deciding body (处罚机关, 许可机关 …) from the file itself; listing
    # them lets the officer see at once a row that is not their department's.
    authorities = db.session.execute(
        select(Department.id, Department.name, func.count(Record.id))
        .join(Record, Record.department_id == Department.id)
        .where(Record.batch_id == batch.id)
        .group_by(Department.id, Department.name).order_by(Department.name)
    ).all()
    return render_template(
        "admin/uploads_batch.html", batch=batch, department=department, authorities=authorities,
        kind_label=SPECS[batch.kind].label if batch.kind in SPECS else batch.kind,
        unusable=_unusable_reason(batch), shown_errors=SHOWN_ERRORS,
    )


@bp.get("/uploads/<int:batch_id>/errors.csv")
@staff_required(*UPLOAD_ROLES)
def upload_batch_errors(batch_id: int) -> Response:
    """The row error report as a CSV the department can open beside its own file."""
    batch = _batch_in_scope(batch_id)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["行", "列", "原因"])
    for error in batch.errors or []:
        writer.writerow([error.get("row") or "", _safe_cell(error.get("column") or ""),
                         _safe_cell(error.get("reason") or "")])
    body = buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens UTF-8 CSV correctly
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="import-batch-{batch.id}-errors.csv"'
    )
    return response


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _unusable_reason(batch: ImportBatch) -> str | None:
    """The importer records an unusable file as a single error without a row number."""
    errors = batch.errors or []
    if batch.rows_total == 0 and len(errors) == 1 and errors[0].get("row") is None:
        return str(errors[0].get("reason") or "")
    return None
