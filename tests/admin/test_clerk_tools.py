"""Clerk tools: queue search and sort, assignment, bulk close, XLSX exports, the statistics
page, the reply letter; attachments under their own names with a preview; the case page and
the public forms tell the truth about a record no longer public."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from admin_pages import case_number, get_page, png, staff_act, submit_public, text_of
from openpyxl import load_workbook
from sqlalchemy import select

from webapp.models.audit import AuditLog
from webapp.models.petitions import Case, CaseKind
from webapp.models.staff import Role
from webapp.services import petitions as svc
from webapp.services.clock import today as china_today

MARKET = "黑河市市场监督管理局"
_n = iter(range(1, 10_000))


@pytest.fixture
def browser(app: Any, make_staff: Any, login_as: Any) -> Any:
    def factory(role: Role = Role.REVIEWER, department: str | None = MARKET, **kw: Any) -> Any:
        client = app.test_client()
        user = make_staff(role, department if role != Role.ADMIN else None, **kw)
        get_page(client, "/admin/login")
        login_as(client, user)
        client.user = user
        return client

    return factory


def complaint(db_session: Any, subject: Any, title: str, received: date | None = None) -> Case:
    case, _ = svc.open_case(db_session, CaseKind.COMPLAINT, form_token=f"tools-{next(_n)}",
                            fields={"title": title, "description": "情况", "anonymous": True},
                            subject_id=subject.id, today=received)
    return case


def token(client: Any, url: str) -> str:
    html = get_page(client, url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_search_sort_assign_bulk_close_and_export(browser: Any, make_subject: Any,
                                                  db_session: Any) -> None:
    shop = make_subject(name="黑河市好运来超市")
    other = make_subject(name="黑河市远东五金店")
    first = complaint(db_session, shop, "价格欺诈", china_today() - timedelta(days=3))
    second = complaint(db_session, other, "缺斤短两")
    db_session.commit()
    reviewer = browser()
    colleague = browser(display_name="钱同事")
    found = text_of(get_page(reviewer, "/admin/cases?q=好运来"))
    assert first.number in found and second.number not in found
    assert second.number in text_of(get_page(reviewer, f"/admin/cases?q={second.number}"))
    newest = get_page(reviewer, "/admin/cases?sort=received").get_data(as_text=True)
    assert newest.index(second.number) < newest.index(first.number)

    assigned = staff_act(reviewer, first, "assign", {"assignee": str(colleague.user.id)})
    assert "已指派。" in text_of(assigned) and "钱同事" in text_of(assigned)
    mine = text_of(get_page(colleague, "/admin/cases?assignee=me"))
    assert first.number in mine and second.number not in mine
    assert db_session.scalars(select(AuditLog).where(AuditLog.action == "case.assign")).one()

    for case in (first, second):
        staff_act(reviewer, case, "accept")
        staff_act(reviewer, case, "decide", {"outcome": "upheld", "reply": "已责令整改。"})
    url = "/admin/cases/bulk-close"
    ids = [str(first.id), str(second.id)]
    unconfirmed = reviewer.post(url, data={"csrf_token": token(reviewer, "/admin/cases"),
                                           "case": ids}, follow_redirects=True)
    assert "请勾选确认" in text_of(unconfirmed)
    done = reviewer.post(url, data={"csrf_token": token(reviewer, "/admin/cases"),
                                    "case": ids, "confirm": "y"}, follow_redirects=True)
    assert "已办结 2 件" in text_of(done)
    db_session.expire_all()
    assert {first.state, second.state} == {"closed"}

    export = reviewer.get("/admin/cases/export.xlsx?q=好运来")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("案件编号", "类型", "标题", "状态")
    assert [r[0] for r in rows[1:]] == [first.number]
    assert rows[1][3] == "已办结" and rows[1][5] == "钱同事"

    letter = text_of(get_page(reviewer, f"/admin/cases/{first.id}/letter"))
    assert "答复函" in letter and "已责令整改。" in letter and first.number in letter

    stats = text_of(get_page(reviewer, "/admin/statistics"))
    assert f"{MARKET} 2 2 2 100% 0 0" in stats
    sheet = load_workbook(io.BytesIO(reviewer.get("/admin/statistics.xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "部门" and values[1][:4] == (MARKET, 2, 2, 2)


def test_formula_text_is_not_a_formula_in_the_export(browser: Any, make_subject: Any,
                                                     db_session: Any) -> None:
    complaint(db_session, make_subject(), '=HYPERLINK("http://evil","x")')
    db_session.commit()
    sheet = load_workbook(io.BytesIO(browser().get("/admin/cases/export.xlsx").data)).active
    cell = sheet.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_attachments_keep_their_name_and_preview_inline(client: Any, browser: Any,
                                                        make_subject: Any,
                                                        db_session: Any) -> None:
    shop = make_subject()
    db_session.commit()
    sent = submit_public(client, f"/petitions/complaint?subject={shop.id}", {
        "category": "价格欺诈", "title": "多收钱", "description": "结账多收10元",
        "contact_name": "李四", "contact_phone": "13912345678"},
        files=(("收银小票 照片.png", png()),))
    case = db_session.scalar(select(Case).where(Case.number == case_number(sent)))
    reviewer = browser()
    page = get_page(reviewer, f"/admin/cases/{case.id}").get_data(as_text=True)
    attachment = case.attachments[0]
    url = f"/admin/cases/{case.id}/files/{attachment.id}"
    assert "收银小票 照片.png" in page
    assert f'<img class="attachment-preview" src="{url}?inline=1"' in page
    download = reviewer.get(url)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "%E6%94%B6%E9%93%B6" in download.headers["Content-Disposition"]  # 收银, RFC 5987
    download.close()
    inline = reviewer.get(f"{url}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert inline.mimetype == "image/png" and inline.headers["X-Content-Type-Options"] == "nosniff"
    inline.close()
    other = browser(department="国家税务总局黑河市税务局")
    assert other.get(f"{url}?inline=1").status_code == 403


def test_case_page_and_public_forms_tell_the_truth_about_an_ended_record(
    client: Any, browser: Any, make_subject: Any, make_record: Any, db_session: Any
) -> None:
    subject = make_subject()
    ended = make_record(subject, doc_number="黑市监罚〔2021〕9号", decided_on=date(2021, 3, 1),
                        public_until=date(2023, 3, 1), repair_eligible_on=date(2021, 6, 1))
    live = make_record(subject, doc_number="黑市监罚〔2026〕9号",
                       public_until=date(2029, 6, 1), repair_eligible_on=date(2026, 9, 1))
    db_session.commit()
    assert client.get(f"/records/{ended.id}").status_code == 404
    objection = text_of(get_page(client, f"/petitions/objection?record={ended.id}"))
    assert "公示期已于 2023年03月01日 届满" in objection and "无需提出异议" in objection
    assert "黑河市市场监督管理局" in objection  # what to do instead: whom to contact
    repair = text_of(get_page(client, f"/petitions/repair?record={ended.id}"))
    assert "无需申请信用修复" in repair

    # A case about the live record: its page shows the real state once, with the dates.
    sent = submit_public(client, f"/petitions/objection?record={live.id}", {
        "wrong_fields": "金额", "description": "金额有误", "contact_phone": "13800138000"})
    case = db_session.scalar(select(Case).where(Case.number == case_number(sent)))
    page = text_of(get_page(browser(), f"/admin/cases/{case.id}"))
    assert f"异议处理中（{case.number}）" in page
    assert "异议处理中（异议处理中" not in page
    assert "公示截止期 2029-06-01" in page or "公示截止期 2029年06月01日" in page
    assert "可申请信用修复日期" in page

    # A case about a record whose publicity has since ended: not 公示中.
    later = make_record(subject, doc_number="黑市监罚〔2025〕9号",
                        public_until=date(2029, 6, 1), repair_eligible_on=date(2025, 9, 1))
    old_case, _ = svc.open_case(db_session, CaseKind.REPAIR, form_token="old-repair",
                                fields={"title": "修复", "description": "d", "anonymous": True},
                                record=later, today=date(2026, 10, 1))
    later.public_until = date(2026, 10, 2)
    db_session.commit()
    page = text_of(get_page(browser(), f"/admin/cases/{old_case.id}"))
    assert "公示期已届满" in page and "公众不可见" in page
