from datetime import date
from decimal import Decimal

from webapp.config import DEFAULTS
from webapp.rules import publicity
from webapp.rules.kinds import Severity


def test_add_months_clamps_to_month_end() -> None:
    assert publicity.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert publicity.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert publicity.add_months(date(2025, 3, 5), 12) == date(2026, 3, 5)


def test_severity_from_sanctions_and_fine() -> None:
    assert publicity.penalty_severity(["罚款"], Decimal("0.5"), DEFAULTS) == Severity.GENERAL
    assert publicity.penalty_severity(["罚款"], Decimal("10"), DEFAULTS) == Severity.SERIOUS
    assert publicity.penalty_severity(["警告", "吊销许可证件"], None, DEFAULTS) == Severity.SERIOUS


def test_periods_come_from_configuration() -> None:
    repair_from, last_day = publicity.penalty_periods(date(2025, 3, 5), Severity.GENERAL, DEFAULTS)
    assert (repair_from, last_day) == (date(2025, 6, 5), date(2026, 3, 4))
    custom = {"PUBLICITY_PERIODS": {"serious": {"min_months": 6, "max_months": 60}}}
    assert publicity.penalty_periods(date(2025, 3, 5), Severity.SERIOUS, custom)[1] == date(
        2030, 3, 4
    )


def test_unpublished_sanctions() -> None:
    config = {"UNPUBLISHED_PENALTY_TYPES": ["警告"]}
    assert not publicity.penalty_published(["警告"], config)
    assert publicity.penalty_published(["警告", "罚款"], config)
    assert publicity.penalty_published(["警告"], {"UNPUBLISHED_PENALTY_TYPES": []})


def test_list_entry_ends_at_expiry_or_the_day_before_removal() -> None:
    assert publicity.list_entry_public_until(None, None) is None
    assert publicity.list_entry_public_until(date(2027, 1, 1), None) == date(2027, 1, 1)
    assert publicity.list_entry_public_until(date(2027, 1, 1), date(2026, 5, 1)) == date(
        2026, 4, 30
    )


def test_evaluation_shown_through_the_following_year() -> None:
    assert publicity.evaluation_public_until(None, 2025) == date(2026, 12, 31)
    assert publicity.evaluation_public_until(date(2026, 6, 30), 2025) == date(2026, 6, 30)


def test_visibility_states_and_dates() -> None:
    today = date(2026, 11, 23)
    assert publicity.is_public("public", None, today)
    assert publicity.is_public("objection", date(2026, 11, 23), today)
    assert not publicity.is_public("public", date(2026, 11, 22), today)
    for hidden in ("archived", "revoked", "expired"):
        assert not publicity.is_public(hidden, None, today)
