"""Publicity of penalties by 《信用修复管理办法》 (国家发展改革委令第36号, 2025-11-20, in force
2026-04-01), chapter 2 "失信信息的分类标准和公示期限", and 行政处罚法 (2021).

The rule under test is cited on each test. Numbers come from configuration (DEFAULTS), so a
change of regulation is a change of settings; the last tests prove the code reads them.
"""

from datetime import date
from decimal import Decimal

import pytest

from webapp.config import DEFAULTS
from webapp.rules import publicity
from webapp.rules.kinds import Severity


def verdict(types, fine=None, day=date(2026, 6, 1), config=DEFAULTS, **facts):
    return publicity.penalty_publicity(
        publicity.PenaltyFacts(types, Decimal(fine) if fine else None, day, **facts), config
    )


# 办法 ch. 2: "失信信息按照失信严重程度…原则上划分为轻微、一般、严重三类".
@pytest.mark.parametrize("types, fine, tier", [
    (["警告"], None, Severity.MINOR),
    (["通报批评"], None, Severity.MINOR),
    (["警告", "通报批评"], None, Severity.MINOR),
    (["罚款"], "0.5", Severity.GENERAL),
    (["警告", "罚款"], "0.5", Severity.GENERAL),
    (["没收非法财物"], None, Severity.GENERAL),
    (["暂扣许可证件"], None, Severity.GENERAL),
    (["罚款"], "10", Severity.SERIOUS),
    (["吊销许可证件"], None, Severity.SERIOUS),
    (["责令关闭"], None, Severity.SERIOUS),
    (["限制从业"], None, Severity.SERIOUS),
    (["限制开展生产经营活动"], None, Severity.SERIOUS),
    (["警告", "行政拘留"], None, Severity.SERIOUS),
])
def test_three_tiers(types, fine, tier) -> None:
    assert verdict(types, fine).severity == tier


# 办法 ch. 2: "轻微失信信息原则上不予公示；…确有必要公示的，公示期最长不超过3个月".
def test_minor_not_published_and_at_most_three_months_if_published() -> None:
    minor = verdict(["警告"])
    assert not minor.published
    assert minor.last_shown == date(2026, 8, 31)  # 3 months were it published
    assert minor.repair_from == date(2026, 6, 1)  # "法定责任履行完毕即可申请修复"
    shown = verdict(["罚款"], "0.01", simplified_procedure=True,
                    config={**DEFAULTS, "PUBLISH_MINOR_PENALTIES": True,
                            "UNPUBLISHED_SIMPLIFIED_PROCEDURE": False})
    assert shown.published and shown.severity == Severity.MINOR
    assert shown.last_shown == date(2026, 8, 31)


# 办法 ch. 2: "一般失信信息的最短公示期为3个月，最长为1年".
def test_general_three_months_to_one_year() -> None:
    general = verdict(["罚款"], "0.5")
    assert general.published and general.withheld_reason is None
    assert (general.repair_from, general.last_shown) == (date(2026, 9, 1), date(2027, 5, 31))


# 办法 ch. 2: "严重失信信息的最短公示期为1年，最长为3年"; periods count from the decision
# ("公示期限自司法、行政公务文书认定之日起开始计算").
def test_serious_one_to_three_years_from_the_decision() -> None:
    serious = verdict(["吊销许可证件"], day=date(2027, 2, 28))
    assert (serious.repair_from, serious.last_shown) == (date(2028, 2, 28), date(2030, 2, 27))


# SAMR practice recorded in DOMAIN.md: warnings and 通报批评 alone are not published.
@pytest.mark.parametrize("types", [["警告"], ["通报批评"], ["警告", "通报批评"]])
def test_warnings_and_public_criticism_alone_are_not_published(types) -> None:
    result = verdict(types)
    assert not result.published and "不予公示" in result.withheld_reason


def test_a_warning_with_a_fine_is_published() -> None:
    assert verdict(["警告", "罚款"], "0.3").published


# 行政处罚法 (2021) art. 51: the simplified procedure (当场作出); not published.
def test_simplified_procedure_is_minor_and_not_published() -> None:
    result = verdict(["罚款"], "0.02", simplified_procedure=True)
    assert result.severity == Severity.MINOR
    assert not result.published and "简易程序" in result.withheld_reason


def test_simplified_procedure_cannot_hide_a_serious_sanction() -> None:
    assert verdict(["罚款"], "20", simplified_procedure=True).severity == Severity.SERIOUS


# DOMAIN.md: penalties of minors are not published (age on the decision day).
def test_minors_are_not_published() -> None:
    assert not verdict(["罚款"], "0.1", party_age=17).published
    assert verdict(["罚款"], "0.1", party_age=18).published
    assert verdict(["罚款"], "0.1", party_age=None).published  # organisations


def test_age_on_the_decision_day() -> None:
    born = date(2009, 6, 2)
    assert publicity.age_on(born, date(2027, 6, 1)) == 17
    assert publicity.age_on(born, date(2027, 6, 2)) == 18


# Configuration, not code: every rule follows its setting.
def test_tiers_periods_and_unpublished_types_come_from_configuration() -> None:
    config = {**DEFAULTS, "UNPUBLISHED_PENALTY_TYPES": [], "MINOR_PENALTY_TYPES": [],
              "SERIOUS_PENALTY_TYPES": ["没收非法财物"], "SERIOUS_FINE_WAN_YUAN": 1,
              "UNPUBLISHED_MINORS": False,
              "PUBLICITY_PERIODS": {**DEFAULTS["PUBLICITY_PERIODS"],
                                    "general": {"min_months": 6, "max_months": 24}}}
    assert verdict(["警告"], config=config).published
    assert verdict(["没收非法财物"], config=config).severity == Severity.SERIOUS
    assert verdict(["罚款"], "1", config=config).severity == Severity.SERIOUS
    assert verdict(["罚款"], "0.1", party_age=12, config=config).published
    general = verdict(["罚款"], "0.5", config=config)
    assert (general.repair_from, general.last_shown) == (date(2026, 12, 1), date(2028, 5, 31))


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_periods_across_years_and_month_ends(year: int) -> None:
    result = verdict(["罚款"], "0.5", day=date(year, 11, 30))
    assert result.repair_from == date(year + 1, 2, 28 if year + 1 != 2028 else 29)
    assert result.last_shown == date(year + 1, 11, 29)
