"""Routes of the reports blueprint: download a credit report, verify one."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from werkzeug.wrappers import Response

from webapp.extensions import db, limiter
from webapp.models import Subject
from webapp.reports import bp
from webapp.reports.forms import VerifyForm
from webapp.services.reports import UnreadableReport, issue_report, read_pdf, verify
from webapp.services.reports.numbers import normalise


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
def verify_page() -> Any:
    form = VerifyForm()
    result = None
    if request.method == "GET" and request.args.get("no"):
        form.no.data = request.args["no"]
        result = verify(db.session, request.args["no"])
    elif form.validate_on_submit():
        upload = form.pdf.data
        pdf = (upload.read() if upload else None) or None
        number, signature = form.no.data or "", None
        try:
            if pdf is not None:
                facts = read_pdf(pdf, current_app.config["INSTANCE_DIR"])
                signature = facts.signature
                if facts.number and number and normalise(number) != facts.number:
                    form.no.errors = [f"输入的编号与文件中的报告编号 {facts.number} 不一致，"
                                      "请核对；只核验文件时编号可不填。"]
                elif not number and not facts.number:
                    form.pdf.errors = ["无法从文件中读取报告编号，请输入报告上印制的编号。"]
                number = number or facts.number or ""
            elif not number:
                form.no.errors = ["请输入报告编号，或上传报告 PDF 文件。"]
        except UnreadableReport as error:
            form.pdf.errors = [str(error)]
        if not (form.no.errors or form.pdf.errors):
            result = verify(db.session, number, pdf, signature)
    subject_name = None
    if result and result.issue:
        from webapp.services.visibility import public_name, public_records_of

        subject = result.issue.subject
        subject_name = public_name(subject, public_records_of(db.session, subject.id))
    return render_template("reports/verify.html", form=form, result=result,
                           subject_name=subject_name)
