"""URLs: numbers the database can hold (ids in paths and query strings), absolute URLs.

Ids are INTEGER columns (32-bit on PostgreSQL); a larger number cannot name a row, and
passing one to the database raises OverflowError (SQLite) or a DataError (PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 0 to MAX_ID; anything else matches nothing (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > _MAX_DIGITS:  # never int() a string of thousands of digits
            raise ValidationError
        return super().to_python(value)


def id_arg(value: str) -> int:
    """For `request.args.get(name, type=id_arg)`: a row id, or ValueError (→ the default)."""
    if not value.isdigit() or len(value) > _MAX_DIGITS or int(value) > MAX_ID:
        raise ValueError("not a row id")
    return int(value)


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_BASE_URL; never from the request's Host header."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)
