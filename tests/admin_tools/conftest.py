"""Fixtures for the back office tool tests: logged-in staff of each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import g
from flask.testing import FlaskClient

from webapp.models.staff import Role


class FreshRequestClient(FlaskClient):
    """Each request starts with an empty `g`, as it does when served.

    The tests keep one app context open (tests/conftest.py), and Flask reuses it for every
    request, so `g` would carry Flask-Login's user and flask-wtf's CSRF token from one
    client's request into another client's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        for key in list(g):
            g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_request_clients(app: Any) -> None:
    app.test_client_class = FreshRequestClient


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
