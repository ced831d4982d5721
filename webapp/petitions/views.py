"""Routes of the petitions blueprint: the three public forms, case tracking, CAPTCHA image."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db, limiter
from webapp.kiosk.device import current_kiosk_id
from webapp.models import Record, Subject
from webapp.models.base import utcnow
from webapp.models.petitions import Attachment, Case, CaseKind
from webapp.petitions import bp
from webapp.petitions.forms import (
    GOV_CATEGORIES,
    ComplaintForm,
    NudgeForm,
    ObjectionForm,
    RepairForm,
    TrackForm,
)
from webapp.rules.kinds import Visibility
from webapp.rules.masking import mask_phone
from webapp.services import attachments as files
from webapp.services import captcha
from webapp.services import petitions as svc

TRACKED = "tracked_cases"  # case ids whose query code this browser has shown


def _form_token_mac(nonce: str) -> str:
    # Binds the one-time token to this browser's session (its CSRF secret): a token copied
    # into another session is refused, so a replay cannot unlock someone else's case.
    key = str(current_app.config["SECRET_KEY"]).encode()
    bound = f"{nonce}|{session.get('csrf_token', '')}".encode()
    return hmac.new(key, bound, hashlib.sha256).hexdigest()[:16]


def _query_code_for(token: str) -> str:
    """The case's query code, derived from its one-time form token (bound to this session)
    with the secret key: when a double click's browser dropped the first answer, the second
    answer can show the same code again. The token alone does not reveal it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"query-code|{token}".encode(), hashlib.sha256).digest()
    alphabet = svc.QUERY_CODE_ALPHABET  # 32 letters: each byte maps evenly
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:10])


def _new_form_token() -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_form_token_mac(nonce)}"


def _form_token_ok(token: str) -> bool:
    nonce, _, mac = token.partition(".")
    return 16 <= len(token) <= 64 and hmac.compare_digest(mac, _form_token_mac(nonce))


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_PETITION_SUBMIT"]


def _track_limit() -> str:
    return current_app.config["RATELIMIT_PETITION_TRACK"]


def _captcha_needed() -> bool:
    since = utcnow() - timedelta(hours=1)
    kiosk_id = current_kiosk_id()  # a hall kiosk counts as itself: the hall shares one address
    sender = Case.kiosk_id == kiosk_id if kiosk_id else Case.submitter_ip == request.remote_addr
    recent = db.session.scalar(select(func.count()).select_from(Case).where(
        sender, Case.created_at >= since)) or 0
    return recent >= current_app.config["PETITION_CAPTCHA_AFTER"]


def _public_record(record_id: int | None) -> Record:
    record = db.session.get(Record, record_id) if record_id else None
    if record is None or record.visibility not in (Visibility.PUBLIC, Visibility.OBJECTION):
        abort(404)
    return record


def _handle(form: Any, kind: CaseKind, template: str, fields: dict[str, Any],
            record: Record | None = None, subject_id: int | None = None,
            min_files: int = 0, **context: Any) -> Any:
    need_captcha = _captcha_needed()
    if request.method == "GET":
        form.form_token.data = _new_form_token()
    elif form.validate_on_submit():
        error = None
        if need_captcha and not captcha.check(form.captcha.data or ""):
            error = "验证码不正确，请重新输入。"
        if not _form_token_ok(form.form_token.data or ""):
            error = error or "表单已失效，请刷新页面后重新提交。"
        checked: list[files.Checked] = []
        if error is None:
            try:
                checked = files.check_files(request.files.getlist(form.attachments.name))
                if len(checked) < min_files:
                    error = "请上传修复申请书、信用承诺书和履行证明材料（至少 3 个文件）。"
            except files.AttachmentError as exc:
                error = str(exc)
        if error is None:
            return _create(kind, form, fields, record, subject_id, checked) or render_template(
                template, form=form, need_captcha=need_captcha, **context)
        flash(error, "error")
    return render_template(template, form=form, need_captcha=need_captcha, **context)


def _create(kind: CaseKind, form: Any, fields: dict[str, Any], record: Record | None,
            subject_id: int | None, checked: list[files.Checked]) -> Any:
    written: list = []
    try:
        token_code = _query_code_for(form.form_token.data)
        fields = {**fields, "kiosk_id": current_kiosk_id()}
        case, code = svc.open_case(db.session, kind, form_token=form.form_token.data,
                                   fields=fields, record=record, subject_id=subject_id,
                                   ip=request.remote_addr, query_code=token_code)
        if code is not None and checked:
            rows, written = files.store(checked)
            case.attachments.extend(rows)
        db.session.commit()
    except svc.PetitionError as exc:
        db.session.rollback()
        files.discard(written)
        flash(str(exc), "error")
        return None
    except IntegrityError as exc:
        db.session.rollback()
        files.discard(written)
        current_app.logger.warning("petition not stored: %s", exc.orig)
        flash("提交未成功，请重试。", "error")
        return None
    except Exception:
        db.session.rollback()
        files.discard(written)
        raise
    _remember(case)
    if code is not None:
        session["new_case"] = {"number": case.number, "code": code}
    if code is None:
        # A second click of a form already stored: this browser's token proves it sent the
        # first one, so it gets the same answer (with the query code) again.
        flash("该表单已经提交过，请勿重复提交。以下是已提交的案件。", "info")
        if not svc.query_code_matches(case, token_code):
            return redirect(url_for("petitions.case_status", number=case.number))
        session["new_case"] = {"number": case.number, "code": token_code}
    return redirect(url_for("petitions.submitted", number=case.number))


