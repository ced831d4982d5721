"""What a report says: the subject's public data at the moment of issue, in sections."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from webapp.models import Record, Subject
from webapp.rules import masking
from webapp.rules.kinds import RECORD_KIND_LABELS, ListNature, RecordKind, Visibility
from webapp.rules.status import CreditStatus
from webapp.services import visibility
from webapp.services.clock import now_utc

OBJECTION_MARK = "（异议处理中）"
EMPTY_TEXT = "查询期内无相关信息"


@dataclass
class ReportRow:
    doc_number: str
    date: str
    department: str
    content: str


@dataclass
class Section:
    key: str
    title: str
    rows: list[ReportRow] = field(default_factory=list)


@dataclass
class ReportData:
    subject_id: int
    name: str
    uscc: str
    subject_type: str
    basic: list[tuple[str, str]]
    status: CreditStatus
    sections: list[Section]
    advice: list[str]
    cutoff: datetime
    fingerprint: str

    @property
    def counts(self) -> dict[str, int]:
        return {s.key: len(s.rows) for s in self.sections}


def _is_list(nature: ListNature) -> Callable[[Record], bool]:
    return lambda r: r.kind == RecordKind.LIST and r.list_nature == nature


def _kind(kind: RecordKind) -> Callable[[Record], bool]:
    return lambda r: r.kind == kind


def _judicial(r: Record) -> bool:
    return r.kind == RecordKind.LIST and (r.list_type or "") == "失信被执行人"


#: The national layout's record sections, in order: (key, title, which records).
SECTIONS: tuple[tuple[str, str, Callable[[Record], bool]], ...] = (
    ("license", "行政管理信息 · 行政许可", _kind(RecordKind.LICENSE)),
    ("penalty", "行政管理信息 · 行政处罚", _kind(RecordKind.PENALTY)),
    ("red", "诚实守信信息（守信激励对象名单）", _is_list(ListNature.RED)),
    ("judicial", "司法判决信息（失信被执行人）", _judicial),
    ("black", "严重失信主体名单信息", lambda r: _is_list(ListNature.BLACK)(r) and not _judicial(r)),
    ("abnormal", "经营异常名录信息", _is_list(ListNature.ABNORMAL)),
    ("commitment", "信用承诺信息", _kind(RecordKind.COMMITMENT)),
    ("evaluation", "信用评价信息", _kind(RecordKind.EVALUATION)),
    ("other", "其他信息（重点关注对象名单等）", _is_list(ListNature.WATCH)),
)
SECTION_TITLES = {key: title for key, title, _ in SECTIONS}


def _content(record: Record) -> str:
    parts = [record.list_type if record.kind == RecordKind.LIST else record.title,
             record.content or record.facts]
    if record.kind == RecordKind.EVALUATION and record.grade:
        parts.append(f"评价结果：{record.grade}")
    if record.kind == RecordKind.COMMITMENT and record.grade:
        parts.append(f"履约状态：{record.grade}")
    if record.valid_until:
        parts.append(f"有效期至 {record.valid_until.isoformat()}")
    text = "；".join(p for p in parts if p) or RECORD_KIND_LABELS[RecordKind(record.kind)]
    if record.visibility == Visibility.OBJECTION:
        text = OBJECTION_MARK + text
    return text


def _row(record: Record) -> ReportRow:
    return ReportRow(
        doc_number=record.doc_number or "—",
        date=record.decided_on.isoformat(),
        department=record.department.name if record.department else "—",
        content=_content(record),
    )


def records_fingerprint(records: Sequence[Record]) -> str:
    """Changes when a public record is added, removed, marked or edited."""
    digest = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.id):
        fields = (r.id, r.kind, r.visibility, r.doc_number, r.title, r.content, r.decided_on,
                  r.public_until, r.valid_until, r.removed_on, r.list_nature, r.grade)
        digest.update(repr(fields).encode())
    return digest.hexdigest()


def current_fingerprint(session: Session, subject_id: int) -> str:
    return records_fingerprint(visibility.public_records_of(session, subject_id))


def _basic(subject: Subject) -> list[tuple[str, str]]:
    rows = [("主体类别", subject.subject_type)]
    if subject.is_natural_person:
        rows.append(("证件号码", masking.mask_id_number(subject.id_number)))
    else:
        rows += [
            ("法定代表人", subject.legal_representative or ""),
            ("成立日期", subject.founded_on.isoformat() if subject.founded_on else ""),
            ("登记机关", subject.registration_authority or ""),
            ("登记状态", subject.registration_status or ""),
            ("住所", subject.address or ""),
            ("经营范围", subject.business_scope or ""),
        ]
    return [(k, v or "—") for k, v in rows]


def _advice(status: CreditStatus, sections: list[Section]) -> list[str]:
    counts = {s.key: len(s.rows) for s in sections}
    advice = []
    if counts["black"] or counts["judicial"]:
        advice.append("存在严重失信主体名单或失信被执行人信息：请尽快履行法定义务，"
                      "纠正失信行为，满足条件后依法申请移出名单或信用修复。")
    if counts["penalty"]:
        advice.append("存在行政处罚信息：最短公示期届满后，可通过本网站“信用修复”申请提前停止公示。")
    if counts["abnormal"]:
        advice.append("被列入经营异常名录：请补报年度报告或更正登记住所后申请移出。")
    if counts["other"]:
        advice.append("被列入重点关注对象名单：请及时整改，避免被列入严重失信主体名单。")
    if not counts["commitment"]:
        advice.append("可主动作出信用承诺（主动公示型），展示诚信经营意愿。")
    if not advice or status.colour == "green":
        advice.append("请继续保持良好的信用记录，依法诚信经营。")
    return advice


def gather(session: Session, subject: Subject) -> ReportData:
    """Read everything public about the subject now; nothing hidden can reach the report."""
    cutoff = now_utc()
    records = visibility.public_records_of(session, subject.id)
    sections = [
        Section(key, title, [_row(r) for r in records if belongs(r)])
        for key, title, belongs in SECTIONS
    ]
    status = visibility.status_of(records, subject)
    return ReportData(
        subject_id=subject.id,
        name=visibility.public_name(subject, records),
        uscc=subject.uscc or "—",
        subject_type=subject.subject_type,
        basic=_basic(subject),
        status=status,
        sections=sections,
        advice=_advice(status, sections),
        cutoff=cutoff,
        fingerprint=records_fingerprint(records),
    )
