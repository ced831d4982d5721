"""The search change log (transactional outbox): one row per subject or record whose search
document may have changed, written in the same transaction as the change. Each index
replays it in `id` order and records the last id it applied; the id is the sequence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import utcnow

ENTITIES = ("subject", "record")


class SearchChange(db.Model):
    __tablename__ = "search_changes"
    __table_args__ = (
        CheckConstraint("entity IN ('subject', 'record')", name="entity"),
    )

    # BIGINT on PostgreSQL; SQLite only auto-numbers an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    entity: Mapped[str] = mapped_column(String(8))
    entity_id: Mapped[int] = mapped_column(Integer)  # no foreign key: deletions are logged too
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.entity} {self.entity_id}>"
