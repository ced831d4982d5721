"""The kiosk through HTTP: enrolment, the visit guard, the keyboard without script, the
reset, per-kiosk limits and CAPTCHA, the large-type switch."""

from __future__ import annotations

import hashlib
import io
import re
import time
from typing import Any

import pytest
import qrcode
from flask import g
from kiosk_pages import csrf_of, start, visit_of
from sqlalchemy import select

from webapp.kiosk import visit as visits
from webapp.kiosk.device import DEVICE_COOKIE
from webapp.models.kiosk import Kiosk
from webapp.models.petitions import Case
from webapp.models.staff import Role
from webapp.services import kiosks


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_KIOSK_SCAN": "3 per minute", "PETITION_CAPTCHA_AFTER": 1}


def test_an_unregistered_browser_gets_no_kiosk_but_the_hall_board_is_open(client) -> None:
    page = client.get("/kiosk/")
    assert page.status_code == 403 and "尚未登记" in page.get_data(as_text=True)
    assert client.get("/kiosk/search?q=A").status_code == 403
    board = client.get("/kiosk/board")
    assert board.status_code == 200 and int(board.headers["Refresh"]) > 0


def test_admin_enrols_the_machine_once_secret_never_shown(
        app, client, db_session, make_staff, login_as) -> None:
    admin = make_staff(Role.ADMIN)
    db_session.commit()
    login_as(client, admin)
    g.pop("csrf_token", None)
    page = client.get("/admin/kiosks").get_data(as_text=True)
    created = client.post("/admin/kiosks", data={
        "csrf_token": csrf_of(page), "name": "大厅一号机", "location": "一楼 A 区"},
        follow_redirects=True)
    assert "大厅一号机" in created.get_data(as_text=True)
    kiosk = db_session.scalar(select(Kiosk))
    g.pop("csrf_token", None)
    token = csrf_of(client.get("/admin/kiosks").get_data(as_text=True))
    enrolled = client.post(f"/admin/kiosks/{kiosk.id}/enrol", data={"csrf_token": token})
    assert enrolled.status_code == 303 and enrolled.location.endswith("/kiosk/")
    cookie = next(c for c in enrolled.headers.getlist("Set-Cookie")
                  if c.startswith(DEVICE_COOKIE + "="))
    secret = cookie.split(";", 1)[0].split("=", 1)[1]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie
    assert secret not in enrolled.location
    db_session.refresh(kiosk)
    assert kiosk.device_hash == hashlib.sha256(secret.encode()).hexdigest() != secret
    # The administrator is logged out: the kiosk keeps no staff session.
    assert client.get("/admin/").status_code == 302
    assert client.get("/kiosk/").status_code == 200
    listing = db_session.scalar(select(Kiosk.print_count))
    assert listing == 0

    # Enrolling again (a replaced machine) or disabling: the old secret stops working.
    kiosks.enrol(db_session, kiosk)
    db_session.commit()
    assert client.get("/kiosk/").status_code == 403


def test_pages_of_another_visit_lead_back_to_the_start(kiosk_client) -> None:
    machine = kiosk_client()
    visit = start(machine)
    assert machine.get(f"/kiosk/search?v={visit}").status_code == 200
    for url in ("/kiosk/search", "/kiosk/search?v=old", "/kiosk/scan?v=x", "/kiosk/track"):
        answer = machine.get(url)
        assert answer.status_code == 303 and answer.location.endswith("/kiosk/"), url
    machine.get("/kiosk/reset")
    assert machine.get(f"/kiosk/search?v={visit}").status_code == 303


def test_the_keyboard_works_without_script(kiosk_client) -> None:
    machine = kiosk_client()
    visit = start(machine)
    page = machine.get(f"/kiosk/search?v={visit}&q=HH&key=S&mode=letters")
    html = page.get_data(as_text=True)
    assert 'value="HHS"' in html
    assert html.count('class="k-key"') == 26
    uscc = machine.get(f"/kiosk/search?v={visit}&q=&to_mode=uscc").get_data(as_text=True)
    assert uscc.count('class="k-key"') == 31
    back = machine.get(f"/kiosk/search?v={visit}&q=HHS&key=BS").get_data(as_text=True)
    assert 'value="HH"' in back


def test_a_whole_uscc_typed_opens_the_profile(kiosk_client, make_subject, db_session) -> None:
    subject = make_subject()
    db_session.commit()
    machine = kiosk_client()
    visit = start(machine)
    answer = machine.get(f"/kiosk/search?v={visit}&q={subject.uscc}")
    assert answer.status_code == 303
    assert f"/kiosk/subjects/{subject.id}?" in answer.location and f"v={visit}" in answer.location
    profile = machine.get(answer.location).get_data(as_text=True)
    assert subject.name in profile and subject.uscc in profile
    assert not re.search(r'href="(?!/kiosk|/static)', profile)  # no link leaves the kiosk


