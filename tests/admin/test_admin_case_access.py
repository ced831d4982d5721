"""Who may see and act on which case; the queue's filters; hostile text on the staff page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from admin_pages import case_number, get_page, png, staff_act, submit_public, text_of
from sqlalchemy import select

from webapp.models.audit import AuditLog
from webapp.models.petitions import Case, CaseKind
from webapp.models.staff import Role
from webapp.services import petitions as svc

MARKET = "黑河市市场监督管理局"
TAX = "国家税务总局黑河市税务局"


@pytest.fixture
def logged_in(app: Any, make_staff: Any, login_as: Any) -> Any:
    """logged_in(role, department) → (browser, user) after a real login."""

    def factory(role: Role, department: str | None = None) -> Any:
        browser = app.test_client()
        user = make_staff(role, department)
        get_page(browser, "/admin/login")
        login_as(browser, user)
        return browser

    return factory


def _open(db_session: Any, subject: Any, title: str = "投诉", **kw: Any) -> Case:
    case, _ = svc.open_case(db_session, CaseKind.COMPLAINT, form_token=f"tok-{title}-{kw}"[:64],
                            fields={"title": title, "description": "d", "anonymous": True},
                            subject_id=subject.id, **kw)
    return case


@pytest.fixture
def tax_case(client: Any, make_subject: Any, make_record: Any, db_session: Any) -> Case:
    """An objection to a tax department's record, with an attachment, filed on the web."""
    record = make_record(make_subject(), department_name=TAX, doc_number="黑税罚〔2026〕5号")
    db_session.commit()
    number = case_number(submit_public(client, f"/petitions/objection?record={record.id}", {
        "wrong_fields": "金额", "description": "金额有误", "contact_phone": "13800138000"},
        files=(("证据.png", png()),)))
    return db_session.scalar(select(Case).where(Case.number == number))


def test_reviewer_of_another_department_gets_403(tax_case: Case, logged_in: Any,
                                                 db_session: Any) -> None:
    market = logged_in(Role.REVIEWER, MARKET)
    assert tax_case.number not in text_of(get_page(market, "/admin/cases"))
    assert get_page(market, f"/admin/cases/{tax_case.id}").status_code == 403
    attachment = tax_case.attachments[0]
    assert get_page(market, f"/admin/cases/{tax_case.id}/files/{attachment.id}"
                    ).status_code == 403
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      get_page(market, "/admin/cases").get_data(as_text=True)).group(1)
    for action in ("accept", "reject", "verify", "decide", "close", "reassign"):
        response = market.post(f"/admin/cases/{tax_case.id}/{action}", data={
            f"{action}-csrf_token": token, f"{action}-reason": "x", f"{action}-reply": "x",
            f"{action}-outcome": "upheld"})
        assert response.status_code == 403, action
    db_session.expire_all()
    assert tax_case.state == "submitted"
    assert not db_session.scalars(select(AuditLog).where(
        AuditLog.action.like("case.%"))).all()
    # The tax reviewer does see it, and can download the evidence as a safe attachment.
    tax = logged_in(Role.REVIEWER, TAX)
    assert tax_case.number in text_of(get_page(tax, "/admin/cases"))
    served = get_page(tax, f"/admin/cases/{tax_case.id}/files/{attachment.id}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]
    served.close()


def test_data_officer_and_anonymous_cannot_open_cases(tax_case: Case, logged_in: Any,
                                                       client: Any) -> None:
    officer = logged_in(Role.DATA_OFFICER, TAX)
    assert get_page(officer, "/admin/cases").status_code == 403
    assert get_page(officer, f"/admin/cases/{tax_case.id}").status_code == 403
    assert "案件办理" not in text_of(get_page(officer, "/admin/"))
    anonymous = client.application.test_client()
    response = get_page(anonymous, f"/admin/cases/{tax_case.id}")
    assert response.status_code == 302
    assert f"/admin/login?next=/admin/cases/{tax_case.id}" in response.headers["Location"]


def test_admin_sees_all_and_reassigns(tax_case: Case, logged_in: Any, department: Any,
                                      db_session: Any) -> None:
    market_id = department(MARKET).id
    admin = logged_in(Role.ADMIN)
    assert tax_case.number in text_of(get_page(admin, "/admin/cases"))
    page = staff_act(admin, tax_case, "reassign", {"department": str(market_id),
                                                   "note": "属市场监管职责"})
    assert "案件已转交。" in text_of(page) and "转交黑河市市场监督管理局" in text_of(page)
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "case.reassign"))
    assert entry.before["department"] == TAX and entry.after["department"] == MARKET
    market = logged_in(Role.REVIEWER, MARKET)
    assert tax_case.number in text_of(get_page(market, "/admin/cases"))
    assert get_page(market, f"/admin/cases/{tax_case.id}").status_code == 200
    # Reviewers cannot reassign, even within their own department.
    token = re.search(r'name="accept-csrf_token" type="hidden" value="([^"]+)"', get_page(
        market, f"/admin/cases/{tax_case.id}").get_data(as_text=True)).group(1)
    refused = market.post(f"/admin/cases/{tax_case.id}/reassign", data={
        "reassign-csrf_token": token, "reassign-department": "1"})
    assert refused.status_code == 403


