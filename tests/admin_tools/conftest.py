"""Fixtures for the back office tool tests: logged-in staff of each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from webapp.models.staff import Role


@pytest.fixture
def staff_client(app: Any, make_staff: Any, login_as: Any,
                 db_session: Any) -> Callable[..., tuple[FlaskClient, Any]]:
    """staff_client(role, department=None) → (a client logged in as a new user, the user)."""

    def factory(role: Role, department: str | None = None) -> tuple[FlaskClient, Any]:
        user = make_staff(role, department)
        db_session.commit()
        client = app.test_client()
        page = login_as(client, user)
        assert page.status_code == 200, "the test user could log in"
        return client, user

    return factory
