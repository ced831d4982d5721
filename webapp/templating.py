"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from markupsafe import Markup

from webapp.rules import masking
from webapp.rules.kinds import (
    LIST_NATURE_LABELS,
    RECORD_KIND_LABELS,
    VISIBILITY_LABELS,
)
from webapp.rules.status import CLOSED_STATES
from webapp.services.clock import to_local


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def time_tag(value: datetime | None) -> Markup:
    """<time> in Beijing time, machine-readable with its offset."""
    if value is None:
        return Markup("—")
    local = to_local(value)
    return Markup('<time datetime="{}">{}</time>').format(
        local.isoformat(timespec="seconds"), local.strftime("%Y-%m-%d %H:%M"))


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


_HIDDEN = {"HiddenField", "CSRFTokenField"}


def failing_fields(form: Any) -> list[Any]:
    """Visible fields with errors, in page order (a form's `field_order`, else declaration
    order): what the error summary lists."""
    if not form:
        return []
    failing = [f for f in form if f.errors and f.type not in _HIDDEN]
    order = list(getattr(form, "field_order", ()))
    return sorted(failing, key=lambda f: order.index(f.name) if f.name in order else len(order))


def field_attrs(field: Any, attrs: dict[str, Any], hint: bool = False) -> dict[str, Any]:
    """A field's attributes, with its hint and error tied to it for screen readers."""
    described = [f"{field.id}-hint"] if hint else []
    merged = dict(attrs)
    if field.errors:
        described.append(f"{field.id}-error")
        merged["aria-invalid"] = "true"
    if described:
        merged["aria-describedby"] = " ".join(described)
    return merged


def register(app: Flask) -> None:
    app.add_template_global(failing_fields)
    app.add_template_global(CLOSED_STATES, "closed_states")
    app.add_template_global(field_attrs)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(time_tag, "time_tag")
    app.add_template_filter(format_amount, "amount")
    app.add_template_filter(kind_label, "kind_label")
    app.add_template_filter(nature_label, "nature_label")
    app.add_template_filter(visibility_label, "visibility_label")
    app.add_template_filter(masking.mask_id_number, "mask_id")
    app.add_template_filter(masking.mask_phone, "mask_phone")

    @app.context_processor
    def site_globals() -> dict[str, Any]:
        return {
            "site_name": app.config["SITE_NAME"],
            "city_name": app.config["CITY_NAME"],
        }
