"""Re-evaluating stored penalties under the configured publicity rules (the 2026 measures).

Used by migration 0003 for the records imported under the earlier rules; plain values in and
out, no ORM, so the migration does not depend on the models of a later day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from webapp.rules import publicity
from webapp.rules.kinds import Visibility
from webapp.services.imports import idcard
from webapp.services.imports.specs import PENALTY_TYPE_COLUMN
from webapp.services.imports.values import penalty_types

#: The reason the importer gave before 2026 to warnings it withheld (then as "revoked").
OLD_WITHHELD_REASON = "该处罚类别依规定不予公示"
COMPUTED_DEADLINE = "公示截止期（计算）"


@dataclass(frozen=True)
class StoredPenalty:
    decided_on: date
    amount: Decimal | None
    doc_number: str
    details: Mapping[str, Any]
    extra: Mapping[str, Any]
    content: str
    visibility: str
    visibility_reason: str | None
    id_number: str | None  # the subject's, for natural persons


def review(penalty: StoredPenalty, config: Mapping[str, Any]) -> dict[str, Any]:
    """The column values that change (severity, periods, visibility); {} when none."""
    types, _ = penalty_types(str(penalty.details.get(PENALTY_TYPE_COLUMN, "")), penalty.content)
    procedure = str(penalty.details.get("处罚程序") or penalty.extra.get("处罚程序") or "")
    if procedure:
        simplified = any(w in procedure for w in config.get("SIMPLIFIED_PROCEDURE_WORDS", ()))
    else:
        simplified = any(m in (penalty.doc_number or "")
                         for m in config.get("SIMPLIFIED_PROCEDURE_DOC_MARKERS", ()))
    born = idcard.birth_date(penalty.id_number) if penalty.id_number else None
    verdict = publicity.penalty_publicity(publicity.PenaltyFacts(
        types, penalty.amount, penalty.decided_on, simplified_procedure=simplified,
        party_age=publicity.age_on(born, penalty.decided_on) if born else None,
    ), config)
    changes: dict[str, Any] = {
        "severity": verdict.severity.value, "repair_eligible_on": verdict.repair_from,
    }
    if COMPUTED_DEADLINE in penalty.details:  # the department gave no 公示截止期
        changes["public_until"] = verdict.last_shown
        changes["details"] = {**penalty.details, COMPUTED_DEADLINE: verdict.last_shown.isoformat()}
    withheld_before = (penalty.visibility == Visibility.REVOKED
                       and penalty.visibility_reason == OLD_WITHHELD_REASON)
    if verdict.withheld_reason and (penalty.visibility == Visibility.PUBLIC or withheld_before):
        changes["visibility"] = Visibility.UNPUBLISHED.value
        changes["visibility_reason"] = verdict.withheld_reason
    elif not verdict.withheld_reason and withheld_before:
        changes["visibility"] = Visibility.PUBLIC.value
        changes["visibility_reason"] = "按现行公示规定公示"
    return changes
