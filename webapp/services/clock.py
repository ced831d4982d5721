"""The site's notion of "now" and "today": China Standard Time (UTC+8, no daylight saving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China, which decides what is public."""
    return datetime.now(CHINA_TZ).date()


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite returns naive UTC datetimes
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ)
