"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask

from webapp.rules import masking
from webapp.rules.kinds import (
    LIST_NATURE_LABELS,
    RECORD_KIND_LABELS,
    VISIBILITY_LABELS,
)
from webapp.services import workdays
from webapp.services.clock import to_local


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def format_amount(value: Decimal | None) -> str:
    """万元 amounts without trailing zeros: 1.5000 -> 1.5 万元."""
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return f"{text} 万元"


# StrEnum members hash and compare as their values, so the label tables take plain strings.
def kind_label(kind: str) -> str:
    return RECORD_KIND_LABELS.get(kind, kind)


def nature_label(nature: str | None) -> str:
    return LIST_NATURE_LABELS.get(nature, "") if nature else ""


def visibility_label(state: str) -> str:
    return VISIBILITY_LABELS.get(state, state)


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_amount, "amount")
    app.add_template_filter(kind_label, "kind_label")
    app.add_template_filter(nature_label, "nature_label")
    app.add_template_filter(visibility_label, "visibility_label")
    app.add_template_filter(masking.mask_id_number, "mask_id")
    app.add_template_filter(masking.mask_ids_in_text, "mask_ids")
    app.add_template_filter(masking.mask_phone, "mask_phone")
    # Staff pages mark a deadline 暂定 when no calendar source knows a year it crosses.
    app.add_template_global(workdays.is_provisional, "deadline_provisional")

    @app.context_processor
    def site_globals() -> dict[str, Any]:
        return {
            "site_name": app.config["SITE_NAME"],
            "city_name": app.config["CITY_NAME"],
        }
