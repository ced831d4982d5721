"""Routes of the codes blueprint: the code page, images, scan page, JWKS, revocations, API.

Views are thin: they call webapp.services.codes and commit once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.codes import bp
from webapp.codes.forms import DeclarationForm, IssueCodeForm
from webapp.extensions import db, limiter
from webapp.models import Subject
from webapp.models.codes import CreditCode
from webapp.services import codes as code_service
from webapp.services.codes import poster as posters
from webapp.services.codes import qr
from webapp.services.codes.scanning import ScanResult, Verdict
from webapp.services.codes.tokens import Reason
from webapp.services.visibility import public_name, public_records_of

JWKS_MAX_AGE = 300  # a rotated key reaches verifiers within 5 minutes
REVOCATIONS_MAX_AGE = 60


def _api_limit() -> str:
    return str(current_app.config["RATELIMIT_API"])


def _subject_or_404(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    return subject


def _code_url(code: CreditCode) -> str:
    return qr.code_url(current_app.config["PUBLIC_BASE_URL"], code.token)


@bp.route("/subjects/<int:subject_id>/code", methods=["GET", "POST"])
def subject_code(subject_id: int) -> Any:
    """The subject's credit code, with a button to get one if it has none yet."""
    subject = _subject_or_404(subject_id)
    form = IssueCodeForm()
    if form.validate_on_submit():
        try:
            code_service.issue_code(db.session, subject, code_service.key_store(),
                                    base_url=current_app.config["PUBLIC_BASE_URL"])
        except code_service.CodeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
        return redirect(url_for("codes.subject_code", subject_id=subject.id), code=303)
    code = code_service.current_code(db.session, subject.id)
    records = public_records_of(db.session, subject.id)
    return render_template(
        "codes/subject_code.html",
        subject=subject,
        name=public_name(subject, records),
        code=code,
        form=form,
        can_issue=bool(subject.uscc)
        and subject.registration_status not in code_service.NO_CODE_REGISTRATION_STATES,
    )


