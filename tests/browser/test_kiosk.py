"""The hall kiosk at 1080x1920, driven by touch alone (taps; no keyboard events): an admin
enrols the machine, a visitor searches by initials, opens a profile, prints the report,
scans a real signed code shown to the (fake) camera, tracks a case and walks away; after the
idle countdown the next visitor finds nothing of the first one."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fake_camera import qr_frame, write_y4m
from harness import (
    _TARGETS_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    KIOSK,
    SCREENSHOTS,
    Visitor,
)
from PIL import Image
from pypinyin import lazy_pinyin
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import Department, Record, Subject
from webapp.models.kiosk import Kiosk
from webapp.models.petitions import CaseKind
from webapp.models.staff import Role
from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import ListNature, RecordKind
from webapp.services import codes as code_service
from webapp.services import petitions as petition_service
from webapp.services.clock import today as china_today
from webapp.services.codes import qr
from webapp.services.staff import create_user

KIOSK_TARGET = 64  # CSS px: the issue's bar for a standing visitor's finger
ADMIN, ADMIN_PASSWORD = "hall-admin", "hall-admin-password"
QUERY_CODE = "KQ7M2XW9PA"
# Chromium's kiosk printing prints at once; here window.print is counted instead and the
# print output is captured with page.pdf() (print media), as the printer would get it.
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"


@pytest.fixture(scope="module")
def hall(site: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the hall needs on the served site: an admin, a subject with a signed credit code
    (its QR is the camera's picture), and a case filed earlier by the visitor."""
    def prepare() -> dict[str, Any]:
        create_user(db.session, ADMIN, ADMIN_PASSWORD, Role.ADMIN)
        subjects = db.session.scalars(select(Subject).where(
            Subject.uscc.is_not(None), Subject.subject_type != "自然人").order_by(Subject.id))
        subject = next(s for s in subjects if len(s.name) >= 8)
        code = code_service.issue_code(db.session, subject, code_service.key_store())
        case, _ = petition_service.open_case(
            db.session, CaseKind.COMPLAINT, form_token="kiosk-walk-case-token-0001",
            fields={"title": "商品质量问题", "description": "购买的商品与描述不符。",
                    "category": "产品质量", "anonymous": True},
            subject_id=subject.id, query_code=QUERY_CODE)
        db.session.commit()
        return {"subject_id": subject.id, "name": subject.name, "uscc": subject.uscc,
                "token": code.token, "case": case.number}

    data = site.query(prepare)
    picture = qr_frame(qr.code_url(site.base_url, data["token"]))
    data["video"] = write_y4m(picture, tmp_path_factory.mktemp("camera") / "code.y4m")
    return data


@pytest.fixture(scope="module")
def camera_browser(browser: Any, hall: dict[str, Any]) -> Iterator[Any]:
    """A second Chromium whose camera films the credit code (a file fed as the camera)."""
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={hall['video']}"])
    yield chromium
    chromium.close()


def open_kiosk(browser: Any, site: Any, name: str) -> Visitor:
    context = browser.new_context(**KIOSK.context_options())
    context.set_default_timeout(15_000)
    context.add_init_script(COUNT_PRINTS)
    return Visitor(context.new_page(), KIOSK, site.base_url, name)


def kiosk_check(v: Visitor, step: str) -> None:
    """The harness's checks, then the kiosk's own bar: 64 px targets, 24 px body text,
    no link or form leaving the kiosk, nothing that downloads or opens a window."""
    v.check(step)
    small = v.page.evaluate(_TARGETS_JS, KIOSK_TARGET)
    assert not small, f"{step}: targets under {KIOSK_TARGET}px: {small}"
    body = v.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 24, f"{step}: body text {body}px"
    leaving = v.page.evaluate("""() => [...document.querySelectorAll('a[href], form[action]')]
        .map(e => e.getAttribute('href') || e.getAttribute('action'))
        .filter(u => !u.startsWith('/kiosk') && !u.startsWith('#'))""")
    assert not leaving, f"{step}: links out of the kiosk: {leaving}"
    assert v.page.locator("[target], a[download]").count() == 0, step


def visit_id(v: Visitor) -> str:
    alive = v.page.get_attribute("body", "data-alive") or ""
    return alive.split("v=", 1)[1] if "v=" in alive else ""


def tap_keys(v: Visitor, text: str) -> None:
    for ch in text:
        v.page.tap(f".k-keyboard button[data-key='{ch}']")


