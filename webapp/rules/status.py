"""The credit status of a subject, from the records public today, as one readable table.

Order matters: the first matching row sets the colour; every matching row is listed as a
reason. An active red-list entry adds the 守信 mark whatever the colour. A subject that no
longer trades here (吊销, 注销, 迁出) has a status of its own, grey, whatever its records say:
"信用良好" for a revoked licence would tell a customer the opposite of the truth.
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
COLOUR_LABELS = {"red": "红码", "yellow": "黄码", "green": "绿码", "grey": "无码"}
#: registration state -> (label, what it means): no credit code is offered to these.
CLOSED_STATES = {
    "吊销": ("已吊销", "营业执照已被依法吊销，不得从事经营活动；不发放信用码"),
    "注销": ("已注销", "已办理注销登记，主体资格已经终止；不发放信用码"),
    "迁出": ("已迁出", "登记已迁往外地，本市不再更新其信用信息；不发放信用码"),
}


@dataclass(frozen=True)
class CreditStatus:
    colour: str  # red | yellow | green | grey (no longer trades: 吊销, 注销, 迁出)
    label: str
    meaning: str
    reasons: list[str] = field(default_factory=list)
    honoured: bool = False  # 守信 mark: an active red-list entry

    @property
    def colour_label(self) -> str:
        return COLOUR_LABELS[self.colour]


def credit_status(public_records: Iterable[StatusFacts],
                  registration_status: str | None = None) -> CreditStatus:
    """Status from the records that are public today (the caller filters visibility) and
    the subject's registration state."""
    records = list(public_records)
    matches = [row for row in STATUS_TABLE if any(row[2](r) for r in records)]
    if registration_status in CLOSED_STATES:
        label, meaning = CLOSED_STATES[registration_status]
        return CreditStatus("grey", label, meaning, list(dict.fromkeys(r[3] for r in matches)))
    honoured = any(_is_list(ListNature.RED)(r) for r in records)
    if not matches:
        return CreditStatus(*GREEN, reasons=[], honoured=honoured)
    colour, label, _, meaning = matches[0]
    reasons = list(dict.fromkeys(row[3] for row in matches))
    return CreditStatus(colour, label, meaning, reasons, honoured)