def _image(subject_id: int, kind: str) -> Response:
    subject = _subject_or_404(subject_id)
    code = code_service.current_code(db.session, subject.id)
    if code is None:
        abort(404)
    url = _code_url(code)
    if code.qr_mask is None:  # issued without a base URL (e.g. by a service call): fill in
        code.qr_mask = qr.best_mask(url)
        db.session.commit()
    mask = code.qr_mask
    site = current_app.config["SITE_NAME"]
    etag = hashlib.sha256(f"{kind}|{url}|{subject.name}|{site}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        if kind == "png":
            body, mimetype, suffix = qr.qr_png(url, mask=mask), "image/png", "png"
        elif kind == "svg":
            body, mimetype, suffix = qr.qr_svg(url, mask), "image/svg+xml", "svg"
        else:
            text = posters.PosterText(
                subject_name=public_name(subject, public_records_of(db.session, subject.id)),
                uscc=code.uscc,
                site_name=site,
                site_url=current_app.config["PUBLIC_BASE_URL"],
            )
            body = posters.poster_png(url, text, mask)
            mimetype, suffix = "image/png", "poster.png"
        response = Response(body, mimetype=mimetype)
        if request.args.get("download"):
            filename = f"credit-code-{code.uscc}.{suffix}"
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # revalidate: a code can be withdrawn
    return response


@bp.get("/subjects/<int:subject_id>/code.png")
@limiter.limit(_api_limit)  # images cost CPU
def code_png(subject_id: int) -> Response:
    return _image(subject_id, "png")


@bp.get("/subjects/<int:subject_id>/code.svg")
@limiter.limit(_api_limit)  # images cost CPU
def code_svg(subject_id: int) -> Response:
    return _image(subject_id, "svg")


@bp.get("/subjects/<int:subject_id>/code-poster.png")
@limiter.limit(_api_limit)  # images cost CPU
def code_poster(subject_id: int) -> Response:
    return _image(subject_id, "poster")


@bp.get("/c/<token>")
def scan(token: str) -> Any:
    """The page a phone opens when it scans a code. Counted per subject per day."""
    result = code_service.scan_code(db.session, token, code_service.key_store())
    response = make_response(
        render_template("codes/scan.html", result=result, name=_display_name(result))
    )
    if result.subject is not None:  # a code we signed (genuine or withdrawn)
        code_service.count_scan(result.subject.id)
    code_service.flush_scans()  # writes only when the flush interval has passed
    response.headers["Cache-Control"] = "no-store"  # the status is live, never cached
    return response


def _display_name(result: ScanResult) -> str | None:
    if result.subject is None:
        return None
    return public_name(result.subject, result.public_records)


def _cors_json(body: dict[str, Any], max_age: int) -> Response:
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys that verify credit codes (active and retiring), for offline checks."""
    return _cors_json(code_service.key_store().jwks(), JWKS_MAX_AGE)


@bp.get("/.well-known/credit-code-revocations.json")
def revocations() -> Response:
    """Withdrawn code serials (jti), for verifiers that check offline."""
    body = code_service.revocation_list(db.session, current_app.config["PUBLIC_BASE_URL"])
    return _cors_json(body, REVOCATIONS_MAX_AGE)


@bp.get("/api/v1/codes/verify")
@limiter.limit(_api_limit)
def verify_api() -> Response:
    """JSON verdict on a token. Malformed input of any kind: 400 with a reason."""
    token = request.args.get("token", "")
    if not token:
        response = jsonify({"valid": False, "reason": "missing_token",
                            "message": "缺少参数 token"})
        response.status_code = 400
    else:
        result = code_service.scan_code(db.session, token, code_service.key_store())
        response = jsonify(_api_body(result))
        if result.verification.reason is Reason.MALFORMED:
            response.status_code = 400
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


def _api_body(result: ScanResult) -> dict[str, Any]:
    verification = result.verification
    body: dict[str, Any] = {
        "valid": verification.valid and result.verdict is Verdict.GENUINE,
        "reason": verification.reason.value,
        "verdict": result.verdict.value,
        "message": verification.message,
        "kid": verification.kid,
        "serial": verification.claims.jti if verification.claims else None,
        "issued_at": verification.claims.iat if verification.claims else None,
        "subject": None,
        "status": None,
    }
    if result.verdict is Verdict.UNKNOWN_SUBJECT:
        body["message"] = "此码为本网站签发，但未找到对应的信用主体。"
    subject = result.subject
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if subject is not None:
        body["subject"] = {
            "id": subject.id,
            "uscc": subject.uscc,
            "name": _display_name(result),
            # Fixed URL contracts (ARCHITECTURE): profile and report of the public feature.
            "profile_url": f"{base}/subjects/{subject.id}",
            "report_url": f"{base}/subjects/{subject.id}/report.pdf",
        }
    if result.status is not None:
        body["status"] = {
            "colour": result.status.colour,
            "label": result.status.label,
            "meaning": result.status.meaning,
            "reasons": result.status.reasons,
            "honoured": result.status.honoured,
        }
        body["counts"] = vars(result.counts)
    return body


@bp.route("/subjects/<int:subject_id>/declaration", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def declare(subject_id: int) -> Any:
    """自主申报: a subject submits information about itself for staff review."""
    subject = _subject_or_404(subject_id)
    form = DeclarationForm()
    if form.validate_on_submit():
        try:
            code_service.submit_declaration(
                db.session, subject,
                category=form.category.data or "",
                title=form.title.data or "",
                content=form.content.data or "",
                contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or "",
            )
        except code_service.DeclarationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("申报已提交，工作人员核实通过后将在信用码页面展示。", "success")
            return redirect(url_for("codes.subject_code", subject_id=subject.id), code=303)
    records = public_records_of(db.session, subject.id)
    return render_template("codes/declare.html", subject=subject,
                           name=public_name(subject, records), form=form)
