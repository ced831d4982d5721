"""Resident ID numbers (居民身份证号码, GB 11643-1999): ISO 7064 MOD 11-2 check digit."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalize(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate(raw: str) -> str:
    """The normalised 18-character number, or ValueError with the reason in Chinese."""
    number = normalize(raw)
    if not _SHAPE.match(number):
        raise ValueError("身份证号码应为18位（前17位为数字，末位为数字或X）")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("身份证号码中的出生日期无效") from None
    if number[17] != check_digit(number[:17]):
        raise ValueError("身份证号码校验位错误")
    return number
