"""Working days (工作日): weekends and Chinese public holidays off, make-up days (调休) on.

`chinesecalendar` knows each year once the State Council has announced it. For a year it
does not know yet, the configured fallback applies: explicit holidays and make-up days from
configuration, plus the fixed-date statutory holidays, plus weekends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

# Fixed-date statutory holidays (the lunar ones cannot be guessed; configure them).
FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))


@dataclass(frozen=True)
class WorkCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, holidays: Iterable[str], workdays: Iterable[str]) -> WorkCalendar:
        return cls(
            frozenset(date.fromisoformat(d) for d in holidays),
            frozenset(date.fromisoformat(d) for d in workdays),
        )

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year not announced yet
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

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
