"""Importing a department's file: read, check, plan, and write subjects and records in bulk.

Every import first computes its plan (plan.py): new, updated with a field diff, unchanged,
rejected, and conflicts (an existing record that would change subject, department or kind).
Conflicts are rejected with their reason unless an administrator overrides them. A web
upload stops at the plan (a *preview* batch holding the file) until the officer confirms;
applying records what each row was before (ImportChange), so `rollback_batch` can restore it.

The service flushes and never commits: the CLI command or the back-office request commits
once, so a file is imported entirely or (on a crash) not at all. Look-ups are batched (a few
queries per thousand rows), never one query per row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from webapp.models import Department, ImportBatch, Record, Region, Subject
from webapp.models.base import utcnow
from webapp.models.imports import BatchState, ImportChange, ImportStagedFile
from webapp.models.staff import StaffUser
from webapp.rules.kinds import Visibility
from webapp.services.clock import today as china_today
from webapp.services.imports import plan as planning
from webapp.services.imports.aliases import apply_aliases
from webapp.services.imports.holds import held_records
from webapp.services.imports.plan import Action, PlannedRow
from webapp.services.imports.reader import Table, UnusableFile, read_table
from webapp.services.imports.regions import CITY, KNOWN_NAMES
from webapp.services.imports.rows import (
    ParsedRow,
    RowError,
    SubjectRef,
    context_for,
    parse_row,
)
from webapp.services.imports.snapshots import snapshot
from webapp.services.imports.specs import SPECS

_MAX_NOTES = 50  # repeated-row notes listed one by one; the rest are counted
_CHUNK = 500  # keys per IN (...) query: far below every database's parameter limit
_PLAN_SHOWN = 500  # rows of each action kept on the batch for its page (conflicts: all)
_NAME_COLUMNS = ("行政相对人名称", "主体名称", "承诺主体名称")
_DOC_COLUMNS = ("行政处罚决定书文号", "行政许可决定文书号", "文书号")
_CODES_BY_NAME = {name: code for code, name in KNOWN_NAMES.items()}
T = TypeVar("T")


@dataclass
class ImportResult:
    kind: str
    filename: str
    batch_id: int | None = None
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    subjects_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    # How every header of the file was read: (header as written, column or None = ignored).
    header_mapping: list[tuple[str, str | None]] = field(default_factory=list)
    held: int = 0  # rows left as a decided objection corrected them
    unusable: str | None = None  # why the file could not be imported at all
    conflicts: int = 0  # existing records the file would move to another subject/department
    applied: bool = True  # False: a preview, nothing written
    plan_digest: str = ""
    planned: list[PlannedRow] = field(default_factory=list, repr=False)

    @property
    def exit_code(self) -> int:
        """0 every row imported, 1 some rows rejected, 2 the file is unusable."""
        if self.unusable:
            return 2
        return 1 if self.rejected else 0

    def summary(self) -> str:
        if self.unusable:
            return f"文件无法导入：{self.unusable}"
        label = SPECS[self.kind].label
        if not self.applied:
            return (
                f"{label}（预览，尚未导入）：共{self.rows_total}行，将新增{self.created}，"
                f"更新{self.updated}，未变{self.unchanged}，冲突{self.conflicts}，"
                f"拒绝{self.rejected}"
            )
        conflicts = f"（其中冲突{self.conflicts}）" if self.conflicts else ""
        return (
            f"{label}：共{self.rows_total}行，新增{self.created}，更新{self.updated}，"
            f"未变{self.unchanged}，拒绝{self.rejected}{conflicts}；"
            f"新建主体{self.subjects_created}"
        )

    def report_lines(self) -> list[str]:
        lines = [self.summary()]
        renamed = [f"“{h}”→{c}" for h, c in self.header_mapping if c and h != c]
        if renamed:
            lines.append("表头对应：" + "，".join(renamed))
        lines += [f"提示：{w}" for w in self.warnings]
        for row in self.planned:
            if row.action == Action.CONFLICT:
                lines.append(f"冲突 第{row.parsed.number}行 {row.label}：{'；'.join(row.reasons)}")
        lines += [f"第{e.row}行 [{e.column or '-'}]：{e.reason}" for e in self.errors]
        return lines


class PlanChanged(ValueError):
    """The data changed between preview and confirmation: the officer must look again."""


class UploadGone(ValueError):
    """The preview was confirmed, discarded or belongs to someone else."""


def import_file(
    session: Session,
    kind: str,
    filename: str,
    data: bytes,
    department_id: int | None = None,
    actor: str | None = None,
    **options: Any,
) -> ImportResult:
    """Import one file of `kind` (entities, license, penalty, list, commitment, evaluation).

    options: those of `import_table` (apply=False for a plan only, restrict_to, override…).
    """
    _check_kind(kind)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(filename, data)
    except UnusableFile as error:
        return _unusable(session, kind, filename, sha256, department_id, actor, str(error),
                         options.get("batch"))
    return import_table(session, kind, table, filename, department_id, actor, sha256=sha256,
                        **options)


def import_rows(
    session: Session,
    kind: str,
    rows: Sequence[Mapping[str, str]],
    filename: str,
    actor: str | None = None,
) -> ImportResult:
    """Import rows already in memory (demo data) through the same checks as a file."""
    _check_kind(kind)
    table = Table.from_dicts([dict(r) for r in rows])
    digest = hashlib.sha256(
        json.dumps([table.headers, table.rows], ensure_ascii=False).encode()
    ).hexdigest()
    if not table.rows:
        return ImportResult(kind, filename)
    return import_table(session, kind, table, filename, None, actor, sha256=digest)


def import_table(
    session: Session,
    kind: str,
    table: Table,
    filename: str,
    department_id: int | None = None,
    actor: str | None = None,
    *,
    sha256: str = "",
    today: date | None = None,
    apply: bool = True,
    restrict_to: str | None = None,
    override_reason: str | None = None,
    expect_digest: str | None = None,
    batch: ImportBatch | None = None,
) -> ImportResult:
    """Plan the file and (apply=True) write it.

    restrict_to: a department's name; rows naming another deciding body are rejected (a
    data officer uploads their own department's records only). override_reason: apply the
    conflicts too (an administrator's explicit decision, audited by the caller).
    expect_digest: the previewed plan's fingerprint; PlanChanged when it no longer matches.
    batch: the preview batch being confirmed.
    """
    _check_kind(kind)
    spec = SPECS[kind]
    table, mapping = apply_aliases(kind, table)
    missing = [c for c in spec.required if c not in table.headers]
    if missing:
        return _unusable(
            session, kind, filename, sha256, department_id, actor,
            f"缺少必填列：{'、'.join(missing)}（列名须与数据标准一致）", batch,
        )
    result = ImportResult(kind, filename, rows_total=len(table.rows), applied=apply)
    result.header_mapping = list(mapping.pairs)
    result.warnings.extend(table.notes)
    result.unknown_columns = [h for h, column in mapping.pairs if column is None]
    if result.unknown_columns:
        result.warnings.append(
            f"以下列不在数据标准中，已作为附加信息保存：{'、'.join(result.unknown_columns)}"
        )
    if batch is None:
        batch = ImportBatch(kind=kind, filename=filename[:255], sha256=sha256,
                            department_id=department_id, actor=actor)
        session.add(batch)
    batch.rows_total = result.rows_total
    batch.state = (BatchState.APPLIED if apply else BatchState.PREVIEW).value
    session.flush()
    result.batch_id = batch.id

    ctx = context_for(kind, current_app.config, today or china_today())
    parsed: list[ParsedRow] = []
    notes: list[str] = []
    for number, row in table.rows:
        outcome = parse_row(kind, number, row, ctx)
        if isinstance(outcome, list):
            # Errors name the column as the department's file wrote it.
            result.errors.extend(
                RowError(e.row, mapping.source_of(e.column) if e.column else "", e.reason)
                for e in outcome
            )
        else:
            parsed.append(outcome)
            notes.extend(outcome.notes)
    _add_capped(result.warnings, notes, "另有{}条数值换算或代码说明，未逐条列出")
    if restrict_to is not None:
        parsed = _in_department(parsed, kind, restrict_to, result)
    parsed = _drop_duplicates(parsed, result)

    writer = _Writer(session, batch, result)
    planned = planning.Planner(session, kind).plan(parsed, writer.region)
    result.planned = planned
    result.plan_digest = planning.digest(planned, result.errors)
    if expect_digest is not None and expect_digest != result.plan_digest:
        raise PlanChanged("预览之后数据已发生变化，请重新核对预览后再确认。")
    result.conflicts = sum(1 for r in planned if r.action == Action.CONFLICT)
    if apply:
        writer.apply(planned, override=bool(override_reason))
        batch.override_reason = override_reason if result.conflicts else None
        batch.applied_at = utcnow()
    else:
        _count_plan(planned, result)

    result.errors.sort(key=lambda e: (e.row or 0, e.column))
    result.rejected = len({e.row for e in result.errors})
    batch.rows_created, batch.rows_updated = result.created, result.updated
    batch.rows_unchanged, batch.rows_rejected = result.unchanged, result.rejected
    batch.rows_conflicting = result.conflicts
    batch.errors = _named_errors(result.errors, table)
    batch.warnings = list(result.warnings)
    batch.plan = _plan_for_page(planned)
    batch.plan_digest = result.plan_digest
    session.flush()
    return result


def _add_capped(target: list[str], lines: list[str], more: str) -> None:
    target.extend(lines[:_MAX_NOTES])
    if len(lines) > _MAX_NOTES:
        target.append(more.format(len(lines) - _MAX_NOTES))
def preview_upload(session: Session, kind: str, filename: str, data: bytes, *,
                   staff: StaffUser, department_id: int | None,
                   restrict_to: str | None) -> ImportResult:
    """Plan a web upload and keep the file, bound to its uploader, until confirmed."""
    result = import_file(session, kind, filename, data, department_id=department_id,
                         actor=staff.username, apply=False, restrict_to=restrict_to)
    if not result.unusable:
        session.add(ImportStagedFile(batch_id=result.batch_id, staff_id=staff.id, data=data))
        session.flush()
    return result


def _staged(session: Session, batch: ImportBatch, staff: StaffUser) -> ImportStagedFile:
    staged = session.get(ImportStagedFile, batch.id, with_for_update=True)
    if batch.state != BatchState.PREVIEW.value or staged is None:
        raise UploadGone("该预览已确认或已取消。")
    if staged.staff_id != staff.id:
        raise UploadGone("只能由上传该文件的人员确认或取消。")
    return staged


def confirm_upload(session: Session, batch: ImportBatch, staff: StaffUser, *,
                   restrict_to: str | None, override_reason: str | None = None
                   ) -> ImportResult:
    """Apply the previewed plan exactly (PlanChanged when the data moved meanwhile)."""
    staged = _staged(session, batch, staff)
    result = import_file(session, batch.kind, batch.filename, staged.data,
                         department_id=batch.department_id, actor=staff.username,
                         restrict_to=restrict_to, override_reason=override_reason,
                         expect_digest=batch.plan_digest, batch=batch)
    session.delete(staged)
    session.flush()
    return result


def discard_upload(session: Session, batch: ImportBatch, staff: StaffUser) -> None:
    session.delete(_staged(session, batch, staff))
    batch.state = BatchState.DISCARDED.value
    session.flush()


def discard_stale_previews(session: Session, started_before: datetime) -> list[int]:
    """Discard the previews started before `started_before` that nobody confirmed: their
    staged files (up to IMPORT_MAX_UPLOAD_BYTES each) leave the database, the batches stay
    as 已取消 with their plan and error report. Returns the batch ids, oldest first."""
    stale = list(session.scalars(
        select(ImportBatch).where(ImportBatch.state == BatchState.PREVIEW.value,
                                  ImportBatch.started_at < started_before)
        .order_by(ImportBatch.id).with_for_update()))
    if stale:
        session.execute(delete(ImportStagedFile).where(
            ImportStagedFile.batch_id.in_([batch.id for batch in stale])))
    for batch in stale:
        batch.state = BatchState.DISCARDED.value
    session.flush()
    return [batch.id for batch in stale]


def _in_department(parsed: list[ParsedRow], kind: str, department: str,
                   result: ImportResult) -> list[ParsedRow]:
    column = planning.DEPARTMENT_COLUMNS.get(kind)
    if column is None:
        return parsed
    kept = []
    for p in parsed:
        named = p.department[0] if p.department else ""
        if named == department:
            kept.append(p)
        else:
            result.errors.append(RowError(
                p.number, column, f"不是本部门的记录：{column}为“{named}”，本部门为"
                f"“{department}”，未导入（请由该机关报送）"))
    return kept


def _count_plan(planned: list[PlannedRow], result: ImportResult) -> None:
    for row in planned:
        if row.action == Action.NEW:
            result.created += 1
        elif row.action == Action.UPDATED:
            result.updated += 1
        elif row.action == Action.UNCHANGED:
            result.unchanged += 1


def _plan_for_page(planned: list[PlannedRow]) -> dict[str, Any]:
    shown: dict[str, list[dict[str, Any]]] = {
        Action.NEW: [], Action.UPDATED: [], Action.CONFLICT: []}
    for row in planned:
        rows = shown.get(row.action)
        if rows is not None and (row.action == Action.CONFLICT or len(rows) < _PLAN_SHOWN):
            rows.append(row.as_dict())
    return {**shown, "shown_limit": _PLAN_SHOWN}


def _named_errors(errors: list[RowError], table: Table) -> list[dict[str, Any]]:
    """Each error with the row's name and 文书号, so the department finds the row."""
    rows = dict(table.rows)
    named = []
    for error in errors:
        entry = error.as_dict()
        row = rows.get(error.row or -1, {})
        entry["name"] = next((row[c] for c in _NAME_COLUMNS if row.get(c)), "")
        entry["doc"] = next((row[c] for c in _DOC_COLUMNS if row.get(c)), "")
        named.append(entry)
    return named


def _check_kind(kind: str) -> None:
    if kind not in SPECS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(SPECS)}")


