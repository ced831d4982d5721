"""Self-service kiosks (信用查询机) of the service hall, registered in the back office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import TimestampMixin


class Kiosk(TimestampMixin, db.Model):
    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    location: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the device secret held in the machine's HttpOnly cookie. The secret is 256
    # random bits, so a plain hash is enough (no password stretching needed); never stored.
    device_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Seconds without a touch before the countdown; None: KIOSK_IDLE_SECONDS.
    idle_seconds: Mapped[int | None] = mapped_column(Integer)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    last_print_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Kiosk {self.id} {self.name}>"
