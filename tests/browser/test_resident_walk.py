"""A resident: each petition form with mistakes and then right, then tracking the case from
another browser (WeChat opens links in its own), as the next person at a shared browser."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import picks
from harness import VIEWPORTS, Site, Visitor
from PIL import Image

from webapp.services.clock import CHINA_TZ


def _nth(visitor: Visitor) -> int:
    return [v.name for v in VIEWPORTS].index(visitor.viewport.name)


def _submit(visitor: Visitor, button: str, step: str) -> None:
    visitor.page.get_by_role("button", name=button).click()
    visitor.page.wait_for_load_state("load")
    visitor.check(step)


def _assert_errors(visitor: Visitor, *messages: str) -> None:
    """GOV.UK's pattern: a summary at the top that has the focus, each message a link to its
    field, and the field's own message tied to it for a screen reader."""
    page = visitor.page
    summary = page.locator(".error-summary")
    assert summary.is_visible(), "no error summary"
    assert summary.evaluate("e => document.activeElement === e"), "summary does not have focus"
    assert page.title().startswith("错误："), page.title()
    links = summary.locator("a")
    texts = [links.nth(i).inner_text() for i in range(links.count())]
    for message in messages:
        assert any(message in t for t in texts), f"{message!r} not in the summary {texts}"
    for i in range(links.count()):
        field_id = (links.nth(i).get_attribute("href") or "#").lstrip("#")
        field = page.locator(f"[id='{field_id}']")
        assert field.count() == 1, f"summary link to #{field_id} has no field"
        described = (field.get_attribute("aria-describedby") or "").split()
        errors = [page.locator(f"[id='{d}']").inner_text() for d in described]
        assert any(texts[i] in e for e in errors), f"#{field_id} is not described by its error"
        assert field.get_attribute("aria-invalid") == "true"
    # Following a summary link puts the cursor in the field.
    links.first.click()
    first = (links.first.get_attribute("href") or "#").lstrip("#")
    assert page.evaluate("() => document.activeElement.id") == first


def _honeypot_hidden(visitor: Visitor) -> None:
    trap = visitor.page.locator("input[name=website]")
    assert trap.count() == 1 and not trap.is_visible(), "the trap field is visible"
    assert not visitor.page.get_by_text("请勿填写此项").is_visible()


def _case_from_success(visitor: Visitor) -> tuple[str, str]:
    page = visitor.page
    assert page.locator("h1").inner_text().startswith("提交成功")
    number = page.locator(".case-number").inner_text().strip()
    code = page.locator(".query-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z]{2}\d{8}-\d{6}", number) and len(code) == 10
    page.reload()
    visitor.check("success page reloaded")
    assert page.locator(".query-code").inner_text().strip() == code, "code gone on reload"
    return number, code


