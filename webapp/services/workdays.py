"""The site's working-day calendar, built from configuration."""

from __future__ import annotations

from flask import current_app

from webapp.rules.workdays import WorkCalendar


def calendar() -> WorkCalendar:
    return WorkCalendar.from_config(
        current_app.config["WORKDAY_EXTRA_HOLIDAYS"], current_app.config["WORKDAY_EXTRA_WORKDAYS"]
    )
