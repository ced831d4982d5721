"""The back office in Chromium at a clerk's screens (1440x900 and 1280x800): a reviewer works
a complaint and an objection from the home page to 办结; a data officer previews, confirms
and rolls back an upload. Every step is photographed and checked by axe-core."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from harness import Site, Viewport, Visitor

from webapp.extensions import db
from webapp.models import Record
from webapp.models.petitions import Case, CaseKind
from webapp.models.staff import Role
from webapp.rules.kinds import Visibility
from webapp.services import petitions as svc
from webapp.services.staff import create_user
from webapp.services.visibility import public_record_clause

CLERK_SCREENS = (Viewport("clerk-1440", 1440, 900, touch=False, mobile=False,
                          check_targets=False),
                 Viewport("clerk-1280", 1280, 800, touch=False, mobile=False,
                          check_targets=False))
MARKET = "黑河市市场监督管理局"
PASSWORD = "browser-walk-password"


@pytest.fixture(params=CLERK_SCREENS, ids=[v.name for v in CLERK_SCREENS])
def screen(request: pytest.FixtureRequest) -> Viewport:
    return request.param


def _staff(site: Site, role: Role, name: str) -> None:
    def make() -> None:
        department = svc.department_by_name(db.session, MARKET)
        create_user(db.session, name, PASSWORD, role, department_id=department.id)
        db.session.commit()

    site.query(make)


def _login(visitor: Visitor, username: str) -> None:
    visitor.visit("/admin/login", "登录页")
    visitor.page.get_by_label("用户名").fill(username)
    visitor.page.get_by_label("密码").fill(PASSWORD)
    visitor.page.get_by_role("button", name="登录").click()
    visitor.page.wait_for_load_state("load")
    visitor.check("今日工作")


def _open_cases(site: Site, tag: str) -> tuple[str, str]:
    """A complaint and an objection received just now, for the market regulator."""

    def make() -> tuple[str, str]:
        record = db.session.scalars(
            db.select(Record).join(Record.department)
            .where(Record.kind == "penalty", public_record_clause(),
                   Record.visibility == Visibility.PUBLIC.value,
                   Record.department.has(name=MARKET))
            .where(~Record.id.in_(db.select(Case.record_id).where(Case.record_id.is_not(None))))
            .limit(1)).one()
        complaint, _ = svc.open_case(
            db.session, CaseKind.COMPLAINT, form_token=f"walk-complaint-{tag}",
            fields={"title": f"标价不符（{tag}）", "description": "结账多收10元",
                    "anonymous": True}, subject_id=record.subject_id)
        objection, _ = svc.open_case(
            db.session, CaseKind.OBJECTION, form_token=f"walk-objection-{tag}",
            fields={"title": f"处罚金额有误（{tag}）", "description": "金额应为0.5万元",
                    "anonymous": True}, record=record)
        db.session.commit()
        return complaint.number, objection.number

    return site.query(make)


def _act(visitor: Visitor, button: str, step: str) -> None:
    visitor.page.get_by_role("button", name=button, exact=True).click()
    visitor.page.wait_for_load_state("load")
    visitor.check(step)


def _work_case(visitor: Visitor, number: str, outcome: str, reply: str,
               revoke: bool = False) -> None:
    page = visitor.page
    page.get_by_role("link", name=number).first.click()
    page.wait_for_load_state("load")
    visitor.check(f"案件 {number}")
    assert "剩余" in page.locator(".days-left").first.inner_text()
    _act(visitor, "受理", "已受理")
    _act(visitor, "开始核查", "核查中")
    page.get_by_label(outcome).check()  # the whole labelled line is the target
    if revoke:
        page.get_by_label("撤销该信息：停止公示，公众不再看到").check()
    page.get_by_label("书面答复").fill(reply)
    # Unticked confirmation: the browser itself refuses to send (the server would too).
    _act(visitor, "答复", "未勾选确认")
    confirm = page.locator("input[name='decide-confirm']")
    assert confirm.evaluate("e => !e.validity.valid")
    assert "核查中" in page.locator(".case-state").inner_text()
    confirm.check()
    _act(visitor, "答复", "已答复")
    assert "已答复。" in page.locator("body").inner_text()
    _act(visitor, "办结", "已办结")
    assert "案件已办结。" in page.locator("body").inner_text()


def test_reviewer_works_a_complaint_and_an_objection_to_close(
    new_visitor: Any, site: Site, screen: Viewport
) -> None:
    username = f"walk-reviewer-{screen.width}"
    _staff(site, Role.REVIEWER, username)
    complaint, objection = _open_cases(site, str(screen.width))
    reviewer = new_visitor(screen, f"reviewer-{screen.width}")
    _login(reviewer, username)
    home = reviewer.page.locator("main").inner_text()
    assert "上次登录以来新收到" in home and complaint in home and objection in home
    _work_case(reviewer, complaint, "投诉属实", "经查属实，已责令退还多收款项。")
    reviewer.visit("/admin/", "回到今日工作")
    _work_case(reviewer, objection, "异议成立", "经核实，撤销该处罚信息。", revoke=True)
    reviewer.visit("/admin/cases?state=open", "未办结队列")
    queue = reviewer.page.locator("main").inner_text()
    assert complaint not in queue and objection not in queue

    def visibility() -> str:
        case = db.session.scalars(db.select(Case).where(Case.number == objection)).one()
        return case.record.visibility

    assert site.query(visibility) == Visibility.REVOKED.value


def _penalty_csv(tag: str) -> bytes:
    buffer = io.StringIO(newline="")
    rows = [{
        "行政相对人名称": f"黑河市走查{tag}{n}号商贸有限公司", "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": "", "法定代表人": "李春生",
        "证件类型": "身份证", "证件号码": "",
        "行政处罚决定书文号": f"黑市监罚〔2026〕走查{tag}-{n}号",
        "违法行为类型": "销售不符合食品安全标准的食品", "违法事实": "经查属实。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十五条", "处罚类别": "警告",
        "处罚内容": "警告。", "处罚决定日期": "2026-06-03", "处罚机关": MARKET,
        "数据来源单位": MARKET} for n in range(1, 4)]
    from tests_support_uscc import uscc_for

    for n, row in enumerate(rows, start=1):
        row["统一社会信用代码"] = uscc_for(int(tag) * 10 + n)
        del row["证件类型"], row["证件号码"]
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_data_officer_previews_confirms_and_rolls_back(
    new_visitor: Any, site: Site, screen: Viewport, tmp_path: Path
) -> None:
    username = f"walk-officer-{screen.width}"
    _staff(site, Role.DATA_OFFICER, username)
    officer = new_visitor(screen, f"officer-{screen.width}")
    _login(officer, username)
    page = officer.page
    officer.visit("/admin/uploads", "数据上报")
    file = tmp_path / "处罚.csv"
    file.write_bytes(_penalty_csv(str(screen.width)))
    page.get_by_label("数据类别").select_option(label="行政处罚")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(str(file))
    _act(officer, "上传并预览", "预览")
    body = page.locator("main").inner_text()
    assert "预览，尚未导入" in body and "将新增 3" in body
    _act(officer, "确认导入", "已导入")
    assert "新增3" in page.locator("main").inner_text()
    _act(officer, "回滚本批次", "未勾选回滚确认")
    confirm = page.locator("input[name='confirm']")
    assert confirm.evaluate("e => !e.validity.valid")  # not sent without the tick
    confirm.check()
    _act(officer, "回滚本批次", "已回滚")
    assert "已回滚" in page.locator("main").inner_text()
