"""The admin feature (back office): blueprint, staff-only responses."""

from typing import Any

from flask import Blueprint, Response
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Staff pages hold personal data: never kept by browsers or shared caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.context_processor
def _admin_globals() -> dict[str, Any]:
    from webapp.admin.forms import LogoutForm
    from webapp.admin.nav import visible_nav
    from webapp.models.staff import ROLE_LABELS

    if not current_user.is_authenticated:
        return {"admin_nav": [], "logout_form": None, "role_labels": ROLE_LABELS}
    # formdata=None: the logout button never reads this request's body, so rendering a
    # page (even the 413 page of an oversize upload) never parses it.
    return {"admin_nav": visible_nav(current_user), "logout_form": LogoutForm(formdata=None),
            "role_labels": ROLE_LABELS}


# Routes attach to bp on import: views (login, start page), then the back office tools.
from webapp.admin import (  # noqa: E402,F401
    cases,
    casetools,
    codes_admin,
    kiosks,
    logs,
    uploads,
    users,
    views,
)
