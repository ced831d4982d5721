"""The audit log and the query-use log: admins only, entries shown, filters, pagination,
before/after escaped, no way to change an entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from tools_helpers import MARKET, page_text

from webapp.models import QueryLog
from webapp.models.audit import AuditLog
from webapp.models.staff import Role
from webapp.services.audit import audit

PERSON_ID = "231102198001011234"


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/query-log"])
def test_logs_are_for_admins_only(path: str, client: Any, staff_client: Any) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    for role in (Role.REVIEWER, Role.DATA_OFFICER):
        other, _ = staff_client(role, MARKET)
        assert other.get(path).status_code == 403
        assert f'href="{path}"' not in other.get("/admin/").get_data(as_text=True)
    admin, _ = staff_client(Role.ADMIN)
    assert admin.get(path).status_code == 200
    assert f'href="{path}"' in admin.get("/admin/").get_data(as_text=True)


def test_audit_log_shows_staff_actions_newest_first_with_escaped_before_after(
    staff_client: Any, db_session: Any
) -> None:
    admin, admin_user = staff_client(Role.ADMIN)
    audit(db_session, admin_user, "case.reply", "case:7",
          before={"state": "verifying"},
          after={"reply": '<script>alert(1)</script>"><img src=x onerror=alert(2)>',
                 "说明": "已核实"})
    db_session.commit()
    response = admin.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Before/after as a table of Chinese field names and values.
    text = page_text(response)
    assert "字段 变更前 变更后 状态 核查中" in text and "说明 已核实" in text
    # Newest first: the reply (written after the login) comes before the login.
    assert text.index("case.reply") < text.index(f"{admin_user.username} 登录")
    assert admin_user.username in text and "案件 7" in text


def test_audit_log_filters_and_pagination(staff_client: Any, db_session: Any) -> None:
    admin, admin_user = staff_client(Role.ADMIN)
    _, officer_user = staff_client(Role.DATA_OFFICER, MARKET)
    for n in range(60):
        audit(db_session, officer_user, "import.upload", f"import_batch:{n}")
    old = audit(db_session, admin_user, "code.withdraw", "subject:5")
    old.at = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 China time, 1 March 2025
    db_session.commit()

    first = page_text(admin.get("/admin/audit"))
    assert "共 63 条" in first and "第 1 / 2 页" in first  # 60 + 1 + two logins
    second = admin.get("/admin/audit?page=2")
    assert "第 2 / 2 页" in page_text(second) and "作废信用码" in page_text(second)

    by_user = page_text(admin.get(f"/admin/audit?user={officer_user.username}"))
    assert "共 61 条" in by_user  # 60 uploads and the login
    by_action = page_text(admin.get("/admin/audit?action=import"))
    assert "共 60 条" in by_action
    by_target = page_text(admin.get("/admin/audit?target=import_batch:5"))
    assert "共 11 条" in by_target  # 5 and 50-59
    by_date = page_text(admin.get("/admin/audit?date_from=2025-03-01&date_to=2025-03-01"))
    assert "共 1 条" in by_date and "主体 5" in by_date
    # A link to page 2 keeps the filter.
    html = admin.get("/admin/audit?action=import").get_data(as_text=True)
    assert re.search(r'href="/admin/audit\?action=import&amp;page=2"', html)

    bad = admin.get("/admin/audit?date_from=2025-13-01")
    assert bad.status_code == 200
    assert "日期格式应为" in page_text(bad) and "共 0 条" in page_text(bad)
    backwards = page_text(admin.get("/admin/audit?date_from=2025-03-02&date_to=2025-03-01"))
    assert "截止日期不能早于起始日期" in backwards


def test_audit_log_cannot_be_changed(staff_client: Any, db_session: Any) -> None:
    admin, _ = staff_client(Role.ADMIN)
    for method in ("post", "put", "delete"):
        assert getattr(admin, method)("/admin/audit").status_code == 405
    entry = db_session.scalars(select(AuditLog)).first()
    entry.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db_session.flush()
    db_session.rollback()


def test_query_log_lists_views_of_natural_persons(
    client: Any, staff_client: Any, make_subject: Any, make_record: Any, db_session: Any
) -> None:
    person = make_subject(name="赵志刚", subject_type="自然人", id_number=PERSON_ID)
    make_record(person, list_type="失信被执行人", kind="list")
    company = make_subject(name="黑河市北疆物流有限公司")
    db_session.commit()
    assert client.get(f"/subjects/{person.id}").status_code == 200
    assert client.get(f"/subjects/{company.id}").status_code == 200  # organisations: not logged
    logged = db_session.scalars(select(QueryLog)).all()
    assert [entry.subject_id for entry in logged] == [person.id]

    admin, _ = staff_client(Role.ADMIN)
    response = admin.get("/admin/query-log")
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "共 1 条" in text and "赵志刚" in text and "网站信用档案" in text
    assert "public" in text and PERSON_ID not in html and "2311**********1234" in text
    assert "黑河市北疆物流有限公司" not in text

    assert "共 1 条" in page_text(admin.get("/admin/query-log?subject=志刚"))
    assert "共 1 条" in page_text(admin.get(f"/admin/query-log?subject={PERSON_ID}"))
    assert "共 0 条" in page_text(admin.get("/admin/query-log?subject=北疆"))
    assert "共 0 条" in page_text(admin.get("/admin/query-log?viewer=someone"))
    assert "共 1 条" in page_text(admin.get(
        f"/admin/query-log?surface={logged[0].surface}&viewer=public"))
