"""Masking of natural persons' data (004 §四(三)): ID numbers never whole, names masked."""

from __future__ import annotations

import re
from collections.abc import Iterable

_D = "[0-9０-９]"
_SEP = r"[ \t\u3000\-‐‑‒–—―－]?"
# Mainland ID numbers inside free text, whatever their check digit: 18 characters written
# whole or as 6-8-4 groups separated by a space or a hyphen, and the old 15-digit form.
_ID_IN_TEXT = re.compile(
    rf"(?<![0-9０-９])(?:{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9０-９XxＸｘ]"
    rf"|{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}})(?![0-9０-９])"
)


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 4 and last 4 characters: 231102198001011234 -> 2311**********1234."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_ids_in_text(text: str) -> str:
    """Every ID number written in `text` masked, keeping its first 4 and last 4 digits."""
    return _ID_IN_TEXT.sub(
        lambda m: mask_id_number("".join(ch for ch in m.group(0) if ch.isalnum())), text
    )


def mask_name(name: str | None) -> str:
    """Keep the first character only: 张三 -> 张*, 欧阳明华 -> 欧***."""
    if not name:
        return ""
    value = name.strip()
    if len(value) <= 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not phone:
        return ""
    value = phone.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def person_name_disclosed(list_types: Iterable[str], disclosed_types: Iterable[str]) -> bool:
    """A natural person's name is shown only when one of its list entries requires it."""
    required = set(disclosed_types)
    return any(t in required for t in list_types)


def display_name(
    name: str, is_natural_person: bool, list_types: Iterable[str] = (),
    disclosed_types: Iterable[str] = (),
) -> str:
    """The name as the public may see it."""
    if not is_natural_person or person_name_disclosed(list_types, disclosed_types):
        return name
    return mask_name(name)
