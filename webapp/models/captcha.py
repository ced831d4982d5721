"""CAPTCHA challenges, kept on the server so each one can be answered once, in any worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class CaptchaChallenge(db.Model):
    """One challenge: the session holds its random id; the row holds the answer's HMAC.
    Answering deletes the row, so a replayed cookie finds nothing to answer."""

    __tablename__ = "captcha_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
