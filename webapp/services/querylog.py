"""查询使用登记: log every view of a natural person's data."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy.orm import Session

from webapp.models import QueryLog, Subject


def client_hash(address: str | None) -> str | None:
    """A keyed hash of the client address: lets staff spot abuse without storing the address."""
    if not address:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(address.encode(), key=key[:64], digest_size=16).hexdigest()


def log_personal_view(
    session: Session,
    subject: Subject,
    surface: str,
    viewer: str = "public",
    address: str | None = None,
    purpose: str | None = None,
) -> None:
    """Record a view when the subject is a natural person; organisations are not logged."""
    if not subject.is_natural_person:
        return
    session.add(
        QueryLog(
            subject_id=subject.id,
            surface=surface,
            viewer=viewer,
            client_hash=client_hash(address),
            purpose=purpose,
        )
    )
    session.flush()
