"""The petitions feature: blueprint and its views."""

from flask import Blueprint

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

from webapp.petitions import views  # noqa: E402,F401  (routes attach to bp)
