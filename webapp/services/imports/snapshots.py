"""Every column of a row as JSON-safe values, and back: what a batch rollback restores.

Values are normalised so that a snapshot taken in memory right after a flush equals one
taken after the row was read back (SQLite drops time zones, Numeric adds trailing zeros).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, inspect

from webapp.extensions import db

#: Columns every update touches by itself: not part of "was it changed since".
VOLATILE = frozenset({"updated_at"})


def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def snapshot(obj: db.Model) -> dict[str, Any]:
    """{column attribute: JSON-safe value} for every mapped column."""
    mapper = inspect(type(obj))
    return {attr.key: encode(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def same_state(current: dict[str, Any], recorded: dict[str, Any] | None) -> bool:
    if recorded is None:
        return False
    keys = (set(current) | set(recorded)) - VOLATILE
    return all(current.get(k) == recorded.get(k) for k in keys)


def restore(obj: db.Model, values: dict[str, Any]) -> None:
    """Set every column of `obj` from a snapshot (the primary key stays)."""
    mapper = inspect(type(obj))
    for attr in mapper.column_attrs:
        if attr.key not in values or attr.key == "id":
            continue
        column = attr.columns[0]
        setattr(obj, attr.key, _decode(column.type, values[attr.key]))


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    return value
