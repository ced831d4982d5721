"""Helpers for the kiosk tests: the visit id and CSRF token of a page, the start screen."""

from __future__ import annotations

import re

from flask import g
from flask.testing import FlaskClient


def visit_of(html: str) -> str:
    match = re.search(r'data-alive="/kiosk/alive\?v=([^"&]+)"', html)
    assert match, html[:500]
    return match.group(1)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def start(client: FlaskClient) -> str:
    """Open the start screen; the visit id its links carry."""
    g.pop("csrf_token", None)
    page = client.get("/kiosk/")
    assert page.status_code == 200
    return visit_of(page.get_data(as_text=True))
