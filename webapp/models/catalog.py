"""Regions and departments: the reference data records point to."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # GB/T 2260 county code
    name: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18))

    def __repr__(self) -> str:
        return f"<Department {self.name}>"