def test_action_without_csrf_token_is_refused(tax_case: Case, logged_in: Any,
                                              db_session: Any) -> None:
    tax = logged_in(Role.REVIEWER, TAX)
    assert tax.post(f"/admin/cases/{tax_case.id}/accept").status_code == 400
    db_session.expire_all()
    assert tax_case.state == "submitted"


def test_queue_filters_order_overdue_and_pages(logged_in: Any, make_subject: Any,
                                               db_session: Any, department: Any) -> None:
    shop = make_subject()
    old = _open(db_session, shop, "很久以前的投诉", today=date(2025, 1, 6))
    new = _open(db_session, shop, "今天的投诉")
    department(TAX)
    gov, _ = svc.open_case(db_session, CaseKind.GOV_COMPLAINT, form_token="gov-token-0001",
                           fields={"title": "政府投诉", "description": "d", "anonymous": True,
                                   "target_name": "某局"})
    db_session.commit()
    admin = logged_in(Role.ADMIN)
    html = get_page(admin, "/admin/cases").get_data(as_text=True)
    assert html.index(old.number) < html.index(new.number)  # earliest deadline first
    first_cells = r'<tr class="overdue">\s*<td>[^<]*</td>\s*<td><a href="/admin/cases/'
    assert re.search(rf'{first_cells}{old.id}"', html)
    assert "已超期 <span class=\"count\">1</span>" in html
    overdue = text_of(get_page(admin, "/admin/cases?overdue=y"))
    assert old.number in overdue and new.number not in overdue
    kind = text_of(get_page(admin, "/admin/cases?kind=gov_complaint"))
    assert gov.number in kind and old.number not in kind
    dept = text_of(get_page(admin, f"/admin/cases?department={gov.department_id}"))
    assert gov.number in dept and new.number not in dept
    staff_act(admin, new, "accept")
    state = text_of(get_page(admin, "/admin/cases?state=accepted"))
    assert new.number in state and old.number not in state
    junk = get_page(admin, "/admin/cases?kind=<x>&state=zzz&department=abc&page=-3")
    assert junk.status_code == 200 and old.number in text_of(junk)
    # Reviewers get no department filter, and only their own department's cases.
    market = logged_in(Role.REVIEWER, MARKET)
    mine = get_page(market, f"/admin/cases?department={gov.department_id}")
    assert 'name="department"' not in mine.get_data(as_text=True)
    assert gov.number not in text_of(mine) and old.number in text_of(mine)
    for n in range(55):
        _open(db_session, shop, f"批量投诉{n:02d}")
    db_session.commit()
    first = text_of(get_page(market, "/admin/cases"))
    assert "共 57 条，第 1 / 2 页" in first
    second = text_of(get_page(market, "/admin/cases?page=2"))
    assert second.count("批量投诉") == 7


def test_hostile_text_is_inert_on_the_staff_page(client: Any, logged_in: Any,
                                                 make_subject: Any, db_session: Any) -> None:
    shop = make_subject()
    db_session.commit()
    hostile = ('<script>alert(1)</script>"><img src=x onerror=alert(2)>'
               "\u202eexe.txt\u200b\u200d\ufeff末尾")
    url = f"/petitions/complaint?subject={shop.id}"
    sent = submit_public(client, url, {"category": "其他", "title": hostile[:100],
                                       "description": hostile, "place": hostile[:200],
                                       "contact_name": hostile[:64],
                                       "contact_phone": "13800138000"})
    number = case_number(sent)
    huge = submit_public(client, url, {"category": "其他", "title": "t",
                                       "description": "长" * 100_000, "anonymous": "y"})
    assert "不超过 5000 字" in text_of(huge)
    assert db_session.query(Case).count() == 1  # the 100,000-character one was refused
    market = logged_in(Role.REVIEWER, MARKET)
    case = db_session.scalar(select(Case).where(Case.number == number))
    staff_act(market, case, "reject", {"reason": hostile})
    for page in (get_page(market, f"/admin/cases/{case.id}"), get_page(market, "/admin/cases")):
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = get_page(market, f"/admin/cases/{case.id}").get_data(as_text=True)
    # Every piece of user text sits in its own <bdi>: the RTL override cannot flip the page.
    isolated = re.findall(r"<bdi[^>]*>([^<]*)</bdi>", html)
    assert sum("\u202e" in text for text in isolated) >= 4
    outside = re.sub(r"<bdi[^>]*>[^<]*</bdi>", "", html)
    assert "\u202e" not in outside


@pytest.mark.parametrize("url", ["/admin/cases", "/admin/audit", "/admin/query-log",
                                 "/admin/uploads"])
@pytest.mark.parametrize("page", ["99999999999999999999999", "-3", "abc"])
def test_any_page_number_gives_a_list_page(logged_in: Any, url: str, page: str) -> None:
    client = logged_in(Role.ADMIN)
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200
