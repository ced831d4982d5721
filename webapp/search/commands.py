"""Search index commands: `flask reindex`, `flask search-sync`, `flask search-verify`,
`flask search-prune`, `flask search-log-prune`; also installs the change-log session hooks
for every app."""

from __future__ import annotations

import errno
import time
from datetime import timedelta

import click
from flask import Flask, current_app

from search_index.store import IndexSpaceError
from webapp.extensions import db
from webapp.models.base import utcnow
from webapp.services import changelog, search, search_sync
from webapp.services.clock import today as china_today

KINDS = {"missing": "索引缺少", "unexpected": "索引多出", "stale": "索引内容过时"}
ENTITIES = {"subject": "主体", "record": "记录"}
SHOW_DIFFERENCES = 50


def _echo_lag(prefix: str) -> None:
    lag = search_sync.lag(db.session, search.engine())
    click.echo(f"{prefix}：已应用序号 {lag['applied_sequence']}，变更日志最新 "
               f"{lag['latest_sequence']}，落后 {lag['lag_sequences']} 条")


def _reason(error: BaseException) -> str:
    if isinstance(error, IndexSpaceError):
        return str(error.strerror)
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"磁盘空间不足（{error.strerror}）"
    return str(error)


def register(app: Flask) -> None:
    changelog.install_session_hooks()

    @app.cli.command("reindex")
    @click.option("--procs", default=search_sync.BUILD_PROCS, show_default=True,
                  help="并行建索引的进程数")
    def reindex(procs: int) -> None:
        """重建全文索引（新目录建好后补上期间的变更、原子切换，期间网站照常搜索）。"""
        started = time.perf_counter()
        backend = search.engine()
        with backend.store.rebuild_lock(search_sync.REBUILD_LOCK_TIMEOUT) as mine:
            if not mine:
                raise click.ClickException("另一个重建正在进行")
            try:
                version, subjects, records = search_sync.rebuild(db.session, backend,
                                                                 procs=procs)
            except (OSError, search_sync.SyncError) as error:
                # A full disk, a lost lock: the live index is untouched and serving.
                raise click.ClickException(f"重建失败，现用索引未改动：{_reason(error)}") from error
        seconds = time.perf_counter() - started
        click.echo(f"索引已重建并切换到 {version}: 主体 {subjects} 个, 公示记录 {records} 条, "
                   f"用时 {seconds:.1f} 秒")

    @app.cli.command("search-sync")
    @click.option("--procs", default=search_sync.BUILD_PROCS, show_default=True,
                  help="需要重建时并行建索引的进程数")
    @click.pass_context
    def sync(ctx: click.Context, procs: int) -> None:
        """让本节点的索引追上数据库的变更日志（从未建立或落后太多时先重建）。
        退出码：0 已追上，1 写入失败或被占用（下次自动重试）。"""
        result = search_sync.sync(
            db.session, search.engine(), timeout=search_sync.REBUILD_LOCK_TIMEOUT,
            rebuild_backlog=current_app.config["SEARCH_REBUILD_BACKLOG"], procs=procs)
        _echo_lag("索引")
        if result.error:
            click.echo(f"索引写入失败：{result.error}", err=True)
        elif result.locked_out:
            click.echo("索引正被另一进程写入，未能等到", err=True)
        ctx.exit(0 if result.current else 1)

    @app.cli.command("search-verify")
    @click.option("--repair", is_flag=True, help="重写有差异的主体和记录")
    @click.pass_context
    def verify(ctx: click.Context, repair: bool) -> None:
        """比较数据库中公开的主体、记录与索引（编号与内容摘要），列出差异；有差异时退出码 1。"""
        backend = search.engine()
        search_sync.catch_up(db.session, backend, timeout=search_sync.REBUILD_LOCK_TIMEOUT)
        differences = search_sync.verify(db.session, backend)
        for entity, doc_id, kind in differences[:SHOW_DIFFERENCES]:
            click.echo(f"{KINDS[kind]}：{ENTITIES[entity]} {doc_id}")
        if len(differences) > SHOW_DIFFERENCES:
            click.echo(f"…… 共 {len(differences)} 处差异")
        if not differences:
            click.echo("索引与数据库一致")
            return
        click.echo(f"索引与数据库有 {len(differences)} 处差异")
        if repair:
            count = search_sync.repair(db.session, backend, differences)
            left = search_sync.verify(db.session, backend)
            click.echo(f"已重写 {count} 个文档；复查剩余差异 {len(left)} 处")
        ctx.exit(1)

    @app.cli.command("search-prune")
    def prune() -> None:
        """从索引删除已过公示期的记录（查询时本已排除，定期清理让索引更小）。"""
        backend = search.engine()
        with backend.writer_lock(search_sync.REBUILD_LOCK_TIMEOUT) as held:
            if not held:
                raise click.ClickException("索引正被另一进程写入")
            count = backend.prune_expired(china_today())
        click.echo(f"已从索引删除过期记录 {count} 条")

    @app.cli.command("search-log-prune")
    @click.option("--keep-days", type=click.IntRange(min=1), default=None,
                  help="保留最近多少天的变更日志（默认 SEARCH_LOG_KEEP_DAYS）")
    def log_prune(keep_days: int | None) -> None:
        """清理过旧的搜索变更日志（每天定时运行）。停用超过保留期的节点回来后会自动重建索引。"""
        days = keep_days or current_app.config["SEARCH_LOG_KEEP_DAYS"]
        applied = search.engine().applied_sequence()
        count = changelog.prune(db.session, utcnow() - timedelta(days=days))
        db.session.commit()
        cut = changelog.horizon(db.session)
        click.echo(f"已清理 {days} 天前的变更日志 {count} 条（清理至序号 {cut}）")
        if applied is not None and applied < cut:
            click.echo(f"本节点索引只应用到序号 {applied}，将自动重建", err=True)
