"""Issue a report: one ReportIssue row per PDF handed out (flushed; the caller commits)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from webapp.models import Subject
from webapp.models.reports import ReportIssue
from webapp.services.clock import now_utc
from webapp.services.querylog import log_personal_view
from webapp.services.reports.fonts import ensure_font
from webapp.services.reports.gather import gather
from webapp.services.reports.numbers import new_number
from webapp.services.reports.render import render_pdf
from webapp.services.reports.signing import sign_pdf


@dataclass(frozen=True)
class IssuedReport:
    issue: ReportIssue
    pdf: bytes


def verify_url(number: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/reports/verify?no={number}"


def issue_report(session: Session, subject: Subject, address: str | None = None) -> IssuedReport:
    """Make the PDF from what is public now and record its number and hash."""
    config = current_app.config
    font = ensure_font(config["INSTANCE_DIR"])
    data = gather(session, subject)
    number = new_number()
    issued_at = now_utc()
    pdf, pages = render_pdf(
        data, number=number, issued_at=issued_at, font=font, site=config["SITE_NAME"],
        city=config["CITY_NAME"], verify_url=verify_url(number),
    )
    pdf = sign_pdf(pdf, config["INSTANCE_DIR"], config["SITE_NAME"])  # the hash covers it
    issue = ReportIssue(
        number=number, subject_id=subject.id, issued_at=issued_at, data_cutoff_at=data.cutoff,
        sha256=hashlib.sha256(pdf).hexdigest(), section_counts=data.counts,
        records_fingerprint=data.fingerprint, page_count=pages,
    )
    session.add(issue)
    log_personal_view(session, subject, surface="report", address=address)
    session.flush()
    return IssuedReport(issue, pdf)
