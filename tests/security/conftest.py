"""Fixtures of the security suite: a shop with a credit code, a logged-in admin."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.models.staff import Role
from webapp.services import codes as code_service


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
