"""Records held by a decided objection: a department's re-import must not undo the decision.

An objection upheld (with a correction or a revocation) settles the record's content; the
department's next file of the same record leaves it as decided, and the import report says
so (DATA-STANDARD.md: re-importing changes nothing it should not).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models.petitions import Case, CaseKind, CaseState, Outcome

_CHUNK = 500


def held_records(session: Session, record_ids: Sequence[int]) -> dict[int, str]:
    """{record id: number of the upheld objection} for those of `record_ids` it holds."""
    held: dict[int, str] = {}
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(Case.record_id, Case.number)
            .where(
                Case.record_id.in_(ids[start:start + _CHUNK]),
                Case.kind == CaseKind.OBJECTION.value,
                Case.outcome == Outcome.UPHELD.value,
                Case.state.in_([CaseState.DECIDED.value, CaseState.CLOSED.value]),
            )
            .order_by(Case.decided_at)
        )
        for record_id, number in session.execute(query):
            held[record_id] = number or ""
    return held
