"""Findings 2 and 6: staff sessions end for good at logout and password change; strangers
cannot lock a staff account, and the login never tells which user names exist."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import g
from security_helpers import csrf_of
from tests_login import login_from

from webapp.models.staff import Role
from webapp.services import staff as staff_service


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The per-IP login limit is not what these tests are about.
    return {**app_config, "RATELIMIT_STAFF_LOGIN": "1000 per minute"}


def test_a_cookie_saved_before_logout_opens_nothing(
        app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    client = app.test_client()
    assert login_from(client, user.username).status_code == 302
    assert client.get("/admin/cases").status_code == 200
    saved = client.get_cookie("session").value
    g.pop("csrf_token", None)
    token = csrf_of(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/cases").status_code == 302

    thief = app.test_client()  # the same address and browser: only the cookie is old
    thief.environ_base.update(client.environ_base)
    thief.set_cookie("session", saved)
    assert thief.get("/admin/cases").status_code == 302
    assert thief.get("/admin/").status_code == 302


def test_a_copied_cookie_does_not_work_in_another_browser(
        app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    client = app.test_client()
    login_from(client, user.username, agent="Mozilla/5.0 (Windows NT 10.0) Edge/120")
    assert client.get("/admin/cases").status_code == 200
    saved = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", saved)
    thief.environ_base["HTTP_USER_AGENT"] = "curl/8.0"
    assert thief.get("/admin/cases").status_code == 302


def test_login_is_not_a_permanent_cookie(app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    client = app.test_client()
    response = login_from(client, user.username)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Expires=" not in cookie and "Max-Age" not in cookie


def test_password_change_ends_every_session_of_the_user(
        app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    office, home = app.test_client(), app.test_client()
    login_from(office, user.username)
    login_from(home, user.username)
    assert office.get("/admin/").status_code == 200
    staff_service.set_password(db_session, user, "a-new-password-2026")
    db_session.commit()
    assert office.get("/admin/").status_code == 302
    assert home.get("/admin/").status_code == 302
    assert login_from(office, user.username).status_code == 200  # the old password is gone
    assert login_from(office, user.username, password="a-new-password-2026").status_code == 302
    assert office.get("/admin/").status_code == 200


def test_strangers_cannot_lock_out_staff(app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    stranger = app.test_client()
    for _ in range(30):
        login_from(stranger, user.username, password="guess-guess", ip="203.0.113.9")
    colleague = app.test_client()
    assert login_from(colleague, user.username, ip="10.8.0.12").status_code == 302
    assert colleague.get("/admin/").status_code == 200


def _message(response: Any) -> str:
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    found = re.search(r"(登录[^。]*。|用户名或密码错误[^。]*。)", text)
    return found.group(1) if found else text[:200]


def test_messages_do_not_tell_which_user_names_exist(
        app: Any, make_staff: Any, db_session: Any) -> None:
    user = make_staff(Role.ADMIN)
    db_session.commit()
    real, fake = app.test_client(), app.test_client()
    for attempt in range(8):
        a = login_from(real, user.username, password="guess-guess", ip="198.51.100.7")
        b = login_from(fake, "nobody-here", password="guess-guess", ip="198.51.100.8")
        assert a.status_code == b.status_code
        assert _message(a) == _message(b), attempt
    # After the throttle: still the same words for both, saying when to try again.
    assert re.search(r"\d+\s*分钟后再试", _message(a)), _message(a)
    assert "用户名" not in _message(a) or _message(a) == _message(b)
    # The right password from the throttled address must wait too (no oracle).
    assert login_from(real, user.username, ip="198.51.100.7").status_code != 302
    assert login_from(real, user.username, ip="198.51.100.99").status_code == 302
