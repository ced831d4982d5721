"""Routes of the petitions blueprint: the three public forms, case tracking, CAPTCHA image."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
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
from webapp.routing import id_arg
from webapp.rules.kinds import Visibility
from webapp.rules.masking import mask_phone
from webapp.services import attachments as files
from webapp.services import captcha
from webapp.services import petitions as svc
from webapp.services.clock import today as china_today

NEW_CASE = "new_case"  # the confirmation page's number and code, for a reload
NEW_CASE_SECONDS = 30 * 60  # how long a reload of the confirmation page shows the code
REFUSED = 422  # a submitted form shown again with its errors: nothing was stored


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
        ok = True
        if need_captcha:
            solved = captcha.check(form.captcha.data or "")
            db.session.commit()  # the challenge is used up, whatever happens next
            if not solved:
                ok = field_error(form.captcha, "验证码不正确，请重新输入。")
        if not _form_token_ok(form.form_token.data or ""):
            ok = field_error(form.description, "表单已失效，请刷新页面后重新提交。")
        checked: list[files.Checked] = []
        if ok:
            try:
                checked = files.check_files(request.files.getlist(form.attachments.name))
                if len(checked) < min_files:
                    ok = field_error(form.attachments, "请上传修复申请书、信用承诺书和履行证明"
                                     "材料（至少 3 个文件）。")
            except files.AttachmentError as exc:
                ok = field_error(form.attachments, str(exc))
        if ok:
            return _create(kind, form, fields, record, subject_id, checked) or (render_template(
                template, form=form, need_captcha=need_captcha, **context), REFUSED)
    elif form.website.errors:
        # The trap field is hidden; a person who still typed in it is told what to do.
        field_error(form.description, "提交未成功，请清空自动填充的内容后重试。")
    return render_template(template, form=form, need_captcha=need_captcha,
                           **context), REFUSED if request.method == "POST" else 200


def field_error(field: Any, message: str) -> bool:
    """Attach a message to a field (the error summary links to it); False, for `ok`."""
    field.errors = [*field.errors, message]
    return False


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
        field_error(form.description, str(exc))
        return None
    except IntegrityError as exc:
        db.session.rollback()
        files.discard(written)
        current_app.logger.warning("petition not stored: %s", exc.orig)
        field_error(form.description, "提交未成功，请重试。")
        return None
    except Exception:
        db.session.rollback()
        files.discard(written)
        raise
    if code is None:
        # A second click of a form already stored: this browser's token proves it sent the
        # first one, so it gets the same answer (with the query code) again.
        flash("该表单已经提交过，请勿重复提交。以下是已提交的案件。", "info")
        if not svc.query_code_matches(case, token_code):
            return redirect(url_for("petitions.case_status", number=case.number))
        code = token_code
    session[NEW_CASE] = {"number": case.number, "code": code,
                         "until": utcnow().timestamp() + NEW_CASE_SECONDS}
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
        subject_id = request.args.get("subject", type=id_arg)
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
            form.validate()
            field_error(form.target_name, "请填写被投诉的政府部门或单位。")
            return render_template("petitions/complaint.html", form=form, gov=gov,
                                   subject=subject, need_captcha=_captcha_needed()), REFUSED
    return _handle(form, CaseKind.GOV_COMPLAINT if gov else CaseKind.COMPLAINT,
                   "petitions/complaint.html", fields,
                   subject_id=subject.id if subject else None, gov=gov, subject=subject)


@bp.route("/objection", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def objection() -> Any:
    if request.args.get("record") is None:
        return render_template("petitions/pick_record.html", heading="异议申诉",
                               service="提出异议")
    record = _public_record(request.args.get("record", type=id_arg))
    verdict = svc.objection_allowed(db.session, record)
    form = ObjectionForm()
    fields = {**_contact(form), "title": f"对{record.doc_number or '信用信息'}的异议"[:200],
              "wrong_fields": form.wrong_fields.data}
    if not verdict.eligible:
        return render_template("petitions/ineligible.html", record=record, verdict=verdict,
                               heading="异议申诉")
    return _handle(form, CaseKind.OBJECTION, "petitions/objection.html", fields, record=record,
                   record_=record)


@bp.get("/")
def index() -> Any:
    """投诉与异议: the four services and tracking, each said in one line."""
    return render_template("petitions/index.html")


@bp.route("/repair", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def repair() -> Any:
    if request.args.get("record") is None:
        return render_template("petitions/pick_record.html", heading="信用修复",
                               service="申请信用修复")
    record = _public_record(request.args.get("record", type=id_arg))
    verdict = svc.repair_eligibility(record, china_today())
    if not verdict.eligible:
        return render_template("petitions/ineligible.html", record=record, verdict=verdict,
                               heading="信用修复")
    form = RepairForm()
    fields = {**_contact(form), "title": f"{record.doc_number or '信用信息'}的信用修复申请"[:200]}
    return _handle(form, CaseKind.REPAIR, "petitions/repair.html", fields, record=record,
                   min_files=3, record_=record)


@bp.get("/submitted/<number>")
def submitted(number: str) -> Any:
    shown = session.get(NEW_CASE)
    if (not shown or shown.get("number") != number
            or shown.get("until", 0) < utcnow().timestamp()):
        session.pop(NEW_CASE, None)
        return redirect(url_for("petitions.case_status", number=number))
    response = current_app.make_response(render_template(
        "petitions/submitted.html", number=number, code=shown["code"], form=TrackForm(
            number=number, code=shown["code"])))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/captcha.png")
@limiter.limit(lambda: current_app.config["RATELIMIT_CAPTCHA"])
def captcha_image() -> Any:
    image = captcha.new_image()
    db.session.commit()
    response = current_app.response_class(image, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


# Tracking needs the number and the query code every time, in any browser: nothing in the
# session opens a case, so the next person at a shared browser cannot reopen it.

def _render_status(case: Case, code: str) -> Any:
    response = current_app.make_response(render_template(
        "petitions/status.html", case=case, code=code, nudge=NudgeForm(),
        overdue=case.is_overdue(china_today()), phone=mask_phone(case.contact_phone)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _track_form(form: TrackForm, status: int = 200) -> Any:
    return render_template("petitions/track.html", form=form), status


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track() -> Any:
    form = TrackForm()
    if request.method == "GET":
        form.number.data = request.args.get("number", "")[:24]
    elif form.validate_on_submit():
        case = svc.find_case(db.session, form.number.data, form.code.data)
        if case is not None:
            return _render_status(case, form.code.data.strip().upper())
        field_error(form.code, "案件编号或查询码不正确。")
    return _track_form(form, REFUSED if request.method == "POST" else 200)


@bp.get("/track/<number>")
def case_status(number: str) -> Any:
    """A status link opened anywhere: the tracking form, the number filled in."""
    return _track_form(TrackForm(number=number[:24]))


def _proven_case(number: str) -> Case:
    form = TrackForm()
    if not form.validate_on_submit():
        abort(404)
    case = svc.find_case(db.session, number, form.code.data)
    if case is None:
        abort(404)
    return case


@bp.post("/track/<number>/nudge")
@limiter.limit(_track_limit)
def nudge(number: str) -> Any:
    case = _proven_case(number)
    try:
        svc.nudge(db.session, case, china_today())
        db.session.commit()
        flash("已催办，承办部门将尽快处理。", "info")
    except svc.PetitionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _render_status(case, request.form["code"].strip().upper())


@bp.post("/track/<number>/files/<int:attachment_id>")
@limiter.limit(_track_limit)
def case_file(number: str, attachment_id: int) -> Any:
    case = _proven_case(number)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    return send_attachment(attachment)


def send_attachment(attachment: Attachment, inline: bool = False) -> Any:
    """The file under its original (cleaned) name; `inline` for the browser's own preview."""
    response = send_file(files.path_of(attachment), mimetype=attachment.mime,
                         as_attachment=not inline, download_name=files.download_name(attachment))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
