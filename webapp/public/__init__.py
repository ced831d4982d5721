"""The public feature: blueprint and its views."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from webapp.public import large_type, views  # noqa: E402,F401  (routes attach to bp)
