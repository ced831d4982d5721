"""`flask import-records`: what the command prints and its exit statuses 0, 1 and 2."""

from pathlib import Path

from import_files import csv_bytes, penalty_row
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ImportBatch, Record


def run(app, kind: str, path: Path):
    # The runner's output holds stdout and stderr (row errors go to stderr).
    return app.test_cli_runner().invoke(args=["import-records", "--kind", kind, str(path)])


def count_records() -> int:
    return db.session.scalar(select(func.count()).select_from(Record))


def test_every_row_imported_exits_0_and_commits(app, tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(csv_bytes([penalty_row(1), penalty_row(2)], encoding="gbk"))
    result = run(app, "penalty", path)
    assert result.exit_code == 0, result.output
    assert "共2行，新增2" in result.output
    db.session.rollback()  # only committed rows survive
    assert count_records() == 2
    again = run(app, "penalty", path)
    assert again.exit_code == 0 and "新增0，更新0，未变2" in again.output
    assert count_records() == 2


def test_some_rows_rejected_exits_1_and_prints_row_column_reason(app, tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(csv_bytes([penalty_row(1), penalty_row(2, 处罚决定日期="6/1/2026")]))
    result = run(app, "penalty", path)
    assert result.exit_code == 1
    assert "第3行 [处罚决定日期]：日期格式无法识别" in result.output
    db.session.rollback()
    assert count_records() == 1
    batch = db.session.scalar(select(ImportBatch))
    assert batch.rows_rejected == 1 and batch.errors[0]["row"] == 3


def test_unusable_files_exit_2(app, tmp_path: Path) -> None:
    no_date = penalty_row(1)
    del no_date["处罚决定日期"]
    cases = {
        "缺列.csv": csv_bytes([no_date]),
        "空.csv": b"",
        "乱码.csv": b"\x81\x30\xff\x00\x00garbage",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run(app, "penalty", path)
        assert result.exit_code == 2, (name, result.output)
        assert "文件无法导入" in result.output
    missing = run(app, "penalty", tmp_path / "不存在.csv")
    assert missing.exit_code == 2
    assert count_records() == 0


def test_unknown_kind_is_refused(app, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes([penalty_row(1)]))
    result = app.test_cli_runner().invoke(args=["import-records", "--kind", "fines", str(path)])
    assert result.exit_code == 2 and "fines" in result.output
    assert count_records() == 0


def test_reused_decision_numbers_are_conflicts_and_rollback_restores(app, tmp_path: Path) -> None:
    from webapp.models import Subject

    first = tmp_path / "处罚.csv"
    first.write_bytes(csv_bytes([penalty_row(n) for n in range(1, 4)]))
    assert run(app, "penalty", first).exit_code == 0
    moving = tmp_path / "第二批.csv"
    other = [penalty_row(n + 50) for n in range(1, 4)]  # other companies, same 文书号
    moving.write_bytes(csv_bytes([
        penalty_row(n, 行政相对人名称=o["行政相对人名称"], 统一社会信用代码=o["统一社会信用代码"])
        for n, o in zip(range(1, 4), other, strict=True)]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-records", "--kind", "penalty", "--dry-run", str(moving)])
    assert dry.exit_code == 1 and dry.output.count("主体将由") == 3
    refused = run(app, "penalty", moving)
    assert refused.exit_code == 1 and "冲突，未导入" in refused.output
    db.session.rollback()
    owners = {db.session.get(Subject, r.subject_id).name for r in db.session.scalars(
        select(Record))}
    assert owners == {f"黑河市鑫源{n}号贸易有限公司" for n in range(1, 4)}
    forced = runner.invoke(args=["import-records", "--kind", "penalty",
                                 "--override-conflicts", "录入错误更正", str(moving)])
    assert forced.exit_code == 0 and "更新3" in forced.output
    batch_id = db.session.scalars(select(ImportBatch.id).order_by(ImportBatch.id.desc())).first()
    undone = runner.invoke(args=["import-rollback", str(batch_id)])
    assert undone.exit_code == 0 and "恢复记录 3" in undone.output
    db.session.rollback()
    owners = {db.session.get(Subject, r.subject_id).name for r in db.session.scalars(
        select(Record))}
    assert owners == {f"黑河市鑫源{n}号贸易有限公司" for n in range(1, 4)}
    again = runner.invoke(args=["import-rollback", str(batch_id)])
    assert again.exit_code == 1 and "不能回滚" in again.output
