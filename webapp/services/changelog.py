"""Appending to the search change log, in the transaction that makes the change.

Services just write to the database: a session event notes which subjects and records each
flush touched, and just before the outermost commit one row per touched entity is
inserted into `search_changes` — so the change and its log row commit or roll back
together (transactional outbox). A write that bypasses the ORM's unit of work (a bulk
UPDATE) calls `note()` with the ids it changed.

Commit order. An index replays the log by id and remembers the last id it applied, so a
row must never become visible after a row with a higher id. On PostgreSQL two
transactions can take ids 10 and 11 and commit 11 first; so the rows are inserted under a
transaction-scoped advisory lock taken right before the insert: ids are then handed out
in commit order (the lock is released after the commit is visible), and a gap below a
visible id can only be a rolled-back transaction, safe to pass over. Only this short
tail of the commit is serialised (the rows' insert and the commit itself). SQLite has
one writer at a time, which gives the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from webapp.models import Record, SearchChange, Subject
from webapp.models.base import utcnow

SUBJECT = "subject"
RECORD = "record"
_PENDING = "search_changes_pending"  # {(entity, id)} touched since the transaction began
ADVISORY_KEY = 0x5EA2C4_0001  # pg_advisory_xact_lock key of the log (any constant bigint)


def note(session: Session, subjects: Iterable[int] = (), records: Iterable[int] = ()) -> None:
    """Log these ids with the current transaction (for writes the ORM does not see)."""
    pending: set[tuple[str, int]] = session.info.setdefault(_PENDING, set())
    pending.update((SUBJECT, int(i)) for i in subjects)
    pending.update((RECORD, int(i)) for i in records)


def _note_flush(session: Session, _context: Any) -> None:
    pending: set[tuple[str, int]] = session.info.setdefault(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Subject):
            pending.add((SUBJECT, obj.id))
        elif isinstance(obj, Record):
            pending.update(((RECORD, obj.id), (SUBJECT, obj.subject_id)))
    for obj in (*session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue  # attributes set to the values they had: nothing to index
        if isinstance(obj, Subject) and obj.id is not None:
            pending.add((SUBJECT, obj.id))
        elif isinstance(obj, Record) and obj.id is not None:
            pending.add((RECORD, obj.id))
            if obj.subject_id is not None:
                pending.add((SUBJECT, obj.subject_id))  # a person's shown name follows records


def _append(session: Session) -> None:
    """Insert the pending rows, last thing before the outermost commit."""
    if session.in_nested_transaction():
        return
    session.flush()  # the last flush's ids, and any row lock waits, before the lock below
    pending: set[tuple[str, int]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
    now = utcnow()
    rows = [{"entity": entity, "entity_id": entity_id, "created_at": now}
            for entity, entity_id in sorted(pending)]
    session.execute(insert(SearchChange), rows)


def _discard(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback discards: a rolled-back savepoint leaves earlier flushes
    # (extra ids are harmless: the indexer re-reads them from the database).
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def install_session_hooks() -> None:
    """Listen on every ORM session (idempotent: the factory runs once per app)."""
    if event.contains(Session, "after_flush", _note_flush):
        return
    event.listen(Session, "after_flush", _note_flush)
    event.listen(Session, "before_commit", _append)
    event.listen(Session, "after_soft_rollback", _discard)


# ---------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Batch:
    """Log rows after a position: the ids they name, and the last sequence they reach."""

    subjects: set[int]
    records: set[int]
    upto: int
    rows: int


def latest(session: Session) -> int:
    """The highest sequence committed so far (0 for an empty log)."""
    return int(session.scalar(select(func.max(SearchChange.id))) or 0)


def batch_after(session: Session, after: int, limit: int) -> Batch | None:
    """Up to `limit` rows with sequence > `after`, read in one statement (one snapshot:
    with commit-ordered ids, everything below the last row read is final)."""
    rows = session.execute(
        select(SearchChange.id, SearchChange.entity, SearchChange.entity_id)
        .where(SearchChange.id > after).order_by(SearchChange.id).limit(limit)
    ).all()
    if not rows:
        return None
    subjects = {r.entity_id for r in rows if r.entity == SUBJECT}
    records = {r.entity_id for r in rows if r.entity == RECORD}
    return Batch(subjects, records, int(rows[-1].id), len(rows))


def oldest_after(session: Session, after: int) -> datetime | None:
    """When the first change not yet applied was logged (None: nothing pending)."""
    return session.scalar(select(SearchChange.created_at).where(SearchChange.id > after)
                          .order_by(SearchChange.id).limit(1))


# ---------------------------------------------------------------------- pruning
# A pruned log keeps a marker row where it was cut (subject id 0, which never exists: a
# replay that reads it deletes nothing). An index that applied less than the marker's
# sequence missed rows that are gone, and must be rebuilt; rolled-back ids (gaps) are not
# mistaken for pruning.
MARKER_ID = 0


def horizon(session: Session) -> int:
    """The sequence up to which the log was pruned (0: never pruned)."""
    first = session.execute(select(SearchChange.id, SearchChange.entity_id)
                            .order_by(SearchChange.id).limit(1)).first()
    return int(first.id) if first is not None and first.entity_id == MARKER_ID else 0


def prune(session: Session, before: datetime) -> int:
    """Delete the rows logged before `before` (never the last row: SQLite numbers a new
    row max(id) + 1, so an emptied log would reuse sequences) and mark the cut. Returns
    the rows deleted; the caller commits."""
    last, had_marker = latest(session), horizon(session) > 0
    cut = session.scalar(select(func.max(SearchChange.id))
                         .where(SearchChange.created_at < before, SearchChange.id < last))
    if cut is None:
        return 0
    result = session.execute(delete(SearchChange).where(SearchChange.id <= cut))
    session.execute(insert(SearchChange).values(id=cut, entity=SUBJECT, entity_id=MARKER_ID,
                                                created_at=utcnow()))
    return int(result.rowcount or 0) - int(had_marker)
