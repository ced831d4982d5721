"""Search for the web app: the contract other features use, documents built from the models,
and index updates after every commit.

Other services just write to the database: a session event notes which subjects and records
a flush touched, and after the commit they are re-read and (re)indexed, or deleted from the
index when no longer public. Each process keeps one engine per index directory and refreshes
its searchers per request, so every gunicorn worker sees a commit at its next search.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from search_index.backend import Changes as BackendChanges
from search_index.backend import Page, SearchBackend, open_backend
from search_index.documents import RecordDoc, SubjectDoc
from webapp.models import Record, Subject
from webapp.rules.publicity import is_public
from webapp.services.clock import today as china_today
from webapp.services.visibility import public_name, public_records_of

log = logging.getLogger(__name__)

REBUILD_MARKER = "REBUILDING"
JOURNAL = "pending.log"
CHUNK = 500


# ---------------------------------------------------------------------- the contract

@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    list_nature: str | None = None
    department_id: int | None = None
    region_id: int | None = None
    subject_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    highlight: Markup


@dataclass(frozen=True)
class SearchPage:
    total: int
    page: int
    per_page: int
    hits: list[SearchHit]
    exact: bool = True  # False: `total` is an estimate


def engine() -> SearchBackend:
    """This process's backend (SEARCH_BACKEND) for the app's index directory."""
    key = (current_app.config["SEARCH_BACKEND"], current_app.config["SEARCH_INDEX_DIR"])
    engines: dict[tuple[str, str], SearchBackend] = current_app.extensions.setdefault(
        "search_engines", {})
    if key not in engines:
        engines[key] = open_backend(*key)
    return engines[key]


def _page(found: Page) -> SearchPage:
    return SearchPage(found.total, found.page, found.per_page,
                      [SearchHit(h.id, h.score, h.highlight) for h in found.hits], found.exact)


def _filters(filters: SearchFilters | None) -> dict[str, Any]:
    return asdict(filters) if filters else {}


def search_subjects(
    q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20,
    sort: str = "relevance",
) -> SearchPage:
    return _page(engine().search_subjects(q, _filters(filters), page, per_page, sort))


def search_records(
    q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20,
    sort: str = "relevance",
) -> SearchPage:
    return _page(engine().search_records(q, _filters(filters), page, per_page, sort,
                                         today=china_today()))


def suggest(prefix: str, limit: int = 10) -> list[dict[str, Any]]:
    """Typeahead: [{"id", "name" (public display name), "uscc"}]."""
    return [asdict(s) for s in engine().suggest(prefix, limit)]


# ---------------------------------------------------------------------- documents

def subject_doc(session: Session, subject: Subject, today: date) -> SubjectDoc:
    """Searchable by full name; shown (highlighted) by the public display name."""
    display = subject.name
    if subject.is_natural_person:
        display = public_name(subject, public_records_of(session, subject.id, today))
    return SubjectDoc(
        id=subject.id, name=subject.name, display_name=display, uscc=subject.uscc,
        former_names=tuple(subject.former_names or ()), subject_type=subject.subject_type,
        region_id=subject.region_id, founded_on=subject.founded_on,
    )


def record_doc(record: Record) -> RecordDoc:
    subject = record.subject
    return RecordDoc(
        id=record.id, subject_id=record.subject_id, kind=record.kind,
        decided_on=record.decided_on, public_until=record.public_until,
        doc_number=record.doc_number, title=record.title, facts=record.facts,
        content=record.content, legal_basis=record.legal_basis,
        department_name=record.department.name if record.department else None,
        department_id=record.department_id, list_nature=record.list_nature,
        subject_uscc=subject.uscc, subject_type=subject.subject_type,
        region_id=subject.region_id,
    )


def _record_is_public(record: Record, today: date) -> bool:
    return is_public(record.visibility, record.public_until, today)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


@dataclass
class Changes:
    """What to write to the index for a set of changed subjects and records."""

    subjects: list[SubjectDoc]
    records: list[RecordDoc]
    gone_subjects: set[int]
    gone_records: set[int]
    subject_ids: set[int]
    record_ids: set[int]


def collect_changes(session: Session, subject_ids: set[int], record_ids: set[int]) -> Changes:
    """Re-read the given subjects and records: documents for what is public, deletions for
    what is gone or hidden."""
    today = china_today()
    changes = Changes([], [], set(subject_ids), set(record_ids), subject_ids, record_ids)
    for chunk in _chunks(subject_ids):
        for subject in session.scalars(select(Subject).where(Subject.id.in_(chunk))):
            changes.subjects.append(subject_doc(session, subject, today))
            changes.gone_subjects.discard(subject.id)
    for chunk in _chunks(record_ids):
        query = (select(Record).where(Record.id.in_(chunk))
                 .options(joinedload(Record.subject), joinedload(Record.department)))
        for record in session.scalars(query):
            if _record_is_public(record, today):
                changes.records.append(record_doc(record))
                changes.gone_records.discard(record.id)
    return changes


def apply_changes(changes: Changes, version: str | None = None) -> None:
    engine().apply(BackendChanges(changes.subjects, changes.records, changes.gone_subjects,
                                  changes.gone_records), 0, version=version)


def all_documents(session: Session, today: date) -> tuple[Iterator[SubjectDoc],
                                                          Iterator[RecordDoc]]:
    """Every subject and every public record, streamed (for a full rebuild)."""
    def subjects() -> Iterator[SubjectDoc]:
        query = select(Subject).execution_options(yield_per=2000)
        for subject in session.scalars(query):
            yield subject_doc(session, subject, today)

    def records() -> Iterator[RecordDoc]:
        from webapp.models import Department
        from webapp.services.visibility import public_record_clause

        # Plain rows, not ORM objects: a million records load several times faster.
        # Newest first: broad queries are answered in index order.
        query = (select(Record.id, Record.subject_id, Record.kind, Record.decided_on,
                        Record.public_until, Record.doc_number, Record.title, Record.facts,
                        Record.content, Record.legal_basis,
                        Department.name.label("department_name"), Record.department_id,
                        Record.list_nature, Subject.uscc.label("subject_uscc"),
                        Subject.subject_type, Subject.region_id)
                 .join(Subject, Record.subject_id == Subject.id)
                 .outerjoin(Department, Record.department_id == Department.id)
                 .where(public_record_clause(today))
                 .order_by(Record.decided_on.desc(), Record.id.desc())
                 .execution_options(yield_per=5000))
        for row in session.execute(query):
            yield RecordDoc(**row._mapping)

    return subjects(), records()


# ---------------------------------------------------------------------- rebuild journal

def _root() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def _journal(subject_ids: set[int], record_ids: set[int]) -> None:
    """While a rebuild runs, note changed ids so the new version can catch up before swap."""
    if not (_root() / REBUILD_MARKER).exists():
        return
    lines = [f"s {i}\n" for i in subject_ids] + [f"r {i}\n" for i in record_ids]
    with open(_root() / JOURNAL, "a", encoding="ascii") as journal:
        journal.write("".join(lines))


def take_journal() -> tuple[set[int], set[int]]:
    """The ids noted so far (the journal is moved aside atomically, then read)."""
    path = _root() / JOURNAL
    taken = path.with_name(f"{JOURNAL}.{os.getpid()}")
    try:
        os.replace(path, taken)
    except FileNotFoundError:
        return set(), set()
    subjects: set[int] = set()
    records: set[int] = set()
    for line in taken.read_text(encoding="ascii").splitlines():
        kind, _, value = line.partition(" ")
        (subjects if kind == "s" else records).add(int(value))
    taken.unlink()
    return subjects, records


#: Processes `flask reindex` and demo-data build with: both cores of the machine, at most.
BUILD_PROCS = min(2, os.cpu_count() or 1)


def rebuild(session: Session, procs: int = 1) -> tuple[str, int, int]:
    """Build a fresh version while the site keeps serving the old one, catch up on commits
    made meanwhile, then swap it in atomically. Returns (version, subjects, records)."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    marker = root / REBUILD_MARKER
    marker.write_text(str(os.getpid()))
    counts = {"s": 0, "r": 0}
    try:
        subjects, records = all_documents(session, china_today())
        version = engine().build(_counted(subjects, counts, "s"), _counted(records, counts, "r"),
                                 procs=procs)
        apply_changes(collect_changes(session, *take_journal()), version=version)
        engine().swap(version)
    finally:
        marker.unlink(missing_ok=True)
    # Commits between the catch-up and the swap went to the old version: replay them.
    apply_changes(collect_changes(session, *take_journal()))
    engine().store.remove_old_versions()
    return version, counts["s"], counts["r"]


