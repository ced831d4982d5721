"""Cell values: the four date formats of the data standard, amounts in 万元, multi-values."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.services.imports import idcard
from webapp.services.imports.values import parse_amount, parse_date, split_multi


@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "2024年3月5日", "20240305"])
def test_the_four_date_formats(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize(
    "text", ["2024.03.05", "05/03/2024", "2024-03", "24-3-5", "昨天", "2024-03-05 10:00", "2024305"]
)
def test_other_date_formats_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="日期格式无法识别"):
        parse_date(text)


def test_impossible_dates_are_errors() -> None:
    with pytest.raises(ValueError, match="日期不存在"):
        parse_date("2023-02-29")


@pytest.mark.parametrize(
    "text, value", [("0.5", "0.5"), ("12", "12"), ("1,234.5", "1234.5"), ("0", "0")]
)
def test_amounts_are_decimals(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)
    assert isinstance(parse_amount(text), Decimal)


@pytest.mark.parametrize("text", ["五万", "-1", "1e400000", "NaN", "0.5万元"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError, match="金额"):
        parse_amount(text)


def test_multi_values_split_on_both_semicolons() -> None:
    assert split_multi("警告;罚款；没收违法所得 ; ") == ["警告", "罚款", "没收违法所得"]
    assert split_multi("") == []


def test_id_numbers_check_digit() -> None:
    first17 = "11010519491231002"
    assert idcard.check_digit(first17) == "X"  # the standard's own example
    assert idcard.validate(first17 + "x") == first17 + "X"
    with pytest.raises(ValueError, match="校验位"):
        idcard.validate(first17 + "1")
    with pytest.raises(ValueError, match="出生日期"):
        idcard.validate("110105194913310021")
