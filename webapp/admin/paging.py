"""The page number of a back-office list, read from the query string."""

from __future__ import annotations

from flask import request

#: Beyond any real list; keeps the SQL OFFSET in the database's integer range.
MAX_PAGE = 100_000


def requested_page() -> int:
    """?page=N clamped to 1..MAX_PAGE; anything unreadable is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)
