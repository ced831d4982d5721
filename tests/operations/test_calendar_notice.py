"""A year no working-day calendar knows is told to operators before staff count deadlines in
it: /readyz lists it (still ready: deadlines are served, marked 暂定) and the back office home
says what to do. "Today" is set per test; 2031-2032 are years no calendar package knows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from webapp.models.staff import Role
from webapp.services import clock, workdays

KNOWN = {"holidays": ["2031-01-01"], "workdays": [], "source": "test notice"}


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_today(day: date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return set_today


@pytest.mark.parametrize(("day", "unknown"), [
    (date(2026, 6, 1), []),                     # chinesecalendar knows 2026
    (date(2031, 6, 1), [2031]),                 # this year unknown
    (date(2031, 10, 31), [2031]),               # next year not yet announced: not asked
    (date(2031, 11, 1), [2031, 2032]),          # from November next year's is expected too
])
def test_unknown_years_this_year_and_from_november_the_next(app, day, unknown) -> None:
    assert workdays.unknown_years(day) == unknown


def test_a_configured_schedule_makes_the_notice_go(app) -> None:
    app.config["WORKDAY_SCHEDULES"] = {"2031": KNOWN, "2032": KNOWN}
    assert workdays.unknown_years(date(2031, 12, 1)) == []
    assert workdays.sources(date(2031, 12, 1)) == {2031: "configuration", 2032: "configuration"}


def test_readiness_lists_the_unknown_years_and_stays_ready(app, client, today) -> None:
    today(date(2031, 12, 1))
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["problems"] == []
    assert body["workday_calendar"] == {"2031": "provisional", "2032": "provisional"}
    assert [w.split(":")[0] for w in body["warnings"]] == [
        "no working-day calendar knows 2031", "no working-day calendar knows 2032"]
    app.config["WORKDAY_SCHEDULES"] = {"2031": KNOWN}
    body = client.get("/readyz").get_json()
    assert body["workday_calendar"]["2031"] == "configuration" and len(body["warnings"]) == 1


def test_back_office_home_says_which_years_and_what_to_do(
    app, client, today, make_staff, login_as
) -> None:
    today(date(2031, 12, 1))
    login_as(client, make_staff(Role.ADMIN))
    page = client.get("/admin/").get_data(as_text=True)
    assert "2031、2032 年的节假日安排尚未载入" in page and "WORKDAY_SCHEDULES" in page
    app.config["WORKDAY_SCHEDULES"] = {"2031": KNOWN, "2032": KNOWN}
    assert "节假日安排尚未载入" not in client.get("/admin/").get_data(as_text=True)


def test_a_reviewer_is_told_too_without_the_operator_instruction(
    app, client, today, make_staff, login_as
) -> None:
    today(date(2031, 6, 1))
    login_as(client, make_staff(Role.REVIEWER))
    page = client.get("/admin/").get_data(as_text=True)
    assert "2031 年的节假日安排尚未载入" in page and "以正式放假安排为准" in page
    assert "WORKDAY_SCHEDULES" not in page
