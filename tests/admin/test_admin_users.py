"""/admin/users: an administrator creates, changes, disables, unlocks and resets accounts
through the web, every step audited; a temporary password must be changed at next login."""

from __future__ import annotations

import re
from typing import Any

import pytest
from admin_pages import get_page, text_of
from sqlalchemy import select

from webapp.models.audit import AuditLog
from webapp.models.staff import Role, StaffUser

MARKET = "黑河市市场监督管理局"
TAX = "国家税务总局黑河市税务局"


def token(client: Any, url: str) -> str:
    html = get_page(client, url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login(client: Any, username: str, password: str) -> Any:
    return client.post("/admin/login", data={
        "csrf_token": token(client, "/admin/login"), "username": username,
        "password": password}, follow_redirects=True)


@pytest.fixture
def admin(app: Any, make_staff: Any, login_as: Any, db_session: Any) -> Any:
    browser = app.test_client()
    user = make_staff(Role.ADMIN)
    db_session.commit()
    login_as(browser, user)
    return browser


def user_named(db_session: Any, username: str) -> StaffUser:
    db_session.expire_all()
    return db_session.scalar(select(StaffUser).where(StaffUser.username == username))


def temporary_password(response: Any) -> str:
    found = re.search(r'<code class="temporary-password">([^<]+)</code>',
                      response.get_data(as_text=True))
    assert found, text_of(response)[-800:]
    return found.group(1)


def actions(db_session: Any) -> list[str]:
    db_session.expire_all()
    return [e.action for e in db_session.scalars(
        select(AuditLog).where(AuditLog.action.like("staff.%")).order_by(AuditLog.id))
        if e.action not in ("staff.login", "staff.logout", "staff.login_failed")]


def test_create_login_disable_refused_round_trip(app: Any, admin: Any, department: Any,
                                                 db_session: Any) -> None:
    market = department(MARKET)
    db_session.commit()
    listing = text_of(get_page(admin, "/admin/users"))
    assert "新建账号" in listing
    created = admin.post("/admin/users", data={
        "csrf_token": token(admin, "/admin/users"), "username": "zhao.min",
        "display_name": "赵敏", "role": "reviewer", "department": str(market.id)},
        follow_redirects=True)
    assert "已创建账号 zhao.min" in text_of(created)
    temporary = temporary_password(created)
    user = user_named(db_session, "zhao.min")
    assert user.role == "reviewer" and user.department_id == market.id
    assert user.must_change_password

    # First login with the temporary password: the new password is asked for at once.
    browser = app.test_client()
    first = login(browser, "zhao.min", temporary)
    assert "请设置新密码" in text_of(first)
    assert get_page(browser, "/admin/cases").status_code == 302  # nothing else until changed
    changed = browser.post("/admin/password", data={
        "csrf_token": token(browser, "/admin/password"), "current": temporary,
        "new": "zhao-min-new-password", "again": "zhao-min-new-password"},
        follow_redirects=True)
    assert "密码已修改" in text_of(changed)
    assert get_page(browser, "/admin/cases").status_code == 200
    assert not user_named(db_session, "zhao.min").must_change_password

    # Disabled: the open session ends and a new login is refused.
    page = f"/admin/users/{user.id}"
    disabled = admin.post(f"{page}/disable", data={"csrf_token": token(admin, page),
                                                   "confirm": "y"}, follow_redirects=True)
    assert "已停用" in text_of(disabled)
    assert get_page(browser, "/admin/cases").status_code == 302
    refused = login(app.test_client(), "zhao.min", "zhao-min-new-password")
    assert "用户名或密码错误" in text_of(refused)
    enabled = admin.post(f"{page}/enable", data={"csrf_token": token(admin, page)},
                         follow_redirects=True)
    assert "已启用" in text_of(enabled)
    assert "退出登录" in text_of(login(app.test_client(), "zhao.min", "zhao-min-new-password"))
    assert actions(db_session) == ["staff.create", "staff.password_change", "staff.disable",
                                   "staff.enable"]


def test_change_role_department_and_reset(app: Any, admin: Any, make_staff: Any,
                                                 department: Any, db_session: Any) -> None:
    tax = department(TAX)
    officer = make_staff(Role.DATA_OFFICER, MARKET, username="li.na")
    db_session.commit()
    page = f"/admin/users/{officer.id}"
    moved = admin.post(f"{page}/edit", data={
        "csrf_token": token(admin, page), "role": "reviewer", "department": str(tax.id),
        "display_name": "李娜"}, follow_redirects=True)
    assert "已保存" in text_of(moved)
    user = user_named(db_session, "li.na")
    assert (user.role, user.department_id, user.display_name) == ("reviewer", tax.id, "李娜")
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "staff.update")).one()
    assert entry.before["role"] == "data_officer" and entry.after["department"] == TAX

    # No account lockout (issue 13): failed logins are throttled per name and address.
    assert "已锁定" not in text_of(get_page(admin, page))

    reset = admin.post(f"{page}/reset-password", data={"csrf_token": token(admin, page),
                                                       "confirm": "y"}, follow_redirects=True)
    temporary = temporary_password(reset)
    assert "请设置新密码" in text_of(login(app.test_client(), "li.na", temporary))
    assert "用户名或密码错误" in text_of(login(app.test_client(), "li.na",
                                               "staff-password-for-tests"))
    assert actions(db_session)[-2:] == ["staff.update", "staff.password_reset"]
    # The temporary password is never written to the audit log.
    assert temporary not in str([(e.before, e.after) for e in db_session.scalars(
        select(AuditLog))])


def test_only_administrators_manage_users(app: Any, make_staff: Any, login_as: Any,
                                          db_session: Any) -> None:
    reviewer = make_staff(Role.REVIEWER, MARKET)
    db_session.commit()
    browser = app.test_client()
    login_as(browser, reviewer)
    assert get_page(browser, "/admin/users").status_code == 403
    assert get_page(browser, f"/admin/users/{reviewer.id}").status_code == 403
    assert browser.post("/admin/users", data={
        "csrf_token": token(browser, "/admin/"), "username": "x1", "role": "admin"}
        ).status_code == 403
