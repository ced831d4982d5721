"""A small Pillow-drawn CAPTCHA of digits, single-use on the server.

The browser's session holds only a random challenge id; the answer's HMAC lives in the
database (shared by every gunicorn worker). Checking deletes the row in one statement, so a
challenge is answered once: a replayed cookie, a second worker or a second try finds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import timedelta

from flask import current_app, session
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import delete, select

from webapp.extensions import db
from webapp.models.base import utcnow
from webapp.models.captcha import CaptchaChallenge

SESSION_KEY = "petition_captcha"
LIFETIME = timedelta(minutes=15)


def _digest(challenge_id: str, answer: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{challenge_id}|{answer}".encode(), hashlib.sha256).hexdigest()


def new_image() -> bytes:
    """A fresh challenge: PNG bytes; stored (flushed, the caller commits), its id in the
    session. Expired challenges are removed on the way."""
    answer = "".join(secrets.choice("23456789") for _ in range(5))
    challenge_id = secrets.token_hex(16)
    now = utcnow()
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    db.session.add(CaptchaChallenge(id=challenge_id, digest=_digest(challenge_id, answer),
                                    expires_at=now + LIFETIME))
    db.session.flush()
    session[SESSION_KEY] = challenge_id
    return _draw(answer)


def _draw(answer: str) -> bytes:
    image = Image.new("RGB", (160, 56), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    rng = secrets.SystemRandom()
    for _ in range(8):  # noise lines
        draw.line([(rng.randint(0, 160), rng.randint(0, 56)),
                   (rng.randint(0, 160), rng.randint(0, 56))], fill="#9aa", width=1)
    for i, ch in enumerate(answer):
        draw.text((10 + i * 29, rng.randint(4, 14)), ch, fill="#123", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def check(answer: str) -> bool:
    """One attempt per challenge: the row is deleted either way. The caller commits at once,
    so the challenge stays used even when the rest of the request fails."""
    challenge_id = session.pop(SESSION_KEY, None)
    if not isinstance(challenge_id, str) or len(challenge_id) != 32:
        return False
    expected = db.session.scalar(select(CaptchaChallenge.digest).where(
        CaptchaChallenge.id == challenge_id, CaptchaChallenge.expires_at >= utcnow()))
    # Only the request whose DELETE removed the row may pass: two racing replays of one
    # cookie both read the digest, but just one of them deletes it.
    removed = db.session.execute(
        delete(CaptchaChallenge).where(CaptchaChallenge.id == challenge_id)).rowcount
    return (removed == 1 and expected is not None
            and hmac.compare_digest(expected, _digest(challenge_id, answer.strip())))
