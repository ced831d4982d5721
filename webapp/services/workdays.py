"""The site's working-day calendar, built from configuration."""

from __future__ import annotations

from datetime import date

from flask import current_app

from webapp.rules.workdays import Source, WorkCalendar

# The State Council announces next year's schedule around November: from then on, a year
# still unknown here is a release of the calendar packages (or a configured schedule) away.
NEXT_YEAR_NOTICE_MONTH = 11


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


def sources(today: date) -> dict[int, Source]:
    """Where this year's schedule comes from, and from November next year's too."""
    cal = calendar()
    years = [today.year]
    if today.month >= NEXT_YEAR_NOTICE_MONTH:
        years.append(today.year + 1)
    return {year: cal.source(year) for year in years}


def unknown_years(today: date) -> list[int]:
    """The years of `sources` whose deadlines are counted provisionally: what operators are
    told (/readyz, the back office) so that the calendar is updated before staff need it."""
    return [year for year, source in sources(today).items() if source == Source.PROVISIONAL]
