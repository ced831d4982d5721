"""Every case kind through every transition, as a user and as staff, through the web.

The user files on the public forms and follows the case on the tracking page; the reviewer
works the case on /admin/cases/<id>. Objections and repairs must change the subject's profile,
search results and the credit-code scan page in the same request sequence.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from admin_pages import (
    case_number,
    get_page,
    pdf,
    png,
    staff_act,
    submit_public,
    text_of,
    track_page,
)
from sqlalchemy import select

from webapp.models.audit import AuditLog
from webapp.models.petitions import Case
from webapp.models.staff import Role
from webapp.rules.kinds import ListNature, RecordKind, Visibility
from webapp.services import codes as code_service

MARKET = "黑河市市场监督管理局"
NDRC = "黑河市发展和改革委员会"


@pytest.fixture
def reviewer(app: Any, make_staff: Any, login_as: Any) -> Any:
    """reviewer(department) → a logged-in browser of a reviewer of that department."""

    def factory(department: str = MARKET) -> Any:
        browser = app.test_client()
        get_page(browser, "/admin/login")
        page = login_as(browser, make_staff(Role.REVIEWER, department))
        assert "退出登录" in page.get_data(as_text=True)
        return browser

    return factory


def _case(db_session: Any, number: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(select(Case).where(Case.number == number))


def _status(user: Any, number: str) -> str:
    return text_of(track_page(user, number))


def _walk(staff: Any, user: Any, case: Case, outcome: str, reply: str,
          extra: dict[str, str] | None = None) -> None:
    """受理 → 开始核查 → 答复 → 办结, checking what each side sees after every step."""
    page = staff_act(staff, case, "accept", {"note": "材料齐全，予以受理"})
    assert "已受理。" in text_of(page) and "材料齐全，予以受理" in text_of(page)
    assert "已受理" in _status(user, case.number)
    page = staff_act(staff, case, "verify", {"note": "已调取执法记录"})
    assert "已开始核查。" in text_of(page) and "核查中" in text_of(page)
    assert "核查中" in _status(user, case.number)
    page = staff_act(staff, case, "decide", {"outcome": outcome, "reply": reply, **(extra or {})})
    assert "已答复。" in text_of(page), text_of(page)[-1500:]
    status = _status(user, case.number)
    assert "已答复" in status and reply in status
    page = staff_act(staff, case, "close", {"note": "归档"})
    assert "案件已办结。" in text_of(page)
    status = _status(user, case.number)
    assert "已办结" in status
    for step in ("提交", "受理", "核查", "答复", "办结"):
        assert step in status


def test_complaint_about_a_shop_walked_through(client: Any, reviewer: Any, make_subject: Any,
                                              db_session: Any) -> None:
    shop = make_subject(name="黑河市诚信超市")
    db_session.commit()
    user = client
    sent = submit_public(user, f"/petitions/complaint?subject={shop.id}", {
        "category": "价格欺诈", "title": "标价不符", "description": "结账多收10元",
        "contact_name": "李四", "contact_phone": "13912345678"})
    number = case_number(sent)
    case = _case(db_session, number)
    assert case.department.name == MARKET  # routed by PETITION_COMPLAINT_DEPARTMENT
    staff = reviewer(MARKET)
    queue = text_of(get_page(staff, "/admin/cases"))
    assert number in queue and "标价不符" in queue and "待受理" in queue
    detail = text_of(get_page(staff, f"/admin/cases/{case.id}"))
    for shown in ("黑河市诚信超市", "结账多收10元", "李四", "13912345678", "价格欺诈"):
        assert shown in detail
    _walk(staff, user, case, "upheld", "经查属实，已责令退还差价并予警告。")
    closed = _case(db_session, number)
    assert (closed.state, closed.outcome) == ("closed", "upheld")
    actions = db_session.scalars(select(AuditLog.action).where(
        AuditLog.target == f"case:{case.id}").order_by(AuditLog.id)).all()
    assert actions == ["case.accept", "case.verify", "case.decide", "case.close"]


def test_complaint_rejected_with_reason(client: Any, reviewer: Any, make_subject: Any,
                                       db_session: Any) -> None:
    shop = make_subject()
    db_session.commit()
    number = case_number(submit_public(client, f"/petitions/complaint?subject={shop.id}", {
        "category": "其他", "title": "重复投诉", "description": "同上", "anonymous": "y"}))
    staff = reviewer()
    case = _case(db_session, number)
    empty = staff_act(staff, case, "reject", {"reason": "   "})
    assert empty.status_code == 400 and "请填写不予受理的理由" in text_of(empty)
    assert _case(db_session, number).state == "submitted"
    page = staff_act(staff, case, "reject", {"reason": "与 TS 案件重复，已合并办理"})
    assert "已作出不予受理决定" in text_of(page)
    status = _status(client, number)
    assert "不予受理" in status and "与 TS 案件重复，已合并办理" in status
    # A finished case offers no further actions, and a forged POST is refused with a message.
    assert "受理意见" not in text_of(get_page(staff, f"/admin/cases/{case.id}"))
    again = staff.post(f"/admin/cases/{case.id}/accept",
                       data={"accept-csrf_token": _token(staff, case.id)}, follow_redirects=True)
    assert "案件当前状态不允许此操作" in text_of(again)


def _token(browser: Any, case_id: int) -> str:
    html = get_page(browser, f"/admin/cases/{case_id}").get_data(as_text=True)
    return re.search(r'name="[\w-]*csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_gov_complaint_walked_through_and_rejected(client: Any, reviewer: Any,
                                                  db_session: Any) -> None:
    first = case_number(submit_public(client, "/petitions/complaint?gov=1", {
        "category": "政策不兑现", "target_name": "某区招商局", "title": "奖励未兑现",
        "description": "承诺的落户奖励两年未兑现", "contact_phone": "13800138000"}))
    second = case_number(submit_public(client, "/petitions/complaint?gov=1", {
        "category": "其他", "target_name": "某局", "title": "咨询", "description": "非投诉事项",
        "anonymous": "y"}))
    assert first.startswith("ZF")
    case = _case(db_session, first)
    assert case.department.name == NDRC  # routed by PETITION_GOV_COMPLAINT_DEPARTMENT
    market = reviewer(MARKET)
    assert first not in text_of(get_page(market, "/admin/cases"))
    staff = reviewer(NDRC)
    assert "某区招商局" in text_of(get_page(staff, f"/admin/cases/{case.id}"))
    _walk(staff, client, case, "dismissed", "经核实，奖励已于上月拨付到账。")
    assert _case(db_session, first).outcome == "dismissed"
    other = _case(db_session, second)
    staff_act(staff, other, "reject", {"reason": "属于咨询，不属于政府失信投诉"})
    assert "属于咨询" in _status(client, second)


def _found(browser: Any, query: str, record_id: int) -> bool:
    """Whether the public record search lists the record (by its link)."""
    html = get_page(browser, f"/search?q={query}&tab=records").get_data(as_text=True)
    return f'href="/records/{record_id}"' in html


def _scan_colour(browser: Any, token: str) -> str:
    html = get_page(browser, f"/c/{token}").get_data(as_text=True)
    return re.search(r'class="status-panel status-panel-(\w+)"', html).group(1)


@pytest.fixture
def code_for(db_session: Any) -> Any:
    def issue(subject: Any) -> str:
        store = code_service.key_store()
        store.ensure()
        code = code_service.issue_code(db_session, subject, store)
        db_session.commit()
        return code.token

    return issue


def test_objection_upheld_corrects_the_record_everywhere(
    client: Any, reviewer: Any, make_subject: Any, make_record: Any, db_session: Any,
    code_for: Any,
) -> None:
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    record = make_record(shop, doc_number="黑市监处罚〔2026〕101号", title="销售过期食品",
                         facts="销售过期食品三批次")
    token = code_for(shop)
    sent = submit_public(client, f"/petitions/objection?record={record.id}", {
        "wrong_fields": "文书号", "description": "文书号应为 909 号",
        "contact_phone": "13800138000"}, files=(("证据.png", png()),))
    number = case_number(sent)
    assert "异议处理中" in text_of(get_page(client, f"/subjects/{shop.id}"))
    staff = reviewer()
    case = _case(db_session, number)
    detail = text_of(get_page(staff, f"/admin/cases/{case.id}"))
    assert "黑市监处罚〔2026〕101号" in detail and "证据.png" in detail
    _walk(staff, client, case, "upheld", "经核查文书号录入有误，已更正。", {
        "effect": "correct", "doc_number": "黑市监处罚〔2026〕909号"})
    profile = text_of(get_page(client, f"/subjects/{shop.id}"))
    assert "黑市监处罚〔2026〕909号" in profile and "101号" not in profile
    assert "异议处理中" not in profile
    assert _found(client, "909号", record.id)
    assert not _found(client, "101号", record.id)
    assert _scan_colour(client, token) == "green"  # a penalty does not make a code red
    updates = db_session.scalars(select(AuditLog).where(AuditLog.action == "record.update")).all()
    assert updates[0].before["doc_number"] == "黑市监处罚〔2026〕101号"
    assert updates[0].after["doc_number"] == "黑市监处罚〔2026〕909号"


def test_objection_upheld_revokes_a_black_list_entry(
    client: Any, reviewer: Any, make_subject: Any, make_record: Any, db_session: Any,
    code_for: Any,
) -> None:
    shop = make_subject(name="黑河市天鑫源商贸有限公司")
    listing = make_record(shop, kind=RecordKind.LIST.value, list_nature=ListNature.BLACK.value,
                          doc_number="黑市监失信〔2026〕7号", title="严重失信主体名单",
                          decided_on=date(2026, 5, 1))
    token = code_for(shop)
    assert _scan_colour(client, token) == "red"
    number = case_number(submit_public(client, f"/petitions/objection?record={listing.id}", {
        "wrong_fields": "全部", "description": "我公司从未被列入", "anonymous": "y",
        "contact_phone": "13800138000"}))
    staff = reviewer()
    case = _case(db_session, number)
    page = staff_act(staff, case, "accept")
    assert "已受理。" in text_of(page)
    # "Correct" without any changed field is refused with a message, nothing decided.
    refused = staff_act(staff, case, "decide", {"outcome": "upheld", "reply": "成立",
                                                "effect": "correct"})
    assert "没有填写与原信息不同的更正内容" in text_of(refused)
    assert _case(db_session, number).state == "accepted"
    page = staff_act(staff, case, "decide", {"outcome": "upheld", "effect": "revoke",
                                             "reply": "经核查系误列，予以撤销。"})
    assert "已答复。" in text_of(page)
    assert _scan_colour(client, token) == "green"
    assert "黑市监失信〔2026〕7号" not in text_of(get_page(client, f"/subjects/{shop.id}"))
    assert not _found(client, "黑市监失信", listing.id)
    db_session.refresh(listing)
    assert listing.visibility == Visibility.REVOKED.value


def test_objection_dismissed_and_rejected_put_the_record_back(
    client: Any, reviewer: Any, make_subject: Any, make_record: Any, db_session: Any,
) -> None:
    shop = make_subject()
    one = make_record(shop, doc_number="黑市监处罚〔2026〕301号")
    two = make_record(shop, doc_number="黑市监处罚〔2026〕302号")
    db_session.commit()
    base = {"wrong_fields": "金额", "description": "金额有误", "contact_phone": "13800138000"}
    first = case_number(submit_public(client, f"/petitions/objection?record={one.id}", base))
    second = case_number(submit_public(client, f"/petitions/objection?record={two.id}", base))
    staff = reviewer()
    _walk(staff, client, _case(db_session, first), "dismissed", "经核查原记录无误。")
    staff_act(staff, _case(db_session, second), "reject", {"reason": "未提供任何证据"})
    for record in (one, two):
        db_session.refresh(record)
        assert record.visibility == Visibility.PUBLIC.value
    profile = text_of(get_page(client, f"/subjects/{shop.id}"))
    assert "301号" in profile and "302号" in profile and "异议处理中" not in profile


def _repair(client: Any, record: Any) -> str:
    return case_number(submit_public(client, f"/petitions/repair?record={record.id}", {
        "description": "罚款已缴清，整改完毕", "contact_phone": "13800138000"},
        files=(("修复申请书.png", png()), ("信用承诺书.png", png()),
               ("缴款凭证.pdf", pdf()))))


def test_repair_approved_hides_the_record_everywhere(
    client: Any, reviewer: Any, make_subject: Any, make_record: Any, db_session: Any,
    code_for: Any,
) -> None:
    shop = make_subject(name="黑河市金穗粮油有限公司")
    listing = make_record(shop, kind=RecordKind.LIST.value, list_nature=ListNature.BLACK.value,
                          doc_number="黑市监失信〔2026〕88号", title="严重失信主体名单",
                          decided_on=date(2025, 1, 1), repair_eligible_on=date(2026, 1, 1))
    token = code_for(shop)
    assert _scan_colour(client, token) == "red"
    assert _found(client, "黑市监失信", listing.id)
    number = _repair(client, listing)
    assert number.startswith("XF")
    staff = reviewer()
    case = _case(db_session, number)
    detail = get_page(staff, f"/admin/cases/{case.id}").get_data(as_text=True)
    assert len(set(re.findall(r"/files/(\d+)", detail))) == 3
    _walk(staff, client, case, "upheld", "符合修复条件，准予修复。")
    assert _scan_colour(client, token) == "green"
    assert "88号" not in text_of(get_page(client, f"/subjects/{shop.id}"))
    assert not _found(client, "黑市监失信", listing.id)
    db_session.refresh(listing)
    assert listing.visibility == Visibility.ARCHIVED.value  # archived, never deleted


def test_repair_dismissed_or_rejected_keeps_the_record(
    client: Any, reviewer: Any, make_subject: Any, make_record: Any, db_session: Any,
) -> None:
    shop = make_subject()
    one = make_record(shop, doc_number="黑市监处罚〔2026〕401号",
                      repair_eligible_on=date(2026, 1, 1))
    two = make_record(shop, doc_number="黑市监处罚〔2026〕402号",
                      repair_eligible_on=date(2026, 1, 1))
    db_session.commit()
    first, second = _repair(client, one), _repair(client, two)
    staff = reviewer()
    _walk(staff, client, _case(db_session, first), "dismissed", "罚款尚未缴清，不予修复。")
    staff_act(staff, _case(db_session, second), "reject", {"reason": "申请材料不全"})
    assert "申请材料不全" in _status(client, second)
    profile = text_of(get_page(client, f"/subjects/{shop.id}"))
    assert "401号" in profile and "402号" in profile
