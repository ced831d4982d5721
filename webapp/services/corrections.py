"""Corrections by an upheld objection: any field of a record, text or typed.

Staff write every value as text (the back office form); typed ones are parsed with the
importer's own rules, so a correction accepts what a department's file would. A penalty whose
date, types, fine or tier changed gets its publicity recomputed under the configured rules
(unless the correction sets the deadline itself), and may become unpublished.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from webapp.models.record import Record
from webapp.rules import publicity
from webapp.rules.kinds import SEVERITY_LABELS, RecordKind, Severity
from webapp.services.imports import idcard
from webapp.services.imports.specs import FINE_COLUMN, PENALTY_TYPE_COLUMN, PENALTY_TYPES
from webapp.services.imports.values import parse_amount, parse_date, penalty_types

TEXT_FIELDS = ("title", "content", "facts", "legal_basis", "doc_number")
TYPED_FIELDS = ("decided_on", "amount", "penalty_types", "severity", "valid_until",
                "public_until")
FIELDS = (*TEXT_FIELDS, *TYPED_FIELDS)
_DATES = ("decided_on", "valid_until", "public_until")
_SEVERITY_BY_LABEL = {label: value for value, label in SEVERITY_LABELS.items()}
_RECOMPUTE = {"decided_on", "amount", "penalty_types", "severity"}


class CorrectionError(ValueError):
    """A value staff wrote that cannot be used; the message says why, in Chinese."""


def current_value(record: Record, name: str) -> str:
    """The field as the correction form shows it."""
    if name == "penalty_types":
        return str((record.details or {}).get(PENALTY_TYPE_COLUMN, "")).replace(";", "、")
    value = getattr(record, name)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if name == "severity":
        return SEVERITY_LABELS.get(value, value)
    return str(value)


def apply(record: Record, corrections: Mapping[str, str], config: Mapping[str, Any]) -> str | None:
    """Apply the corrections; the reason the record is now withheld, or None."""
    for name, text in corrections.items():
        if name not in FIELDS:
            raise CorrectionError(f"不能更正字段 {name}。")
        _set(record, name, text.strip())
    if record.kind != RecordKind.PENALTY or not _RECOMPUTE & set(corrections):
        return None
    return _recompute_penalty(record, set(corrections), config)


def _set(record: Record, name: str, text: str) -> None:
    if name in TEXT_FIELDS:
        setattr(record, name, text or None)
    elif name in _DATES:
        try:
            setattr(record, name, parse_date(text) if text else None)
        except ValueError as error:
            raise CorrectionError(str(error)) from None
        if name == "decided_on" and record.decided_on is None:
            raise CorrectionError("决定日期不能为空。")
    elif name == "amount":
        try:
            record.amount = parse_amount(text) if text else None
        except ValueError as error:
            raise CorrectionError(str(error)) from None
        record.details = {**(record.details or {}), FINE_COLUMN: current_value(record, "amount")}
    elif name == "penalty_types":
        kinds, unknown = penalty_types(text)
        bad = [*unknown, *(k for k in kinds if k not in PENALTY_TYPES)]
        if bad or not kinds:
            raise CorrectionError(f"处罚类别“{'、'.join(bad) or text}”不在允许范围内"
                                  f"（{'、'.join(PENALTY_TYPES)}）")
        record.details = {**(record.details or {}), PENALTY_TYPE_COLUMN: ";".join(kinds)}
    elif name == "severity":
        value = _SEVERITY_BY_LABEL.get(text, text)
        if value not in {s.value for s in Severity}:
            raise CorrectionError("失信程度应为 轻微、一般 或 严重。")
        record.severity = value


def _recompute_penalty(record: Record, corrected: set[str], config: Mapping[str, Any]
                       ) -> str | None:
    types = [t for t in str((record.details or {}).get(PENALTY_TYPE_COLUMN, "")).split(";") if t]
    subject = record.subject
    born = idcard.birth_date(subject.id_number) if subject and subject.id_number else None
    verdict = publicity.penalty_publicity(publicity.PenaltyFacts(
        types, record.amount, record.decided_on,
        party_age=publicity.age_on(born, record.decided_on) if born else None,
    ), config)
    severity = Severity(record.severity) if "severity" in corrected and record.severity \
        else verdict.severity
    record.severity = severity.value
    repair_from, last_shown = publicity.penalty_periods(record.decided_on, severity, config)
    record.repair_eligible_on = repair_from
    if "public_until" not in corrected:
        record.public_until = last_shown
        record.details = {**(record.details or {}), "公示截止期（计算）": last_shown.isoformat()}
    return verdict.withheld_reason
