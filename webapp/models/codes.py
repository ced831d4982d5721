"""码上诚信: issued credit codes, daily scan counts, self-declarations (自主申报).

Signing keys are not here: they live as files in the key directory (services/codes/keys.py),
so verifying a code never needs the database for the key.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import utcnow

if TYPE_CHECKING:
    from webapp.models.subject import Subject


class CodeState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"  # its serial is on the public revocation list


class WithdrawalCategory(StrEnum):
    """Why a code was withdrawn, as published on the revocation list (no free text there)."""

    REISSUED = "reissued"  # replaced by a new code
    DEREGISTERED = "deregistered"  # 注销 / 吊销
    MISUSE = "misuse"  # e.g. copied onto another shop
    KEY_RETIRED = "key_retired"  # its signing key was retired
    OTHER = "other"


WITHDRAWAL_LABELS = {
    WithdrawalCategory.REISSUED: "已换发新码",
    WithdrawalCategory.DEREGISTERED: "主体已注销或吊销",
    WithdrawalCategory.MISUSE: "信用码被冒用",
    WithdrawalCategory.KEY_RETIRED: "签名密钥已停用",
    WithdrawalCategory.OTHER: "其他原因",
}


class CreditCode(db.Model):
    """One issued code. At most one active code per subject (partial unique index)."""

    __tablename__ = "credit_codes"
    __table_args__ = (
        CheckConstraint("state IN ('active', 'withdrawn')", name="state"),
        CheckConstraint(
            "state <> 'withdrawn' OR "
            "(withdrawn_at IS NOT NULL AND withdrawal_category IS NOT NULL)",
            name="withdrawn_has_when_why",
        ),
        Index(
            "uq_credit_codes_active_subject",
            "subject_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)  # the token's jti
    kid: Mapped[str] = mapped_column(String(16), index=True)
    uscc: Mapped[str] = mapped_column(String(18))  # as signed (sub), even if the subject changes
    token: Mapped[str] = mapped_column(Text)  # public by design: it is printed on the door
    # QR mask pattern (0-7) chosen once at issue: choosing it is most of the encoding time.
    qr_mask: Mapped[int | None] = mapped_column(SmallInteger)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=CodeState.ACTIVE.value)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    withdrawal_category: Mapped[str | None] = mapped_column(String(16))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))  # staff only, never public
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))

    subject: Mapped[Subject] = relationship()

    @property
    def is_active(self) -> bool:
        return self.state == CodeState.ACTIVE

    def __repr__(self) -> str:
        return f"<CreditCode {self.serial} subject={self.subject_id} {self.state}>"


class ScanCount(db.Model):
    """Scans of a subject's codes per day (China time). No personal data of the scanner."""

    __tablename__ = "code_scan_counts"
    __table_args__ = (UniqueConstraint("subject_id", "day", name="subject_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class DeclarationState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


DECLARATION_STATE_LABELS = {
    DeclarationState.PENDING: "待审核",
    DeclarationState.APPROVED: "已通过",
    DeclarationState.REJECTED: "未通过",
}

#: What a subject may declare about itself (003 §四(二) 自主申报).
DECLARATION_CATEGORIES = ("资质荣誉", "信用承诺", "经营信息", "公益活动", "其他")


class SelfDeclaration(db.Model):
    """Information a subject declares about itself; shown on its code only once approved."""

    __tablename__ = "self_declarations"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="state"),
        CheckConstraint(
            "state = 'pending' OR (decided_at IS NOT NULL AND decided_by IS NOT NULL)",
            name="decided_has_decider",
        ),
        Index("ix_self_declarations_subject_state", "subject_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    # Who to call back to check the declaration; staff only, shown masked.
    contact_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=DeclarationState.PENDING.value)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_note: Mapped[str | None] = mapped_column(String(500))

    subject: Mapped[Subject] = relationship()

    def __repr__(self) -> str:
        return f"<SelfDeclaration {self.id} subject={self.subject_id} {self.state}>"
