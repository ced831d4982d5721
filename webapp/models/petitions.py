"""Petition cases (complaints, objections, credit repair), their timeline and attachments.

The database enforces the workflow's invariants: known kinds and states, a decided case has a
decider and a reply, an objection or repair names its record, one open objection per record,
one case per one-time form token (a double click makes one case).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, utcnow
from webapp.models.catalog import Department
from webapp.models.record import Record
from webapp.models.subject import Subject


class CaseKind(StrEnum):
    COMPLAINT = "complaint"  # 投诉举报
    GOV_COMPLAINT = "gov_complaint"  # 政府失信违诺投诉
    OBJECTION = "objection"  # 异议申诉
    REPAIR = "repair"  # 信用修复


class CaseState(StrEnum):
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    REJECTED = "rejected"  # 不予受理 (closed)
    VERIFYING = "verifying"  # 核查中
    DECIDED = "decided"  # 已答复
    CLOSED = "closed"  # 办结


class Outcome(StrEnum):
    UPHELD = "upheld"  # objection upheld / complaint substantiated / repair approved
    DISMISSED = "dismissed"  # not upheld / not approved


CASE_NUMBER_PREFIX = {
    CaseKind.COMPLAINT: "TS", CaseKind.GOV_COMPLAINT: "ZF",
    CaseKind.OBJECTION: "YY", CaseKind.REPAIR: "XF",
}
OPEN_STATES = (CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.VERIFYING)
#: What staff still have to do something about: the open states and 已答复 (to close).
WORK_STATES = (*OPEN_STATES, CaseState.DECIDED)


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


_OPEN_OBJECTION = "kind = 'objection' AND state IN ('submitted', 'accepted', 'verifying')"


class Case(TimestampMixin, db.Model):
    __tablename__ = "petition_cases"
    __table_args__ = (
        CheckConstraint(_in("kind", CaseKind), name="kind"),
        CheckConstraint(_in("state", CaseState), name="state"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', Outcome)}", name="outcome"),
        CheckConstraint(
            "state NOT IN ('decided', 'closed') OR (decided_by_id IS NOT NULL"
            " AND outcome IS NOT NULL AND reply IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_has_decider",
        ),
        CheckConstraint(
            "state <> 'rejected' OR (reject_reason IS NOT NULL AND decided_by_id IS NOT NULL)",
            name="rejected_has_reason",
        ),
        CheckConstraint(
            "kind NOT IN ('objection', 'repair') OR record_id IS NOT NULL", name="record_for_kind"
        ),
        CheckConstraint("kind <> 'complaint' OR subject_id IS NOT NULL", name="subject_for_kind"),
        CheckConstraint("NOT anonymous OR contact_phone IS NULL", name="anonymous_no_phone"),
        # One open objection per record (partial unique index on both SQLite and PostgreSQL).
        Index(
            "uq_one_open_objection", "record_id", unique=True,
            sqlite_where=text(_OPEN_OBJECTION), postgresql_where=text(_OPEN_OBJECTION),
        ),
        Index("ix_petition_queue", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)  # set after flush
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.SUBMITTED.value)
    outcome: Mapped[str | None] = mapped_column(String(16))
    query_code_hash: Mapped[str] = mapped_column(String(255))
    form_token: Mapped[str] = mapped_column(String(64), unique=True)  # duplicate-submit guard

    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    target_name: Mapped[str | None] = mapped_column(String(200))  # e.g. the government body

    category: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    wrong_fields: Mapped[str | None] = mapped_column(String(500))  # objection: which fields
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(default=False)

    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 催办
    # An answered (已答复) case is still work until 办结: it is due for closing by this day.
    close_due_on: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)

    reject_reason: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)  # the official answer
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitter_ip: Mapped[str | None] = mapped_column(String(64))
    # Filed at a hall kiosk: the CAPTCHA rule counts per kiosk (the hall shares one address).
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"), index=True)

    subject: Mapped[Subject | None] = relationship()
    record: Mapped[Record | None] = relationship()
    department: Mapped[Department | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state in {s.value for s in OPEN_STATES}

    def is_overdue(self, today: date) -> bool:
        return self.is_open and today > self.due_on

    @property
    def work_due_on(self) -> date | None:
        """The next deadline of staff work: the answer, or for 已答复 the closing."""
        if self.state == CaseState.DECIDED.value:
            return self.close_due_on or self.due_on
        return self.due_on if self.is_open else None

    def is_work_overdue(self, today: date) -> bool:
        due = self.work_due_on
        return due is not None and today > due


class CaseEvent(db.Model):
    """One step of a case's timeline; `public` steps are shown to the query-code holder."""

    __tablename__ = "petition_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("petition_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    step: Mapped[str] = mapped_column(String(32))  # 提交, 受理, 不予受理, 核查, 答复, 办结, 催办
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    case: Mapped[Case] = relationship(back_populates="events")


class Attachment(db.Model):
    __tablename__ = "petition_attachments"
    __table_args__ = (CheckConstraint("mime IN ('image/jpeg', 'image/png', 'application/pdf')",
                                      name="mime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("petition_cases.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random, no user input
    original_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
