"""Staff login, logout, roles, session expiry and the login rate limit, through the web."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from webapp.admin.access import LOGIN_AT
from webapp.models.audit import AuditLog
from webapp.models.staff import Role


def test_anonymous_is_sent_to_login_with_next(client: Any) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login?next=/admin/" in response.headers["Location"]


def test_login_and_logout_through_the_form(client: Any, no_csrf: None, make_staff: Any,
                                           login_as: Any, db_session: Any) -> None:
    user = make_staff(Role.REVIEWER, display_name="张审核")
    page = login_as(client, user)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "张审核" in text and "部门审核员" in text and "黑河市市场监督管理局" in text
    assert "退出登录" in text
    assert page.headers["Cache-Control"] == "no-store"
    response = client.post("/admin/logout", follow_redirects=True)
    assert "您已退出登录" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    actions = [a.action for a in db_session.query(AuditLog).order_by(AuditLog.id)]
    assert actions == ["staff.login", "staff.logout"]


def test_logout_needs_csrf_token(client: Any, make_staff: Any, login_as: Any) -> None:
    login_as(client, make_staff(Role.ADMIN))
    assert client.post("/admin/logout").status_code == 400  # no token: still logged in
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client: Any, make_staff: Any) -> None:
    user = make_staff(Role.ADMIN)
    response = client.post("/admin/login", data={"username": user.username,
                                                  "password": "staff-password-for-tests"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_wrong_password_message(client: Any, no_csrf: None, make_staff: Any,
                                login_as: Any) -> None:
    user = make_staff(Role.ADMIN)
    page = login_as(client, user, password="wrong-password")
    assert "用户名或密码错误" in page.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_throttled_after_five_failures(client: Any, no_csrf: None, make_staff: Any,
                                       login_as: Any) -> None:
    user = make_staff(Role.ADMIN)
    for _ in range(5):
        login_as(client, user, password="wrong-password")
    page = login_as(client, user)  # right password, but this name and address must wait
    assert page.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in page.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/\t/evil.example", "/admin/\r\nSet-Cookie: x=1",
])
def test_next_never_leaves_the_site(client: Any, no_csrf: None, make_staff: Any,
                                    target: str) -> None:
    user = make_staff(Role.ADMIN)
    client.get("/admin/login", query_string={"next": target})
    response = client.post("/admin/login", data={
        "username": user.username, "password": "staff-password-for-tests", "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/admin/", "http://localhost/admin/")


def test_next_local_path_is_followed(client: Any, no_csrf: None, make_staff: Any) -> None:
    user = make_staff(Role.ADMIN)
    page = client.get("/admin/login?next=/admin/%3Fx%3D1").get_data(as_text=True)
    assert 'value="/admin/?x=1"' in page
    response = client.post("/admin/login", data={
        "username": user.username, "password": "staff-password-for-tests", "next": "/admin/?x=1"})
    assert response.headers["Location"].endswith("/admin/?x=1")


def test_session_expires_after_lifetime(client: Any, no_csrf: None, make_staff: Any,
                                        login_as: Any, app: Any) -> None:
    login_as(client, make_staff(Role.ADMIN))
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        assert not session.permanent  # ends with the browser
        session[LOGIN_AT] = int(time.time()) - app.config["PERMANENT_SESSION_LIFETIME"] - 1
    response = client.get("/admin/", follow_redirects=True)
    assert "登录已过期" in response.get_data(as_text=True)
