"""The codes feature: blueprint and its views."""

from flask import Blueprint

bp = Blueprint("codes", __name__)

from webapp.codes import views  # noqa: E402,F401  (routes attach to bp)
