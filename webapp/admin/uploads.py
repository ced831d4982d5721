"""Data officers upload their department's files through the same importer as the CLI.

An upload is first a preview: the plan (new, updated with the field diff, unchanged,
rejected, conflicts) is shown and the file is held server-side, bound to its uploader, until
they confirm or discard it. Conflicts are rejected unless an administrator overrides them
with a reason. An applied batch can be rolled back. Each step and its audit entry are one
transaction: the view commits once. A file the importer cannot use still leaves a batch
that says why and no subject or record. A data officer's rows naming another deciding body
are rejected.
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
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.admin import bp
from webapp.admin.access import current_staff, in_scope, staff_required
from webapp.admin.paging import requested_page
from webapp.extensions import db
from webapp.models import Department, ImportBatch, Record
from webapp.models.imports import BATCH_STATE_LABELS, BatchState, ImportStagedFile
from webapp.models.staff import Role, StaffUser
from webapp.services import imports as import_service
from webapp.services import search
from webapp.services.audit import audit
from webapp.services.imports import KINDS, SPECS

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


class ConfirmForm(FlaskForm):
    override = BooleanField("强制导入冲突行（将改变已公示记录的主体或部门）")
    override_reason = TextAreaField("强制导入的理由（记入操作日志）", validators=[
        Optional(), Length(max=500, message="不超过 500 字。")])


class DiscardForm(FlaskForm):
    """Only a CSRF token."""


class RollbackForm(FlaskForm):
    confirm = BooleanField(
        "我确认回滚：本批次新增的记录将从公示中删除，更新过的记录恢复为导入前的内容，公众立即可见",
        validators=[DataRequired("请勾选确认后再回滚。")])


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
        state_labels={s.value: label for s, label in BATCH_STATE_LABELS.items()},
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
    result = import_service.preview_upload(
        db.session, form.kind.data, filename, data, staff=staff, department_id=department_id,
        restrict_to=_restriction(staff))
    audit(db.session, staff, "import.preview" if result.unusable is None else "import.upload",
          f"import_batch:{result.batch_id}", after=_counts(result, filename),
          ip=request.remote_addr)
    db.session.commit()
    flash(result.summary(), "error" if result.unusable else "info")
    return redirect(url_for("admin.upload_batch", batch_id=result.batch_id), code=303)


def _restriction(staff: StaffUser) -> str | None:
    """A data officer's rows must name their own department as the deciding body."""
    if staff.has_role(Role.ADMIN) or staff.department is None:
        return None
    return staff.department.name


def _counts(result: import_service.ImportResult, filename: str) -> dict[str, Any]:
    return {"kind": result.kind, "filename": filename, "rows_total": result.rows_total,
            "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "rejected": result.rejected,
            "conflicts": result.conflicts, "unusable": result.unusable}


def _own_preview(batch: ImportBatch, staff: StaffUser) -> bool:
    staged = db.session.get(ImportStagedFile, batch.id)
    return staged is not None and staged.staff_id == staff.id


@bp.post("/uploads/<int:batch_id>/confirm")
@staff_required(*UPLOAD_ROLES)
def upload_confirm(batch_id: int) -> Any:
    batch = _batch_in_scope(batch_id, lock=True)
    staff = current_staff()
    form = ConfirmForm()
    back = redirect(url_for("admin.upload_batch", batch_id=batch.id), code=303)
    if not form.validate_on_submit():
        abort(400)
    reason = None
    if staff.has_role(Role.ADMIN) and form.override.data:  # ignored for anyone else
        reason = (form.override_reason.data or "").strip()
        if not reason:
            db.session.rollback()
            flash("请填写强制导入的理由。", "error")
            return back
    try:
        result = import_service.confirm_upload(
            db.session, batch, staff, restrict_to=_restriction(staff), override_reason=reason)
    except import_service.UploadGone as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    except import_service.PlanChanged as error:
        db.session.rollback()
        _replan(batch, staff)
        flash(str(error), "error")
        return back
    audit(db.session, staff, "import.upload", f"import_batch:{batch.id}",
          after=_counts(result, batch.filename), ip=request.remote_addr)
    if reason and result.conflicts:
        audit(db.session, staff, "import.override", f"import_batch:{batch.id}", after={
            "reason": reason, "conflicts": [
                {"row": r.parsed.number, "label": r.label, "reasons": r.reasons}
                for r in result.planned if r.action == "conflict"]}, ip=request.remote_addr)
    db.session.commit()
    flash(result.summary(), "error" if result.exit_code else "info")
    if result.exit_code != 2:  # rows were saved: search must have them, or say why not
        problem = search.index_problem(search.index_now())
        if problem:
            flash(problem, "error")
    return back


