"""`flask backup` then `flask restore` into an empty instance: the public sees the same site.

On SQLite by default; on PostgreSQL (pg_dump / pg_restore) when TEST_DATABASE_URL is set,
where the database is emptied between the backup and the restore."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from webapp import create_app
from webapp.extensions import db
from webapp.models import Subject

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _instance(base: Path, database_url: str | None) -> Flask:
    base.mkdir(parents=True, exist_ok=True)
    return create_app({
        "APP_ENV": "testing", "TESTING": True, "SECRET_KEY": "test",
        "INSTANCE_DIR": str(base), "SEARCH_INDEX_DIR": str(base / "index"),
        "DATABASE_URL": database_url or f"sqlite:///{base / 'site.sqlite3'}",
        "PUBLIC_BASE_URL": "http://localhost",
    })


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)}: {result.output}"
    return result.output


def _release() -> None:
    """Close this app context's session and every pooled connection (none outlives us)."""
    db.session.remove()
    db.engine.dispose()


def _empty(app: Flask) -> None:
    """Drop every table (the schema too): an empty database, as a new server's."""
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        _release()


def _public_view(app: Flask, token: str) -> dict[str, Any]:
    """What a citizen and a verifier see: searches, subject pages' data, keys, a code."""
    with app.app_context():
        codes = list(db.session.scalars(select(Subject.uscc).where(Subject.uscc.is_not(None))
                                        .order_by(Subject.id).limit(15)))
        _release()
    client = app.test_client()
    seen: dict[str, Any] = {"jwks": client.get("/.well-known/jwks.json").get_json()}
    for q in ("公司", "处罚", "黑河"):
        seen[f"search {q}"] = client.get(f"/api/v1/search?q={q}").get_json()
    for code in codes:
        body = client.get(f"/api/v1/subjects/{code}").get_json()
        body.pop("as_of", None)
        seen[code] = body
    verdict = client.get(f"/api/v1/codes/verify?token={token}").get_json()
    seen["code"] = {k: verdict[k] for k in ("valid", "reason", "kid", "serial")}
    with app.app_context():
        _release()  # no pooled connection outlives the test
    return seen


def test_backup_then_restore_into_an_empty_instance(tmp_path: Path) -> None:
    source = _instance(tmp_path / "a", TEST_DATABASE_URL)
    if TEST_DATABASE_URL:
        _empty(source)
    with source.app_context():
        _cli(source, "db", "upgrade")
        _cli(source, "keys", "ensure")
        _cli(source, "demo-data", "--entities", "40", "--seed", "5")
        uscc = db.session.scalar(select(Subject.uscc).where(Subject.uscc.is_not(None)))
        token = _cli(source, "codes", "issue", uscc).split()[-1]
        attachment = Path(source.config["INSTANCE_DIR"]) / "attachments" / "evidence.pdf"
        attachment.parent.mkdir(parents=True, exist_ok=True)
        attachment.write_bytes(b"%PDF-1.4 a citizen's evidence")
        archive = tmp_path / "site-backup.tar.gz"
        output = _cli(source, "backup", str(archive))
        _release()
    assert "主体 40 个" in output
    assert archive.stat().st_mode & 0o077 == 0  # private keys inside: owner only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "keys/manifest.json" in names
    assert not any(n.startswith("index") for n in names)  # the index is rebuilt, not copied
    before = _public_view(source, token)
    assert before["code"]["valid"] is True and before["search 公司"]["subjects"]["total"] > 0

    if TEST_DATABASE_URL:
        _empty(source)  # the same server, emptied: the restore must bring everything back
    shutil.rmtree(tmp_path / "a")  # the old instance is gone, keys included
    target = _instance(tmp_path / "b", TEST_DATABASE_URL)
    with target.app_context():
        output = _cli(target, "restore", str(archive))
        _release()
    assert "恢复完成：主体 40 个" in output
    assert (tmp_path / "b" / "attachments" / "evidence.pdf").read_bytes() == \
        b"%PDF-1.4 a citizen's evidence"
    assert _public_view(target, token) == before


def test_restore_refuses_a_site_with_data(tmp_path: Path) -> None:
    if TEST_DATABASE_URL:
        pytest.skip("the SQLite case says it; on PostgreSQL it would need a second database")
    source = _instance(tmp_path / "a", None)
    with source.app_context():
        _cli(source, "db", "upgrade")
        _cli(source, "demo-data", "--entities", "5", "--seed", "1")
        _cli(source, "backup", str(tmp_path / "b.tar.gz"))
        result = source.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.tar.gz")])
        _release()
    assert result.exit_code != 0
    assert "目标数据库已有数据" in result.output
