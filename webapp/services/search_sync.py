"""The indexer: replays the search change log into this node's index.

Each index version records the last sequence it applied (the backend does, after its
commit). Catching up reads the log rows after that sequence, re-reads those subjects and
records from the database, and applies them as one batch under the index root's writer
lock; a failure is logged, kept in LAST_ERROR.json for /readyz and the back office, and
retried at the next catch-up from the same position — never skipped, since the sequence
only moves once the backend has written the batch. Applying a batch twice is harmless.

Who catches up: every web worker before it answers a search (waiting at most
SEARCH_SYNC_WAIT for the lock, else answering from the index as it is), the import
command and the upload page right after their commit (to report the outcome),
`flask search-sync`, and a background thread for a backlog too large for a request
(a new node, a pre-change-log index: those are rebuilt, then follow the log).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from search_index.backend import SearchBackend, fingerprint_differences
from webapp.services import changelog
from webapp.services.clock import today as china_today
from webapp.services.search_documents import (
    all_records,
    all_subjects,
    collect,
    expected_fingerprints,
)

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000  # log rows per apply (a 10,000-row import logs ~20,000)
ERROR_FILE = "LAST_ERROR.json"
REBUILD_LOCK_TIMEOUT = 600.0  # a rebuild waits this long for a writer to finish, then fails
BUILD_PROCS = min(2, os.cpu_count() or 1)  # processes `flask reindex` builds with


@dataclass(frozen=True)
class SyncResult:
    applied: int | None  # the index's sequence afterwards (None: never built, rebuild it)
    latest: int  # the log's last sequence when we looked
    rows: int = 0  # log rows applied by this call
    error: str | None = None  # the apply that failed (logged and kept in LAST_ERROR.json)
    locked_out: bool = False  # another writer held the lock past the timeout
    pruned_past: bool = False  # the log rows after `applied` were pruned: rebuild it

    @property
    def current(self) -> bool:
        return self.applied is not None and self.applied >= self.latest


class SyncError(RuntimeError):
    """An apply failed where the caller cannot go on without it (a rebuild, a repair)."""


# ---------------------------------------------------------------------- last error

def _error_path(backend: SearchBackend) -> Path:
    return backend.root / ERROR_FILE


def last_error(backend: SearchBackend) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads(_error_path(backend).read_text(encoding="utf-8"))
        return found
    except (FileNotFoundError, ValueError):
        return None


def _record_error(backend: SearchBackend, error: BaseException, after: int | None) -> str:
    message = f"{type(error).__name__}: {error}"[:2000]
    backend.root.mkdir(parents=True, exist_ok=True)
    path = _error_path(backend)
    temporary = path.with_name(f".{ERROR_FILE}.{os.getpid()}")
    temporary.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "error": message,
        "after_sequence": after, "pid": os.getpid(),
    }, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)
    return message


def _clear_error(backend: SearchBackend) -> None:
    _error_path(backend).unlink(missing_ok=True)


def _retry_due(backend: SearchBackend, wait: float) -> bool:
    """After a failure, searches retry at most every `wait` seconds (the CLI always)."""
    found = last_error(backend)
    if not found or wait <= 0:
        return True
    try:
        at = datetime.fromisoformat(found["at"])
    except (KeyError, ValueError):
        return True
    return (datetime.now(UTC) - at).total_seconds() >= wait


# ---------------------------------------------------------------------- catching up

def _replay(session: Session, backend: SearchBackend, version: str | None,
            max_rows: int | None) -> SyncResult:
    """Apply the log after the version's sequence, batch by batch (writer lock held, or a
    version nobody else writes to). Stops at the first failure, recording it."""
    applied = backend.applied_sequence(version)
    latest = changelog.latest(session)
    if applied is None:
        return SyncResult(None, latest)
    if applied < changelog.horizon(session):
        return SyncResult(applied, latest, pruned_past=True)
    rows = 0
    today = china_today()
    while max_rows is None or rows < max_rows:
        limit = BATCH_ROWS if max_rows is None else min(BATCH_ROWS, max_rows - rows)
        try:
            batch = changelog.batch_after(session, applied, limit)
            if batch is None:
                break
            backend.apply(collect(session, batch.subjects, batch.records, today), batch.upto,
                          version=version)
        except Exception as error:
            log.exception("search index: applying changes after sequence %d failed", applied)
            message = _record_error(backend, error, applied)
            return SyncResult(applied, latest, rows, error=message)
        applied = batch.upto
        rows += batch.rows
    if version is None:
        _clear_error(backend)
    return SyncResult(applied, max(latest, applied), rows)


def catch_up(session: Session, backend: SearchBackend, *, timeout: float,
             max_rows: int | None = None, retry_wait: float = 0.0) -> SyncResult:
    """Bring the live index up to the log's end (or by `max_rows` rows), waiting at most
    `timeout` seconds for the writer lock. Never raises for an apply failure: the result
    says what happened, and the next catch-up retries."""
    latest = changelog.latest(session)
    applied = backend.applied_sequence()
    if applied is None or applied >= latest:
        return SyncResult(applied, latest)
    if applied < changelog.horizon(session):  # replaying would skip what was pruned
        return SyncResult(applied, latest, pruned_past=True)
    if not _retry_due(backend, retry_wait):
        return SyncResult(applied, latest, error=(last_error(backend) or {}).get("error"))
    with backend.writer_lock(timeout) as held:
        if not held:
            return SyncResult(applied, latest, locked_out=True)
        return _replay(session, backend, None, max_rows)


def caught_up(session: Session, backend: SearchBackend) -> bool:
    """Whether the live index has applied the whole log: one query and the sequence file,
    what every search checks first (`lag` reads the log three more times)."""
    applied = backend.applied_sequence()
    return applied is not None and applied >= changelog.latest(session)


def lag(session: Session, backend: SearchBackend) -> dict[str, Any]:
    """How far this node's index is behind the log, in sequences and seconds."""
    latest = changelog.latest(session)
    applied = backend.applied_sequence()
    behind = latest - (applied or 0) if applied is not None else latest
    pruned_past = applied is not None and applied < changelog.horizon(session)
    seconds = 0.0
    if behind > 0:
        oldest = changelog.oldest_after(session, applied or 0)
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite returns naive UTC
                oldest = oldest.replace(tzinfo=UTC)
            seconds = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    return {"backend": backend.name, "applied_sequence": applied, "latest_sequence": latest,
            "lag_sequences": max(0, behind), "lag_seconds": round(seconds, 3),
            "built": applied is not None, "pruned_past": pruned_past,
            "last_error": last_error(backend)}


