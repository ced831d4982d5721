"""The api feature: blueprint and its views."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webapp.api import views  # noqa: E402,F401  (routes attach to bp)