def test_complaint_with_mistakes_then_right(site: Site, visitor: Visitor) -> None:
    shop = site.query(lambda: picks.business("green", 5 + _nth(visitor)))
    page = visitor.page
    visitor.visit("/", "home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="投诉与异议").click()
    page.wait_for_url(re.compile(r"/petitions/$"))
    visitor.check("petitions index")
    for service in ("投诉举报", "政府失信投诉", "异议申诉", "信用修复", "办件查询"):
        assert page.get_by_role("link", name=re.compile(service)).count() >= 1, service

    visitor.visit(f"/subjects/{shop['id']}", "profile")
    page.locator(".actions").get_by_role("link", name="投诉举报").click()
    page.wait_for_url(re.compile(r"/petitions/complaint"))
    visitor.check("complaint form")
    _honeypot_hidden(visitor)
    anonymous = page.get_by_label(re.compile("匿名投诉"))
    label = page.locator("label", has_text="匿名投诉")
    box, label_box = anonymous.bounding_box(), label.bounding_box()
    assert box and label_box and box["width"] < 60, "the checkbox is a checkbox-sized box"
    assert abs((box["y"] + box["height"] / 2) - (label_box["y"] + label_box["height"] / 2)) < 30

    _submit(visitor, "提交投诉", "complaint empty")
    _assert_errors(visitor, "请填写标题", "请填写具体情况", "请填写联系电话，或选择匿名投诉")

    page.get_by_label("投诉标题").fill("店内商品标价与结账价格不一致")
    page.get_by_label("具体情况").fill("货架标价 12 元，结账收取 15 元，店员拒绝退差价。")
    page.get_by_label("联系电话").fill("1380013")
    _submit(visitor, "提交投诉", "complaint bad phone")
    _assert_errors(visitor, "请填写 11 位手机号码")
    assert page.get_by_label("投诉标题").input_value() == "店内商品标价与结账价格不一致"

    page.get_by_label("联系电话").fill("")
    page.locator("label", has_text="匿名投诉").click()  # the label ticks the box
    assert anonymous.is_checked()
    _submit(visitor, "提交投诉", "complaint sent")
    number, code = _case_from_success(visitor)
    _track_elsewhere(visitor, number, code, "投诉举报")


def test_government_complaint(visitor: Visitor) -> None:
    page = visitor.page
    visitor.visit("/petitions/", "petitions index")
    page.get_by_role("link", name=re.compile("政府失信投诉")).first.click()
    page.wait_for_url(re.compile(r"gov=1"))
    visitor.check("government complaint form")
    _submit(visitor, "提交投诉", "government complaint empty")
    _assert_errors(visitor, "请填写被投诉的政府部门或单位", "请填写标题")
    page.get_by_label("被投诉的单位").fill("某区招商服务中心")
    page.get_by_label("投诉标题").fill("招商引资奖励未按协议兑现")
    page.get_by_label("具体情况").fill("协议约定 2025 年底兑现，至今未兑现。")
    page.get_by_label("联系电话").fill("13800138000")
    _submit(visitor, "提交投诉", "government complaint sent")
    _case_from_success(visitor)


def test_objection(site: Site, visitor: Visitor) -> None:
    record_id = site.query(lambda: picks.objection_record(_nth(visitor)))
    page = visitor.page
    visitor.visit(f"/records/{record_id}", "record")
    page.get_by_role("link", name="提出异议").first.click()
    page.wait_for_url(re.compile(r"/petitions/objection"))
    visitor.check("objection form")
    _honeypot_hidden(visitor)
    _submit(visitor, "提交异议", "objection empty")
    _assert_errors(visitor, "请说明哪些内容有误", "请填写具体情况", "请填写联系电话")
    page.get_by_label(re.compile("有误的内容")).fill("处罚决定日期")
    page.get_by_label("具体情况").fill("决定书载明的日期为 3 月 2 日，公示为 3 月 12 日。")
    page.get_by_label("联系电话").fill("13900139000")
    _submit(visitor, "提交异议", "objection sent")
    number, code = _case_from_success(visitor)
    _track_elsewhere(visitor, number, code, "异议申诉")


def test_repair_with_files(site: Site, visitor: Visitor, tmp_path: Path) -> None:
    record_id = site.query(lambda: picks.repair_record(_nth(visitor)))
    files = []
    for name in ("修复申请书", "信用承诺书", "履行证明"):
        path = tmp_path / f"{name}.png"
        Image.new("RGB", (80, 60), "white").save(path)
        files.append(str(path))
    page = visitor.page
    visitor.visit("/petitions/repair", "repair without a record")
    assert page.get_by_role("link", name=re.compile("搜索|查询")).count() >= 1
    visitor.visit(f"/petitions/repair?record={record_id}", "repair form")
    _submit(visitor, "提交申请", "repair empty")
    _assert_errors(visitor, "请说明履行情况", "请填写联系电话")
    page.get_by_label("履行情况说明").fill("罚款已于 2026 年 6 月缴清，整改已完成。")
    page.get_by_label("联系电话").fill("13700137000")
    page.locator("input[type=file]").set_input_files(files[:1])
    _submit(visitor, "提交申请", "repair one file")
    _assert_errors(visitor, "至少 3 个文件")
    page.locator("input[type=file]").set_input_files(files)
    _submit(visitor, "提交申请", "repair sent")
    number, code = _case_from_success(visitor)
    tracker = _track_elsewhere(visitor, number, code, "信用修复")
    with tracker.page.expect_download() as download:
        tracker.page.get_by_role("button", name=re.compile("履行证明")).click()
    assert download.value.suggested_filename.endswith(".png")


def _track_elsewhere(visitor: Visitor, number: str, code: str, kind: str) -> Visitor:
    """The link opened in another browser, and the next person at this one."""
    other = visitor.new_context(f"{visitor.name}-other-browser")
    page = other.page
    other.visit(f"/petitions/track/{number}", "status link in another browser")
    assert page.get_by_label("案件编号").input_value() == number
    assert number not in (page.locator("h1").inner_text())
    page.get_by_label("查询码").fill("WRONGCODE1")
    _submit(other, "查询", "wrong code")
    _assert_errors(other, "案件编号或查询码不正确")
    page.get_by_label("查询码").fill(code)
    _submit(other, "查询", "status")
    assert kind in page.locator("h1").inner_text() and number in page.locator("h1").inner_text()
    shown = page.locator(".timeline time").first.get_attribute("datetime") or ""
    when = datetime.fromisoformat(shown)
    assert when.utcoffset() == timedelta(hours=8), f"not Beijing time: {shown}"
    assert abs(datetime.now(CHINA_TZ) - when) < timedelta(minutes=10)
    assert page.locator(".timeline time").first.inner_text() == when.strftime("%Y-%m-%d %H:%M")

    # The next person at the submitter's browser cannot open the case without the code.
    nxt = visitor.page.context.new_page()
    response = nxt.goto(visitor.url(f"/petitions/track/{number}"))
    assert response is not None and response.status == 200
    assert nxt.get_by_label("查询码").input_value() == ""
    assert nxt.locator(".timeline").count() == 0
    nxt.close()
    return other
