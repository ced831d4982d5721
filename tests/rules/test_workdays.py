from datetime import date

import pytest

from webapp.rules.workdays import WorkCalendar

CAL = WorkCalendar()


def test_national_day_2026_is_skipped_and_makeup_saturday_counts() -> None:
    # 2026-09-30 (Wed) + 3 working days: 10-1..10-7 are holidays, 10-8 (Thu), 10-9 (Fri),
    # 10-10 (Sat) is an official make-up working day.
    assert CAL.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert not CAL.is_workday(date(2026, 10, 5))
    assert CAL.is_workday(date(2026, 10, 10))


def test_plain_week() -> None:
    assert CAL.add_workdays(date(2026, 11, 20), 3) == date(2026, 11, 25)  # Fri -> Wed
    assert CAL.workdays_between(date(2026, 11, 20), date(2026, 11, 25)) == 3
    assert CAL.workdays_between(date(2026, 11, 25), date(2026, 11, 20)) == 0


def test_unknown_year_falls_back_to_weekends_fixed_holidays_and_configuration() -> None:
    assert not CAL.is_workday(date(2027, 10, 1))  # fixed-date holiday
    assert CAL.is_workday(date(2027, 3, 1))  # a Monday
    configured = WorkCalendar.from_config(["2027-02-08"], ["2027-02-20"])
    assert not configured.is_workday(date(2027, 2, 8))
    assert configured.is_workday(date(2027, 2, 20))  # a make-up Saturday


def test_negative_days_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2026, 1, 5), -1)
