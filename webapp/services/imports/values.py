"""Parsing of cell values as departments' exports write them. Pure functions.

Dates (with or without a time, with dashes, slashes, dots or 年月日, Excel serial numbers),
amounts (in the header's unit, or carrying their own 元/万元), multi-value cells, the penalty
types of 行政处罚法 (2021) art. 9 with the 1996 law's wording mapped onto them, dictionary
codes, and all-zero placeholder codes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FORMATS = (
    re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$"),  # 2024-03-05 00:00:00
    re.compile(rf"^(\d{{4}})/(\d{{1,2}})/(\d{{1,2}}){_TIME}$"),  # 2024/3/5 0:00
    re.compile(rf"^(\d{{4}})\.(\d{{1,2}})\.(\d{{1,2}}){_TIME}$"),  # 2024.3.5
    re.compile(rf"^(\d{{4}})年(\d{{1,2}})月(\d{{1,2}})日{_TIME}$"),  # 2024年3月5日
    re.compile(rf"^(\d{{4}})(\d{{2}})(\d{{2}}){_TIME}$"),  # 20240305
)
# Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included); serials of 1950-2099 only,
# so that no other number is mistaken for a date.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_EXCEL_RANGE = (18264, 73415)  # 1950-01-01 .. 2100-12-31
DATE_HINT = "应为 2024-03-05、2024/3/5、2024.3.5、2024年3月5日、20240305，可带时间"
_MULTI_SEPARATORS = re.compile(r"[;；]")
_TYPE_SEPARATORS = re.compile(r"[;；、,，/]")
_AMOUNT = re.compile(r"^(?:人民币|RMB|¥|￥)?\s*(?P<number>[-+0-9.,，\s]+?)\s*(?P<unit>万元|元)?$")
_PLACEHOLDER = re.compile(r"^[0\-]{8,}[0-9X]?$")


def parse_date(text: str) -> date:
    """A date as DATA-STANDARD.md lists them; ValueError (in Chinese) otherwise."""
    value = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"日期不存在：{text}") from None
    serial = _EXCEL_SERIAL.match(value)
    if serial and _EXCEL_RANGE[0] <= int(serial.group(1)) <= _EXCEL_RANGE[1]:
        return _EXCEL_EPOCH + timedelta(days=int(serial.group(1)))
    raise ValueError(f"日期格式无法识别：{text}（{DATE_HINT}）")


@dataclass(frozen=True)
class Amount:
    value: Decimal  # in the column's unit (万元)
    converted_from: str | None = None  # the text as written, when it carried its own unit


def parse_amount(text: str) -> Decimal:
    """A non-negative decimal number in 万元 (the header's unit); see `parse_amount_unit`."""
    return parse_amount_unit(text).value


def parse_amount_unit(text: str) -> Amount:
    """An amount in 万元; a value written with its own unit (`2000元`, `0.2万元`,
    `2,000.00元`) is converted, and says so."""
    value = unicodedata.normalize("NFKC", text).strip()
    match = _AMOUNT.match(value)
    if not match:
        raise ValueError(f"金额应为数字（单位万元），可带单位“元”或“万元”：{text}")
    number = re.sub(r"[,，\s]", "", match.group("number"))
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"金额应为数字（单位万元），可带单位“元”或“万元”：{text}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"金额应为不小于0的数字（单位万元）：{text}")
    unit = match.group("unit")
    if unit == "元":
        amount = (amount / Decimal(10000)).normalize()
    if amount >= Decimal("10000000000"):
        raise ValueError(f"金额过大（单位万元）：{text}")
    return Amount(amount, text if unit else None)


def split_multi(text: str) -> list[str]:
    """Several values in one cell, separated by `;` or `；`."""
    return [part.strip() for part in _MULTI_SEPARATORS.split(text) if part.strip()]


# -- penalty types ----------------------------------------------------------------------

#: Phrases that contain a separator themselves, replaced before the cell is split: the
#: 1996 law's item (三) and (五) (art. 8). `?` stands for "暂扣 or 吊销, whichever the
#: decision says" (resolved from 处罚内容 by `penalty_types`).
_PHRASES = (
    ("暂扣或者吊销许可证、暂扣或者吊销执照", "?"),
    ("没收违法所得、没收非法财物", "没收违法所得;没收非法财物"),
    ("没收违法所得、非法财物", "没收违法所得;没收非法财物"),
)
#: The 1996 law's and portals' names for the kinds of the 2021 law (art. 9).
_SYNONYMS = {
    "暂扣或者吊销许可证": "?", "暂扣或者吊销执照": "?", "暂扣或吊销许可证": "?",
    "暂扣或吊销执照": "?", "暂扣或吊销许可证件": "?",
    "暂扣许可证": "暂扣许可证件", "暂扣执照": "暂扣许可证件", "暂扣营业执照": "暂扣许可证件",
    "吊销许可证": "吊销许可证件", "吊销执照": "吊销许可证件", "吊销营业执照": "吊销许可证件",
    "责令停产停业整顿": "责令停产停业", "停产停业": "责令停产停业",
    "法律、行政法规规定的其他行政处罚": "其他", "其他行政处罚": "其他",
    "法律、行政法规规定的其他": "其他",
}


def penalty_types(text: str, content: str = "") -> tuple[list[str], list[str]]:
    """(the kinds of art. 9 named in a 处罚类别 cell, the parts that are not a kind).

    Several kinds may be separated by `;；、,，/`. The old `暂扣或者吊销许可证、暂扣或者吊销执照`
    is 暂扣许可证件 or 吊销许可证件 as the decision's content (处罚内容) says; when it says
    neither, the part is returned as not understood rather than guessed.
    """
    value = unicodedata.normalize("NFKC", text).replace(" ", "")
    for phrase, replacement in _PHRASES:
        value = value.replace(unicodedata.normalize("NFKC", phrase), replacement)
    for phrase in sorted(_SYNONYMS, key=len, reverse=True):
        if "、" in phrase or "," in phrase:
            value = value.replace(unicodedata.normalize("NFKC", phrase), _SYNONYMS[phrase])
    kinds: list[str] = []
    unknown: list[str] = []
    for part in _TYPE_SEPARATORS.split(value):
        part = part.strip()
        if not part:
            continue
        kind = _SYNONYMS.get(part, part)
        if kind == "?":
            kind = _suspend_or_revoke(content) or ""
            if not kind:
                unknown.append(f"{part}（处罚内容未写明暂扣还是吊销）")
                continue
        kinds.append(kind)
    return list(dict.fromkeys(kinds)), unknown


def _suspend_or_revoke(content: str) -> str | None:
    revoke, suspend = "吊销" in content, "暂扣" in content
    if revoke == suspend:
        return None
    return "吊销许可证件" if revoke else "暂扣许可证件"


# -- codes ------------------------------------------------------------------------------


def is_placeholder_code(text: str) -> bool:
    """`00000000000000000X`, `000000000000000000` and the like: "no code", never a code."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    return bool(_PLACEHOLDER.match(value)) and set(value[:-1]) <= {"0", "-"}


def decode(column: str, text: str, tables: Mapping[str, Any]) -> str:
    """A dictionary code → its label (IMPORT_CODE_TABLES); labels pass unchanged.

    ValueError for a value that looks like a code (digits only) and is not in the column's
    table: never guess a code's meaning."""
    table = tables.get(column)
    if not table or not text:
        return text
    codes: Mapping[str, str] = table.get("codes", {})
    value = unicodedata.normalize("NFKC", text).strip()
    if value in codes:
        return codes[value]
    if value.isdigit():
        known = "、".join(f"{k}={v}" for k, v in codes.items())
        source = table.get("source", "配置")
        raise ValueError(f"代码“{text}”不在{column}代码表中（{known}；来源：{source}）")
    return text
