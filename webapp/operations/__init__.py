"""Operations: /healthz and /readyz for load balancers and monitoring, and the commands
that prepare a site for its first start."""

from flask import Blueprint

bp = Blueprint("operations", __name__)

from webapp.operations import views  # noqa: E402,F401  (routes attach to bp)
