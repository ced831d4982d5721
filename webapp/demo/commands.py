"""`flask demo-data --entities N --seed S`: a believable city, imported like a real file."""

from __future__ import annotations

import hashlib
import time as timer
from datetime import UTC, datetime, time, timedelta

import click
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.demo.generator import DEPARTMENTS, REFERENCE_DATE, generate_city
from webapp.extensions import db
from webapp.models import Department, Record
from webapp.models.base import utcnow
from webapp.rules.kinds import RecordKind, Visibility
from webapp.services import changelog, search, search_sync
from webapp.services.imports import KINDS, import_rows

REPAIR_REASON = "已完成信用修复（演示数据）"
IMPORT_CHUNK_ROWS = 20_000  # rows per import batch (a department file is smaller still)


def _spread(key: str) -> int:
    """A stable pseudo-random number for a record (the same every run)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)


def backdate_publication(session: Session, batch_id: int) -> int:
    """Demo records did not all reach the site today: publish each a few days after its
    decision (most within the 7 working days of 双公示, some late), as a real city's would."""
    now = utcnow()
    rows = session.execute(
        select(Record.id, Record.identity_key, Record.decided_on).where(Record.batch_id == batch_id)
    ).all()
    updates = []
    for record_id, key, decided in rows:
        spread = _spread(key)
        days = 1 + spread % 8 if spread % 10 else 10 + spread % 30
        moment = datetime.combine(decided + timedelta(days=days), time(2, 0), tzinfo=UTC)
        updates.append({"id": record_id, "published_at": min(moment, now)})
    if updates:
        session.execute(update(Record), updates)
    return len(updates)


def mark_some_repaired(session: Session, share: int = 8) -> int:
    """Archive about 1 in `share` demo penalties whose shortest publicity period is over, as
    approved credit repairs would. Chosen by a hash of the identity: the same every run.
    Ids and keys only, updated in bulk (at a million records, loading every penalty as an
    object took gigabytes); the change log is told (changelog.note)."""
    demo_departments = [d.name for d in DEPARTMENTS.values()]
    query = (
        select(Record.id, Record.identity_key, Record.subject_id)
        .join(Department, Record.department_id == Department.id)
        .where(
            Record.kind == RecordKind.PENALTY.value,
            Record.visibility == Visibility.PUBLIC.value,
            Record.repair_eligible_on <= REFERENCE_DATE,
            Department.name.in_(demo_departments),
        )
    )
    chosen = [(record_id, subject_id) for record_id, key, subject_id in session.execute(query)
              if _spread(key) % share == 0]
    now = utcnow()
    for start in range(0, len(chosen), 500):
        ids = [record_id for record_id, _subject in chosen[start:start + 500]]
        session.execute(update(Record).where(Record.id.in_(ids)).values(
            visibility=Visibility.ARCHIVED.value, visibility_reason=REPAIR_REASON,
            visibility_changed_at=now), execution_options={"synchronize_session": False})
    changelog.note(session, subjects={s for _r, s in chosen}, records=[r for r, _s in chosen])
    return len(chosen)


def _import_chunk(kind: str, rows: list[dict[str, str]], seed: int, part: int,
                  verbose: bool) -> int:
    """One import batch, committed: a city-scale load in one transaction held every row's
    objects and change snapshots in memory (9 GB at a million records). Returns the
    rejected rows."""
    started = timer.perf_counter()
    suffix = f"-part{part + 1}" if part else ""
    result = import_rows(db.session, kind, rows, filename=f"demo-{kind}-seed{seed}{suffix}.csv",
                         actor="demo")
    elapsed = timer.perf_counter() - started
    rate = result.rows_total / elapsed if elapsed else 0
    click.echo(f"{result.summary()}（{elapsed:.1f} 秒，{rate:,.0f} 行/秒）")
    if verbose:
        for line in result.report_lines()[1:21]:
            click.echo(f"  {line}")
    if kind != "entities" and result.created and result.batch_id:
        backdate_publication(db.session, result.batch_id)
    db.session.commit()
    db.session.expunge_all()
    return result.rejected


def register(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--entities", default=3000, show_default=True, help="subjects to generate")
    @click.option("--seed", default=20261123, show_default=True, help="random seed")
    @click.option("--records-per-subject", type=click.FloatRange(min=1), default=None,
                  help="average records per subject (benchmarks; default about three)")
    @click.pass_context
    def demo_data(ctx: click.Context, entities: int, seed: int,
                  records_per_subject: float | None) -> None:
        """Generate a demo city and import it through the department importer (re-runnable)."""
        started = timer.perf_counter()
        city = generate_city(entities, seed, records_per_subject=records_per_subject)
        click.echo(f"generated in {timer.perf_counter() - started:.1f} s")
        rejected = 0
        for kind in KINDS:
            rows = city.pop(kind)  # each kind's rows freed once imported (a city is GBs)
            for part, start in enumerate(range(0, len(rows), IMPORT_CHUNK_ROWS)):
                rejected += _import_chunk(kind, rows[start:start + IMPORT_CHUNK_ROWS], seed,
                                          part, verbose=part == 0)
        repaired = mark_some_repaired(db.session)
        db.session.commit()
        click.echo(f"信用修复（演示）：{repaired} 条处罚转档案保存")
        # Every change above is in the search change log (other nodes replay it); this
        # node builds its index in bulk instead, several times faster than replaying.
        t0 = timer.perf_counter()
        backend = search.engine()
        with backend.store.rebuild_lock(search_sync.REBUILD_LOCK_TIMEOUT):
            version, subjects, records = search_sync.rebuild(db.session, backend,
                                                             procs=search_sync.BUILD_PROCS)
        click.echo(f"索引已重建 {version}: 主体 {subjects} 个, 公示记录 {records} 条"
                   f"（{timer.perf_counter() - t0:.1f} 秒）")
        if rejected:  # a generator bug: say so; success returns so callers (setup-site) go on
            ctx.exit(1)
