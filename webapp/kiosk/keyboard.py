"""The on-screen keyboard: layouts, and one key press applied to a value (the no-script path;
static/kiosk/keyboard.js does the same in the page)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.rules.uscc import ALPHABET as USCC_ALPHABET

BACKSPACE, CLEAR = "BS", "CLR"
DIGITS = "0123456789"
LETTER_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    rows: tuple[str, ...]

    @property
    def keys(self) -> str:
        return "".join(self.rows)


LAYOUTS = {
    # Pinyin and its initials: the search engine finds names by both (hhsx → 黑河市鑫…).
    "letters": Layout("letters", "拼音字母", LETTER_ROWS),
    # GB 32100-2015: 0-9 and the 21 letters a USCC may hold (no I, O, S, V, Z).
    "uscc": Layout("uscc", "信用代码", (DIGITS, USCC_ALPHABET[10:20], USCC_ALPHABET[20:])),
    "digits": Layout("digits", "数字", ("123", "456", "789", "0")),
    # Case numbers (TS20261201-000012) and query codes: letters, digits and the hyphen.
    "case": Layout("case", "字母数字", (DIGITS, *LETTER_ROWS, "-")),
}


def layout(name: str | None, default: str = "letters") -> Layout:
    return LAYOUTS.get(name or "", LAYOUTS[default])


def apply_key(value: str, key: str | None, allowed: str, max_length: int) -> str:
    """The value after one key press; keys outside the layout change nothing."""
    value = "".join(ch for ch in value.upper() if ch in allowed)[:max_length]
    if key == BACKSPACE:
        return value[:-1]
    if key == CLEAR:
        return ""
    if key and len(key) == 1 and key.upper() in allowed and len(value) < max_length:
        return value + key.upper()
    return value
