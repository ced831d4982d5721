"""查询使用登记: every time a page shows a natural person's data, who saw what, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import utcnow


class QueryLog(db.Model):
    __tablename__ = "query_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    surface: Mapped[str] = mapped_column(String(64))  # e.g. "public.subject", "api.subject"
    viewer: Mapped[str] = mapped_column(String(128))  # staff user name or "public"
    # Hashed client address (no personal data of the viewer kept in clear).
    client_hash: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(128))
