"""A valid USCC for the walks' own subjects (outside the demo data's numbering)."""

from webapp.rules import uscc as uscc_rules


def uscc_for(n: int) -> str:
    return uscc_rules.make("91", "231102", 88000000 + n)
