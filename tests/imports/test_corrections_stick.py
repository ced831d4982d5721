"""Corrections that stick (issue 9): an upheld objection corrects any field, and the
department's next re-import of the same record does not silently undo it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from import_files import csv_bytes, penalty_row
from sqlalchemy import select

from webapp.models import Record
from webapp.models.petitions import CaseKind, Outcome
from webapp.models.staff import Role
from webapp.services import petitions as svc
from webapp.services.imports import import_file
from webapp.services.staff import create_user

TODAY = date(2026, 6, 10)


def _fields() -> dict[str, str]:
    return {"title": "罚款金额有误", "description": "决定书载明罚款0.3万元",
            "contact_name": "王建国", "contact_phone": "13800138000"}


def _objection(db_session, reviewer, record, corrections) -> None:
    case, _ = svc.open_case(db_session, CaseKind.OBJECTION, form_token="t", fields=_fields(),
                            record=record, today=TODAY)
    svc.accept(db_session, case, reviewer)
    svc.decide(db_session, case, reviewer, Outcome.UPHELD, "经核查，予以更正。", corrections)


def test_typed_fields_corrected_and_kept_through_reimport(db_session) -> None:
    rows = [penalty_row(1, 处罚类别="罚款;吊销许可证件"), penalty_row(2)]
    data = csv_bytes(rows)
    assert import_file(db_session, "penalty", "p.csv", data).created == 2
    record = db_session.scalar(select(Record).where(Record.doc_number.like("%〔2026〕1号")))
    assert record.severity == "serious"
    reviewer = create_user(db_session, "rev9", "correct horse battery", Role.REVIEWER,
                           record.department_id)
    _objection(db_session, reviewer, record, {
        "amount": "3000元", "decided_on": "2026.5.28", "penalty_types": "罚款",
        "facts": "经查，当事人销售超过保质期的饮料共2瓶。",
    })
    assert record.amount == Decimal("0.3")
    assert record.decided_on == date(2026, 5, 28)
    assert record.details["处罚类别"] == "罚款"
    assert record.severity == "general"  # recomputed from the corrected types and fine
    assert (record.repair_eligible_on, record.public_until) == (date(2026, 8, 28),
                                                                date(2027, 5, 27))
    assert record.visibility == "public" and "经异议更正" in record.visibility_reason

    again = import_file(db_session, "penalty", "p.csv", data)
    assert (again.created, again.updated, again.unchanged, again.held) == (0, 0, 2, 1)
    report = "\n".join(again.report_lines())
    assert "第2行：该记录已按异议处理决定（YY" in report and "本次导入未覆盖" in report
    db_session.refresh(record)
    assert record.amount == Decimal("0.3") and record.details["处罚类别"] == "罚款"

    # A later change of another record in the same file still applies.
    changed = csv_bytes([rows[0], penalty_row(2, 违法事实="更新后的事实")])
    third = import_file(db_session, "penalty", "p.csv", changed)
    assert (third.updated, third.held) == (1, 1)


def test_severity_and_unpublishing_by_correction(db_session) -> None:
    import_file(db_session, "penalty", "p.csv", csv_bytes([penalty_row(1)]))
    record = db_session.scalar(select(Record))
    reviewer = create_user(db_session, "rev9", "correct horse battery", Role.REVIEWER,
                           record.department_id)
    _objection(db_session, reviewer, record, {"penalty_types": "警告", "amount": ""} | {
        "severity": "轻微"})
    assert record.severity == "minor"
    assert record.visibility == "unpublished"  # a warning alone is not published
    assert "不予公示" in record.visibility_reason


@pytest.mark.parametrize("field, value, message", [
    ("amount", "五千", "金额"), ("decided_on", "2026-02-30", "日期不存在"),
    ("penalty_types", "批评教育", "不在允许范围内"), ("severity", "很严重", "失信程度"),
])
def test_bad_corrections_are_refused(db_session, field, value, message) -> None:
    import_file(db_session, "penalty", "p.csv", csv_bytes([penalty_row(1)]))
    record = db_session.scalar(select(Record))
    reviewer = create_user(db_session, "rev9", "correct horse battery", Role.REVIEWER,
                           record.department_id)
    with pytest.raises(svc.PetitionError, match=message):
        _objection(db_session, reviewer, record, {field: value})
