"""Which kiosk is asking: the device cookie, set once by an admin's enrolment on the machine.

The cookie is HttpOnly (no page script can read or clear it), SameSite=Strict, Secure in
production, and never part of a URL. A visit's reset clears everything else.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.models.kiosk import Kiosk
from webapp.services import kiosks

DEVICE_COOKIE = "kiosk_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600  # until the machine is enrolled again


def current_kiosk() -> Kiosk | None:
    """The registered, enabled kiosk this request comes from (looked up once per request)."""
    if not has_request_context():
        return None
    if "kiosk" not in g:
        g.kiosk = kiosks.by_secret(db.session, request.cookies.get(DEVICE_COOKIE))
    return g.kiosk


def current_kiosk_id() -> int | None:
    kiosk = current_kiosk()
    return kiosk.id if kiosk else None


def set_device_cookie(response: Response, secret: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE, secret, max_age=DEVICE_COOKIE_MAX_AGE, path="/", httponly=True,
        samesite="Strict", secure=current_app.config["APP_ENV"] == "production",
    )
