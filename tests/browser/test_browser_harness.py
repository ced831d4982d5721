"""The harness itself: the site is served, axe runs inside the page's CSP, problems are found."""

from __future__ import annotations

from harness import DESKTOP, PHONE


def test_site_is_served_and_checked(new_visitor) -> None:
    desktop = new_visitor(DESKTOP)
    desktop.visit("/", "home")
    assert "信用" in desktop.text("h1")


def test_the_checks_find_what_a_person_would_meet(new_visitor) -> None:
    """A deliberately bad page: the checks must report it (the harness cannot pass blindly)."""
    phone = new_visitor(PHONE, "harness-self-check")
    phone.page.goto("about:blank")
    phone.page.set_content(
        "<html><head><meta name=viewport content='width=device-width'></head><body>"
        "<div style='width:900px'>wide</div><a href='/x' style='font-size:9px'>x</a>"
        "<img src='/static/none.png'></body></html>")
    try:
        phone.check("bad page")
    except AssertionError as error:
        report = str(error)
    else:
        raise AssertionError("the bad page passed every check")
    assert "horizontal overflow" in report
    assert "small tap target" in report
    assert "axe serious" in report or "axe critical" in report  # img without alt, no lang
