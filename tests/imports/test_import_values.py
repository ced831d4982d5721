"""Cell values as exports write them (DATA-STANDARD.md): dates with times, dots and Excel
serials; amounts with their own unit; penalty types of 行政处罚法 (2021) art. 9 and the old
wording; dictionary codes; placeholder codes."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.config import DEFAULTS
from webapp.services.imports import idcard
from webapp.services.imports.values import (
    decode,
    is_placeholder_code,
    parse_amount,
    parse_amount_unit,
    parse_date,
    penalty_types,
    split_multi,
)


@pytest.mark.parametrize("text", [
    "2024-03-05", "2024/3/5", "2024年3月5日", "20240305", "2024.3.5", "2024.03.05",
    "2024-03-05 00:00:00", "2024/3/5 0:00", "2024-03-05 10:00", "2024-03-05T08:30:00",
    "2024-03-05 00:00:00.000", "２０２４－０３－０５", "45356",
])
def test_dates_as_exports_write_them(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 5)


def test_excel_serials_are_days_since_1899_12_30() -> None:
    assert parse_date("43748") == date(2019, 10, 10)
    assert parse_date("46305.0") == date(2026, 10, 10)


@pytest.mark.parametrize(
    "text", ["05/03/2024", "2024-03", "24-3-5", "昨天", "2024305", "12345", "99999",
             "2024-03-05 上午"]
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


@pytest.mark.parametrize("text, value, converted", [
    ("0.2万元", "0.2", True), ("2000元", "0.2", True), ("2,000.00元", "0.2", True),
    ("人民币5000元", "0.5", True), ("￥300元", "0.03", True), ("1.5", "1.5", False),
])
def test_amounts_with_their_own_unit_are_converted_to_wan_yuan(
    text: str, value: str, converted: bool
) -> None:
    amount = parse_amount_unit(text)
    assert amount.value == Decimal(value)
    assert (amount.converted_from == text) is converted


@pytest.mark.parametrize("text", ["五万", "-1", "1e400000", "NaN", "0.5美元", "5000 日元"])
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


@pytest.mark.parametrize("cell, kinds", [
    ("通报批评", ["通报批评"]),
    ("罚款、没收违法所得", ["罚款", "没收违法所得"]),
    ("罚款,没收违法所得，警告", ["罚款", "没收违法所得", "警告"]),
    ("罚款；没收非法财物/降低资质等级", ["罚款", "没收非法财物", "降低资质等级"]),
    ("责令关闭", ["责令关闭"]),
    ("限制开展生产经营活动", ["限制开展生产经营活动"]),
    ("没收违法所得、没收非法财物", ["没收违法所得", "没收非法财物"]),
    ("吊销执照", ["吊销许可证件"]),
    ("暂扣许可证", ["暂扣许可证件"]),
    ("罚款、罚款", ["罚款"]),
])
def test_penalty_types_of_the_2021_law_and_separators(cell: str, kinds: list[str]) -> None:
    assert penalty_types(cell) == (kinds, [])


def test_old_wording_suspend_or_revoke_follows_the_decision_content() -> None:
    old = "暂扣或者吊销许可证、暂扣或者吊销执照"
    assert penalty_types(old, "吊销《食品经营许可证》") == (["吊销许可证件"], [])
    assert penalty_types(f"罚款、{old}", "暂扣许可证三个月") == (["罚款", "暂扣许可证件"], [])
    kinds, unknown = penalty_types(old, "罚款5000元")
    assert kinds == [] and "未写明暂扣还是吊销" in unknown[0]  # never guessed


def test_unknown_penalty_type_is_returned_as_such() -> None:
    assert penalty_types("罚款;批评教育") == (["罚款", "批评教育"], [])


@pytest.mark.parametrize("code", [
    "00000000000000000X", "000000000000000000", "０００００００００００００００００Ｘ",
])
def test_placeholder_codes(code: str) -> None:
    assert is_placeholder_code(code)


@pytest.mark.parametrize("code", ["91440300708461136T", "", "0", "10000000000000000X"])
def test_real_codes_are_not_placeholders(code: str) -> None:
    assert not is_placeholder_code(code)


def test_dictionary_codes_map_to_labels_and_unknown_codes_fail() -> None:
    tables = DEFAULTS["IMPORT_CODE_TABLES"]
    assert decode("当前状态", "1", tables) == "有效"
    assert decode("当前状态", "0", tables) == "无效"
    assert decode("证件类型", "001", tables) == "身份证"
    assert decode("行政相对人类别", "3", tables) == "个体工商户"
    assert decode("当前状态", "有效", tables) == "有效"  # labels pass unchanged
    with pytest.raises(ValueError, match="代码“9”不在当前状态代码表中"):
        decode("当前状态", "9", tables)


@pytest.mark.parametrize("written", [
    "231102 19800101 1237", "231102-19800101-1237", "２３１１０２１９８００１０１１２３７",
    " 231102198001011237 ", "231102－19800101－1237",
])
def test_spaced_and_hyphenated_id_numbers_are_normalised(written: str) -> None:
    assert idcard.validate(written) == "231102198001011237"


@pytest.mark.parametrize("number, reason", [
    ("001102198001011231", "省级行政区划"),  # no province 00
    ("991102198001011231", "省级行政区划"),
    ("231102180001011230", "出生日期"),  # before 1900
    ("231102203001011236", "晚于今天"),
])
def test_id_region_and_birth_date_are_checked(number: str, reason: str) -> None:
    first17 = number[:17]
    with pytest.raises(ValueError, match=reason):
        idcard.validate(first17 + idcard.check_digit(first17), today=date(2026, 12, 1))


def test_amount_columns_in_yuan_are_converted(db_session) -> None:
    from import_files import csv_bytes, penalty_row

    from webapp.services.imports import import_file

    row = penalty_row(1)
    row.pop("罚款金额（万元）")
    row["罚款金额（元）"] = "5000"
    result = import_file(db_session, "penalty", "p.csv", csv_bytes([row]))
    assert result.created == 1, result.report_lines()
    assert dict(result.header_mapping)["罚款金额（元）"] == "罚款金额（万元）"
    assert "“5000元”已换算为 0.5 万元" in "\n".join(result.warnings)
