"""Scan counts per subject per day, buffered in the process and written in batches.

A scan is a page view; writing its count in the request would put a write transaction (a
commit, an fsync) into every view, and make every scan of a popular shop wait on the same
(subject, day) row. So each process adds scans up in memory and writes them, as one upsert
per subject and day, at most every `interval` seconds (and when the process exits). The
price: a process killed with SIGKILL loses at most `interval` seconds of its counts, which
a page-view statistic can afford. Nothing about the person scanning is kept.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from webapp.models.codes import ScanCount
from webapp.services.clock import today as china_today

DEFAULT_FLUSH_SECONDS = 10.0


class ScanBuffer:
    """Pending counts of one process; thread-safe."""

    def __init__(self, interval: float = DEFAULT_FLUSH_SECONDS) -> None:
        self.interval = interval
        self._counts: Counter[tuple[int, date]] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def add(self, subject_id: int, day: date | None = None) -> None:
        with self._lock:
            self._counts[(subject_id, day or china_today())] += 1

    def due(self) -> bool:
        """Whether it is time to write (always, with an interval of 0)."""
        return bool(self._counts) and time.monotonic() - self._last_flush >= self.interval

    def drain(self) -> dict[tuple[int, date], int]:
        """Take every pending count (they are the caller's to write now)."""
        with self._lock:
            counts, self._counts = dict(self._counts), Counter()
            self._last_flush = time.monotonic()
        return counts

    def restore(self, counts: dict[tuple[int, date], int]) -> None:
        """Put counts back after a failed write, so they are tried again next time."""
        with self._lock:
            self._counts.update(counts)

    def pending(self) -> int:
        return sum(self._counts.values())


def write_counts(session: Session, counts: dict[tuple[int, date], int]) -> None:
    """Add counts to the table: one upsert per (subject, day), no read, no race. Flushes."""
    dialect = session.get_bind().dialect.name
    for (subject_id, day), n in sorted(counts.items()):
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else pg_insert
            statement = insert(ScanCount).values(subject_id=subject_id, day=day, count=n)
            session.execute(statement.on_conflict_do_update(
                index_elements=[ScanCount.subject_id, ScanCount.day],
                set_={"count": ScanCount.count + n},
            ))
            continue
        row = session.scalar(
            select(ScanCount).where(ScanCount.subject_id == subject_id, ScanCount.day == day)
        )
        if row is None:
            session.add(ScanCount(subject_id=subject_id, day=day, count=n))
        else:
            row.count += n
    session.flush()


def flush(session: Session, buffer: ScanBuffer) -> int:
    """Write the buffer's pending counts in the session (the caller commits); returns scans."""
    counts = buffer.drain()
    if not counts:
        return 0
    try:
        write_counts(session, counts)
    except Exception:
        buffer.restore(counts)
        raise
    return sum(counts.values())


def scans_of(session: Session, subject_id: int, since: date | None = None) -> int:
    """Scans of the subject's codes written so far (since a day, if given)."""
    query = select(func.coalesce(func.sum(ScanCount.count), 0)).where(
        ScanCount.subject_id == subject_id
    )
    if since is not None:
        query = query.where(ScanCount.day >= since)
    return int(session.scalar(query) or 0)
