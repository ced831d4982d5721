"""A small Pillow-drawn CAPTCHA of digits; the answer is kept hashed in the user's session."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets

from flask import current_app, session
from PIL import Image, ImageDraw, ImageFont

SESSION_KEY = "petition_captcha"


def _digest(answer: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, answer.encode(), hashlib.sha256).hexdigest()


def new_image() -> bytes:
    """A fresh challenge: PNG bytes; the session remembers the answer's digest."""
    answer = "".join(secrets.choice("23456789") for _ in range(5))
    session[SESSION_KEY] = _digest(answer)
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
    """One attempt per challenge: the stored digest is consumed either way."""
    expected = session.pop(SESSION_KEY, None)
    return bool(expected) and hmac.compare_digest(expected, _digest(answer.strip()))