def enrol(v: Visitor, kiosk_name: str) -> None:
    """The admin's one-time step on the machine (the only one that types, with fill())."""
    page = v.page
    page.goto(v.url("/admin/login"))
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.tap("main form button[type=submit]")
    page.goto(v.url("/admin/kiosks"))
    page.fill("input[name=name]", kiosk_name)
    page.fill("input[name=location]", "政务服务大厅一楼 A 区")
    with page.expect_navigation():
        page.tap("form.card button[type=submit]")
    v.screenshot("admin kiosks")
    row = page.locator("tr", has_text=kiosk_name)
    row.locator("button", has_text="在本机启用").tap()
    page.wait_for_url("**/kiosk/")
    cookies = {c["name"]: c for c in page.context.cookies()}
    device = cookies["kiosk_device"]
    assert device["httpOnly"] and device["sameSite"] == "Strict"
    assert device["value"] not in page.url


def pdf_text(pdf: bytes, tmp: Path) -> tuple[str, list[str]]:
    """pdftotext of the print output, and the QR codes zxing finds on its first page."""
    tool, raster = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if not tool or not raster:
        pytest.skip("pdftotext / pdftoppm not installed (make sysdeps installs poppler-utils)")
    source = tmp / "printed.pdf"
    source.write_bytes(pdf)
    text = subprocess.run([tool, "-enc", "UTF-8", str(source), "-"], check=True,
                          capture_output=True).stdout.decode()
    subprocess.run([raster, "-r", "150", "-f", "1", "-l", "1", "-png", str(source),
                    str(tmp / "page")], check=True)
    image = Image.open(next(tmp.glob("page*.png")))
    return text, [r.text for r in zxingcpp.read_barcodes(image)]


def test_kiosk_visit_touch_only(camera_browser: Any, site: Any, hall: dict[str, Any],
                                tmp_path: Path) -> None:
    v = open_kiosk(camera_browser, site, "kiosk-visit")
    enrol(v, "大厅一号机")
    page = v.page
    kiosk_check(v, "start")
    assert page.locator(".k-tile").count() == 5
    first = visit_id(v)

    # Search by initials on the on-screen keyboard; the typeahead offers the name.
    page.tap("text=查询企业信用")
    kiosk_check(v, "search")
    initials = "".join(s[0] for s in lazy_pinyin(hall["name"][:5])).upper()
    tap_keys(v, initials)
    assert page.input_value("#k-q") == initials
    candidate = page.locator(".k-candidate", has_text=hall["name"])
    candidate.wait_for()
    kiosk_check(v, "search candidates")
    candidate.tap()
    page.wait_for_url(re.compile(rf"/kiosk/subjects/{hall['subject_id']}\b"))
    kiosk_check(v, "profile")
    assert hall["uscc"] in v.text()

    # Print: the report page prints itself; its print output carries number and QR.
    page.tap("#k-print")
    page.wait_for_url(re.compile(r"/kiosk/reports/"))
    kiosk_check(v, "report printed")
    page.wait_for_function("() => window.__prints >= 1")
    number = page.locator(".k-report-head strong").inner_text().strip()
    report_url = page.url
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / KIOSK.name / v.name / "printed-report.pdf").write_bytes(pdf)  # for review
    text, codes = pdf_text(pdf, tmp_path)
    page.emulate_media(media="screen")
    assert "公共信用信息报告" in text and number in text and hall["name"] in text
    assert "返回首页" not in text and "再次打印" not in text  # no kiosk chrome on paper
    assert any(code.endswith(f"/reports/verify?no={number}") for code in codes), codes
    prints = site.query(lambda: db.session.scalar(
        select(Kiosk.print_count).where(Kiosk.name == "大厅一号机")))
    assert prints == 1

    # Scan: the camera films the signed code; the server decodes the frame.
    page.tap("text=返回首页")
    page.tap("#k-scan-tile")
    page.wait_for_url(re.compile(r"/kiosk/c/"), timeout=20_000)
    kiosk_check(v, "scan verdict")
    assert "真码" in v.text() or "核验通过" in v.text(), v.text()[:300]
    assert hall["name"] in v.text()

    # The red and black board, then 办件查询 with the case number and query code.
    page.tap("text=返回首页")
    page.tap("text=诚信红黑榜")
    kiosk_check(v, "honour board")
    page.tap("text=返回首页")
    page.tap("text=办件查询")
    kiosk_check(v, "track")
    tap_keys(v, hall["case"])
    page.tap("button[name=switch][value=code]")
    tap_keys(v, QUERY_CODE)
    page.tap("button[name=go]")
    page.wait_for_url(re.compile(r"/kiosk/track/"))
    kiosk_check(v, "case")
    case_url = page.url
    assert hall["case"] in v.text()

    # 适老化 on the kiosk.
    page.tap("text=大字版")
    assert "large-type" in (page.get_attribute("html", "class") or "")
    kiosk_check(v, "case large type")
    page.tap("text=标准字号")

    # Walk away: with a short idle time the countdown comes, then the visit ends.
    site.query(lambda: (db.session.execute(update(Kiosk).where(Kiosk.name == "大厅一号机")
                                           .values(idle_seconds=3)), db.session.commit()))
    page.tap("text=完成，返回首页")
    page.wait_for_selector("#k-idle:not([hidden])", timeout=10_000)
    kiosk_check(v, "idle countdown")
    page.wait_for_function("old => !document.body.dataset.alive.includes(old)", arg=first,
                           timeout=20_000)
    assert page.url.rstrip("/").endswith("/kiosk")
    second = visit_id(v)
    assert second and second != first

    # The next visitor: history, the old addresses, the public case page — nothing.
    kiosk_check(v, "next visitor start")
    for _ in range(3):
        page.go_back()
        shown = page.inner_text("body")
        assert hall["name"] not in shown and number not in shown and hall["case"] not in shown
    for url in (report_url, case_url, f"/kiosk/reports/{number}?v={second}",
                f"/kiosk/track/{hall['case']}?v={second}"):
        page.goto(v.url(url))
        shown = page.inner_text("body")
        assert number not in shown and hall["case"] not in shown and QUERY_CODE not in shown
    page.goto(v.url(f"/petitions/track/{hall['case']}"))  # the public page asks for the code
    assert "商品质量问题" not in page.inner_text("body")
    page.goto(v.url("/kiosk/"))
    page.tap("text=查询企业信用")
    assert page.input_value("#k-q") == ""
    assert page.locator(".k-candidate").count() == 0


