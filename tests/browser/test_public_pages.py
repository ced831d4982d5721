"""The pages a person browses: home, results, record, honour board, timeliness, errors."""

from __future__ import annotations

import re

from harness import PHONE, Site, Visitor


def test_home_results_and_record(visitor: Visitor) -> None:
    page = visitor.page
    visitor.visit("/", "home")
    response = page.request.get(visitor.url("/favicon.ico"))
    assert response.ok, "no favicon"
    visitor.visit("/search?q=%E9%BB%91%E6%B2%B3&tab=records", "record results")
    toggle = page.locator("summary", has_text="筛选与排序")
    marker = toggle.evaluate("e => getComputedStyle(e, '::before').content + "
                             "getComputedStyle(e, '::after').content")
    assert marker.replace("none", "").replace('""', "").strip(), "the toggle shows no affordance"
    toggle.click()
    visitor.check("filters open")
    first = page.locator(".result h2 a").first
    first.click()
    page.wait_for_url(re.compile(r"/records/\d+"))
    visitor.check("record page")


def _quarter_with_red_entries() -> str:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Record
    from webapp.services.statistics import Quarter
    from webapp.services.visibility import public_record_clause

    latest = db.session.scalar(select(func.max(Record.decided_on)).where(
        public_record_clause(), Record.kind == "list", Record.list_nature == "red"))
    return Quarter.of(latest).key


def test_honour_board_and_timeliness_charts(site: Site, visitor: Visitor) -> None:
    page = visitor.page
    quarter = site.query(_quarter_with_red_entries)
    visitor.visit(f"/honour-board?quarter={quarter}", "honour board")
    chart = page.locator("figure.chart svg")
    assert chart.count() >= 1, "no chart on the honour board"
    assert page.locator("figure.chart figcaption, figure.chart table").count() >= 1
    visitor.visit("/honour-board?list=black", "black board")
    visitor.visit("/timeliness", "timeliness")
    assert page.locator("figure.chart svg").count() >= 1, "no timeliness chart"
    body = visitor.text()
    for measure in ("合规率", "瞒报率"):
        assert measure in body, measure
    # The same rate never looks both good and bad: colour follows the target, with words.
    rates = page.locator("[data-rate]")
    for i in range(min(rates.count(), 20)):
        rate = rates.nth(i)
        value = float(rate.get_attribute("data-rate") or 0)
        text = rate.inner_text()
        assert ("未达标" in text) == (value < 0.98), text


def test_error_pages_keep_the_site_around(visitor: Visitor) -> None:
    visitor.visit("/subjects/999999999", "not found", status=404)
    assert visitor.page.get_by_role("navigation", name="主导航").is_visible()


def test_usable_without_javascript(site: Site, new_visitor) -> None:
    """Search, profile, a complaint with a mistake then right, and tracking, with JS off."""
    person = new_visitor(PHONE, "javascript-off", javascript=False)
    page = person.page
    page.goto(person.url("/"))
    person.screenshot("home, no JavaScript")
    page.get_by_label("查询内容").first.fill("黑河")
    page.get_by_label("查询内容").first.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    person.screenshot("results")
    page.locator(".result h2 a").first.click()
    page.wait_for_url(re.compile(r"/subjects/\d+"))
    person.screenshot("profile")
    page.locator(".actions").get_by_role("link", name="投诉举报").click()
    page.get_by_role("button", name="提交投诉").click()
    assert page.locator(".error-summary").is_visible()
    person.screenshot("complaint errors")
    page.get_by_label("投诉标题").fill("无脚本提交")
    page.get_by_label("具体情况").fill("在关闭脚本的浏览器中提交。")
    page.get_by_label("联系电话").fill("13600136000")
    page.get_by_role("button", name="提交投诉").click()
    person.screenshot("complaint sent")
    number = page.locator(".case-number").inner_text().strip()
    code = page.locator(".query-code").inner_text().strip()
    page.goto(person.url("/petitions/track"))
    page.get_by_label("案件编号").fill(number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    person.screenshot("status")
    assert number in page.locator("h1").inner_text()
