"""The credit status of a subject, from the records public today, as one readable table.

Order matters: the first matching row sets the colour; every matching row is listed as a
reason. An active red-list entry adds the 守信 mark whatever the colour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from webapp.rules.kinds import ListNature, RecordKind, Severity


class StatusFacts(Protocol):
    """What the table reads of a public record (a Record satisfies it)."""

    kind: str
    list_nature: str | None
    severity: str | None


def _is_list(nature: ListNature) -> Callable[[StatusFacts], bool]:
    return lambda r: r.kind == RecordKind.LIST and r.list_nature == nature


def _serious_penalty(r: StatusFacts) -> bool:
    return r.kind == RecordKind.PENALTY and r.severity == Severity.SERIOUS


#: (colour, what it is called, when a record makes it so, what it means for the public)
STATUS_TABLE: tuple[tuple[str, str, Callable[[StatusFacts], bool], str], ...] = (
    ("red", "严重失信", _is_list(ListNature.BLACK),
     "被列入严重失信主体名单（黑名单），依法依规受到联合惩戒"),
    ("yellow", "信用警示", _is_list(ListNature.WATCH),
     "被列入重点关注对象名单，请谨慎交易"),
    ("yellow", "信用警示", _is_list(ListNature.ABNORMAL),
     "被列入经营异常名录（如未按时年报、通过登记住所无法联系）"),
    ("yellow", "信用警示", _serious_penalty,
     "有严重失信行政处罚正在公示期内"),
)
GREEN = ("green", "信用良好", "未发现正在公示的黑名单、重点关注、经营异常或严重行政处罚信息")
HONOUR_LABEL = "守信激励对象"
HONOUR_MEANING = "被列入守信激励对象名单（红名单），享受守信激励措施"
COLOUR_LABELS = {"red": "红码", "yellow": "黄码", "green": "绿码"}


@dataclass(frozen=True)
class CreditStatus:
    colour: str  # red | yellow | green
    label: str
    meaning: str
    reasons: list[str] = field(default_factory=list)
    honoured: bool = False  # 守信 mark: an active red-list entry

    @property
    def colour_label(self) -> str:
        return COLOUR_LABELS[self.colour]


def credit_status(public_records: Iterable[StatusFacts]) -> CreditStatus:
    """Status from the records that are public today (the caller filters visibility)."""
    records = list(public_records)
    matches = [row for row in STATUS_TABLE if any(row[2](r) for r in records)]
    honoured = any(_is_list(ListNature.RED)(r) for r in records)
    if not matches:
        return CreditStatus(*GREEN, reasons=[], honoured=honoured)
    colour, label, _, meaning = matches[0]
    reasons = list(dict.fromkeys(row[3] for row in matches))
    return CreditStatus(colour, label, meaning, reasons, honoured)
