"""Working days across 2026-2028: never silently wrong where no source knows a year."""

import logging
from datetime import date, timedelta

import chinese_calendar
import holidays
import pytest

from webapp.rules import workdays
from webapp.rules.workdays import Source, WorkCalendar

CAL = WorkCalendar()


def test_national_day_2026_is_skipped_and_makeup_saturday_counts() -> None:
    # 2026-09-30 (Wed) + 3 working days: 10-1..10-7 are holidays, 10-8 (Thu), 10-9 (Fri),
    # 10-10 (Sat) is an official make-up working day.
    assert CAL.deadline(date(2026, 9, 30), 3) == workdays.Deadline(date(2026, 10, 10), False)
    assert not CAL.is_workday(date(2026, 10, 5))
    assert CAL.is_workday(date(2026, 10, 10))


def test_plain_week() -> None:
    assert CAL.add_workdays(date(2026, 11, 20), 3) == date(2026, 11, 25)  # Fri -> Wed
    assert CAL.workdays_between(date(2026, 11, 20), date(2026, 11, 25)) == 3
    assert CAL.workdays_between(date(2026, 11, 25), date(2026, 11, 20)) == 0


def test_2027_spring_festival_is_skipped_though_no_source_knows_2027() -> None:
    # 除夕 2027-02-05 (Fri), 初一-初三 02-06..08; the weekend ones made up on 02-09, 02-10
    # (放假办法 2025). Weekends alone would give 02-10; the old fallback gave the same.
    deadline = CAL.deadline(date(2027, 2, 1), 7)
    assert deadline.due >= date(2027, 2, 12)
    assert deadline.due == date(2027, 2, 16)
    assert deadline.provisional
    for day in (date(2027, 2, 5), date(2027, 2, 8)):
        assert not CAL.is_workday(day)


def test_2028_labour_day_has_two_days_and_is_provisional() -> None:
    # 2028-04-28 (Fri) + 3: 05-01 (Mon) and 05-02 (Tue) are statutory since the 2025 revision.
    deadline = CAL.deadline(date(2028, 4, 28), 3)
    assert deadline.due >= date(2028, 5, 5)
    assert deadline == workdays.Deadline(date(2028, 5, 5), True)


def test_a_configured_schedule_makes_a_year_known() -> None:
    schedule = {"2027": {"holidays": [f"2027-02-{d:02d}" for d in range(5, 13)],
                         "workdays": ["2027-02-13"], "source": "test notice"}}
    cal = WorkCalendar.from_config([], [], schedule)
    assert cal.source(2027) == Source.CONFIGURATION
    deadline = cal.deadline(date(2027, 2, 1), 7)
    # 02-02, 03, 04, then 13 (make-up Sat), 15, 16, 17.
    assert deadline == workdays.Deadline(date(2027, 2, 17), False)


def test_single_overrides_apply_over_every_source() -> None:
    cal = WorkCalendar.from_config(["2026-11-23"], ["2026-11-22"])
    assert not cal.is_workday(date(2026, 11, 23)) and cal.is_workday(date(2026, 11, 22))


def test_provisional_years_warn_once(caplog) -> None:
    workdays._warned_years.discard(2028)
    with caplog.at_level(logging.WARNING, logger="webapp.rules.workdays"):
        CAL.add_workdays(date(2028, 3, 1), 30)
        CAL.add_workdays(date(2028, 6, 1), 30)
    warnings = [r for r in caplog.records if "2028" in r.getMessage()]
    assert len(warnings) == 1 and "provisional" in warnings[0].getMessage()


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_holidays_data_is_the_announced_schedule_where_chinesecalendar_has_it(year: int) -> None:
    """The second source agrees day by day with the first for every year both know."""
    assert workdays.holidays_announced(year)
    china = holidays.China(years=year)
    day = date(year, 1, 1)
    while day.year == year:
        assert china.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_holidays_does_not_count_as_announced_for_a_computed_year() -> None:
    assert not workdays.holidays_announced(2028)  # no make-up days: its own computation
    assert workdays.source_for(2028) == Source.PROVISIONAL


def test_negative_days_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2026, 1, 5), -1)
