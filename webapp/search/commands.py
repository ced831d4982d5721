"""Search index commands: `flask reindex`, `flask search-sync`, `flask search-verify`,
`flask search-prune`; also installs the change-log session hooks for every app."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app

from webapp.extensions import db
from webapp.services import changelog, search, search_sync
from webapp.services.clock import today as china_today

KINDS = {"missing": "索引缺少", "unexpected": "索引多出", "stale": "索引内容过时"}
ENTITIES = {"subject": "主体", "record": "记录"}
SHOW_DIFFERENCES = 50


def _echo_lag(prefix: str) -> None:
    lag = search_sync.lag(db.session, search.engine())
    click.echo(f"{prefix}：已应用序号 {lag['applied_sequence']}，变更日志最新 "
               f"{lag['latest_sequence']}，落后 {lag['lag_sequences']} 条")


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
            version, subjects, records = search_sync.rebuild(db.session, backend, procs=procs)
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
