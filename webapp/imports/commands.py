"""`flask import-records --kind KIND FILE`: import a department's file from the shell."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask

from webapp.extensions import db
from webapp.services import search
from webapp.services.imports import KINDS, import_file

INDEX_NOT_UPDATED = 3  # exit status: rows saved, but this node's search index lags


def register(app: Flask) -> None:
    @app.cli.command("import-records")
    @click.option("--kind", type=click.Choice(KINDS), required=True, help="文件类别")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.pass_context
    def import_records(ctx: click.Context, kind: str, file: Path) -> None:
        """Import a CSV/XLSX file; exit 0 all rows imported, 1 some rejected, 2 unusable,
        3 imported but the search index could not be updated (retried automatically)."""
        try:
            data = file.read_bytes()
        except OSError as error:
            click.echo(f"文件无法读取：{error.strerror or error}", err=True)
            ctx.exit(2)
        started = time.perf_counter()
        result = import_file(db.session, kind, file.name, data, actor="cli")
        imported = time.perf_counter()
        db.session.commit()  # the batch (with its error report) is kept even when unusable
        committed = time.perf_counter()
        problem = None
        if result.exit_code != 2:
            problem = search.index_problem(search.index_now())
        elapsed, committed, indexed = (imported - started, committed - imported,
                                       time.perf_counter() - committed)
        for line in result.report_lines():
            click.echo(line, err=line.startswith("第") or result.exit_code == 2)
        if result.rows_total:
            rate = result.rows_total / elapsed if elapsed else 0.0
            click.echo(
                f"导入用时 {elapsed:.1f} 秒（{rate:,.0f} 行/秒），提交 {committed:.1f} 秒，"
                f"搜索索引更新 {indexed:.1f} 秒，导入批次 {result.batch_id}"
            )
        if problem:
            click.echo(problem, err=True)
            ctx.exit(INDEX_NOT_UPDATED)
        ctx.exit(result.exit_code)
