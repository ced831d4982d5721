"""`flask setup-site`: what `make run` needs before serving, keeping whatever already exists;
`flask backup` / `flask restore`: the database, keys and attachments in one archive."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Subject
from webapp.operations.backup import BackupError, create_backup, restore_backup


def _invoke(ctx: click.Context, *path: str, **params: object) -> None:
    """Run another registered command (a feature's CLI) by name."""
    command: click.Command | None = current_app.cli
    for name in path:
        command = command.get_command(ctx, name) if isinstance(command, click.Group) else None
    if command is None:
        raise click.ClickException(f"command {' '.join(path)} is not available")
    ctx.invoke(command, **params)


def register(app: Flask) -> None:
    @app.cli.command("setup-site")
    @click.option("--entities", default=3000, show_default=True, help="demo subjects to create")
    @click.option("--seed", default=20261123, show_default=True, help="demo data seed")
    @click.pass_context
    def setup_site(ctx: click.Context, entities: int, seed: int) -> None:
        """Create the signing key, report font, demo data and search index where missing."""
        _invoke(ctx, "keys", "ensure")
        _invoke(ctx, "reports", "prepare-font")  # once, so no visitor waits for the conversion
        subjects = db.session.scalar(select(func.count()).select_from(Subject))
        if subjects:
            click.echo(f"database has {subjects} subjects: demo data left as it is")
        else:
            _invoke(ctx, "demo-data", entities=entities, seed=seed)
        index_dir = Path(current_app.config["SEARCH_INDEX_DIR"])
        if index_dir.exists() and any(index_dir.iterdir()):
            click.echo(f"search index present at {index_dir}: catching up with the change log")
            _invoke(ctx, "search-sync")
        else:
            _invoke(ctx, "reindex")

    @app.cli.command("backup")
    @click.argument("destination", required=False, type=click.Path(path_type=Path))
    def backup(destination: Path | None) -> None:
        """备份数据库、签名密钥和附件到一个 .tar.gz 文件（含私钥，权限 0600，请妥善保管）。"""
        if destination is None:
            destination = Path(f"backup-{time.strftime('%Y%m%dT%H%M%S')}.tar.gz")
        elif destination.is_dir():
            destination = destination / f"backup-{time.strftime('%Y%m%dT%H%M%S')}.tar.gz"
        try:
            manifest = create_backup(destination)
        except (BackupError, OSError) as error:
            raise click.ClickException(f"备份失败：{error}") from error
        counts = manifest["counts"]
        click.echo(f"已备份到 {destination}（{destination.stat().st_size / 2**20:.1f} MB）："
                   f"主体 {counts['subjects']} 个，公示记录 {counts['records']} 条，"
                   f"诉求 {counts['petition_cases']} 件，数据库版本 {manifest['revision']}")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="覆盖已有数据（默认只恢复到空实例）")
    @click.pass_context
    def restore(ctx: click.Context, archive: Path, force: bool) -> None:
        """从 flask backup 的备份恢复到空实例，然后升级数据库结构并重建搜索索引。"""
        try:
            manifest = restore_backup(archive, force=force)
        except (BackupError, OSError) as error:
            raise click.ClickException(f"恢复失败：{error}") from error
        click.echo(f"已恢复 {manifest['created_at']} 的备份（数据库版本 {manifest['revision']}）")
        upgrade()  # a backup from an older release gets its later migrations
        _invoke(ctx, "reindex")
        counts = manifest["counts"]
        found = db.session.scalar(select(func.count()).select_from(Subject))
        if found != counts["subjects"]:
            raise click.ClickException(f"恢复后主体 {found} 个，备份时 {counts['subjects']} 个")
        click.echo(f"恢复完成：主体 {found} 个，公示记录 {counts['records']} 条")
