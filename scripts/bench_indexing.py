"""Benchmark the search index's freshness: change log + replay (this site) against the old
after-commit index write (the baseline, kept here only, as direct engine calls).

    .venv/bin/python scripts/bench_indexing.py                # 20,000 subjects / 200,000 records
    .venv/bin/python scripts/bench_indexing.py --short        # 2,000 / 20,000, for CI
    BENCH_DATABASE_URL=postgresql://… scripts/bench_indexing.py   # PostgreSQL (tables dropped!)

On a demo city of that size (imported through the department importer, index built in
bulk), it measures in the same run, for each path:

- lag: a steady stream of single-record writes (one-row penalty imports, committed like
  the CLI, every --interval seconds) while a reader in another thread searches for each
  new decision number; lag = commit returned → the number is found (p50 / p95).
  Change log: the reader's search catches the index up (as every web worker does).
  Baseline: the writer re-reads the touched rows after its commit and writes them to the
  index itself, as the site did before the change log; the reader just searches.
- import: a 10,000-row penalty file (new decision numbers) with its index update, rows/s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.orm import Session

from scripts.bench_import import to_csv
from webapp import create_app
from webapp.demo.generator import generate_city
from webapp.extensions import db
from webapp.services import changelog, search, search_documents, search_sync
from webapp.services.clock import today as china_today
from webapp.services.imports import KINDS, import_file, import_rows

MARKET = "黑河市市场监督管理局"


def penalty(n: int, subject: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        "行政相对人名称": subject.get("主体名称") or subject["行政相对人名称"],
        "行政相对人类别": "法人及非法人组织", "统一社会信用代码": subject["统一社会信用代码"],
        "法定代表人": "王建国", "行政处罚决定书文号": f"黑市监罚〔2026〕{prefix}{n}号",
        "违法行为类型": "销售超过保质期的食品", "违法事实": f"经查，当事人销售过期饮料{n}瓶。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条", "处罚类别": "罚款",
        "处罚内容": "罚款人民币0.5万元。", "罚款金额（万元）": "0.5", "处罚决定日期": "2026-06-01",
        "处罚机关": MARKET, "数据来源单位": MARKET,
    }


def old_after_commit_write(subject_ids: set[int], record_ids: set[int]) -> None:
    """The baseline: what the site did after each commit before the change log."""
    changes = search_documents.collect(db.session, subject_ids, record_ids, china_today())
    search.engine().update(changes.subjects, changes.records, changes.delete_subjects,
                           changes.delete_records)  # type: ignore[attr-defined]


def touched(result_batch: int) -> tuple[set[int], set[int]]:
    from webapp.models import Record

    rows = db.session.query(Record.id, Record.subject_id).filter_by(batch_id=result_batch).all()
    return {r.subject_id for r in rows}, {r.id for r in rows}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _reader(config: dict[str, str], numbers: Any, lags: Any) -> None:
    """A web worker of its own (another process, its own app and engine): searches for each
    committed number until found; perf_counter is the same clock across processes."""
    app = create_app(config)
    pending: dict[str, float] = {}
    finished = False
    with app.app_context():
        search.search_records("处罚")  # open the index before the clock starts
        lags.put("ready")
        while not finished or pending:
            try:
                while not finished:
                    item = numbers.get(timeout=0.005 if pending else 1.0)
                    if item is None:
                        finished = True
                    else:
                        pending[item[0]] = item[1]
            except queue.Empty:
                pass
            for number, at in list(pending.items()):
                if search.search_records(number).total:
                    lags.put(time.perf_counter() - at)
                    del pending[number]
        lags.put(None)


def lag_run(app, subjects: list[dict[str, str]], writes: int, interval: float, prefix: str,
            old: bool) -> tuple[list[float], float]:
    """Lags, and the write rate achieved (the old path writes the index before the next
    write can start, so under a slow index it also slows the writers down)."""
    context = multiprocessing.get_context("spawn")
    numbers, results = context.Queue(), context.Queue()
    config = {key: app.config[key] for key in ("APP_ENV", "SECRET_KEY", "INSTANCE_DIR",
                                               "DATABASE_URL", "SEARCH_INDEX_DIR")}
    reader = context.Process(target=_reader, args=(config, numbers, results), daemon=True)
    reader.start()
    if results.get(timeout=300) != "ready":
        raise RuntimeError("the reader process did not start")
    first = time.perf_counter()
    for n in range(writes):
        row = penalty(n, subjects[n % len(subjects)], prefix)
        started = time.perf_counter()
        result = import_file(db.session, "penalty", "one.csv", to_csv([row]), actor="bench")
        db.session.commit()
        numbers.put((row["行政处罚决定书文号"], time.perf_counter()))  # lag counts from here
        if old:
            old_after_commit_write(*touched(result.batch_id))
        time.sleep(max(0.0, interval - (time.perf_counter() - started)))
    rate = writes / (time.perf_counter() - first)
    numbers.put(None)
    lags = []
    while (lag := results.get(timeout=300)) is not None:
        lags.append(lag)
    reader.join(timeout=30)
    return lags, rate


def import_run(subjects: list[dict[str, str]], rows: int, prefix: str, old: bool
               ) -> tuple[float, float]:
    data = to_csv([penalty(n, subjects[n % len(subjects)], prefix) for n in range(rows)])
    started = time.perf_counter()
    result = import_file(db.session, "penalty", "big.csv", data, actor="bench")
    db.session.commit()
    committed = time.perf_counter()
    if old:
        old_after_commit_write(*touched(result.batch_id))
    else:
        outcome = search.index_now()
        if not outcome.current:
            raise RuntimeError(f"index update failed: {outcome}")
    total = time.perf_counter() - started
    return rows / total, time.perf_counter() - committed


def with_log(enabled: bool) -> None:
    """The baseline commits without log rows (it had none)."""
    hooked = event.contains(Session, "before_commit", changelog._append)
    if enabled and not hooked:
        event.listen(Session, "after_flush", changelog._note_flush)
        event.listen(Session, "before_commit", changelog._append)
    elif not enabled and hooked:
        event.remove(Session, "after_flush", changelog._note_flush)
        event.remove(Session, "before_commit", changelog._append)


def run(url: str, label: str, args: argparse.Namespace, tmp: str) -> None:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench", "INSTANCE_DIR": tmp,
                      "DATABASE_URL": url, "SEARCH_INDEX_DIR": f"{tmp}/index-{label}"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        city = generate_city(args.subjects, 7, records_per_subject=args.records / args.subjects)
        for kind in KINDS:
            import_rows(db.session, kind, city[kind], filename=f"city-{kind}.csv", actor="bench")
            db.session.commit()
        loaded = time.perf_counter() - started
        backend = search.engine()
        _, subjects_n, records_n = search_sync.rebuild(db.session, backend,
                                                      procs=search_sync.BUILD_PROCS)
        built = time.perf_counter() - started - loaded
        print(f"\n{label}: {subjects_n:,} subjects, {records_n:,} public records "
              f"(loaded {loaded:.0f} s, index built {built:.0f} s)")
        entities = [row for row in city["entities"] if row.get("统一社会信用代码")]
        figures: dict[str, tuple[list[float], float, float, float]] = {}
        for name, old in (("after-commit write (old)", True), ("change log (this site)", False)):
            with_log(not old)
            prefix = "O" if old else "N"
            lags, writes_per_s = lag_run(app, entities, args.writes, args.interval, prefix, old)
            rate, index_seconds = import_run(entities, args.import_rows, prefix + "I", old)
            figures[name] = (lags, writes_per_s, rate, index_seconds)
            with_log(True)
            if not old:
                differences = search_sync.verify(db.session, backend)
                print(f"  search-verify after the run: {len(differences)} differences")
        print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)")
        for name, (lags, writes_per_s, rate, index_seconds) in figures.items():
            print(f"  {name:26s} lag p50 {statistics.median(lags) * 1000:6.0f} ms, "
                  f"p95 {percentile(lags, 0.95) * 1000:6.0f} ms ({len(lags)} writes, "
                  f"{writes_per_s:.1f}/s); "
                  f"{args.import_rows:,}-row import {rate:,.0f} rows/s "
                  f"(index update {index_seconds:.1f} s)")
        db.drop_all()
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="2,000 / 20,000, fewer writes")
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--writes", type=int, default=100, help="single-record writes")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between writes")
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    if args.short:
        args.subjects, args.records, args.writes, args.import_rows = 2_000, 20_000, 30, 2_000
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args, tmp)
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            run(url, "PostgreSQL", args, tmp)


if __name__ == "__main__":
    main()
