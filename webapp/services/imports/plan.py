"""What an import would do, computed before anything is written.

Each parsed row becomes one PlannedRow: new, updated (with the field diff), unchanged, or a
*conflict* — an existing record that would move to another subject, department or kind
(the same 文书号 reused for another company). Conflicts are never applied silently: the
writer rejects them unless an administrator overrides them explicitly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Department, Record, Subject
from webapp.rules.kinds import SHOWN_VISIBILITIES, Visibility
from webapp.services.imports.rows import ParsedRow, SubjectRef
from webapp.services.imports.snapshots import encode

_CHUNK = 500  # keys per IN (...) query: far below every database's parameter limit
SUBJECT_FIELDS = (
    "legal_representative", "founded_on", "registration_authority", "address",
    "business_scope", "registration_status",
)
#: How the preview names a changed field.
FIELD_LABELS = {
    "kind": "类别", "doc_number": "决定文书号", "title": "名称/事项", "content": "内容",
    "facts": "违法事实/列入原因", "legal_basis": "依据", "decided_on": "决定日期",
    "valid_from": "有效期自", "valid_until": "有效期至", "public_until": "公示截止期",
    "repair_eligible_on": "可申请信用修复日期", "list_type": "名单类型",
    "list_nature": "名单性质", "removed_on": "移出日期", "severity": "严重程度",
    "grade": "等级/结果", "amount": "金额（万元）", "visibility": "公示状态",
    "subject_id": "主体", "department_id": "部门", "source_row": "原始行",
    "name": "名称", "subject_type": "主体类别", "former_names": "曾用名",
    "region_id": "所属区域", "legal_representative": "法定代表人", "founded_on": "成立日期",
    "registration_authority": "登记机关", "address": "住所",
    "business_scope": "经营范围", "registration_status": "登记状态",
}
#: The file's column that names the deciding body, per kind (a data officer's scope).
DEPARTMENT_COLUMNS = {
    "license": "许可机关", "penalty": "处罚机关", "list": "认定部门",
    "commitment": "承诺受理单位", "evaluation": "评价单位",
}
T = TypeVar("T")


class Action:
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass
class PlannedRow:
    parsed: ParsedRow
    action: str
    label: str  # what the officer recognises the row by: 文书号 or name, and the subject
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # label → (before, after)
    reasons: list[str] = field(default_factory=list)  # a conflict's, in words
    record: Record | None = None
    subject: Subject | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.parsed.number, "action": self.action, "label": self.label,
            "identity": self.parsed.identity or self.parsed.subject.key,
            "diff": [[k, _shown(a), _shown(b)] for k, (a, b) in self.diff.items()],
            "reasons": self.reasons,
        }


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def subject_key(subject: Subject) -> str:
    return subject.uscc or f"{subject.name}|{subject.id_number}"


def existing_subjects(session: Session, refs: Iterable[SubjectRef]) -> dict[str, Subject]:
    refs = list(refs)
    codes = sorted({r.uscc for r in refs if r.uscc})
    numbers = sorted({r.id_number for r in refs if not r.uscc and r.id_number})
    found: dict[str, Subject] = {}
    for chunk in chunks(codes):
        for s in session.scalars(select(Subject).where(Subject.uscc.in_(chunk))):
            found[s.uscc or ""] = s
    for chunk in chunks(numbers):
        query = select(Subject).where(Subject.id_number.in_(chunk), Subject.uscc.is_(None))
        for s in session.scalars(query):
            found[f"{s.name}|{s.id_number}"] = s
    return found


def existing_records(session: Session, identities: Sequence[str]) -> dict[str, Record]:
    found: dict[str, Record] = {}
    for chunk in chunks(identities):
        for record in session.scalars(select(Record).where(Record.identity_key.in_(chunk))):
            found[record.identity_key] = record
    return found


def subject_updates(subject: Subject, ref: SubjectRef, region_id: int | None) -> dict[str, Any]:
    """The attributes an entities row would change on `subject` (nothing is set here)."""
    updates: dict[str, Any] = {}
    former = list(subject.former_names or [])
    name = subject.name
    if subject.id is not None and ref.name != subject.name:
        # A renamed organisation keeps its old name findable as a former name.
        former.append(subject.name)
        name = updates["name"] = ref.name
    if subject.id is not None and ref.subject_type != subject.subject_type:
        updates["subject_type"] = ref.subject_type
    for attr in SUBJECT_FIELDS:
        value = ref.fields.get(attr)
        if value and getattr(subject, attr) != value:
            updates[attr] = value
    merged = list(dict.fromkeys(
        [*former, *(n for n in ref.fields.get("former_names", []) if n != name)]))
    if merged != (subject.former_names or []):
        updates["former_names"] = merged
    if region_id is not None and subject.region_id != region_id:
        updates["region_id"] = region_id
    return updates


def record_values(p: ParsedRow, subject_id: int | None, department_id: int | None
                  ) -> dict[str, Any]:
    values = dict(p.record)
    values["subject_id"] = subject_id
    values["department_id"] = department_id
    return values


def record_changes(record: Record, values: dict[str, Any], revoke: str | None,
                   withheld: str | None = None) -> dict[str, Any]:
    """Attribute → new value for what the row changes on `record` (visibility included)."""
    changed = {k: v for k, v in values.items() if getattr(record, k) != v}
    shown = record.visibility in {v.value for v in SHOWN_VISIBILITIES}
    if revoke and (shown or record.visibility == Visibility.UNPUBLISHED):
        # A removal or invalidation withdraws a shown record; archived (repaired) or
        # already revoked records keep their state and reason.
        changed["visibility"] = Visibility.REVOKED.value
    elif withheld and record.visibility == Visibility.PUBLIC:
        changed["visibility"] = Visibility.UNPUBLISHED.value  # the 2026 measures: not shown
    elif not withheld and not revoke and record.visibility == Visibility.UNPUBLISHED:
        changed["visibility"] = Visibility.PUBLIC.value  # the updated row may be published
    return changed


class Planner:
    """Batched, read-only look-ups: a few queries per thousand rows, no writes."""

    def __init__(self, session: Session, kind: str) -> None:
        self.session = session
        self.kind = kind
        self.departments = {d.name: d for d in session.scalars(select(Department))}
        self.departments_by_id = {d.id: d for d in self.departments.values()}

    def plan(self, parsed: list[ParsedRow], regions: Any) -> list[PlannedRow]:
        subjects = existing_subjects(self.session, (p.subject for p in parsed))
        if self.kind == "entities":
            return [self._plan_subject(p, subjects.get(p.subject.key), regions) for p in parsed]
        records = existing_records(self.session, [p.identity or "" for p in parsed])
        owner_ids = sorted({r.subject_id for r in records.values()})
        owners: dict[int, Subject] = {}
        for chunk in chunks(owner_ids):
            owners.update((s.id, s) for s in self.session.scalars(
                select(Subject).where(Subject.id.in_(chunk))))
        return [self._plan_record(p, records.get(p.identity or ""), subjects, owners)
                for p in parsed]

    def _plan_subject(self, p: ParsedRow, subject: Subject | None, regions: Any) -> PlannedRow:
        label = _subject_label(p.subject.name, p.subject.code)
        if subject is None:
            return PlannedRow(p, Action.NEW, label)
        region = regions(p.subject, create=False)
        updates = subject_updates(subject, p.subject, region.id if region else None)
        diff = {FIELD_LABELS.get(k, k): (getattr(subject, k), v) for k, v in updates.items()}
        action = Action.UPDATED if updates else Action.UNCHANGED
        return PlannedRow(p, action, label, diff, subject=subject)

    def _plan_record(self, p: ParsedRow, record: Record | None, subjects: dict[str, Subject],
                     owners: dict[int, Subject]) -> PlannedRow:
        label = f"{p.record.get('doc_number') or p.record.get('title') or ''}" \
                f"（{p.subject.name}）"
        if record is None:
            return PlannedRow(p, Action.NEW, label)
        reasons = []
        owner = owners.get(record.subject_id)
        if owner is not None and subject_key(owner) != p.subject.key:
            reasons.append(
                f"主体将由“{_subject_label(owner.name, owner.uscc or owner.id_number)}”"
                f"变为“{_subject_label(p.subject.name, p.subject.code)}”")
        wanted = self.departments.get(p.department[0]) if p.department else None
        if record.department_id != (wanted.id if wanted else None):
            old = self.departments_by_id.get(record.department_id or 0)
            reasons.append(f"部门将由“{old.name if old else '无'}”变为"
                           f"“{p.department[0] if p.department else '无'}”")
        if record.kind != p.record.get("kind"):
            reasons.append(f"类别将由“{record.kind}”变为“{p.record.get('kind')}”")
        if reasons:
            return PlannedRow(p, Action.CONFLICT, label, reasons=reasons, record=record)
        values = record_values(p, record.subject_id, record.department_id)
        changed = record_changes(record, values, p.revoke_reason, p.withheld_reason)
        diff = _record_diff(record, changed)
        action = Action.UPDATED if changed else Action.UNCHANGED
        return PlannedRow(p, action, label, diff, record=record)


def _record_diff(record: Record, changed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}
    for key, new in changed.items():
        old = getattr(record, key)
        if key in ("details", "extra") and isinstance(old, dict) and isinstance(new, dict):
            for name in dict.fromkeys([*old, *new]):
                if old.get(name) != new.get(name):
                    diff[name] = (old.get(name), new.get(name))
        elif key != "source_row":
            diff[FIELD_LABELS.get(key, key)] = (old, new)
    if not diff and "source_row" in changed:
        diff["原始行"] = ("（原格式）", "（新格式，内容等同）")
    return diff


def _subject_label(name: str, code: str | None) -> str:
    return f"{name}（{code}）" if code else name


def _shown(value: Any) -> str:
    value = encode(value)
    if value is None or value == "":
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def digest(rows: Iterable[PlannedRow], errors: Iterable[Any]) -> str:
    """A fingerprint of the plan: a confirmation applies only the plan that was previewed."""
    payload: list[Any] = [r.as_dict() for r in rows]
    payload.append(sorted((e.row or 0, e.column, e.reason) for e in errors))
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()
                          ).hexdigest()