def test_reset_clears_the_session_cookies_and_site_storage(kiosk_client) -> None:
    machine = kiosk_client()
    visit = start(machine)
    machine.set_cookie("left_over", "1")
    reset = machine.get("/kiosk/reset")
    assert reset.status_code == 303 and reset.headers["Clear-Site-Data"] == '"cache", "storage"'
    removed = [c for c in reset.headers.getlist("Set-Cookie") if c.startswith("left_over=")]
    assert removed and "Max-Age=0" in removed[0]
    assert not any(c.startswith(DEVICE_COOKIE + "=") for c in reset.headers.getlist("Set-Cookie"))
    assert start(machine) != visit
    assert machine.get("/kiosk/").headers["Cache-Control"] == "no-store"


def test_a_visit_idle_past_its_countdown_ends_on_the_server_too(kiosk_client) -> None:
    machine = kiosk_client(idle_seconds=30)
    visit = start(machine)
    with machine.session_transaction() as sess:
        sess[visits.KEY] = {**sess[visits.KEY], "seen": time.time() - (30 + 10 + 6)}
    assert machine.get(f"/kiosk/search?v={visit}").status_code == 303
    assert start(machine) != visit


def test_scan_frames_are_limited_per_kiosk_not_per_address(kiosk_client) -> None:
    first, second = kiosk_client("一号机"), kiosk_client("二号机")  # same hall address
    blank = io.BytesIO()
    qrcode.make("hello").save(blank, format="PNG")

    def frame(machine: Any, visit: str) -> int:
        g.pop("csrf_token", None)
        token = csrf_of(machine.get(f"/kiosk/scan?v={visit}").get_data(as_text=True)
                        .replace('data-csrf="', 'name="csrf_token" value="'))
        return machine.post("/kiosk/scan/frame", headers={"X-CSRFToken": token}, data={
            "v": visit, "frame": (io.BytesIO(blank.getvalue()), "f.png")}).status_code

    one, two = start(first), start(second)
    assert [frame(first, one) for _ in range(4)] == [200, 200, 200, 429]
    assert frame(second, two) == 200


def _complaint(machine: Any, subject_id: int) -> str:
    g.pop("csrf_token", None)
    url = f"/petitions/complaint?subject={subject_id}"
    html = machine.get(url).get_data(as_text=True)
    tokens = dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"',
                             html))
    machine.post(url, data={**tokens, "category": "其他", "title": "标价不符",
                            "description": "多收了钱", "anonymous": "y"})
    g.pop("csrf_token", None)
    return machine.get(url).get_data(as_text=True)


def test_the_petition_captcha_counts_per_kiosk(kiosk_client, make_subject, db_session) -> None:
    subject = make_subject()
    db_session.commit()
    first, second = kiosk_client("一号机"), kiosk_client("二号机")
    assert "captcha.png" in _complaint(first, subject.id)
    assert db_session.scalar(select(Case.kiosk_id)) == first.kiosk_id
    g.pop("csrf_token", None)
    page = second.get(f"/petitions/complaint?subject={subject.id}").get_data(as_text=True)
    assert "captcha.png" not in page


def test_large_type_switch_on_the_public_site_and_no_open_redirect(client) -> None:
    on = client.get("/large-type?on=1", headers={"Referer": "http://localhost/search?q=abc"})
    assert on.status_code == 303 and on.location.endswith("/search?q=abc")
    assert 'class="large-type"' in client.get("/").get_data(as_text=True)
    off = client.get("/large-type?on=0", headers={"Referer": "https://evil.example/x"})
    assert off.location == "/"
    assert 'class="large-type"' not in client.get("/").get_data(as_text=True)


def test_large_type_on_the_kiosk_ends_with_the_visit(kiosk_client) -> None:
    machine = kiosk_client()
    visit = start(machine)
    back = machine.get(f"/kiosk/large-type?v={visit}&on=1&back=https://evil.example/")
    assert back.location.endswith("/kiosk/")
    assert 'class="kiosk large-type"' in machine.get("/kiosk/").get_data(as_text=True)
    machine.get("/kiosk/reset")
    assert 'class="kiosk"' in machine.get("/kiosk/").get_data(as_text=True)
    assert visit_of(machine.get("/kiosk/").get_data(as_text=True)) != visit
