"""Codes admin through the web: look-up, withdraw and reissue (the scan page agrees at
once), the self-declaration queue, audit entries, and who may do it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from tools_helpers import MARKET, csrf_token, page_text

from webapp.models.audit import AuditLog
from webapp.models.codes import CreditCode, SelfDeclaration
from webapp.models.staff import Role
from webapp.services import codes as code_service


def verdict(response: Any) -> str:
    html = response.get_data(as_text=True)
    if 'class="genuine-line"' in html:  # a genuine code is a line, not a banner
        return "genuine"
    match = re.search(r'class="verdict verdict-(\w+)"', html)
    assert match, "the scan page shows a verdict"
    return match.group(1)


@pytest.fixture
def shop(app: Any, make_subject: Any, db_session: Any) -> Any:
    """A shop with an issued code, as after it pressed 领取信用码."""
    code_service.key_store().ensure()
    subject = make_subject(name="黑河市江畔渔家餐馆", address="黑河市爱辉区滨江路8号")
    code_service.issue_code(db_session, subject, code_service.key_store())
    db_session.commit()
    return subject


def current_token(db_session: Any, subject: Any) -> str:
    db_session.rollback()
    code = code_service.current_code(db_session, subject.id)
    assert code is not None
    return code.token


def actions(db_session: Any) -> list[str]:
    db_session.rollback()
    return [a.action for a in db_session.scalars(select(AuditLog).order_by(AuditLog.id))
            if not a.action.startswith("staff.")]


def test_look_up_by_code_or_name_shows_code_and_scan_counts(
    client: Any, staff_client: Any, shop: Any, db_session: Any
) -> None:
    token = current_token(db_session, shop)
    for _ in range(3):
        assert verdict(client.get(f"/c/{token}")) == "genuine"
    admin, _ = staff_client(Role.ADMIN)
    assert admin.get("/admin/codes").status_code == 200

    by_code = admin.get(f"/admin/codes?q={shop.uscc.lower()}", follow_redirects=True)
    assert by_code.request.path == f"/admin/codes/subjects/{shop.id}"
    text = page_text(by_code)
    serial = db_session.scalar(select(CreditCode.serial).where(CreditCode.subject_id == shop.id))
    assert "黑河市江畔渔家餐馆" in text and shop.uscc in text and serial in text
    counts = re.sub(r"\s+", " ", by_code.get_data(as_text=True))
    assert re.search(r'scan-counts">.*?3</span><span class="stat-label">今日', counts)

    by_name = page_text(admin.get("/admin/codes?q=渔家"))
    assert "黑河市江畔渔家餐馆" in by_name and shop.uscc in by_name
    assert "未找到" in page_text(admin.get("/admin/codes?q=不存在的公司"))
    assert admin.get("/admin/codes/subjects/99999").status_code == 404


def test_withdraw_then_reissue_through_the_web(
    client: Any, staff_client: Any, shop: Any, no_csrf: None, db_session: Any
) -> None:
    old_token = current_token(db_session, shop)
    admin, admin_user = staff_client(Role.ADMIN)
    page = f"/admin/codes/subjects/{shop.id}"
    assert "作废信用码" in page_text(admin.get(page))

    missing = admin.post(f"{page}/withdraw", data={"category": "misuse", "reason": " "},
                         follow_redirects=True)
    assert "请填写作废说明" in page_text(missing)
    assert verdict(client.get(f"/c/{old_token}")) == "genuine"  # nothing happened

    done = admin.post(f"{page}/withdraw",
                      data={"category": "misuse", "reason": "发现他人复制张贴此码",
                            "confirm": "y"},
                      follow_redirects=True)
    text = page_text(done)
    assert "已作废" in text and "信用码被冒用" in text and "发现他人复制张贴此码" in text
    assert "该主体目前没有有效的信用码" in text
    scan = client.get(f"/c/{old_token}")
    assert verdict(scan) == "revoked" and "此码已作废" in page_text(scan)
    # The published revocation list carries the serial and category, never the staff note.
    revoked = client.get("/.well-known/credit-code-revocations.json").get_json()
    assert [(r["reason"]) for r in revoked["revoked"]] == ["misuse"]
    assert "复制" not in str(revoked)

    again = admin.post(f"{page}/withdraw", data={"category": "other", "reason": "再次",
                                                 "confirm": "y"},
                       follow_redirects=True)
    assert "没有有效的信用码" in page_text(again)

    reissued = admin.post(f"{page}/reissue", data={"reason": "冒用后换发"}, follow_redirects=True)
    assert "已换发新码" in page_text(reissued)  # no active code: nothing else to withdraw
    new_token = current_token(db_session, shop)
    assert new_token != old_token
    assert verdict(client.get(f"/c/{new_token}")) == "genuine"
    assert verdict(client.get(f"/c/{old_token}")) == "revoked"

    # Reissue while a code is active: the old one is withdrawn as "reissued".
    admin.post(f"{page}/reissue", data={"reason": "门贴破损"}, follow_redirects=True)
    newest = current_token(db_session, shop)
    assert verdict(client.get(f"/c/{new_token}")) == "revoked"
    assert verdict(client.get(f"/c/{newest}")) == "genuine"
    api = client.get(f"/api/v1/codes/verify?token={new_token}")
    assert api.get_json()["valid"] is False

    assert actions(db_session) == ["code.withdraw", "code.reissue", "code.reissue"]
    entries = db_session.scalars(select(AuditLog).where(AuditLog.action == "code.withdraw")).all()
    assert entries[0].username == admin_user.username
    assert entries[0].after["category"] == "misuse" and entries[0].target == f"subject:{shop.id}"
    audit_page = page_text(admin.get("/admin/audit?action=code"))
    assert "共 3 条" in audit_page


def test_reissue_refused_for_a_deregistered_subject_keeps_the_old_code(
    client: Any, staff_client: Any, shop: Any, no_csrf: None, db_session: Any
) -> None:
    token = current_token(db_session, shop)
    shop.registration_status = "注销"
    db_session.commit()
    admin, _ = staff_client(Role.ADMIN)
    response = admin.post(f"/admin/codes/subjects/{shop.id}/reissue",
                          data={"reason": "换发"}, follow_redirects=True)
    assert "换发失败" in page_text(response) and "注销" in page_text(response)
    assert verdict(client.get(f"/c/{token}")) == "genuine"  # rolled back, nothing half-done
    assert actions(db_session) == []


def test_declaration_queue_approve_shows_on_scan_page_reject_needs_a_reason(
    client: Any, staff_client: Any, shop: Any, no_csrf: None, db_session: Any
) -> None:
    token = current_token(db_session, shop)
    for title in ("获评市级诚信示范店", "承诺明码标价"):
        submitted = client.post(f"/subjects/{shop.id}/declaration", data={
            "category": "资质荣誉", "title": title, "content": f"{title}的说明<script>x</script>",
            "contact_name": "刘女士", "contact_phone": "13912345678",
        }, follow_redirects=True)
        assert "申报已提交" in page_text(submitted)
    assert "获评市级诚信示范店" not in page_text(client.get(f"/c/{token}"))

    admin, admin_user = staff_client(Role.ADMIN)
    assert "自主申报待审核（2）" in page_text(admin.get("/admin/codes"))
    queue = admin.get("/admin/codes/declarations")
    html = queue.get_data(as_text=True)
    assert "获评市级诚信示范店" in html and "<script>x</script>" not in html
    assert "13912345678" not in html and "139****5678" in html
    first, second = db_session.scalars(select(SelfDeclaration).order_by(SelfDeclaration.id))

    approved = admin.post(f"/admin/codes/declarations/{first.id}/approve",
                          data={"note": "已电话核实"}, follow_redirects=True)
    assert "已通过" in page_text(approved)
    scan = page_text(client.get(f"/c/{token}"))
    assert "获评市级诚信示范店" in scan and "已电话核实" not in scan

    no_reason = admin.post(f"/admin/codes/declarations/{second.id}/reject", data={"note": ""},
                           follow_redirects=True)
    assert "请填写不予通过的理由" in page_text(no_reason)
    rejected = admin.post(f"/admin/codes/declarations/{second.id}/reject",
                          data={"note": "未提供证明材料"}, follow_redirects=True)
    assert "已不予通过" in page_text(rejected) and "没有待审核的申报" in page_text(rejected)
    twice = admin.post(f"/admin/codes/declarations/{first.id}/approve", data={},
                       follow_redirects=True)
    assert "该申报已处理" in page_text(twice)
    assert "承诺明码标价" not in page_text(client.get(f"/c/{token}"))

    # From the subject's page an approval can be taken back off the scan page.
    subject_page = page_text(admin.get(f"/admin/codes/subjects/{shop.id}"))
    assert "未提供证明材料" in subject_page and "撤下公示" in subject_page
    withdrawn = admin.post(f"/admin/codes/declarations/{first.id}/withdraw",
                           data={"note": "证书已过期", "back": "subject", "confirm": "y"},
                           follow_redirects=True)
    assert withdrawn.request.path == f"/admin/codes/subjects/{shop.id}"
    assert "获评市级诚信示范店" not in page_text(client.get(f"/c/{token}"))

    assert actions(db_session) == ["declaration.approve", "declaration.reject",
                                   "declaration.withdraw"]
    entry = db_session.scalars(select(AuditLog).where(
        AuditLog.action == "declaration.reject")).one()
    assert entry.username == admin_user.username
    assert entry.before == {"state": "pending"} and entry.after["note"] == "未提供证明材料"


def test_codes_admin_is_for_admins_only(
    client: Any, staff_client: Any, shop: Any, db_session: Any
) -> None:
    token = current_token(db_session, shop)
    page = f"/admin/codes/subjects/{shop.id}"
    assert client.get("/admin/codes").status_code == 302
    # Anonymous: refused by CSRF (no session, no token) before the login check.
    assert client.post(f"{page}/withdraw", data={"category": "misuse", "reason": "x"}
                       ).status_code == 400
    for role in (Role.REVIEWER, Role.DATA_OFFICER):
        other, _ = staff_client(role, MARKET)
        assert other.get("/admin/codes").status_code == 403
        assert other.get(page).status_code == 403
        assert other.get("/admin/codes/declarations").status_code == 403
        # A real form post with a valid token is still refused by role.
        token_value = csrf_token(other, "/admin/")
        assert other.post(f"{page}/withdraw", data={
            "csrf_token": token_value, "category": "misuse", "reason": "x"}).status_code == 403
    assert verdict(client.get(f"/c/{token}")) == "genuine"


def test_withdraw_without_csrf_token_is_refused(
    client: Any, staff_client: Any, shop: Any, db_session: Any
) -> None:
    token = current_token(db_session, shop)
    admin, _ = staff_client(Role.ADMIN)
    page = f"/admin/codes/subjects/{shop.id}"
    assert admin.post(f"{page}/withdraw", data={"category": "misuse", "reason": "x"}
                      ).status_code == 400
    assert verdict(client.get(f"/c/{token}")) == "genuine"
    form_token = csrf_token(admin, page)
    admin.post(f"{page}/withdraw", data={"csrf_token": form_token, "category": "misuse",
                                         "reason": "冒用", "confirm": "y"})
    assert verdict(client.get(f"/c/{token}")) == "revoked"