def _unusable(
    session: Session, kind: str, filename: str, sha256: str, department_id: int | None,
    actor: str | None, reason: str, batch: ImportBatch | None = None,
) -> ImportResult:
    """Keep a batch for the attempt, so the back office can show why nothing was imported."""
    if batch is None:
        batch = ImportBatch(kind=kind, filename=filename[:255], sha256=sha256,
                            department_id=department_id, actor=actor)
        session.add(batch)
    batch.state = BatchState.APPLIED.value
    batch.errors = [{"row": None, "column": "", "reason": reason}]
    batch.warnings = []
    session.flush()
    return ImportResult(kind, filename, batch_id=batch.id, unusable=reason)


def _drop_duplicates(parsed: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    """The same record twice in one file: identical rows count once, differing ones are
    rejected (the file contradicts itself; the department must say which is right)."""
    seen: dict[str, ParsedRow] = {}
    kept: list[ParsedRow] = []
    repeated: list[str] = []
    for row in parsed:
        key = row.identity or row.subject.key
        first = seen.get(key)
        if first is None:
            seen[key] = row
            kept.append(row)
        elif _same_content(first, row):
            result.unchanged += 1
            repeated.append(f"第{row.number}行与第{first.number}行完全相同，已按一条导入")
        else:
            column = row.identity_column or (
                "统一社会信用代码" if row.subject.uscc else "证件号码"
            )
            result.errors.append(RowError(
                row.number, column, f"与第{first.number}行是同一条记录但内容不同，未导入"
            ))
    result.warnings.extend(repeated[:_MAX_NOTES])
    if len(repeated) > _MAX_NOTES:
        more = len(repeated) - _MAX_NOTES
        result.warnings.append(f"另有{more}行与前面的行完全相同，已按一条导入")
    return kept


def _same_content(a: ParsedRow, b: ParsedRow) -> bool:
    def content(p: ParsedRow) -> Any:
        record = {k: v for k, v in p.record.items() if k != "source_row"}
        return (record, p.subject.name, p.subject.fields, p.subject.region, p.department)

    return content(a) == content(b)


class _Writer:
    """Batched writes for one import, each change recorded for the batch's rollback."""

    def __init__(self, session: Session, batch: ImportBatch, result: ImportResult) -> None:
        self.session = session
        self.batch = batch
        self.result = result
        self._regions: dict[str, Region] | None = None
        self._changes: list[tuple[str, Any, str, dict[str, Any] | None]] = []

    def apply(self, planned: list[PlannedRow], override: bool) -> None:
        kept = []
        for row in planned:
            if row.action == Action.CONFLICT and not override:
                column = row.parsed.identity_column or "统一社会信用代码"
                self.result.errors.append(RowError(
                    row.parsed.number, column,
                    f"冲突，未导入：{'；'.join(row.reasons)}。已公示的记录不会被改到其他主体或"
                    "部门；如确为更正，请核实后由系统管理员确认强制导入",
                ))
            else:
                kept.append(row)
        subjects = self.subjects([r.parsed.subject for r in kept],
                                 update=self.result.kind == "entities")
        if self.result.kind != "entities":
            self.records(kept, subjects)
        self._record_changes()

    # -- subjects ---------------------------------------------------------------------

    def subjects(self, refs: Iterable[SubjectRef], update: bool) -> dict[str, Subject]:
        """Every referenced subject by key, created where unknown (updated for entities)."""
        wanted = {ref.key: ref for ref in refs}
        found = planning.existing_subjects(self.session, wanted.values())
        new: list[Subject] = []
        for key, ref in wanted.items():
            subject = found.get(key)
            if subject is None:
                subject = Subject(
                    uscc=ref.uscc, name=ref.name, subject_type=ref.subject_type,
                    id_number=ref.id_number, former_names=[],
                )
                self._apply(subject, ref)
                new.append(subject)
                found[key] = subject
            elif update:
                before = snapshot(subject)
                if self._apply(subject, ref):
                    self.result.updated += 1
                    self._changes.append(("subject", subject, "updated", before))
                else:
                    self.result.unchanged += 1
        self.session.add_all(new)
        self.session.flush()
        self._changes.extend(("subject", s, "created", None) for s in new)
        self.result.subjects_created = len(new)
        if update:
            self.result.created = len(new)
        return found

    def _apply(self, subject: Subject, ref: SubjectRef) -> bool:
        """Copy the row's non-empty values onto the subject; True when anything changed."""
        region = self.region(ref)
        updates = planning.subject_updates(subject, ref, region.id if region else None)
        for name, value in updates.items():
            setattr(subject, name, value)
        return bool(updates)

    def region(self, ref: SubjectRef, create: bool = True) -> Region | None:
        """所属区域 (a name or a code), else the county in the USCC's positions 3-8."""
        if self._regions is None:
            self._regions = {}
            for region in self.session.scalars(select(Region)):
                self._regions[region.code] = self._regions[region.name] = region
        given = ref.region or ""
        code = given if given.isdigit() else _CODES_BY_NAME.get(given, "")
        if not given and ref.uscc:
            code = ref.uscc[2:8]
        region = self._regions.get(given) or self._regions.get(code)
        if region is None and code in KNOWN_NAMES and create:
            region = self._create_region(code, self._regions)
        if region is None and given and create:
            note = f"所属区域“{given}”未登记，相关主体暂不设区域"
            if note not in self.result.warnings:
                self.result.warnings.append(note)
        return region

    def _create_region(self, code: str, known: dict[str, Region]) -> Region:
        parent = None
        if code != CITY[0]:  # counties hang under the city
            parent = known.get(CITY[0]) or self._create_region(CITY[0], known)
        region = Region(code=code, name=KNOWN_NAMES[code], parent_id=parent.id if parent else None)
        self.session.add(region)
        self.session.flush()
        known[code] = known[region.name] = region
        return region

    # -- departments ------------------------------------------------------------------

    def departments(self, wanted: Iterable[tuple[str, str | None]]) -> dict[str, Department]:
        by_name = {d.name: d for d in self.session.scalars(select(Department))}
        for name, code in wanted:
            department = by_name.get(name)
            if department is None:
                department = by_name[name] = Department(name=name, uscc=code)
                self.session.add(department)
            elif code and not department.uscc:
                department.uscc = code
        self.session.flush()
        return by_name

    # -- records ----------------------------------------------------------------------

    def records(self, planned: list[PlannedRow], subjects: dict[str, Subject]) -> None:
        departments = self.departments(
            r.parsed.department for r in planned if r.parsed.department)
        held = held_records(self.session, [r.record.id for r in planned if r.record])
        now = utcnow()
        new: list[Record] = []
        for row in planned:
            p = row.parsed
            if row.action == Action.UNCHANGED:
                self.result.unchanged += 1
                continue
            values = planning.record_values(
                p, subjects[p.subject.key].id,
                departments[p.department[0]].id if p.department else None)
            record = row.record
            if record is None:
                record = Record(identity_key=p.identity or "", batch_id=self.batch.id,
                                published_at=now, **values)
                if p.revoke_reason:
                    record.set_visibility(Visibility.REVOKED, p.revoke_reason)
                elif p.withheld_reason:
                    record.set_visibility(Visibility.UNPUBLISHED, p.withheld_reason)
                new.append(record)
                self.result.created += 1
            elif record.id in held:
                # A decided objection corrected or revoked it: the department's file does not
                # undo that silently; the report says so.
                self.result.unchanged += 1
                self.result.held += 1
                if any(getattr(record, k) != v for k, v in values.items() if k != "source_row"):
                    self.result.warnings.append(
                        f"第{p.number}行：该记录已按异议处理决定（{held[record.id]}）更正，"
                        "本次导入未覆盖，仍保留更正后的内容"
                    )
            elif self._update(record, values, p.revoke_reason, p.withheld_reason):
                self.result.updated += 1
            else:
                self.result.unchanged += 1
        self.session.add_all(new)
        self.session.flush()
        self._changes.extend(("record", r, "created", None) for r in new)

    def _update(self, record: Record, values: dict[str, Any], revoke: str | None,
                withheld: str | None = None) -> bool:
        changed = planning.record_changes(record, values, revoke, withheld)
        if not changed:
            return False
        before = snapshot(record)
        for key, value in changed.items():
            if key != "visibility":
                setattr(record, key, value)
        reasons = {Visibility.REVOKED.value: revoke, Visibility.UNPUBLISHED.value: withheld}
        if "visibility" in changed:
            record.set_visibility(Visibility(changed["visibility"]),
                                  reasons.get(changed["visibility"]) or "按更新后的数据公示")
        record.batch_id = self.batch.id  # the batch that last changed it
        self._changes.append(("record", record, "updated", before))
        return True

    def _record_changes(self) -> None:
        """One ImportChange per touched row, with its state before and after (bulk insert)."""
        if not self._changes:
            return
        self.session.flush()
        rows = [{"batch_id": self.batch.id, "entity": entity, "object_id": obj.id,
                 "action": action, "before": before, "after": snapshot(obj)}
                for entity, obj, action, before in self._changes]
        for chunk in planning.chunks(rows):
            self.session.execute(insert(ImportChange), list(chunk))
        self._changes.clear()