def test_kiosk_without_camera_says_so(browser: Any, site: Any, hall: dict[str, Any]) -> None:
    v = open_kiosk(browser, site, "kiosk-no-camera")
    enrol(v, "大厅二号机")
    page = v.page
    page.wait_for_function(
        "() => document.getElementById('k-scan-tile').getAttribute('aria-disabled') === 'true'")
    assert "没有可用的摄像头" in page.inner_text("#k-scan-tile")
    kiosk_check(v, "start without camera")
    page.tap("#k-scan-tile", force=True)  # aria-disabled, yet a finger may still touch it
    page.wait_for_function("() => document.getElementById('k-scan-status').textContent"
                           ".includes('没有可用的摄像头')")
    kiosk_check(v, "scan without camera")


def test_unregistered_browser_gets_no_kiosk(new_visitor: Any) -> None:
    v = new_visitor(KIOSK, "kiosk-unregistered")
    v.visit("/kiosk/", "unregistered", status=403)
    assert "尚未登记" in v.text()


def _list_this_quarter() -> None:
    """Subjects listed this quarter (the demo city's lists are older): 8 red, 8 black."""
    today = china_today()
    department = db.session.scalars(select(Department)).first()
    for n in range(16):
        nature = ListNature.RED if n % 2 else ListNature.BLACK
        body = f"91231102K{n:08d}"
        subject = Subject(name=f"黑河市大厅榜单{n}号商贸有限公司", subject_type="企业法人",
                          uscc=body + uscc_rules.check_character(body))
        db.session.add(Record(
            subject=subject, department=department, kind=RecordKind.LIST.value,
            identity_key=f"kiosk-board|{n}", list_nature=nature.value, decided_on=today,
            list_type="A级纳税人" if nature is ListNature.RED else "严重失信主体名单"))
    db.session.commit()


def test_hall_board_scrolls_and_refreshes(new_visitor: Any, site: Any) -> None:
    site.query(_list_this_quarter)
    v = new_visitor(KIOSK, "kiosk-board")
    response = v.visit("/kiosk/board", "hall board")
    page = v.page
    assert int(response.headers["refresh"]) > 0  # reloads itself, no script needed
    shown = v.text()
    assert "黑河市大厅榜单1号商贸有限公司" in shown and "黑河市大厅榜单0号商贸有限公司" in shown
    size = page.locator(".k-hall-panel strong").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48, f"names {size}px: not readable from 3 m"
    moving = page.locator(".k-hall-moving")
    assert moving.count() == 2  # both lists scroll
    assert moving.first.evaluate("e => getComputedStyle(e).animationName") == "k-hall-up"
    # The second copy that makes the loop seamless is hidden from screen readers.
    assert page.locator(".k-hall-panel ul[aria-hidden=true]").count() == 2


def test_large_type_switch_on_the_public_site(new_visitor: Any) -> None:
    v = new_visitor(DESKTOP, "large-type")
    v.visit("/search?q=黑河", "search standard")
    before = v.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    v.page.click("text=大字版")
    v.page.wait_for_url("**/search?q=*")
    assert "large-type" in (v.page.get_attribute("html", "class") or "")
    after = v.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after >= before * 1.2
    v.check("search large type")
    v.page.click("text=标准字号")
    assert "large-type" not in (v.page.get_attribute("html", "class") or "")