def _replan(batch: ImportBatch, staff: StaffUser) -> None:
    """Show the officer the plan as it is now; the file stays staged for a new confirm."""
    batch = db.session.get(ImportBatch, batch.id)
    staged = db.session.get(ImportStagedFile, batch.id)
    if batch is None or staged is None:
        return
    import_service.import_file(db.session, batch.kind, batch.filename, staged.data,
                               department_id=batch.department_id, actor=batch.actor,
                               apply=False, restrict_to=_restriction(staff), batch=batch)
    db.session.commit()


@bp.post("/uploads/<int:batch_id>/discard")
@staff_required(*UPLOAD_ROLES)
def upload_discard(batch_id: int) -> Any:
    batch = _batch_in_scope(batch_id, lock=True)
    staff = current_staff()
    if not DiscardForm().validate_on_submit():
        abort(400)
    try:
        import_service.discard_upload(db.session, batch, staff)
    except import_service.UploadGone as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        audit(db.session, staff, "import.discard", f"import_batch:{batch.id}",
              ip=request.remote_addr)
        db.session.commit()
        flash("已取消本次上传，未写入任何数据。", "info")
    return redirect(url_for("admin.upload_batch", batch_id=batch.id), code=303)


@bp.post("/uploads/<int:batch_id>/rollback")
@staff_required(*UPLOAD_ROLES)
def upload_rollback(batch_id: int) -> Any:
    batch = _batch_in_scope(batch_id, lock=True)
    staff = current_staff()
    form = RollbackForm()
    back = redirect(url_for("admin.upload_batch", batch_id=batch.id), code=303)
    if not form.validate_on_submit():
        db.session.rollback()
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
        return back
    try:
        done = import_service.rollback_batch(db.session, batch, staff.username)
    except import_service.RollbackRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    audit(db.session, staff, "import.rollback", f"import_batch:{batch.id}", after={
        "records_deleted": done.records_deleted, "records_restored": done.records_restored,
        "subjects_deleted": done.subjects_deleted,
        "subjects_restored": done.subjects_restored, "subjects_kept": done.subjects_kept,
    }, ip=request.remote_addr)
    db.session.commit()
    flash(f"批次 #{batch.id} 已回滚：删除新增记录 {done.records_deleted} 条，恢复记录 "
          f"{done.records_restored} 条，删除新建主体 {done.subjects_deleted} 个。", "info")
    return back


def _department_for(staff: StaffUser, chosen: int | None) -> int | None:
    if not staff.has_role(Role.ADMIN):
        return staff.department_id
    if chosen and db.session.get(Department, chosen) is not None:
        return chosen
    return None


def _batch_in_scope(batch_id: int, lock: bool = False) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id, with_for_update=lock)
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
    staff = current_staff()
    return render_template(
        "admin/uploads_batch.html", batch=batch, department=department, authorities=authorities,
        kind_label=SPECS[batch.kind].label if batch.kind in SPECS else batch.kind,
        unusable=_unusable_reason(batch), shown_errors=SHOWN_ERRORS,
        plan=batch.plan or {}, state_label=BATCH_STATE_LABELS.get(BatchState(batch.state)),
        is_preview=batch.state == BatchState.PREVIEW.value,
        own_preview=_own_preview(batch, staff), is_admin=staff.has_role(Role.ADMIN),
        confirm_form=ConfirmForm(), discard_form=DiscardForm(), rollback_form=RollbackForm(),
        can_roll_back=batch.state == BatchState.APPLIED.value and _unusable_reason(batch) is None,
    )


@bp.get("/uploads/<int:batch_id>/errors.csv")
@staff_required(*UPLOAD_ROLES)
def upload_batch_errors(batch_id: int) -> Response:
    """The row error report as a CSV the department can open beside its own file."""
    batch = _batch_in_scope(batch_id)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["行", "列", "名称", "文书号", "原因"])
    for error in batch.errors or []:
        writer.writerow([error.get("row") or ""] + [
            _safe_cell(error.get(key) or "") for key in ("column", "name", "doc", "reason")])
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
