"""The site's working-day calendar, built from configuration."""

from __future__ import annotations

from datetime import date

from flask import current_app

from webapp.rules.workdays import WorkCalendar


def calendar() -> WorkCalendar:
    config = current_app.config
    return WorkCalendar.from_config(
        config["WORKDAY_EXTRA_HOLIDAYS"], config["WORKDAY_EXTRA_WORKDAYS"],
        config.get("WORKDAY_SCHEDULES") or {},
    )


def is_provisional(start: date, end: date) -> bool:
    """True when a deadline from `start` to `end` counts days of a year no source knows
    (shown as 暂定 on staff pages)."""
    cal = calendar()
    return any(cal.is_provisional(date(y, 1, 1)) for y in range(start.year, end.year + 1))
