"""Resident ID numbers (居民身份证号码, GB 11643-1999).

Checked: 18 characters, a province-level region code (GB/T 2260) in positions 1-2 with a
six-digit address code, a real birth date not in the future, and the ISO 7064 MOD 11-2 check
character. Spaces and hyphens that exports put between the groups (`231102 19800101 1236`,
`231102-19800101-1237`) are removed before the check and before the number is stored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_.·]")
#: Province-level codes of GB/T 2260 (positions 1-2); 83 is the code of the residence
#: permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证), which share the format.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})


def normalize(raw: str) -> str:
    """Full-width to half-width, upper case, spaces and hyphens between groups removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def looks_like_id(raw: str) -> bool:
    """True for anything shaped like an 18-character resident ID number."""
    return bool(_SHAPE.match(normalize(raw)))


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date(number: str) -> date | None:
    """The birth date of a valid 18-character number (None when it has none)."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except (ValueError, IndexError):
        return None


def validate(raw: str, today: date | None = None) -> str:
    """The normalised 18-character number, or ValueError with the reason in Chinese."""
    number = normalize(raw)
    if not _SHAPE.match(number):
        raise ValueError("身份证号码应为18位（前17位为数字，末位为数字或X）")
    if number[:2] not in PROVINCES:
        raise ValueError(f"身份证号码前2位“{number[:2]}”不是有效的省级行政区划代码")
    born = birth_date(number)
    if born is None or born.year < 1900:
        raise ValueError("身份证号码中的出生日期无效")
    if born > (today or date.today()):
        raise ValueError("身份证号码中的出生日期晚于今天")
    if number[17] != check_digit(number[:17]):
        raise ValueError("身份证号码校验位错误")
    return number
