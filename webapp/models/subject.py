"""Credit subjects (信用主体): organisations by USCC, natural persons by name + ID number."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin
from webapp.rules.kinds import NATURAL_PERSON, SUBJECT_TYPES

if TYPE_CHECKING:
    from webapp.models.catalog import Region
    from webapp.models.record import Record

_TYPES_SQL = ", ".join(f"'{t}'" for t in SUBJECT_TYPES)


class Subject(TimestampMixin, db.Model):
    __tablename__ = "subjects"
    __table_args__ = (
        CheckConstraint(f"subject_type IN ({_TYPES_SQL})", name="subject_type"),
        # A natural person is identified by name + ID number; an organisation by its USCC.
        CheckConstraint(
            f"subject_type <> '{NATURAL_PERSON}' OR id_number IS NOT NULL", name="person_has_id"
        ),
        Index(
            "uq_subjects_person",
            "name",
            "id_number",
            unique=True,
            sqlite_where=text("id_number IS NOT NULL"),
            postgresql_where=text("id_number IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    legal_representative: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(18))  # never shown whole
    founded_on: Mapped[date | None] = mapped_column(Date)
    registration_authority: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(255))
    business_scope: Mapped[str | None] = mapped_column(Text)
    registration_status: Mapped[str | None] = mapped_column(String(8))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)

    region: Mapped[Region | None] = relationship()
    records: Mapped[list[Record]] = relationship(back_populates="subject")

    @property
    def is_natural_person(self) -> bool:
        return self.subject_type == NATURAL_PERSON

    def __repr__(self) -> str:
        return f"<Subject {self.id} {self.uscc or '-'} {self.name}>"
