"""Publicity periods and visibility of a record on a given day (DOMAIN.md).

The numbers come from configuration (PUBLICITY_PERIODS etc.), never from code: they change
with regulation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from webapp.rules.kinds import SHOWN_VISIBILITIES, VISIBILITY_LABELS, Severity, Visibility


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's end (2024-01-31 + 1 = 2024-02-29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PenaltyFacts:
    """What the publicity rules read of a penalty decision."""

    types: Sequence[str]
    fine_wan_yuan: Decimal | None
    decided_on: date
    simplified_procedure: bool = False  # 简易程序 (行政处罚法 art. 51)
    party_age: int | None = None  # a natural person's age on the decision day


@dataclass(frozen=True)
class PenaltyPublicity:
    severity: Severity
    published: bool
    withheld_reason: str | None  # why it is not published (shown to staff), None when it is
    repair_from: date  # shortest publicity over: credit repair may be applied for
    last_shown: date  # longest publicity over: leaves public view by itself


def penalty_severity(
    penalty_types: Iterable[str], fine_wan_yuan: Decimal | None, config: Mapping[str, Any],
    simplified_procedure: bool = False,
) -> Severity:
    """严重 when a heavy sanction applies or the fine reaches the configured amount; 轻微 when
    every sanction is a minor one (warnings, 通报批评) or the simplified procedure was used;
    一般 otherwise (《信用修复管理办法》 chapter 2)."""
    types = [t for t in penalty_types if t]
    if set(config["SERIOUS_PENALTY_TYPES"]).intersection(types):
        return Severity.SERIOUS
    threshold = Decimal(str(config["SERIOUS_FINE_WAN_YUAN"]))
    if fine_wan_yuan is not None and fine_wan_yuan >= threshold:
        return Severity.SERIOUS
    minor_types = set(config.get("MINOR_PENALTY_TYPES", ()))
    if simplified_procedure or (types and minor_types and set(types) <= minor_types):
        return Severity.MINOR
    return Severity.GENERAL


def penalty_published(penalty_types: Iterable[str], config: Mapping[str, Any]) -> bool:
    """False when every sanction of the decision is of a kind that is not published."""
    types = [t for t in penalty_types if t]
    unpublished = set(config["UNPUBLISHED_PENALTY_TYPES"])
    return not types or not unpublished or not set(types) <= unpublished


def penalty_periods(
    decided_on: date, severity: Severity, config: Mapping[str, Any]
) -> tuple[date, date]:
    """(first day credit repair may be applied for, last day the penalty is shown)."""
    period = config["PUBLICITY_PERIODS"][severity.value]
    repair_from = add_months(decided_on, period["min_months"])
    last_shown = add_months(decided_on, period["max_months"]) - timedelta(days=1)
    return repair_from, last_shown


def penalty_publicity(facts: PenaltyFacts, config: Mapping[str, Any]) -> PenaltyPublicity:
    """Tier, whether the penalty is published, and its periods, by the configured rules."""
    severity = penalty_severity(
        facts.types, facts.fine_wan_yuan, config, facts.simplified_procedure
    )
    repair_from, last_shown = penalty_periods(facts.decided_on, severity, config)
    reason = None
    if not penalty_published(facts.types, config):
        reason = f"{'、'.join(dict.fromkeys(facts.types))}类处罚依规不予公示"
    elif facts.simplified_procedure and config.get("UNPUBLISHED_SIMPLIFIED_PROCEDURE"):
        reason = "适用简易程序作出的行政处罚依规不予公示"
    elif (config.get("UNPUBLISHED_MINORS") and facts.party_age is not None
          and facts.party_age < int(config.get("MINOR_AGE", 18))):
        reason = "未成年人的行政处罚信息依规不予公示"
    elif severity == Severity.MINOR and not config.get("PUBLISH_MINOR_PENALTIES"):
        reason = "轻微失信信息原则上不予公示"
    return PenaltyPublicity(severity, reason is None, reason, repair_from, last_shown)


def age_on(born: date, day: date) -> int:
    """Full years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def list_entry_public_until(valid_until: date | None, removed_on: date | None) -> date | None:
    """A list entry is shown until it expires or the day before it is removed."""
    ends = [d for d in (valid_until, removed_on - timedelta(days=1) if removed_on else None) if d]
    return min(ends) if ends else None


def evaluation_public_until(valid_until: date | None, year: int | None) -> date | None:
    """A grade is shown while valid; without a validity, through the year after its rating year
    (grades for year Y are announced and applied in year Y+1)."""
    if valid_until:
        return valid_until
    return date(year + 1, 12, 31) if year else None


def is_public(visibility: str, public_until: date | None, today: date) -> bool:
    """Whether the public may see a record today. Repaired, revoked and expired never."""
    if visibility not in SHOWN_VISIBILITIES:
        return False
    return public_until is None or public_until >= today


def is_under_objection(visibility: str) -> bool:
    return visibility == Visibility.OBJECTION


def public_state_text(visibility: str, reason: str | None, public_until: date | None,
                      today: date) -> tuple[str, bool]:
    """What a record's public state really is today, in words, and whether it is shown.

    A record still marked 公示中 whose last public day has passed is not public (its page is a
    404): say so with the date. The reason is shown once (it often repeats the label).
    """
    if visibility in SHOWN_VISIBILITIES and public_until is not None and public_until < today:
        return f"公示期已届满，{public_until:%Y年%m月%d日}起不再公示", False
    label = VISIBILITY_LABELS.get(visibility, visibility)  # type: ignore[call-overload]
    if reason and reason.startswith(label):
        text = reason
    elif reason:
        text = f"{label}（{reason}）"
    else:
        text = label
    return text, is_public(visibility, public_until, today)
