"""Routes of the reports blueprint: download a credit report, verify one."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from werkzeug.wrappers import Response

from webapp.extensions import db, limiter
from webapp.models import Subject
from webapp.reports import bp
from webapp.reports.forms import VerifyForm
from webapp.services.reports import issue_report, verify


def reports_limit() -> str:
    return str(current_app.config["RATELIMIT_REPORTS"])


@bp.get("/subjects/<int:subject_id>/report.pdf")
@limiter.limit(reports_limit)
def download(subject_id: int) -> Response:
    subject = db.session.get(Subject, subject_id) or abort(404)
    issued = issue_report(db.session, subject, address=request.remote_addr)
    db.session.commit()  # the issue row is what makes the report verifiable
    number = issued.issue.number
    return Response(
        issued.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="credit-report-{number}.pdf"',
            "Cache-Control": "no-store",
            "X-Report-Number": number,
        },
    )


@bp.route("/reports/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REPORTS_VERIFY"])
def verify_page() -> Any:
    form = VerifyForm()
    result = None
    if request.method == "GET" and request.args.get("no"):
        form.no.data = request.args["no"]
        result = verify(db.session, request.args["no"])
    elif form.validate_on_submit():
        upload = form.pdf.data
        pdf = upload.read() if upload else None
        result = verify(db.session, form.no.data or "", pdf or None)
    subject_name = None
    if result and result.issue:
        from webapp.services.visibility import public_name, public_records_of

        subject = result.issue.subject
        subject_name = public_name(subject, public_records_of(db.session, subject.id))
    refused = request.method == "POST" and result is None  # the form's errors are shown
    return render_template("reports/verify.html", form=form, result=result,
                           subject_name=subject_name), 422 if refused else 200
