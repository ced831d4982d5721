"""Previews nobody confirms do not pile up: `flask import-preview-prune` (daily) discards
those older than IMPORT_PREVIEW_KEEP_DAYS, deletes their staged files and audits it; the
officer is told the preview's lifetime and cannot confirm an expired one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from test_upload_plan import newest_batch, post_form, preview, token_of
from tools_helpers import MARKET, csv_bytes, page_text, penalty_row

from webapp.models import ImportBatch, Record
from webapp.models.audit import AuditLog
from webapp.models.base import utcnow
from webapp.models.imports import ImportStagedFile
from webapp.models.staff import Role


def _previews(officer: Any, db_session: Any, count: int) -> list[int]:
    ids = []
    for n in range(count):
        shown = preview(officer, csv_bytes([penalty_row(100 + n)]), f"第{n}批.csv")
        assert "预览保留 7 天，逾期未确认将自动取消" in page_text(shown)
        ids.append(newest_batch(db_session).id)
    return ids


def _age(db_session: Any, batch_ids: list[int], days: float) -> None:
    for batch_id in batch_ids:
        db_session.get(ImportBatch, batch_id).started_at = utcnow() - timedelta(days=days)
    db_session.commit()


def _prune(app: Any, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["import-preview-prune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_stale_previews_are_discarded_and_fresh_ones_kept(
    app: Any, staff_client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    *stale, fresh = _previews(officer, db_session, 3)
    applied = _previews(officer, db_session, 1)[0]
    post_form(officer, applied, "confirm")
    _age(db_session, [*stale, applied], days=8)
    almost = _previews(officer, db_session, 1)
    _age(db_session, almost, days=6.9)

    assert "已取消超过 7 天未确认的上传预览 2 个" in _prune(app)
    db_session.rollback()
    states = {b.id: b.state for b in db_session.scalars(select(ImportBatch))}
    assert [states[i] for i in stale] == ["discarded", "discarded"]
    assert [states[i] for i in [fresh, *almost]] == ["preview", "preview"]
    assert states[applied] == "applied"  # an old applied batch is history, not a preview
    staged = set(db_session.scalars(select(ImportStagedFile.batch_id)))
    assert staged == {fresh, *almost}
    expired = db_session.scalars(select(AuditLog.target).where(
        AuditLog.action == "import.expire").order_by(AuditLog.id)).all()
    assert expired == [f"import_batch:{i}" for i in stale]
    # The plan stays readable; confirming it is refused and writes nothing.
    page = officer.get(f"/admin/uploads/{stale[0]}").get_data(as_text=True)
    assert "已取消" in page and "确认导入" not in page
    assert db_session.scalar(select(func.count()).select_from(Record)) == 1  # the applied one
    # A second run finds nothing; a shorter keep takes the six-day-old one too.
    assert "预览 0 个" in _prune(app)
    assert "已取消超过 5 天未确认的上传预览 1 个" in _prune(app, "--keep-days", "5")
    db_session.rollback()
    assert db_session.get(ImportBatch, almost[0]).state == "discarded"


def test_an_expired_preview_cannot_be_confirmed_by_a_page_left_open(
    app: Any, staff_client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    batch_id = _previews(officer, db_session, 1)[0]
    url = f"/admin/uploads/{batch_id}/confirm"
    token = token_of(officer.get(f"/admin/uploads/{batch_id}").get_data(as_text=True), url)
    _age(db_session, [batch_id], days=30)
    _prune(app)
    late = officer.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "该预览已确认或已取消" in page_text(late)
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0