# ---------------------------------------------------------------------- rebuilding

def rebuild(session: Session, backend: SearchBackend, procs: int = 1
            ) -> tuple[str, int, int]:
    """Build a fresh version from the database while the live one keeps serving (and
    following the log), replay what was logged meanwhile, swap it in under the writer
    lock. Returns (version, subjects, records)."""
    today = china_today()
    backend.store.check_space()  # refuse up front rather than fill the disk half-way
    backend.store.remove_old_versions()  # what killed or failed rebuilds left, if unused
    start = changelog.latest(session)  # read first: anything later is replayed below
    counts = {"s": 0, "r": 0}
    version = backend.build(_counted(all_subjects(session, today), counts, "s"),
                            _counted(all_records(session, today), counts, "r"),
                            upto_sequence=start, procs=procs)
    try:
        _replay_or_raise(session, backend, version)  # no lock: nobody else writes it
        with backend.writer_lock(REBUILD_LOCK_TIMEOUT) as held:
            if not held:
                raise SyncError("另一个进程一直占用索引写锁，重建未切换")
            _replay_or_raise(session, backend, version)  # what was logged during the replay
            backend.swap(version)
    except BaseException:
        backend.store.discard(backend.store.root / version)  # never swapped in: remove it
        raise
    _clear_error(backend)
    backend.store.remove_old_versions()
    return version, counts["s"], counts["r"]


def _replay_or_raise(session: Session, backend: SearchBackend, version: str) -> None:
    result = _replay(session, backend, version, None)
    if result.error:
        raise SyncError(f"重建后补写变更失败：{result.error}")
    if result.pruned_past:
        raise SyncError("重建期间变更日志被清理，需重新重建")


def _counted(items: Iterator[Any], counts: dict[str, int], key: str) -> Iterator[Any]:
    for item in items:
        counts[key] += 1
        yield item


def sync(session: Session, backend: SearchBackend, *, timeout: float,
         rebuild_backlog: int, procs: int = 1) -> SyncResult:
    """Everything `flask search-sync` and the background thread do: rebuild an index
    never built from the database (or one so far behind that a rebuild is quicker), then
    follow the log."""
    def needed() -> bool:
        applied = backend.applied_sequence()
        return (applied is None or changelog.latest(session) - applied > rebuild_backlog
                or applied < changelog.horizon(session))

    if needed():
        with backend.store.rebuild_lock(timeout) as mine:
            if not mine:  # another process is rebuilding: it will swap its version in
                return SyncResult(backend.applied_sequence(), changelog.latest(session),
                                  locked_out=True)
            if needed():  # not done by the process we waited for
                rebuild(session, backend, procs=procs)
    return catch_up(session, backend, timeout=timeout)


# ---------------------------------------------------------------------- background

_background_lock = threading.Lock()
_background_running: set[str] = set()


def start_background(app: Flask, backend: SearchBackend) -> bool:
    """Catch up (or rebuild) in a thread of this process; False if one is running."""
    key = str(backend.root)
    with _background_lock:
        if key in _background_running:
            return False
        _background_running.add(key)
    thread = threading.Thread(target=_background, args=(app, backend), daemon=True,
                              name="search-sync")
    thread.start()
    return True


def _background(app: Flask, backend: SearchBackend) -> None:
    from webapp.extensions import db

    try:
        with app.app_context():
            try:
                sync(db.session, backend, timeout=REBUILD_LOCK_TIMEOUT,
                     rebuild_backlog=app.config["SEARCH_REBUILD_BACKLOG"])
            except Exception as error:
                log.exception("search index: background catch-up failed")
                _record_error(backend, error, backend.applied_sequence())
            finally:
                db.session.remove()
    finally:
        with _background_lock:
            _background_running.discard(str(backend.root))


# ---------------------------------------------------------------------- verification

def verify(session: Session, backend: SearchBackend, today: date | None = None
           ) -> list[tuple[str, int, str]]:
    """(entity, id, "missing" | "unexpected" | "stale") where the index and the database
    disagree about what search shows today."""
    day = today or china_today()
    return list(fingerprint_differences(expected_fingerprints(session, day),
                                        backend.fingerprints(day)))


def repair(session: Session, backend: SearchBackend,
           differences: list[tuple[str, int, str]]) -> int:
    """Re-read and re-apply the entities that differ (the sequence stays where it is)."""
    subjects = {i for entity, i, _ in differences if entity == changelog.SUBJECT}
    records = {i for entity, i, _ in differences if entity == changelog.RECORD}
    with backend.writer_lock(REBUILD_LOCK_TIMEOUT) as held:
        if not held:
            raise SyncError("另一个进程一直占用索引写锁，未能修复")
        applied = backend.applied_sequence()
        if applied is None:
            raise SyncError("索引尚未从数据库建立，请先运行 flask search-sync")
        backend.apply(collect(session, subjects, records, china_today()), applied)
    return len(subjects) + len(records)

