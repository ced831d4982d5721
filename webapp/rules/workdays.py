"""Working days (工作日): weekends and Chinese public holidays off, make-up days (调休) on.

The State Council announces each year's schedule late in the year before. Sources, in order:

1. a schedule in configuration for the year (WORKDAY_SCHEDULES), for a year the libraries do
   not know yet: taken as announced;
2. `chinesecalendar`, for the years it ships data for;
3. `holidays` (China), for a year whose data there is the State Council's schedule: the
   package lists a year's make-up working days (调休) only from the announced notice, so a
   year with none there is its own computation from the statutory rules, not an announcement;
4. otherwise the year is *provisional*: weekends plus the statutory holidays of
   全国年节及纪念日放假办法 (2025 revision: 除夕 and 1-2 May included; a holiday on a weekend
   made up on the next working day), as `holidays` computes them. Deadlines that cross such a
   year are marked provisional, and the log warns once per year.

Single dates in WORKDAY_EXTRA_HOLIDAYS / WORKDAY_EXTRA_WORKDAYS override every source.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import chinese_calendar
import holidays

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


class Source(StrEnum):
    CONFIGURATION = "configuration"
    CHINESE_CALENDAR = "chinesecalendar"
    HOLIDAYS = "holidays"
    PROVISIONAL = "provisional"  # no source knows the year's announced schedule


@dataclass(frozen=True)
class YearSchedule:
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working weekend days
    source: str = ""  # the notice it was taken from


@dataclass(frozen=True)
class Deadline:
    due: date
    provisional: bool  # some day counted lies in a year no source knows


@lru_cache(maxsize=64)
def _chinese_calendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _holidays_china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


@lru_cache(maxsize=64)
def holidays_announced(year: int) -> bool:
    """Whether `holidays` carries the State Council's schedule for `year` (its make-up
    working days, which only an announcement can give)."""
    return any(d.year == year for d in _holidays_china(year).weekend_workdays)


def source_for(year: int, configured: Iterable[int] = ()) -> Source:
    if year in set(configured):
        return Source.CONFIGURATION
    if _chinese_calendar_knows(year):
        return Source.CHINESE_CALENDAR
    if holidays_announced(year):
        return Source.HOLIDAYS
    return Source.PROVISIONAL


@dataclass(frozen=True)
class WorkCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    schedules: Mapping[int, YearSchedule] = field(default_factory=dict)

    @classmethod
    def from_config(
        cls, holidays_: Iterable[str], workdays: Iterable[str],
        schedules: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> WorkCalendar:
        years = {
            int(year): YearSchedule(
                frozenset(date.fromisoformat(d) for d in entry.get("holidays", ())),
                frozenset(date.fromisoformat(d) for d in entry.get("workdays", ())),
                str(entry.get("source", "")),
            )
            for year, entry in (schedules or {}).items()
        }
        return cls(
            frozenset(date.fromisoformat(d) for d in holidays_),
            frozenset(date.fromisoformat(d) for d in workdays),
            years,
        )

    def source(self, year: int) -> Source:
        return source_for(year, self.schedules)

    def is_provisional(self, day: date) -> bool:
        return self.source(day.year) == Source.PROVISIONAL

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        source = self.source(day.year)
        if source == Source.CONFIGURATION:
            schedule = self.schedules[day.year]
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        if source == Source.CHINESE_CALENDAR:
            return bool(chinese_calendar.is_workday(day))
        if source == Source.PROVISIONAL and day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "no working-day calendar knows %s: deadlines in it are provisional "
                "(weekends and statutory holidays only); set WORKDAY_SCHEDULES[\"%s\"] from the "
                "State Council's notice or upgrade chinesecalendar/holidays", day.year, day.year,
            )
        return bool(_holidays_china(day.year).is_working_day(day))

    def deadline(self, start: date, days: int) -> Deadline:
        """`add_workdays`, and whether a year of the span is provisional."""
        due = self.add_workdays(start, days)
        years = range(start.year, due.year + 1)
        return Deadline(due, any(self.source(y) == Source.PROVISIONAL for y in years))

    def add_workdays(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted).

        A case received on a Friday with a 3-working-day limit is due on Wednesday.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count
