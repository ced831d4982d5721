"""Helpers of the security suite (plain functions; the fixtures are in conftest.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import g

#: Beyond PostgreSQL's INTEGER and BIGINT, beyond SQLite's 64-bit integers.
HUGE_IDS = ("2147483648", "9223372036854775807", "9223372036854775808",
            "18446744073709551616", "9" * 40)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


def form_tokens(client: Any, url: str) -> dict[str, str]:
    """GET a form as a browser does and return its hidden tokens."""
    g.pop("csrf_token", None)
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"',
                           page.get_data(as_text=True)))
