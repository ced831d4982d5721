"""The reviewer's day: what is overdue, due today, due soon and new, on the home page and in
the queue; 已答复 cases stay work until 办结; every irreversible action needs its
confirmation naming the public effect; no preset reasons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from admin_pages import get_page, staff_act, text_of

from webapp.models.petitions import Case, CaseKind
from webapp.models.staff import Role
from webapp.rules.kinds import Visibility
from webapp.services import petitions as svc
from webapp.services.clock import today as china_today
from webapp.services.workdays import calendar

MARKET = "黑河市市场监督管理局"
TAX = "国家税务总局黑河市税务局"
_n = iter(range(1, 10_000))


@pytest.fixture
def browser(app: Any, make_staff: Any, login_as: Any) -> Any:
    def factory(role: Role = Role.REVIEWER, department: str | None = MARKET) -> Any:
        client = app.test_client()
        user = make_staff(role, department if role != Role.ADMIN else None)
        get_page(client, "/admin/login")
        login_as(client, user)
        client.user = user
        return client

    return factory


def make_case(db_session: Any, subject: Any, title: str, due: date, state: str = "submitted",
              department: Any = None, record: Any = None, kind: CaseKind = CaseKind.COMPLAINT,
              close_due: date | None = None, old: bool = True, decider: Any = None) -> Case:
    case, _ = svc.open_case(
        db_session, kind, form_token=f"work-{next(_n)}",
        fields={"title": title, "description": "情况说明", "anonymous": True},
        subject_id=subject.id, record=record)
    case.due_on = due
    case.state = state
    if department is not None:
        case.department_id = department.id
    if state in ("decided", "closed"):
        case.outcome, case.reply = "upheld", "已处理"
        case.decided_by_id = decider.id
        case.decided_at = datetime.now(UTC)
        case.close_due_on = close_due
    if old:  # received well before any login of the test
        case.created_at = datetime.now(UTC) - timedelta(days=3)
    db_session.flush()
    return case


def queue_numbers(client: Any, query: str) -> list[str]:
    html = get_page(client, f"/admin/cases?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/admin/cases/\d+">([A-Z]{2}\d{8}-\d{6})</a>', html)


def test_home_page_counts_and_lists_match_the_queue(
    browser: Any, make_subject: Any, db_session: Any, department: Any, make_staff: Any
) -> None:
    today = china_today()
    cal = calendar()
    shop = make_subject()
    market, tax = department(MARKET), department(TAX)
    decider = make_staff(Role.REVIEWER, MARKET)
    late = make_case(db_session, shop, "早已超期的投诉", today - timedelta(days=10),
                     department=market)
    due_today = make_case(db_session, shop, "今天到期的投诉", today, department=market)
    soon = make_case(db_session, shop, "两个工作日后到期", cal.add_workdays(today, 2),
                     department=market)
    later = make_case(db_session, shop, "三周后到期", today + timedelta(days=21),
                      department=market)
    answered = make_case(db_session, shop, "已答复未办结", today - timedelta(days=20),
                         "decided", market, close_due=today - timedelta(days=2),
                         decider=decider)
    closed = make_case(db_session, shop, "已办结的旧案", today - timedelta(days=30), "closed",
                       market, decider=decider)
    make_case(db_session, shop, "税务局的超期案", today - timedelta(days=10), department=tax)
    db_session.commit()

    reviewer = browser(Role.REVIEWER, MARKET)
    home = get_page(reviewer, "/admin/")
    text = text_of(home)
    expected = {"overdue": [late, answered], "today": [due_today], "soon": [soon]}
    for bucket, cases in expected.items():
        numbers = queue_numbers(reviewer, f"due={bucket}")
        assert sorted(numbers) == sorted(c.number for c in cases), bucket
        count = re.search(rf'href="/admin/cases\?due={bucket}"[^>]*>\s*<span class="work-count">'
                          rf'(\d+)</span>', home.get_data(as_text=True))
        assert count and int(count.group(1)) == len(cases), bucket
    for case in (late, answered, due_today, soon):
        assert case.number in text  # listed on the home page
    assert later.number not in text and closed.number not in text
    assert "税务局的超期案" not in text  # another department's work is not mine
    assert "办结已超期 2 个工作日" in text or "办结已超期" in text

    # The queue states the working days left on every case; today's reads differently.
    queue = text_of(get_page(reviewer, "/admin/cases"))
    left = cal.workdays_between(today, later.due_on)
    assert f"剩余 {left} 个工作日（答复）" in queue
    assert "今天到期（答复）" in queue
    assert re.search(r"答复已超期 \d+ 个工作日", queue)
    case_page = text_of(get_page(reviewer, f"/admin/cases/{later.id}"))
    assert f"剩余 {left} 个工作日" in case_page


def test_answered_cases_stay_open_work_until_closed(
    browser: Any, make_subject: Any, db_session: Any, department: Any, make_staff: Any
) -> None:
    today = china_today()
    shop = make_subject()
    market = department(MARKET)
    decider = make_staff(Role.REVIEWER, MARKET)
    answered = make_case(db_session, shop, "已答复", today - timedelta(days=9), "decided",
                         market, close_due=today - timedelta(days=1), decider=decider)
    closed = make_case(db_session, shop, "已办结", today - timedelta(days=40), "closed",
                       market, decider=decider)
    fresh = make_case(db_session, shop, "新投诉", today + timedelta(days=20), department=market)
    db_session.commit()
    reviewer = browser()
    open_work = queue_numbers(reviewer, "state=open")
    assert answered.number in open_work and fresh.number in open_work
    assert closed.number not in open_work
    everything = queue_numbers(reviewer, "")
    assert everything.index(answered.number) < everything.index(closed.number)
    html = get_page(reviewer, "/admin/cases").get_data(as_text=True)
    row = html.split(answered.number, 1)[1].split("</tr>", 1)[0]
    assert "办结已超期" in row
    overdue = queue_numbers(reviewer, "overdue=y")
    assert answered.number in overdue and fresh.number not in overdue


def test_new_since_last_login(app: Any, browser: Any, make_subject: Any, db_session: Any,
                              department: Any, login_as: Any) -> None:
    shop = make_subject()
    market = department(MARKET)
    make_case(db_session, shop, "以前的投诉", china_today() + timedelta(days=10),
              department=market)
    db_session.commit()
    reviewer = browser()
    page = get_page(reviewer, "/admin/")
    assert re.search(r'href="/admin/cases\?due=new"[^>]*>\s*<span class="work-count">0<',
                     page.get_data(as_text=True))
    fresh = make_case(db_session, shop, "刚收到的投诉", china_today() + timedelta(days=10),
                      department=market, old=False)
    db_session.commit()
    again = app.test_client()
    get_page(again, "/admin/login")
    login_as(again, reviewer.user)
    assert queue_numbers(again, "due=new") == [fresh.number]
    assert fresh.number in text_of(get_page(again, "/admin/"))


# --- irreversible actions need their confirmation -----------------------------------------


@pytest.fixture
def objection(make_subject: Any, make_record: Any, db_session: Any, department: Any) -> Case:
    record = make_record(make_subject(), department=department(MARKET),
                         doc_number="黑市监罚〔2026〕100号")
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="objection-1",
                            fields={"title": "异议", "description": "金额有误",
                                    "anonymous": True}, record=record)
    case.state = "verifying"
    db_session.commit()
    return case


def test_decide_shows_consequences_and_needs_confirmation(
    browser: Any, objection: Case, db_session: Any
) -> None:
    reviewer = browser()
    page = get_page(reviewer, f"/admin/cases/{objection.id}").get_data(as_text=True)
    # Each outcome on one labelled line with what it does to the public record.
    assert re.search(r'<label class="choice[^"]*"[^>]*>\s*<input[^>]*value="upheld"[^>]*>\s*'
                     r'<span>异议成立</span>\s*<span class="consequence">将更正或撤销公示信息',
                     page)
    assert re.search(r'value="dismissed"[^>]*>\s*<span>异议不成立</span>\s*'
                     r'<span class="consequence">信息恢复公示', page)
    assert "公众立即可见" in page  # the confirmation names the public effect
    refused = staff_act(reviewer, objection, "decide", {
        "outcome": "upheld", "effect": "revoke", "reply": "经核实，撤销该处罚信息。",
        "confirm": ""})
    assert "请勾选确认" in text_of(refused)
    db_session.expire_all()
    assert objection.state == "verifying" and objection.record.visibility == "objection"
    done = staff_act(reviewer, objection, "decide", {
        "outcome": "upheld", "effect": "revoke", "reply": "经核实，撤销该处罚信息。",
        "confirm": "y"})
    assert "已答复。" in text_of(done)
    db_session.expire_all()
    assert objection.record.visibility == Visibility.REVOKED.value


def test_reject_needs_confirmation_and_has_no_preset_reason(
    browser: Any, make_subject: Any, db_session: Any, department: Any
) -> None:
    case = make_case(db_session, make_subject(), "投诉", china_today() + timedelta(days=5),
                     department=department(MARKET))
    db_session.commit()
    reviewer = browser()
    page = get_page(reviewer, f"/admin/cases/{case.id}").get_data(as_text=True)
    reason_box = page.split('name="reject-reason"', 1)[1].split("</textarea>", 1)[0]
    assert reason_box.split(">", 1)[1].strip() == ""  # no preset text
    refused = staff_act(reviewer, case, "reject", {"reason": "不属于本部门职责", "confirm": ""})
    assert "请勾选确认" in text_of(refused)
    db_session.expire_all()
    assert case.state == "submitted"
    assert "已作出不予受理决定" in text_of(staff_act(reviewer, case, "reject", {
        "reason": "不属于本部门职责", "confirm": "y"}))


def test_code_withdrawal_has_no_preset_reason_and_needs_confirmation(
    browser: Any, make_subject: Any, db_session: Any, app: Any
) -> None:
    from webapp.services import codes as code_service

    shop = make_subject()
    db_session.commit()
    code_service.key_store().ensure()
    code_service.issue_code(db_session, shop, code_service.key_store())
    db_session.commit()
    admin = browser(Role.ADMIN)
    page = get_page(admin, f"/admin/codes/subjects/{shop.id}").get_data(as_text=True)
    select_box = page.split('name="category"', 1)[1].split("</select>", 1)[0]
    # The first, shown option is an empty "please choose"; nothing is preselected.
    assert re.search(r'^[^<]*<option value="">请选择', select_box) and "selected" not in select_box
    assert "扫码将显示“此码已作废”" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/admin/codes/subjects/{shop.id}/withdraw"
    no_category = admin.post(url, data={"csrf_token": token, "category": "",
                                        "reason": "营业执照已注销", "confirm": "y"},
                             follow_redirects=True)
    assert "请选择作废原因类别" in text_of(no_category)
    unconfirmed = admin.post(url, data={"csrf_token": token, "category": "deregistered",
                                        "reason": "营业执照已注销"}, follow_redirects=True)
    assert "请勾选确认" in text_of(unconfirmed)
    assert code_service.current_code(db_session, shop.id) is not None
    done = admin.post(url, data={"csrf_token": token, "category": "deregistered",
                                 "reason": "营业执照已注销", "confirm": "y"},
                      follow_redirects=True)
    assert "已作废" in text_of(done)


def test_audit_log_names_the_case_and_record_in_chinese(
    browser: Any, objection: Case, db_session: Any
) -> None:
    reviewer = browser()
    staff_act(reviewer, objection, "decide", {"outcome": "upheld", "effect": "revoke",
                                              "reply": "经核实，撤销该处罚信息。"})
    admin = browser(Role.ADMIN)
    text = text_of(get_page(admin, "/admin/audit"))
    assert f"答复案件 案件 {objection.number}" in text
    assert "更正/变更信用信息 记录 黑市监罚〔2026〕100号" in text
    assert "公示状态 异议处理中 已撤销" in text
    assert "case.decide" not in text and "record:" not in text
