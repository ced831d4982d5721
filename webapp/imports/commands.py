"""`flask import-records --kind KIND FILE` and `flask import-rollback BATCH`: a department's
file from the shell, planned like a web upload (conflicts listed and rejected unless
`--override-conflicts REASON`), and an applied batch undone; `flask import-preview-prune`
discards the back office's unconfirmed previews."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app

from webapp.extensions import db
from webapp.models import ImportBatch
from webapp.models.base import utcnow
from webapp.services import search
from webapp.services.audit import audit
from webapp.services.imports import (
    KINDS,
    RollbackRefused,
    discard_stale_previews,
    import_file,
    rollback_batch,
)

INDEX_NOT_UPDATED = 3  # exit status: rows saved, but this node's search index lags


def register(app: Flask) -> None:
    @app.cli.command("import-records")
    @click.option("--kind", type=click.Choice(KINDS), required=True, help="文件类别")
    @click.option("--dry-run", is_flag=True, help="Print the plan only; write nothing.")
    @click.option("--override-conflicts", "override", metavar="REASON", default=None,
                  help="Apply conflicting rows too (moves published records; audited).")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.pass_context
    def import_records(ctx: click.Context, kind: str, dry_run: bool, override: str | None,
                       file: Path) -> None:
        """Import a CSV/XLSX file; exit 0 all rows imported, 1 some rejected (or conflicts),
        2 unusable, 3 imported but the search index could not be updated (retried
        automatically)."""
        try:
            data = file.read_bytes()
        except OSError as error:
            click.echo(f"文件无法读取：{error.strerror or error}", err=True)
            ctx.exit(2)
        started = time.perf_counter()
        result = import_file(db.session, kind, file.name, data, actor="cli", apply=not dry_run,
                             override_reason=(override or "").strip() or None)
        imported = time.perf_counter()
        if dry_run:
            db.session.rollback()
        else:
            if override and result.conflicts:
                audit(db.session, None, "import.override", f"import_batch:{result.batch_id}",
                      after={"reason": override, "conflicts": result.conflicts})
            db.session.commit()  # the batch (with its error report) is kept even when unusable
        committed = time.perf_counter()
        problem = None
        if result.exit_code != 2 and not dry_run:
            problem = search.index_problem(search.index_now())
        elapsed, committed, indexed = (imported - started, committed - imported,
                                       time.perf_counter() - committed)
        for line in result.report_lines():
            click.echo(line, err=line.startswith(("第", "冲突")) or result.exit_code == 2)
        if result.rows_total and not dry_run:
            rate = result.rows_total / elapsed if elapsed else 0.0
            click.echo(
                f"导入用时 {elapsed:.1f} 秒（{rate:,.0f} 行/秒），提交 {committed:.1f} 秒，"
                f"搜索索引更新 {indexed:.1f} 秒，导入批次 {result.batch_id}"
            )
        if problem:
            click.echo(problem, err=True)
            ctx.exit(INDEX_NOT_UPDATED)
        exit_code = result.exit_code
        if dry_run and result.conflicts and exit_code == 0:
            exit_code = 1
        ctx.exit(exit_code)

    @app.cli.command("import-rollback")
    @click.argument("batch_id", type=int)
    def import_rollback(batch_id: int) -> None:
        """Restore everything an applied batch changed to its state before (audited)."""
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None:
            raise click.ClickException(f"导入批次 {batch_id} 不存在")
        try:
            done = rollback_batch(db.session, batch, "cli")
        except RollbackRefused as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        audit(db.session, None, "import.rollback", f"import_batch:{batch.id}", after={
            "records_deleted": done.records_deleted, "records_restored": done.records_restored,
            "subjects_deleted": done.subjects_deleted})
        db.session.commit()
        click.echo(f"批次 {batch.id} 已回滚：删除记录 {done.records_deleted}，恢复记录 "
                   f"{done.records_restored}，删除主体 {done.subjects_deleted}")

    @app.cli.command("import-preview-prune")
    @click.option("--keep-days", type=click.IntRange(min=1), default=None,
                  help="预览保留天数（默认 IMPORT_PREVIEW_KEEP_DAYS）")
    def import_preview_prune(keep_days: int | None) -> None:
        """Discard back-office previews nobody confirmed within N days (run daily; audited)."""
        days = keep_days or current_app.config["IMPORT_PREVIEW_KEEP_DAYS"]
        discarded = discard_stale_previews(db.session, utcnow() - timedelta(days=days))
        for batch_id in discarded:
            audit(db.session, None, "import.expire", f"import_batch:{batch_id}",
                  after={"keep_days": days})
        db.session.commit()
        click.echo(f"已取消超过 {days} 天未确认的上传预览 {len(discarded)} 个")
