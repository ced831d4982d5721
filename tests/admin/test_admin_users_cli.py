"""`flask users create|disable|list`, and complaint routing configured by department name."""

from __future__ import annotations

from typing import Any

import pytest
from admin_pages import case_number, get_page, submit_public, text_of
from sqlalchemy import select

from webapp.models.audit import AuditLog
from webapp.models.petitions import Case
from webapp.models.staff import StaffUser


def _run(app: Any, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def _user(db_session: Any, username: str) -> StaffUser | None:
    db_session.expire_all()
    return db_session.scalar(select(StaffUser).where(StaffUser.username == username))


def test_create_with_prompt_then_log_in(app: Any, client: Any, no_csrf: None,
                                        db_session: Any) -> None:
    result = _run(app, "create", "wang.li", "--role", "reviewer", "--department",
                  "黑河市市场监督管理局", "--display-name", "王丽",
                  input="a-long-password-1\na-long-password-1\n")
    assert result.exit_code == 0, result.output
    assert "created wang.li" in result.output
    user = _user(db_session, "wang.li")
    assert user.role == "reviewer" and user.department.name == "黑河市市场监督管理局"
    assert user.password_hash != "a-long-password-1"
    page = client.post("/admin/login", data={"username": "wang.li",
                                              "password": "a-long-password-1"},
                       follow_redirects=True)
    assert "王丽" in text_of(page)
    assert db_session.scalar(select(AuditLog).where(AuditLog.action == "staff.create"))


def test_create_from_stdin_list_and_disable(app: Any, client: Any, no_csrf: None,
                                            db_session: Any) -> None:
    result = _run(app, "create", "root", "--role", "admin", "--password-stdin",
                  input="stdin-password-123\n")
    assert result.exit_code == 0, result.output
    listed = _run(app, "list")
    assert "root\tadmin\t-\tenabled" in listed.output
    assert _run(app, "disable", "root").exit_code == 0
    assert "root\tadmin\t-\tdisabled" in _run(app, "list").output
    page = client.post("/admin/login", data={"username": "root",
                                             "password": "stdin-password-123"})
    assert "用户名或密码错误" in text_of(page)


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["x1", "--role", "reviewer"], "long-enough-pw\n", "必须指定所属部门"),
    (["x2", "--role", "admin"], "short\n", "密码至少 10 位"),
    (["bad name!", "--role", "admin"], "long-enough-pw\n", "用户名只能包含"),
    (["x3", "--role", "boss"], "long-enough-pw\n", "Invalid value for '--role'"),
])
def test_create_refuses_bad_input(app: Any, db_session: Any, args: list[str], stdin: str,
                                  message: str) -> None:
    result = _run(app, "create", *args, "--password-stdin", input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert db_session.query(StaffUser).count() == 0


def test_duplicate_and_unknown_users(app: Any, db_session: Any) -> None:
    assert _run(app, "create", "dup", "--role", "admin", "--password-stdin",
                input="long-enough-pw\n").exit_code == 0
    again = _run(app, "create", "dup", "--role", "admin", "--password-stdin",
                 input="long-enough-pw\n")
    assert again.exit_code != 0 and "已存在" in again.output
    missing = _run(app, "disable", "nobody")
    assert missing.exit_code != 0 and "不存在" in missing.output


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PETITION_COMPLAINT_DEPARTMENT": "黑河市商务局"}


def test_complaints_go_to_the_configured_department(client: Any, make_subject: Any,
                                                    db_session: Any) -> None:
    shop = make_subject()
    db_session.commit()
    number = case_number(submit_public(client, f"/petitions/complaint?subject={shop.id}", {
        "category": "其他", "title": "t", "description": "d", "anonymous": "y"}))
    case = db_session.scalar(select(Case).where(Case.number == number))
    assert case.department.name == "黑河市商务局"
    assert get_page(client, "/admin/cases").status_code == 302
