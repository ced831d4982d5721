"""The scan buffer: counts add up, and a failed write keeps them for the next try."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from webapp.models.codes import ScanCount
from webapp.services.codes import scancount


def test_counts_add_up_across_flushes(db_session, make_subject) -> None:
    subject = make_subject()
    buffer = scancount.ScanBuffer(interval=3600)
    day = date(2026, 11, 23)
    buffer.add(subject.id, day)
    buffer.add(subject.id, day)
    assert not buffer.due()  # an hour has not passed
    assert scancount.flush(db_session, buffer) == 2
    buffer.add(subject.id, day)
    buffer.add(subject.id, date(2026, 11, 24))
    scancount.flush(db_session, buffer)
    db_session.commit()
    rows = db_session.execute(select(ScanCount.day, ScanCount.count)).all()
    assert sorted(rows) == [(date(2026, 11, 23), 3), (date(2026, 11, 24), 1)]
    assert buffer.pending() == 0


def test_a_failed_write_keeps_the_counts(db_session, make_subject, monkeypatch) -> None:
    subject = make_subject()
    buffer = scancount.ScanBuffer(interval=0)
    buffer.add(subject.id)

    def broken(session, counts):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(scancount, "write_counts", broken)
    with pytest.raises(RuntimeError):
        scancount.flush(db_session, buffer)
    assert buffer.pending() == 1 and buffer.due()
