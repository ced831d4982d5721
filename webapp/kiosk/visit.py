"""One visitor's visit at a kiosk: kept in the server-signed session, ended by a reset.

The session holds the visit id, the last touch time, the reports printed and the cases
opened in this visit, and the large-type choice. Nothing else of the visitor is kept.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import current_app, session, url_for

from webapp.models.kiosk import Kiosk

KEY = "kiosk_visit"
MAX_ITEMS = 10


def idle_seconds(kiosk: Kiosk | None) -> int:
    if kiosk is not None and kiosk.idle_seconds:
        return int(kiosk.idle_seconds)
    return int(current_app.config["KIOSK_IDLE_SECONDS"])


def current() -> dict[str, Any] | None:
    visit = session.get(KEY)
    return visit if isinstance(visit, dict) and visit.get("id") else None


def begin() -> dict[str, Any]:
    """A fresh visit; everything of the previous one is dropped with the old session."""
    session.clear()
    visit = {"id": secrets.token_urlsafe(12), "seen": int(time.time()), "reports": [],
             "cases": [], "large": False}
    session[KEY] = visit
    return visit


def expired(visit: dict[str, Any], kiosk: Kiosk | None) -> bool:
    """Server-side backstop: past the idle time and the countdown (a page without script, a
    crashed tab), the visit is over even if the page never asked for the reset."""
    limit = idle_seconds(kiosk) + int(current_app.config["KIOSK_COUNTDOWN_SECONDS"]) + 5
    return time.time() - float(visit.get("seen", 0)) > limit


def touch(visit: dict[str, Any]) -> None:
    visit["seen"] = int(time.time())
    session.modified = True


def remember(kind: str, value: str) -> None:
    visit = current()
    if visit is None:
        return
    items = [v for v in visit.get(kind, []) if v != value][-(MAX_ITEMS - 1):]
    visit[kind] = [*items, value]
    session.modified = True


def holds(kind: str, value: str) -> bool:
    visit = current()
    return visit is not None and value in visit.get(kind, [])


def kiosk_url(endpoint: str, **values: Any) -> str:
    """url_for with this visit's id: the only way kiosk templates link to kiosk pages."""
    visit = current()
    if visit is not None:
        values.setdefault("v", visit["id"])
    return url_for(endpoint, **values)
