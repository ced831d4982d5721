"""Log in through the real form from a given address and browser."""

from __future__ import annotations

from typing import Any

from flask import g
from security_helpers import csrf_of

PASSWORD = "staff-password-for-tests"


def login_from(client: Any, username: str, *, password: str = PASSWORD,
               ip: str = "127.0.0.1", agent: str = "Mozilla/5.0 (X11; Linux) test") -> Any:
    """The POST's response: 302 on success, the form again (200) or a 429 otherwise. The
    client keeps the address and browser for its later requests, as a real browser does."""
    g.pop("csrf_token", None)
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post("/admin/login", data={
        "username": username, "password": password, "csrf_token": csrf_of(page)})