def _counted(items: Iterator[Any], counts: dict[str, int], key: str) -> Iterator[Any]:
    for item in items:
        counts[key] += 1
        yield item


# ---------------------------------------------------------------------- session events

_PENDING = "search_pending"  # ids touched by flushes since the last commit
_SUSPENDED = "search_suspended"  # a bulk load in progress: no per-commit index updates
_READY = "search_ready"  # documents read just before the commit, written just after it


@contextmanager
def indexing_suspended(session: Session) -> Iterator[None]:
    """For bulk loads (demo data): commits on `session` skip the per-commit index update,
    which re-reads and re-indexes every touched row; the caller runs `rebuild` once after.
    Until then the index lags the database (pages re-check visibility from the database)."""
    session.info[_SUSPENDED] = True
    try:
        yield
    finally:
        session.info.pop(_SUSPENDED, None)
        session.info.pop(_PENDING, None)


def _note_flush(session: Session, _context: Any) -> None:
    if session.info.get(_SUSPENDED):
        return
    subjects, records = session.info.setdefault(_PENDING, (set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Subject) and obj.id is not None:
            subjects.add(obj.id)
        elif isinstance(obj, Record) and obj.id is not None:
            records.add(obj.id)
            if obj.subject_id is not None:
                subjects.add(obj.subject_id)  # a person's display name depends on records


def _before_commit(session: Session) -> None:
    """Read the documents inside the committing transaction (after the commit no SQL may be
    emitted on this session, and a second session would not see a test's shared connection
    the same way); a savepoint's commit waits for the outer one."""
    if session.in_nested_transaction() or not has_app_context():
        return
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending and (pending[0] or pending[1]):
        with session.no_autoflush:
            session.info[_READY] = collect_changes(session, *pending)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    changes: Changes | None = session.info.pop(_READY, None)
    if changes is None or not has_app_context():
        return
    try:
        apply_changes(changes)
        _journal(changes.subject_ids, changes.record_ids)
    except Exception:
        # The database is the truth and pages re-check visibility: a failed index update
        # must not fail the request; `flask reindex` repairs the index.
        log.exception("search index update failed for %d subjects, %d records",
                      len(changes.subject_ids), len(changes.record_ids))


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback discards: a rolled-back savepoint leaves earlier flushes.
    # (Extra ids are harmless anyway: they are re-read from the database.)
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_READY, None)


def install_session_hooks() -> None:
    """Listen on every ORM session (idempotent: the factory runs once per app)."""
    if event.contains(Session, "after_flush", _note_flush):
        return
    event.listen(Session, "after_flush", _note_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
