"""Rolling an applied batch back to exactly the state before it.

Refused, with the reasons, when that would undo something done since: a row changed after
the batch (a later batch, a correction), or a created record that a case now names. Subjects
the batch created are removed unless something else still refers to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import ImportBatch, Record, Subject
from webapp.models.base import utcnow
from webapp.models.imports import BatchState, ImportChange
from webapp.services.imports.plan import chunks
from webapp.services.imports.snapshots import restore, same_state, snapshot

_SHOWN_PROBLEMS = 20


class RollbackRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        more = len(problems) - _SHOWN_PROBLEMS
        shown = problems[:_SHOWN_PROBLEMS] + ([f"另有 {more} 处"] if more > 0 else [])
        super().__init__("不能回滚：" + "；".join(shown))
        self.problems = problems


@dataclass
class RollbackResult:
    records_deleted: int = 0
    records_restored: int = 0
    subjects_deleted: int = 0
    subjects_restored: int = 0
    subjects_kept: list[str] = field(default_factory=list)  # still referred to elsewhere


def _load(session: Session, model: type, ids: list[int]) -> dict[int, object]:
    found: dict[int, object] = {}
    for chunk in chunks(ids):
        found.update((o.id, o) for o in session.scalars(select(model).where(model.id.in_(chunk))))
    return found


def _referenced(session: Session, table: str, ids: list[int],
                ignore: frozenset[str] = frozenset()) -> set[int]:
    """Ids of `table` that a row of another table points to (any foreign key)."""
    hits: set[int] = set()
    for other in db.metadata.sorted_tables:
        if other.name in ignore or other.name == "import_changes":
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name != table:
                continue
            for chunk in chunks(ids):
                hits.update(session.scalars(
                    select(fk.parent).where(fk.parent.in_(chunk)).distinct()))
    return hits


def _label(record: Record) -> str:
    return f"记录 {record.doc_number or record.title or record.id}"


def rollback_batch(session: Session, batch: ImportBatch, actor: str) -> RollbackResult:
    """Restore every row the batch touched; flushes, the caller audits and commits."""
    if batch.state != BatchState.APPLIED.value:
        raise RollbackRefused(["该批次当前不是“已导入”状态"])
    changes = list(session.scalars(
        select(ImportChange).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id)))
    by_entity: dict[str, list[ImportChange]] = {"record": [], "subject": []}
    for change in changes:
        by_entity[change.entity].append(change)
    records = _load(session, Record, [c.object_id for c in by_entity["record"]])
    subjects = _load(session, Subject, [c.object_id for c in by_entity["subject"]])

    problems: list[str] = []
    for change in by_entity["record"]:
        record = records.get(change.object_id)
        if record is None:
            problems.append(f"记录（编号 {change.object_id}）已不存在")
        elif not same_state(snapshot(record), change.after):
            problems.append(f"{_label(record)} 在本批次之后已被修改（请先回滚之后的批次或核实）")
    created = [c.object_id for c in by_entity["record"] if c.action == "created"]
    for record_id in sorted(_referenced(session, "records", created)):
        record = records[record_id]
        problems.append(f"{_label(record)} 已有案件或其他数据引用")
    for change in by_entity["subject"]:
        subject = subjects.get(change.object_id)
        if change.action == "updated" and (
                subject is None or not same_state(snapshot(subject), change.after)):
            name = subject.name if subject else change.object_id
            problems.append(f"主体 {name} 在本批次之后已被修改")
    if problems:
        raise RollbackRefused(problems)

    result = RollbackResult()
    for change in by_entity["record"]:
        record = records[change.object_id]
        if change.action == "created":
            session.delete(record)
            result.records_deleted += 1
        else:
            restore(record, change.before or {})
            result.records_restored += 1
    session.flush()
    created_subjects = [c.object_id for c in by_entity["subject"] if c.action == "created"]
    still_used = _referenced(session, "subjects", created_subjects)
    for change in by_entity["subject"]:
        subject = subjects[change.object_id]
        if change.action == "updated":
            restore(subject, change.before or {})
            result.subjects_restored += 1
        elif change.object_id in still_used:
            result.subjects_kept.append(subject.name)
        else:
            session.delete(subject)
            result.subjects_deleted += 1
    batch.state = BatchState.ROLLED_BACK.value
    batch.rolled_back_at = utcnow()
    batch.rolled_back_by = actor
    session.flush()
    return result
