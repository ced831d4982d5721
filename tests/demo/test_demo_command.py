"""`flask demo-data`: the city goes through the importer, safely re-runnable."""

from datetime import date

import click
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ImportBatch, Record, Subject
from webapp.rules.kinds import Visibility
from webapp.services.clock import to_local
from webapp.services.visibility import public_record_clause


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_data_imports_everything_and_is_idempotent(app) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data", "--entities", "400", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert "拒绝0" in first.output and "拒绝1" not in first.output
    subjects, records = count(Subject), count(Record)
    assert subjects == 400 and records > 800
    # Some records are past their publicity period or repaired, and hidden from the public.
    today = date(2026, 11, 23)
    shown = count(Record, public_record_clause(today))
    assert 0 < shown < records
    assert count(Record, Record.visibility == Visibility.ARCHIVED.value) > 0
    assert count(Record, Record.visibility == Visibility.REVOKED.value) > 0

    # Published a few days after the decision (双公示 timeliness has something to show).
    delays = [
        (to_local(published).date() - decided).days
        for published, decided in db.session.execute(select(Record.published_at, Record.decided_on))
    ]
    assert all(1 <= d <= 40 for d in delays)
    assert 0.8 < sum(d <= 9 for d in delays) / len(delays) < 0.98

    second = runner.invoke(args=["demo-data", "--entities", "400", "--seed", "5"])
    assert second.exit_code == 0, second.output
    assert "新增0，更新0" in second.output
    assert (count(Subject), count(Record)) == (subjects, records)
    assert count(ImportBatch) == 12  # one batch per kind per run


def test_demo_data_returns_to_a_calling_command(app) -> None:
    """`flask setup-site` invokes demo-data, then builds the search index: it must go on."""

    @app.cli.command("outer")
    @click.pass_context
    def outer(ctx: click.Context) -> None:
        ctx.invoke(app.cli.get_command(ctx, "demo-data"), entities=30, seed=2)
        click.echo("continued")

    result = app.test_cli_runner().invoke(args=["outer"])
    assert result.exit_code == 0, result.output
    assert "continued" in result.output and count(Subject) == 30


def test_a_large_city_is_imported_in_committed_batches(app, monkeypatch) -> None:
    """A city-scale load goes in batches of IMPORT_CHUNK_ROWS rows, each committed (one
    transaction of a million rows held them all in memory); the city is the same, and a
    second run still changes nothing."""
    from webapp.demo import commands

    monkeypatch.setattr(commands, "IMPORT_CHUNK_ROWS", 100)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data", "--entities", "250", "--seed", "5"])
    assert first.exit_code == 0, first.output
    batches = db.session.scalars(select(ImportBatch.filename)).all()
    assert "demo-entities-seed5-part3.csv" in batches  # 250 subjects: 3 batches of ≤ 100
    assert count(Subject) == 250
    records = count(Record)
    assert records > 500

    second = runner.invoke(args=["demo-data", "--entities", "250", "--seed", "5"])
    assert second.exit_code == 0, second.output
    summaries = [line for line in second.output.splitlines() if "行，新增" in line]
    assert len(summaries) == len(batches)
    assert all("新增0，更新0" in line for line in summaries), second.output
    assert (count(Subject), count(Record)) == (250, records)


def test_demo_repairs_are_in_the_search_change_log(app) -> None:
    """The demo's credit repairs are a bulk update: other nodes still learn of them from the
    change log (a row for each archived record and its subject, after its creation's)."""
    from webapp.demo.commands import REPAIR_REASON
    from webapp.models import SearchChange

    result = app.test_cli_runner().invoke(args=["demo-data", "--entities", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    repaired = db.session.execute(select(Record.id, Record.subject_id).where(
        Record.visibility_reason == REPAIR_REASON)).all()
    assert repaired
    for record_id, subject_id in repaired:
        for entity, entity_id in (("record", record_id), ("subject", subject_id)):
            logged = count(SearchChange, SearchChange.entity == entity,
                           SearchChange.entity_id == entity_id)
            assert logged >= 2, (entity, entity_id)  # created, then archived
