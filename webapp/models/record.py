"""Public credit records of every kind, in one table.

The columns the public rules read (dates, list nature, severity, visibility) are typed
columns; every field of the department's file is kept in `details` (standard columns) and
`extra` (unknown columns), and the raw row in `source_row`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, utcnow
from webapp.rules.kinds import ListNature, RecordKind, Severity, Visibility

if TYPE_CHECKING:
    from webapp.models.catalog import Department
    from webapp.models.imports import ImportBatch
    from webapp.models.subject import Subject


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Record(TimestampMixin, db.Model):
    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint(_in("kind", RecordKind), name="kind"),
        CheckConstraint(_in("visibility", Visibility), name="visibility"),
        CheckConstraint(f"list_nature IS NULL OR {_in('list_nature', ListNature)}", name="nature"),
        CheckConstraint(f"severity IS NULL OR {_in('severity', Severity)}", name="severity"),
        CheckConstraint("kind <> 'list' OR list_nature IS NOT NULL", name="list_has_nature"),
        # covering: a result page's statuses (profiles.summaries) read no record rows
        Index("ix_records_subject_status", "subject_id", "kind", "visibility", "public_until",
              "list_nature", "severity", "list_type"),
        Index("ix_records_kind_decided", "kind", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Identity for idempotent re-import (DATA-STANDARD.md), e.g. kind|doc number|department.
    identity_key: Mapped[str] = mapped_column(String(512), unique=True)

    doc_number: Mapped[str | None] = mapped_column(String(128), index=True)
    title: Mapped[str | None] = mapped_column(String(255))  # licence name, list type, matter…
    content: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[str | None] = mapped_column(Text)  # 违法事实 / 列入原因
    legal_basis: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)  # decision / listing / commitment / rating
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The last day the record may be shown (penalty 公示截止期, validity, removal): None = open.
    public_until: Mapped[date | None] = mapped_column(Date, index=True)
    repair_eligible_on: Mapped[date | None] = mapped_column(Date)  # shortest publicity over

    list_type: Mapped[str | None] = mapped_column(String(64))
    list_nature: Mapped[str | None] = mapped_column(String(16))
    removed_on: Mapped[date | None] = mapped_column(Date)
    severity: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(16))  # evaluation result / fulfilment
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))  # 万元

    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_row: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    visibility_reason: Mapped[str | None] = mapped_column(String(255))
    visibility_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    subject: Mapped[Subject] = relationship(back_populates="records")
    department: Mapped[Department | None] = relationship()
    batch: Mapped[ImportBatch | None] = relationship()

    def set_visibility(self, state: Visibility, reason: str) -> None:
        """Change the public state; the reason and time are kept with the record."""
        self.visibility = state.value
        self.visibility_reason = reason
        self.visibility_changed_at = utcnow()

    def __repr__(self) -> str:
        return f"<Record {self.id} {self.kind} {self.doc_number or self.title}>"
