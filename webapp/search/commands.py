"""`flask reindex` (full rebuild, swapped in atomically while the site serves) and
`flask search-prune` (drop records past their last public day); also installs the
after-commit index updates for every app."""

from __future__ import annotations

import time

import click
from flask import Flask

from webapp.extensions import db
from webapp.services import search
from webapp.services.clock import today as china_today


def register(app: Flask) -> None:
    search.install_session_hooks()

    @app.cli.command("reindex")
    @click.option("--procs", default=search.BUILD_PROCS, show_default=True,
                  help="并行建索引的进程数")
    def reindex(procs: int) -> None:
        """重建全文索引（新目录建好后原子切换，期间网站照常搜索）。"""
        started = time.perf_counter()
        version, subjects, records = search.rebuild(db.session, procs=procs)
        seconds = time.perf_counter() - started
        click.echo(f"索引已重建并切换到 {version}: 主体 {subjects} 个, 公示记录 {records} 条, "
                   f"用时 {seconds:.1f} 秒")

    @app.cli.command("search-prune")
    def prune() -> None:
        """从索引删除已过公示期的记录（查询时本已排除，定期清理让索引更小）。"""
        count = search.engine().prune_expired(china_today())
        click.echo(f"已从索引删除过期记录 {count} 条")
