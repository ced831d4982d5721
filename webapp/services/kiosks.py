"""Kiosks: registration, one-time enrolment of a machine, print counting (flush, never commit).

A kiosk is known by a device secret that lives only in the machine's HttpOnly cookie; the
database keeps its SHA-256. Enrolling again replaces the secret, so a machine that was
replaced or stolen stops counting as the kiosk at once.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.models.base import utcnow
from webapp.models.kiosk import Kiosk

SECRET_BYTES = 32


class KioskError(ValueError):
    """A registration the back office must refuse; the message is shown as is."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register_kiosk(session: Session, name: str, location: str,
                   idle_seconds: int | None = None) -> Kiosk:
    name, location = name.strip(), location.strip()
    if not name or not location:
        raise KioskError("请填写查询机名称和放置位置。")
    if session.scalar(select(Kiosk.id).where(Kiosk.name == name)) is not None:
        raise KioskError(f"查询机“{name}”已存在。")
    if idle_seconds is not None and not 5 <= idle_seconds <= 3600:
        raise KioskError("无操作等待时间应在 5 到 3600 秒之间。")
    kiosk = Kiosk(name=name, location=location, idle_seconds=idle_seconds, is_enabled=True,
                  print_count=0)
    session.add(kiosk)
    session.flush()
    return kiosk


def enrol(session: Session, kiosk: Kiosk) -> str:
    """A new device secret for the machine (returned once, for its cookie only)."""
    if not kiosk.is_enabled:
        raise KioskError("该查询机已停用，不能登记。")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    kiosk.device_hash = secret_hash(secret)
    kiosk.enrolled_at = utcnow()
    session.flush()
    return secret


def disable(session: Session, kiosk: Kiosk) -> None:
    """Stop the kiosk: its machine is no longer recognised until enrolled again."""
    kiosk.is_enabled = False
    kiosk.device_hash = None
    session.flush()


def by_secret(session: Session, secret: str | None) -> Kiosk | None:
    if not secret or len(secret) > 128:
        return None
    return session.scalar(select(Kiosk).where(
        Kiosk.device_hash == secret_hash(secret), Kiosk.is_enabled.is_(True)))


def count_print(session: Session, kiosk: Kiosk) -> None:
    """One more printed report (an UPDATE … + 1: two prints at once both count)."""
    session.execute(update(Kiosk).where(Kiosk.id == kiosk.id).values(
        print_count=Kiosk.print_count + 1, last_print_at=utcnow()))
    session.flush()


def all_kiosks(session: Session) -> list[Kiosk]:
    return list(session.scalars(select(Kiosk).order_by(Kiosk.name)))
