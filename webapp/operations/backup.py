"""`flask backup` / `flask restore`: one archive holds what cannot be rebuilt.

    backup-<time>.tar.gz
      manifest.json         format, time, database kind, schema revision, row counts
      database.dump         PostgreSQL: pg_dump --format=custom
      database.sqlite3      SQLite: a consistent copy (sqlite3 backup API, safe while serving)
      keys/                 credit-code signing keys (private: the archive is 0600)
      report-signing/       the credit-report signing key and certificate
      attachments/          files citizens attached to petitions

The search index is not in it: it is derived from the database and rebuilt after a restore.
Secrets set in the environment (SECRET_KEY, DATABASE_URL) are not in it either.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from webapp.extensions import db

FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why (shown to the operator)."""


def _directories(config: Any) -> dict[str, Path]:
    """The instance's directories that are backed up, by their name in the archive."""
    from webapp.services.codes import keys_dir

    instance = Path(config["INSTANCE_DIR"])
    return {"keys": keys_dir(config), "report-signing": instance / "report-signing",
            "attachments": instance / "attachments"}


def _database_kind() -> str:
    return "sqlite" if db.engine.url.get_backend_name() == "sqlite" else "postgresql"


def _libpq(url: Any) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in PGPASSWORD, out of the process list)."""
    url = make_url(url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    configured = os.environ.get(name.upper().replace("-", "_"))  # PG_DUMP=/usr/lib/…/pg_dump
    path = configured or shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name}（PostgreSQL 客户端工具）：请安装 postgresql-client，"
                          f"或用环境变量 {name.upper().replace('-', '_')} 指明路径")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    # The arguments are ours: the tool's path, our own file names and database URL.
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{Path(args[0]).name} 失败：{done.stderr.strip()[-800:]}")


def _counts() -> dict[str, int]:
    from webapp.models import Record, Subject
    from webapp.models.petitions import Case

    return {name: int(db.session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (("subjects", Subject), ("records", Record),
                                ("petition_cases", Case))}


def _revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def create_backup(destination: Path) -> dict[str, Any]:
    """Write the archive (mode 0600) and return its manifest."""
    config = current_app.config
    kind = _database_kind()
    manifest = {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "database": kind, "revision": _revision(), "counts": _counts(),
                "site": config["SITE_NAME"]}
    db.session.rollback()  # nothing of ours open while the copy is made
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work:
        staging = Path(work)
        if kind == "sqlite":
            _sqlite_copy(Path(db.engine.url.database or ""), staging / "database.sqlite3")
        else:
            url, env = _libpq(db.engine.url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(staging / "database.dump"), url], env)
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False,
                                                          indent=2))
        partial = destination.with_name(destination.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for member in sorted(staging.iterdir()):
                    tar.add(member, arcname=member.name)
                for name, path in _directories(config).items():
                    if path.is_dir():
                        tar.add(path, arcname=name)
            os.replace(partial, destination)  # a half-written archive never has the name
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{source}")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


@contextmanager
def _unpacked(archive: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}")
    with tempfile.TemporaryDirectory(prefix="restore-") as work, \
            tarfile.open(archive, mode="r:gz") as tar:
        tar.extractall(work, filter="data")  # no absolute paths, links or devices
        root = Path(work)
        try:
            manifest = json.loads((root / "manifest.json").read_text())
        except (OSError, ValueError) as error:
            raise BackupError(f"不是本站的备份文件（缺少 manifest.json）：{archive}") from error
        if manifest.get("format") != FORMAT:
            raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（本版本为 {FORMAT}）")
        yield root, manifest


def _has_data() -> bool:
    from webapp.models import Subject

    if not inspect(db.engine).has_table(Subject.__tablename__):
        return False
    return bool(db.session.scalar(select(func.count()).select_from(Subject)))


def restore_backup(archive: Path, force: bool = False) -> dict[str, Any]:
    """Restore database and files into this (empty) instance; returns the manifest. The
    caller then applies migrations and rebuilds the search index."""
    config = current_app.config
    with _unpacked(archive) as (root, manifest):
        kind = _database_kind()
        if manifest["database"] != kind:
            raise BackupError(f"备份来自 {manifest['database']} 数据库，本实例使用 {kind}："
                              "请在同类数据库上恢复")
        if _has_data() and not force:
            raise BackupError("目标数据库已有数据：恢复只写入空实例（确需覆盖请加 --force）")
        targets = _directories(config)
        for name, path in targets.items():
            if (root / name).is_dir() and path.is_dir() and any(path.iterdir()) and not force:
                raise BackupError(f"目标目录 {path} 不为空：恢复只写入空实例"
                                  "（确需覆盖请加 --force）")
        db.session.rollback()
        db.session.close()
        db.engine.dispose()  # no pooled connection may hold the old tables
        if kind == "sqlite":
            target = Path(db.engine.url.database or "")
            with sqlite3.connect(root / "database.sqlite3") as src, \
                    sqlite3.connect(target) as dst:
                src.backup(dst)
            dst.close()
            src.close()
        else:
            url, env = _libpq(db.engine.url)
            _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                  "--no-privileges", "--single-transaction", "--exit-on-error",
                  "--dbname", url, str(root / "database.dump")], env)
        for name, path in targets.items():
            if (root / name).is_dir():
                if path.exists():
                    shutil.rmtree(path)
                shutil.copytree(root / name, path)
                os.chmod(path, 0o700)
        return manifest
