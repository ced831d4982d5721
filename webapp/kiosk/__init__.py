"""The kiosk feature: the service hall's self-service machine (信用查询机), touch only.

Every kiosk page carries the visit's id (`v`): a reset starts a new visit, so any page of
the previous visit (history, a remembered URL) leads back to the start screen.
"""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

from webapp.kiosk import views  # noqa: E402,F401  (routes attach to bp)
