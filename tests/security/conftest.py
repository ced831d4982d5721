"""Fixtures of the security suite: a shop with a credit code, a logged-in admin, helpers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import g

from webapp.models.staff import Role
from webapp.services import codes as code_service

#: Beyond PostgreSQL's INTEGER and BIGINT, beyond SQLite's 64-bit integers, and negative.
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


@pytest.fixture
def shop(app: Any, make_subject: Any, db_session: Any) -> Any:
    """A business with an issued credit code."""
    code_service.key_store().ensure()
    subject = make_subject(name="黑河市安全测试商店")
    code_service.issue_code(db_session, subject, code_service.key_store())
    db_session.commit()
    return subject


@pytest.fixture
def admin_client(app: Any, make_staff: Any, login_as: Any, db_session: Any) -> Any:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    client = app.test_client()
    assert login_as(client, user).status_code == 200
    return client
