"""A subject's public credit profile (信用档案): what the public may see of it today.

Built on services.visibility (which records are public) and rules.masking (what of a natural
person may be shown). Pages and the JSON API both take their data from here, so they agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload

from webapp.models import Record, Subject
from webapp.rules import masking
from webapp.rules.kinds import (
    LIST_NATURE_LABELS,
    RECORD_KIND_LABELS,
    SOLE_TRADER,
    ListNature,
    RecordKind,
)
from webapp.rules.publicity import is_under_objection
from webapp.rules.status import CreditStatus, credit_status
from webapp.services.clock import today as china_today
from webapp.services.visibility import public_name, public_record_clause, public_records_of

EMPTY_SECTION_TEXT = "查询期内无相关信息"



def _is_list(nature: ListNature) -> Callable[[Record], bool]:
    return lambda r: r.kind == RecordKind.LIST and r.list_nature == nature


def _is_kind(kind: RecordKind) -> Callable[[Record], bool]:
    return lambda r: r.kind == kind


#: The profile's sections, in the order of the national credit report.
#: (key, heading, which records belong, what the section is)
SECTIONS: tuple[tuple[str, str, Callable[[Record], bool]], ...] = (
    ("license", "行政许可", _is_kind(RecordKind.LICENSE)),
    ("penalty", "行政处罚", _is_kind(RecordKind.PENALTY)),
    ("red", "守信激励（红名单）", _is_list(ListNature.RED)),
    ("black", "严重失信主体名单（黑名单）", _is_list(ListNature.BLACK)),
    ("watch", "重点关注对象名单", _is_list(ListNature.WATCH)),
    ("abnormal", "经营异常名录", _is_list(ListNature.ABNORMAL)),
    ("commitment", "信用承诺", _is_kind(RecordKind.COMMITMENT)),
    ("evaluation", "信用评价", _is_kind(RecordKind.EVALUATION)),
)
SECTION_LABELS = {key: label for key, label, _ in SECTIONS}


def redact_text(text: str | None, subject: Subject, name_disclosed: bool) -> str:
    """Free text as the public may see it: ID numbers never whole, and a natural person's
    name masked wherever it is written unless a list requires disclosing it."""
    if not text:
        return ""
    value = masking.mask_ids_in_text(text)
    if subject.is_natural_person and not name_disclosed and subject.name:
        value = value.replace(subject.name, masking.mask_name(subject.name))
    return value


def highlight(text: str, query: str) -> Markup:
    """Escape `text` and mark every occurrence of `query` (case-insensitive)."""
    if not query:
        return escape(text)
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    parts: list[Markup] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


#: Columns of the department's file (kept in Record.details by the importer) worth showing
#: besides the typed columns. ID-number columns never reach `details`; text is redacted anyway.
DETAIL_COLUMNS = (
    "处罚类别", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚有效期", "许可类别", "许可编号", "认定依据", "移出原因",
    "评价年度",
)


@dataclass(frozen=True)
class PublicRecord:
    """One record as the public sees it (text redacted, objection marked)."""

    record: Record
    title: str
    content: str
    facts: str
    legal_basis: str
    under_objection: bool
    more: tuple[tuple[str, str], ...] = ()  # further (column, value) pairs from the file

    @property
    def id(self) -> int:
        return self.record.id


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    records: list[PublicRecord]

    @property
    def count(self) -> int:
        return len(self.records)


@dataclass(frozen=True)
class Profile:
    subject: Subject
    display_name: str
    name_disclosed: bool
    masked_id_number: str
    legal_representative: str
    status: CreditStatus
    sections: list[Section]
    as_of: date
    public_records: Sequence[Record] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def objection_count(self) -> int:
        return sum(1 for s in self.sections for r in s.records if r.under_objection)


def public_record(record: Record, subject: Subject, name_disclosed: bool) -> PublicRecord:
    def clean(text: str | None) -> str:
        return redact_text(text, subject, name_disclosed)

    return PublicRecord(
        record=record,
        title=clean(record.title),
        content=clean(record.content),
        facts=clean(record.facts),
        legal_basis=clean(record.legal_basis),
        under_objection=is_under_objection(record.visibility),
        more=tuple(
            (column, clean(str(value)))
            for column in DETAIL_COLUMNS
            if (value := (record.details or {}).get(column)) not in (None, "")
            and not (column == "罚款金额（万元）" and record.amount is not None)
        ),
    )


def shown_legal_representative(subject: Subject) -> str:
    """An organisation's legal representative is public; a sole trader's operator is a
    natural person and is masked; a natural person has none."""
    if subject.is_natural_person or not subject.legal_representative:
        return ""
    if subject.subject_type == SOLE_TRADER:
        return masking.mask_name(subject.legal_representative)
    return subject.legal_representative


def build_profile(session: Session, subject: Subject, today: date | None = None) -> Profile:
    """Everything the profile page and the API show about a subject today."""
    day = today or china_today()
    records = public_records_of(session, subject.id, day)
    shown = public_name(subject, records)
    disclosed = subject.is_natural_person and shown == subject.name
    sections = [
        Section(key, label, [public_record(r, subject, disclosed) for r in records if belongs(r)])
        for key, label, belongs in SECTIONS
    ]
    return Profile(
        subject=subject,
        display_name=shown,
        name_disclosed=disclosed,
        masked_id_number=masking.mask_id_number(subject.id_number),
        legal_representative=shown_legal_representative(subject),
        status=credit_status(records, subject.registration_status),
        sections=sections,
        as_of=day,
        public_records=records,
    )


def section_key(record: Record) -> str:
    for key, _, belongs in SECTIONS:
        if belongs(record):
            return key
    return record.kind


def record_label(record: Record) -> str:
    """What kind of record it is, in Chinese (list entries by their nature)."""
    # Look up by value: `str in StrEnum` warns on Python 3.11.
    if record.kind == RecordKind.LIST and record.list_nature:
        return _NATURE_BY_VALUE.get(record.list_nature, record.list_nature)
    return _KIND_BY_VALUE.get(record.kind, record.kind)


_NATURE_BY_VALUE = {nature.value: label for nature, label in LIST_NATURE_LABELS.items()}
_KIND_BY_VALUE = {kind.value: label for kind, label in RECORD_KIND_LABELS.items()}


# The department's raw row and unknown columns (JSON, most of a record's bytes): result
# lists never show them, and decoding them was a third of a search request (loaded on
# access if ever needed).
WITHOUT_FILE_COLUMNS = (defer(Record.source_row), defer(Record.extra))


#: what credit_status and public_name read of a record
STATUS_COLUMNS = (Record.kind, Record.list_nature, Record.severity, Record.list_type)


@dataclass(frozen=True)
class SubjectSummary:
    """A subject as a result list shows it: display name and status, no details."""

    subject: Subject
    display_name: str
    status: CreditStatus


def summaries(
    session: Session, subject_ids: Iterable[int], today: date | None = None
) -> dict[int, SubjectSummary]:
    """Display names and statuses of many subjects in two queries (no N+1)."""
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    subjects = session.scalars(
        select(Subject).where(Subject.id.in_(ids)).options(joinedload(Subject.region))
    ).all()
    return summaries_of(session, subjects, today)


def summaries_of(
    session: Session, subjects: Iterable[Subject], today: date | None = None
) -> dict[int, SubjectSummary]:
    """`summaries` of subjects already loaded (one query)."""
    by_id = {s.id: s for s in subjects}
    if not by_id:
        return {}
    by_subject: dict[int, list[Any]] = defaultdict(list)
    # Only lists and penalties decide the status and disclosure, and only these columns
    # of them: plain rows from one covering index, not Record objects (building those
    # was most of a result page's time).
    query = select(Record.subject_id, *STATUS_COLUMNS).where(
        public_record_clause(today or china_today()),
        Record.subject_id.in_(list(by_id)),
        Record.kind.in_([RecordKind.LIST.value, RecordKind.PENALTY.value]),
    )
    for row in session.execute(query):
        by_subject[row.subject_id].append(row)
    return {
        s.id: SubjectSummary(s, public_name(s, by_subject[s.id]),
                             credit_status(by_subject[s.id], s.registration_status))
        for s in by_id.values()
    }


def public_records_by_id(
    session: Session, record_ids: Iterable[int], today: date | None = None
) -> dict[int, Record]:
    """Records by id, only those public today (a stale index never leaks a hidden one)."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return {}
    query = (
        select(Record)
        .where(Record.id.in_(ids), public_record_clause(today or china_today()))
        .options(joinedload(Record.subject), joinedload(Record.department),
                 *WITHOUT_FILE_COLUMNS)
    )
    return {r.id: r for r in session.scalars(query).unique()}


def status_json(status: CreditStatus) -> dict[str, Any]:
    return {
        "colour": status.colour,
        "colour_label": status.colour_label,
        "label": status.label,
        "meaning": status.meaning,
        "reasons": list(status.reasons),
        "honoured": status.honoured,
    }
