"""Import batches: one per file a department hands in, with its row error report.

A web upload is first a *preview* batch (the file held in ImportStagedFile until the officer
confirms or discards it); applying it records, per touched row, what it was before
(ImportChange), so the batch can be rolled back exactly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import utcnow


class BatchState(StrEnum):
    PREVIEW = "preview"  # planned, nothing written; the file waits for confirmation
    APPLIED = "applied"
    DISCARDED = "discarded"  # the officer cancelled the preview
    ROLLED_BACK = "rolled_back"


BATCH_STATE_LABELS = {
    BatchState.PREVIEW: "待确认", BatchState.APPLIED: "已导入",
    BatchState.DISCARDED: "已取消", BatchState.ROLLED_BACK: "已回滚",
}


class ImportBatch(db.Model):
    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("state IN ('preview', 'applied', 'discarded', 'rolled_back')",
                        name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    actor: Mapped[str | None] = mapped_column(String(64))  # staff user or "cli"
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row": 7, "column": "处罚决定日期", "reason": "日期格式无法识别"}, …]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)

    state: Mapped[str] = mapped_column(String(16), default=BatchState.APPLIED.value,
                                       server_default=BatchState.APPLIED.value)
    # The plan as previewed: {"new": […], "updated": […], "conflicts": […]} (capped lists).
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    plan_digest: Mapped[str | None] = mapped_column(String(64))
    rows_conflicting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    override_reason: Mapped[str | None] = mapped_column(Text)  # admin applied the conflicts
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rolled_back_by: Mapped[str | None] = mapped_column(String(64))


class ImportStagedFile(db.Model):
    """The uploaded file between preview and confirmation (deleted on either)."""

    __tablename__ = "import_staged_files"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))  # bound to its uploader
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportChange(db.Model):
    """What one applied batch did to one row: created it, or changed it from `before`."""

    __tablename__ = "import_changes"
    __table_args__ = (
        CheckConstraint("entity IN ('record', 'subject')", name="entity"),
        CheckConstraint("action IN ('created', 'updated')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    entity: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # every column, JSON-safe
    # As the batch left it: a rollback refuses rows changed since (it would undo that).
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
