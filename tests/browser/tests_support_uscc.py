"""A valid USCC for the walks' own subjects (outside the demo data's numbering)."""

from webapp.rules import uscc as uscc_rules


def uscc_for(n: int) -> str:
    body = f"91231102{880000000 + n:09d}"
    return body + uscc_rules.check_character(body)