def _contact(form: Any) -> dict[str, Any]:
    anonymous = bool(getattr(form, "anonymous", None) and form.anonymous.data)
    return {
        "description": form.description.data,
        "contact_name": None if anonymous else (form.contact_name.data or None),
        "contact_phone": None if anonymous else (form.contact_phone.data or None),
        "anonymous": anonymous,
    }


@bp.route("/complaint", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def complaint() -> Any:
    gov = request.args.get("gov") == "1"
    subject = None
    if not gov:
        subject_id = request.args.get("subject", type=int)
        subject = db.session.get(Subject, subject_id) if subject_id else None
        if subject is None:
            return render_template("petitions/pick_subject.html"), 200
    form = ComplaintForm()
    if gov:
        form.category.choices = GOV_CATEGORIES
    fields: dict[str, Any] = {}
    if request.method == "POST":
        fields = {**_contact(form), "category": form.category.data, "title": form.title.data,
                  "happened_on": form.happened_on.data, "place": form.place.data or None,
                  "target_name": form.target_name.data or None}
        if gov and not form.target_name.data:
            form.target_name.errors = ["请填写被投诉的政府部门或单位。"]
            return render_template("petitions/complaint.html", form=form, gov=gov,
                                   subject=subject, need_captcha=_captcha_needed())
    return _handle(form, CaseKind.GOV_COMPLAINT if gov else CaseKind.COMPLAINT,
                   "petitions/complaint.html", fields,
                   subject_id=subject.id if subject else None, gov=gov, subject=subject)


@bp.route("/objection", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def objection() -> Any:
    record = _public_record(request.args.get("record", type=int))
    verdict = svc.objection_allowed(db.session, record)
    form = ObjectionForm()
    fields = {**_contact(form), "title": f"对{record.doc_number or '信用信息'}的异议"[:200],
              "wrong_fields": form.wrong_fields.data}
    if not verdict.eligible:
        return render_template("petitions/ineligible.html", record=record, verdict=verdict,
                               heading="异议申诉")
    return _handle(form, CaseKind.OBJECTION, "petitions/objection.html", fields, record=record,
                   record_=record)


@bp.route("/repair", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def repair() -> Any:
    record = _public_record(request.args.get("record", type=int))
    verdict = svc.repair_eligibility(record, date.today())
    if not verdict.eligible:
        return render_template("petitions/ineligible.html", record=record, verdict=verdict,
                               heading="信用修复")
    form = RepairForm()
    fields = {**_contact(form), "title": f"{record.doc_number or '信用信息'}的信用修复申请"[:200]}
    return _handle(form, CaseKind.REPAIR, "petitions/repair.html", fields, record=record,
                   min_files=3, record_=record)


@bp.get("/submitted/<number>")
def submitted(number: str) -> Any:
    shown = session.pop("new_case", None)
    if not shown or shown.get("number") != number:
        return redirect(url_for("petitions.track"))
    return render_template("petitions/submitted.html", number=number, code=shown["code"])


@bp.get("/captcha.png")
def captcha_image() -> Any:
    response = current_app.response_class(captcha.new_image(), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


def _remember(case: Case) -> None:
    tracked = [i for i in session.get(TRACKED, []) if i != case.id][-19:]
    session[TRACKED] = [*tracked, case.id]


def _tracked_case(number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.number == number))
    if case is None or case.id not in session.get(TRACKED, []):
        abort(404)
    return case


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track() -> Any:
    form = TrackForm()
    if form.validate_on_submit():
        case = svc.find_case(db.session, form.number.data, form.code.data)
        if case is not None:
            _remember(case)
            return redirect(url_for("petitions.case_status", number=case.number))
        flash("案件编号或查询码不正确。", "error")
    return render_template("petitions/track.html", form=form)


@bp.get("/track/<number>")
def case_status(number: str) -> Any:
    case = _tracked_case(number)
    return render_template("petitions/status.html", case=case, nudge=NudgeForm(),
                           overdue=case.is_overdue(date.today()),
                           phone=mask_phone(case.contact_phone))


@bp.post("/track/<number>/nudge")
def nudge(number: str) -> Any:
    case = _tracked_case(number)
    if NudgeForm().validate_on_submit():
        try:
            svc.nudge(db.session, case)
            db.session.commit()
            flash("已催办，承办部门将尽快处理。", "info")
        except svc.PetitionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("petitions.case_status", number=number))


@bp.get("/track/<number>/files/<int:attachment_id>")
def case_file(number: str, attachment_id: int) -> Any:
    case = _tracked_case(number)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    return send_attachment(attachment)


def send_attachment(attachment: Attachment) -> Any:
    response = send_file(files.path_of(attachment), mimetype=attachment.mime,
                         as_attachment=True, download_name=attachment.stored_name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
