"""Issued credit reports (信用报告): what was issued, for whom, and how to check it later."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import utcnow

if TYPE_CHECKING:
    from webapp.models.subject import Subject


class ReportIssue(db.Model):
    __tablename__ = "report_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, with a check character: not enumerable, typos caught before any look-up.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data_cutoff_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str] = mapped_column(String(64))
    section_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Hash of the subject's public records at issue time: a different value later = changed.
    records_fingerprint: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(default=0)

    subject: Mapped[Subject] = relationship()

    def __repr__(self) -> str:
        return f"<ReportIssue {self.number} subject={self.subject_id}>"
