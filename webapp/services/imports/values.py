"""Parsing of cell values: dates, amounts in 万元, multi-value cells. Pure functions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),  # 2024-03-05
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),  # 2024/3/5
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),  # 2024年3月5日
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),  # 20240305
)
DATE_HINT = "应为 2024-03-05、2024/3/5、2024年3月5日 或 20240305"
_MULTI_SEPARATORS = re.compile(r"[;；]")


def parse_date(text: str) -> date:
    """One of the four formats of DATA-STANDARD.md; ValueError (in Chinese) otherwise."""
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"日期不存在：{text}") from None
    raise ValueError(f"日期格式无法识别：{text}（{DATE_HINT}）")


def parse_amount(text: str) -> Decimal:
    """A non-negative decimal number (the header names the unit, 万元)."""
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(f"金额应为数字（单位万元）：{text}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"金额应为不小于0的数字（单位万元）：{text}")
    if amount >= Decimal("10000000000"):
        raise ValueError(f"金额过大（单位万元）：{text}")
    return amount


def split_multi(text: str) -> list[str]:
    """Several values in one cell, separated by `;` or `；`."""
    return [part.strip() for part in _MULTI_SEPARATORS.split(text) if part.strip()]
