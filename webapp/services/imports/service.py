"""Importing a department's file: read, check, and write subjects and records in bulk.

The service flushes and never commits: the CLI command or the back-office request commits
once, so a file is imported entirely or (on a crash) not at all. Look-ups are batched (a few
queries per thousand rows), never one query per row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Department, ImportBatch, Record, Region, Subject
from webapp.models.base import utcnow
from webapp.rules.kinds import SHOWN_VISIBILITIES, Visibility
from webapp.services.clock import today as china_today
from webapp.services.imports.aliases import apply_aliases
from webapp.services.imports.holds import held_records
from webapp.services.imports.reader import Table, UnusableFile, read_table
from webapp.services.imports.regions import CITY, KNOWN_NAMES
from webapp.services.imports.rows import (
    ParsedRow,
    RowError,
    SubjectRef,
    context_for,
    parse_row,
)
from webapp.services.imports.specs import SPECS

_MAX_NOTES = 50  # repeated-row notes listed one by one; the rest are counted
_CHUNK = 500  # keys per IN (...) query: far below every database's parameter limit
_SUBJECT_FIELDS = (
    "legal_representative", "founded_on", "registration_authority", "address",
    "business_scope", "registration_status",
)
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
        return (
            f"{label}：共{self.rows_total}行，新增{self.created}，更新{self.updated}，"
            f"未变{self.unchanged}，拒绝{self.rejected}；新建主体{self.subjects_created}"
        )

    def report_lines(self) -> list[str]:
        lines = [self.summary()]
        renamed = [f"“{h}”→{c}" for h, c in self.header_mapping if c and h != c]
        if renamed:
            lines.append("表头对应：" + "，".join(renamed))
        lines += [f"提示：{w}" for w in self.warnings]
        lines += [f"第{e.row}行 [{e.column or '-'}]：{e.reason}" for e in self.errors]
        return lines


def import_file(
    session: Session,
    kind: str,
    filename: str,
    data: bytes,
    department_id: int | None = None,
    actor: str | None = None,
) -> ImportResult:
    """Import one file of `kind` (entities, license, penalty, list, commitment, evaluation)."""
    _check_kind(kind)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(filename, data)
    except UnusableFile as error:
        return _unusable(session, kind, filename, sha256, department_id, actor, str(error))
    return import_table(session, kind, table, filename, department_id, actor, sha256=sha256)


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
) -> ImportResult:
    _check_kind(kind)
    spec = SPECS[kind]
    table, mapping = apply_aliases(kind, table)
    missing = [c for c in spec.required if c not in table.headers]
    if missing:
        return _unusable(
            session, kind, filename, sha256, department_id, actor,
            f"缺少必填列：{'、'.join(missing)}（列名须与数据标准一致）",
        )
    result = ImportResult(kind, filename, rows_total=len(table.rows))
    result.header_mapping = list(mapping.pairs)
    result.warnings.extend(table.notes)
    result.unknown_columns = [h for h, column in mapping.pairs if column is None]
    if result.unknown_columns:
        result.warnings.append(
            f"以下列不在数据标准中，已作为附加信息保存：{'、'.join(result.unknown_columns)}"
        )
    batch = ImportBatch(
        kind=kind, filename=filename[:255], sha256=sha256, department_id=department_id,
        actor=actor, rows_total=result.rows_total,
    )
    session.add(batch)
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
    parsed = _drop_duplicates(parsed, result)

    writer = _Writer(session, batch, result)
    subjects = writer.subjects([p.subject for p in parsed], update=kind == "entities")
    if kind != "entities":
        writer.records(parsed, subjects)

    result.errors.sort(key=lambda e: (e.row or 0, e.column))
    result.rejected = len({e.row for e in result.errors})
    batch.rows_created, batch.rows_updated = result.created, result.updated
    batch.rows_unchanged, batch.rows_rejected = result.unchanged, result.rejected
    batch.errors = [e.as_dict() for e in result.errors]
    batch.warnings = list(result.warnings)
    session.flush()
    return result


def _add_capped(target: list[str], lines: list[str], more: str) -> None:
    target.extend(lines[:_MAX_NOTES])
    if len(lines) > _MAX_NOTES:
        target.append(more.format(len(lines) - _MAX_NOTES))


def _check_kind(kind: str) -> None:
    if kind not in SPECS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(SPECS)}")


def _unusable(
    session: Session, kind: str, filename: str, sha256: str, department_id: int | None,
    actor: str | None, reason: str,
) -> ImportResult:
    """Keep a batch for the attempt, so the back office can show why nothing was imported."""
    batch = ImportBatch(
        kind=kind, filename=filename[:255], sha256=sha256, department_id=department_id,
        actor=actor, errors=[{"row": None, "column": "", "reason": reason}], warnings=[],
    )
    session.add(batch)
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


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class _Writer:
    """Batched look-ups and writes for one import."""

    def __init__(self, session: Session, batch: ImportBatch, result: ImportResult) -> None:
        self.session = session
        self.batch = batch
        self.result = result
        self._regions: dict[str, Region] | None = None

    # -- subjects ---------------------------------------------------------------------

    def subjects(self, refs: Iterable[SubjectRef], update: bool) -> dict[str, Subject]:
        """Every referenced subject by key, created where unknown (updated for entities)."""
        wanted = {ref.key: ref for ref in refs}
        found = self._existing_subjects(list(wanted.values()))
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
                if self._apply(subject, ref):
                    self.result.updated += 1
                else:
                    self.result.unchanged += 1
        self.session.add_all(new)
        self.session.flush()
        self.result.subjects_created = len(new)
        if update:
            self.result.created = len(new)
        return found

    def _existing_subjects(self, refs: list[SubjectRef]) -> dict[str, Subject]:
        codes = sorted({r.uscc for r in refs if r.uscc})
        numbers = sorted({r.id_number for r in refs if not r.uscc and r.id_number})
        found: dict[str, Subject] = {}
        for chunk in _chunks(codes):
            for s in self.session.scalars(select(Subject).where(Subject.uscc.in_(chunk))):
                found[s.uscc or ""] = s
        for chunk in _chunks(numbers):
            query = select(Subject).where(Subject.id_number.in_(chunk), Subject.uscc.is_(None))
            for s in self.session.scalars(query):
                found[f"{s.name}|{s.id_number}"] = s
        return found

    def _apply(self, subject: Subject, ref: SubjectRef) -> bool:
        """Copy the row's non-empty values onto the subject; True when anything changed."""
        changed = False
        if subject.id is not None and ref.name != subject.name:
            # A renamed organisation keeps its old name findable as a former name.
            subject.former_names = [*subject.former_names, subject.name]
            subject.name = ref.name
            changed = True
        if subject.id is not None and ref.subject_type != subject.subject_type:
            subject.subject_type = ref.subject_type
            changed = True
        for name in _SUBJECT_FIELDS:
            value = ref.fields.get(name)
            if value and getattr(subject, name) != value:
                setattr(subject, name, value)
                changed = True
        former = [n for n in ref.fields.get("former_names", []) if n != subject.name]
        merged = list(dict.fromkeys([*(subject.former_names or []), *former]))
        if merged != (subject.former_names or []):
            subject.former_names = merged
            changed = True
        region = self._region(ref)
        if region is not None and subject.region_id != region.id:
            subject.region_id = region.id
            changed = True
        return changed

    def _region(self, ref: SubjectRef) -> Region | None:
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
        if region is None and code in KNOWN_NAMES:
            region = self._create_region(code, self._regions)
        if region is None and given:
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

    def records(self, parsed: list[ParsedRow], subjects: dict[str, Subject]) -> None:
        departments = self.departments(p.department for p in parsed if p.department)
        existing: dict[str, Record] = {}
        keys = [p.identity for p in parsed if p.identity]
        for chunk in _chunks(keys):
            for record in self.session.scalars(
                select(Record).where(Record.identity_key.in_(chunk))
            ):
                existing[record.identity_key] = record
        held = held_records(self.session, [r.id for r in existing.values()])
        now = utcnow()
        new: list[Record] = []
        for p in parsed:
            identity = p.identity or ""  # every record kind has one
            values = dict(p.record)
            values["subject_id"] = subjects[p.subject.key].id
            values["department_id"] = departments[p.department[0]].id if p.department else None
            record = existing.get(identity)
            if record is None:
                record = Record(identity_key=identity, batch_id=self.batch.id,
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

    def _update(self, record: Record, values: dict[str, Any], revoke: str | None,
                withheld: str | None = None) -> bool:
        changed = {k: v for k, v in values.items() if getattr(record, k) != v}
        for key, value in changed.items():
            setattr(record, key, value)
        shown = record.visibility in {v.value for v in SHOWN_VISIBILITIES}
        if revoke and (shown or record.visibility == Visibility.UNPUBLISHED):
            # A removal or invalidation withdraws a shown record; archived (repaired) or
            # already revoked records keep their state and reason.
            record.set_visibility(Visibility.REVOKED, revoke)
            changed["visibility"] = Visibility.REVOKED.value
        elif withheld and record.visibility == Visibility.PUBLIC:
            record.set_visibility(Visibility.UNPUBLISHED, withheld)
            changed["visibility"] = Visibility.UNPUBLISHED.value
        elif not withheld and record.visibility == Visibility.UNPUBLISHED and not revoke:
            record.set_visibility(Visibility.PUBLIC, "按更新后的数据公示")
            changed["visibility"] = Visibility.PUBLIC.value
        if changed:
            record.batch_id = self.batch.id  # the batch that last changed it
        return bool(changed)
