"""A citizen: searches a shop, opens its profile, its credit code, and scans it."""

from __future__ import annotations

import io
import re

import picks
import zxingcpp
from harness import VIEWPORTS, Site, Visitor
from PIL import Image


def _nth(visitor: Visitor) -> int:
    return [v.name for v in VIEWPORTS].index(visitor.viewport.name)


def _search(visitor: Visitor, query: str) -> None:
    box = visitor.page.get_by_label("查询内容").first
    box.fill(query)
    box.press("Enter")
    visitor.page.wait_for_url(re.compile(r"/search\?"))
    visitor.check(f"results for {query}")


def _decode_qr(visitor: Visitor, url: str) -> str:
    response = visitor.page.request.get(visitor.url(url))
    assert response.ok, f"{url}: HTTP {response.status}"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.body())))
    # The decoder may report one symbol twice (found at two scales): count distinct codes.
    assert len({(b.format, b.text) for b in found}) == 1, "the code image holds one QR code"
    return str(found[0].text)


def test_search_profile_code_scan(site: Site, visitor: Visitor) -> None:
    shop = site.query(lambda: picks.business("green", _nth(visitor), honoured=False))
    page = visitor.page
    visitor.visit("/", "home")
    assert page.locator("link[rel=icon]").count() == 1
    _search(visitor, shop["name"])

    card = page.locator(".result", has_text=shop["name"]).first
    assert "绿码" in card.inner_text()
    box = card.bounding_box()
    assert box is not None
    # The whole card opens the profile, not only the name link.
    page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] - 10)
    page.wait_for_url(re.compile(rf"/subjects/{shop['id']}$"))
    visitor.check("profile")
    assert shop["name"] in visitor.text("h1")
    uscc = page.locator(".id-line .code-text").first
    assert uscc.inner_text().strip() == shop["uscc"]
    lines = uscc.evaluate("e => Math.round(e.getBoundingClientRect().height / "
                          "parseFloat(getComputedStyle(e).lineHeight))")
    assert lines == 1, "the credit code is kept on one line"

    page.get_by_role("link", name="信用码").first.click()
    page.wait_for_url(re.compile(r"/code$"))
    visitor.check("code page")
    claim = page.get_by_role("button", name="领取信用码")
    if claim.count():
        claim.click()
        page.wait_for_load_state("load")
        visitor.check("code issued")
    image = page.locator(".code-figure img")
    assert image.is_visible()
    target = _decode_qr(visitor, image.get_attribute("src") or "")
    assert target.startswith(site.base_url + "/c/")

    visitor.visit(target, "scan page")
    name = page.locator(".scan-subject-name")
    status = page.locator(".status-panel")
    assert shop["name"] in name.inner_text()
    name_box, status_box = name.bounding_box(), status.bounding_box()
    assert name_box and status_box
    assert name_box["y"] < status_box["y"], "the shop's name comes before its status"
    assert status_box["y"] < visitor.viewport.height, "the status is on the first screen"
    assert "绿码" in status.inner_text()
    actions = page.locator(".scan-actions").last
    assert actions.get_by_role("link", name="投诉举报").count() == 1
    assert actions.get_by_role("link", name=re.compile("异议")).count() == 1


def test_closed_business_has_its_own_status_and_no_code(site: Site, visitor: Visitor) -> None:
    shop = site.query(lambda: picks.closed_business(_nth(visitor)))
    page = visitor.page
    visitor.visit("/", "home")
    _search(visitor, shop["name"])
    card = page.locator(".result", has_text=shop["name"]).first
    text = card.inner_text()
    assert shop["state"] in text and "绿码" not in text and "信用良好" not in text

    visitor.visit(f"/subjects/{shop['id']}", "closed profile")
    status = page.locator(".status-box")
    assert shop["state"] in status.inner_text()
    assert "绿码" not in status.inner_text()
    assert page.get_by_role("link", name="信用码").count() == 0

    visitor.visit(f"/subjects/{shop['id']}/code", "closed code page")
    assert page.get_by_role("button", name="领取信用码").count() == 0
    assert "不能领取信用码" in visitor.text()


def test_one_meaning_per_colour(site: Site, visitor: Visitor) -> None:
    """An honoured yellow shop: its 红名单 mark is not red, and the status colour is yellow."""
    shop = site.query(picks.honoured_yellow_business)
    visitor.visit(f"/subjects/{shop['id']}", "honoured yellow profile")
    page = visitor.page
    badge = page.locator(".status-box .badge.honour").first
    colour = badge.evaluate("e => getComputedStyle(e).color")
    background = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    red = page.locator("body").evaluate(
        "() => { const e = document.createElement('span'); e.className = 'badge status-red';"
        " document.body.append(e); const c = getComputedStyle(e).color; e.remove(); return c; }")
    assert colour != red and background != red, "an honour is never shown in the red of 红码"
