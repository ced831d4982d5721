"""Benchmark the search engine against SQLite FTS5 (trigram) on the same generated city.

    .venv/bin/python scripts/bench_search.py --subjects 20000 --records 200000 --seed 7

Prints, for both engines: build rate, query latency p50/p95/p99 over a fixed query mix
(2-6 character name parts, codes, pinyin, document numbers, record text), and recall against
a plain substring scan of the same normalised text (precision too: scattered matches count
as wrong). Data come from webapp.demo.generator.generate_city (deterministic by seed).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypinyin import lazy_pinyin

from search_index.analysis import SEPARATOR
from search_index.backend import BACKENDS, SearchBackend, backend_class
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc
from search_index.text import normalize
from webapp.demo.generator import REFERENCE_DATE, generate_city

# Column names of each import kind (DATA-STANDARD.md): name, code, number, date, text fields.
RECORD_COLUMNS: dict[str, dict[str, Any]] = {
    "penalty": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "docno": "行政处罚决定书文号",
                "date": "处罚决定日期", "title": "违法行为类型", "facts": "违法事实",
                "content": "处罚内容", "basis": "处罚依据", "dept": "处罚机关"},
    "license": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "docno": "行政许可决定文书号",
                "date": "许可决定日期", "title": "行政许可决定文书名称", "facts": None,
                "content": "许可内容", "basis": None, "dept": "许可机关"},
    "list": {"name": "主体名称", "uscc": "统一社会信用代码", "docno": "文书号", "date": "列入日期",
             "title": "名单类型", "facts": "列入原因", "content": "奖惩措施", "basis": "认定依据",
             "dept": "认定部门"},
    "commitment": {"name": "承诺主体名称", "uscc": "统一社会信用代码", "docno": None,
                   "date": "承诺日期", "title": "承诺事项", "facts": None, "content": "承诺内容",
                   "basis": None, "dept": "承诺受理单位"},
    "evaluation": {"name": "主体名称", "uscc": "统一社会信用代码", "docno": None,
                   "date": "评价日期", "title": "评价类别", "facts": None,
                   "content": "评价结果", "basis": None, "dept": "评价单位"},
}


RECALL_QUERIES = 60  # per category (checking every match of a broad query takes seconds)


def _day(text: str) -> date:
    """The generator writes dates the way departments do (2025-10-27, 2025/10/27, …)."""
    digits = re.findall(r"\d+", text or "")
    if len(digits) >= 3:
        try:
            return date(int(digits[0]), int(digits[1]), int(digits[2][:2]))
        except ValueError:
            pass
    return REFERENCE_DATE


def make_docs(subjects: int, records: int, seed: int) -> tuple[list[SubjectDoc],
                                                               list[RecordDoc]]:
    rows = generate_city(subjects, seed, records_per_subject=records / max(subjects, 1))
    subject_docs: list[SubjectDoc] = []
    by_key: dict[str, int] = {}
    regions: dict[str, int] = {}
    for i, row in enumerate(rows["entities"], start=1):
        former = tuple(n for n in row.get("曾用名", "").replace("；", ";").split(";") if n)
        subject_docs.append(SubjectDoc(
            id=i, name=row["主体名称"], display_name=row["主体名称"],
            uscc=row["统一社会信用代码"] or None, former_names=former,
            subject_type=row["主体类别"],
            region_id=regions.setdefault(row.get("所属区域", ""), len(regions) + 1),
        ))
        by_key[row["统一社会信用代码"] or row["主体名称"]] = i
        by_key.setdefault(row["主体名称"], i)
    departments: dict[str, int] = {}
    record_docs: list[RecordDoc] = []
    for kind, columns in RECORD_COLUMNS.items():
        for row in rows.get(kind, []):
            subject_id = by_key.get(row.get(columns["uscc"], "")) or by_key.get(
                row[columns["name"]])
            if subject_id is None:
                continue
            dept = row.get(columns["dept"], "")

            def get(key: str, row: dict[str, str] = row, columns: dict = columns) -> str | None:
                return row.get(columns[key]) if columns[key] else None

            record_docs.append(RecordDoc(
                id=len(record_docs) + 1, subject_id=subject_id, kind=kind,
                decided_on=_day(row.get(columns["date"], "")), doc_number=get("docno"),
                title=get("title"), facts=get("facts"), content=get("content"),
                legal_basis=get("basis"), department_name=dept,
                department_id=departments.setdefault(dept, len(departments) + 1),
                list_nature={"红名单": "red", "黑名单": "black"}.get(row.get("名单性质", "")),
                subject_uscc=subject_docs[subject_id - 1].uscc,
            ))
    # Newest first, as `flask reindex` builds it (broad queries answer in index order).
    record_docs.sort(key=lambda d: (d.decided_on, d.id), reverse=True)
    return subject_docs, record_docs


# ------------------------------------------------------------------ texts and ground truth

def subject_texts(docs: list[SubjectDoc]) -> dict[int, str]:
    return {d.id: SEPARATOR.join(normalize(n) for n in (d.name, *d.former_names)) for d in docs}


def record_texts(docs: list[RecordDoc]) -> dict[int, str]:
    return {
        d.id: SEPARATOR.join(normalize(t) for t in (d.title, d.facts, d.content, d.legal_basis,
                                                    d.department_name, d.doc_number) if t)
        for d in docs
    }


def scan(texts: dict[int, str], needle: str) -> set[int]:
    return {i for i, text in texts.items() if needle in text}


def make_queries(subjects: list[SubjectDoc], records: list[RecordDoc], seed: int
                 ) -> list[tuple[str, str, str]]:
    """(category, target "subjects"/"records", query): a fixed, seeded mix."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    for _ in range(150):
        name = normalize(rng.choice(subjects).name)
        size = rng.randint(2, min(6, len(name)))
        start = rng.randrange(len(name) - size + 1)
        out.append(("name part", "subjects", name[start:start + size]))
    with_code = [d for d in subjects if d.uscc]
    for _ in range(15):
        code = rng.choice(with_code).uscc or ""
        out.append(("uscc", "subjects", code))
        out.append(("uscc prefix", "subjects", code[:8]))
        # kind=all sends the same prefix to the records tab too (the API's default).
        out.append(("code prefix rec", "records", code[:8]))
    for _ in range(15):
        name = normalize(rng.choice(subjects).name)
        syllables = lazy_pinyin(name)
        out.append(("pinyin initials", "subjects", "".join(s[:1] for s in syllables[:5])))
        start = rng.randrange(max(1, len(syllables) - 2))
        out.append(("pinyin full", "subjects", "".join(syllables[start:start + 2])))
    numbered = [d for d in records if d.doc_number]
    for _ in range(20):
        out.append(("doc number", "records", rng.choice(numbered).doc_number or ""))
    for _ in range(80):
        doc = rng.choice(records)
        text = normalize(rng.choice([t for t in (doc.facts, doc.content, doc.title) if t]
                                    or [doc.department_name or "公司"]))
        size = rng.randint(2, min(6, max(2, len(text))))
        start = rng.randrange(max(1, len(text) - size + 1))
        out.append(("record text", "records", text[start:start + size]))
    return out


# ------------------------------------------------------------------ the engines

def build_backend(name: str, root: Path, subjects: list[SubjectDoc], records: list[RecordDoc],
                  procs: int) -> tuple[SearchBackend, float, float]:
    engine = backend_class(name)(root)
    timings: dict[str, float] = {}
    version = engine.build(subjects, records, procs=procs, timings=timings)
    engine.swap(version)
    return engine, timings["subjects"], timings["records"]


def disk_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def build_fts(path: Path, subjects: dict[int, str], records: dict[int, str], uscc: dict[int, str]
              ) -> tuple[sqlite3.Connection, float, float]:
    con = sqlite3.connect(path)
    con.execute("create virtual table s using fts5(text, uscc, tokenize='trigram')")
    con.execute("create virtual table r using fts5(text, tokenize='trigram')")
    started = time.perf_counter()
    con.executemany("insert into s(rowid, text, uscc) values (?, ?, ?)",
                    ((i, t.replace(SEPARATOR, " "), uscc.get(i, "")) for i, t in subjects.items()))
    con.commit()
    subjects_s = time.perf_counter() - started
    started = time.perf_counter()
    con.executemany("insert into r(rowid, text) values (?, ?)",
                    ((i, t.replace(SEPARATOR, " ")) for i, t in records.items()))
    con.commit()
    return con, subjects_s, time.perf_counter() - started


def fts_search(con: sqlite3.Connection, table: str, query: str, all_ids: bool = False
               ) -> tuple[int, list[int]]:
    """Top 20 by bm25 plus the total, as a results page needs; LIKE for short queries."""
    n = normalize(query)
    if table == "s" and n.isascii() and n.isalnum() and any(c.isdigit() for c in n):
        where, arg = "uscc like ?", n.upper() + "%"
        order = ""
    elif len(n) >= 3:
        where, arg = f"{table} match ?", '"' + n.replace('"', '""') + '"'
        order = " order by bm25(" + table + ")"
    else:
        where, arg = "text like ?", f"%{n}%"
        order = ""
    total = con.execute(f"select count(*) from {table} where {where}", (arg,)).fetchone()[0]
    limit = "" if all_ids else " limit 20"
    ids = [r[0] for r in con.execute(f"select rowid from {table} where {where}{order}{limit}",
                                     (arg,))]
    return total, ids


# ------------------------------------------------------------------ measuring

def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {ordered[-1]:.1f} ms"


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=20000)
    parser.add_argument("--records", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--backends", default=",".join(sorted(BACKENDS)),
                        help="comma-separated SEARCH_BACKEND names (default: all)")
    parser.add_argument("--short", action="store_true",
                        help="2,000 subjects / 20,000 records: a quick check of the script")
    args = parser.parse_args()
    if args.short:
        args.subjects, args.records = 2000, 20000
    names = [n for n in args.backends.split(",") if n]

    started = time.perf_counter()
    subjects, records = make_docs(args.subjects, args.records, args.seed)
    print(f"data: {len(subjects)} subjects, {len(records)} records "
          f"(generated in {time.perf_counter() - started:.1f} s, seed {args.seed})")
    s_texts, r_texts = subject_texts(subjects), record_texts(records)
    queries = make_queries(subjects, records, args.seed)
    today = REFERENCE_DATE

    with tempfile.TemporaryDirectory() as tmp:
        engines: dict[str, SearchBackend] = {}
        for name in names:
            engine, s_sec, r_sec = build_backend(name, Path(tmp) / name, subjects, records,
                                                 args.procs)
            engines[name] = engine
            print(f"\n{name} (bigram phrases, procs={args.procs}): "
                  f"subjects {len(subjects) / s_sec:,.0f}/s, "
                  f"records {len(records) / r_sec:,.0f}/s ({r_sec:.1f} s); full build "
                  f"{s_sec + r_sec:.1f} s = {len(records) / (s_sec + r_sec):,.0f} records/s "
                  f"overall; {disk_mb(Path(tmp) / name):,.0f} MB on disk")
        con, fs_sec, fr_sec = build_fts(Path(tmp) / "fts.sqlite3", s_texts, r_texts,
                                        {d.id: d.uscc or "" for d in subjects})
        print(f"sqlite fts5 trigram: subjects {len(subjects) / fs_sec:,.0f}/s, "
              f"records {len(records) / fr_sec:,.0f}/s ({fr_sec:.1f} s)")

        def backend_runner(engine: SearchBackend) -> Callable[[str, str], Any]:
            def run(target: str, query: str) -> Any:
                if target == "subjects":
                    return engine.search_subjects(query)
                return engine.search_records(query, today=today)
            return run

        def run_fts(target: str, query: str) -> Any:
            return fts_search(con, "s" if target == "subjects" else "r", query)

        runners: dict[str, Callable[[str, str], Any]] = {
            name: backend_runner(engine) for name, engine in engines.items()}
        # A serving worker has both indexes open (and whoosh its expired-records mask): open
        # them with one query each (timed: what the first visitor after a start waits).
        firsts = {t: q for _, t, q in reversed(queries)}
        for name, runner in runners.items():
            for target in ("subjects", "records"):
                ms = timed(lambda r=runner, t=target: r(t, firsts[t]))  # type: ignore[misc]
                print(f"{name} first query on {target} (opens the index): {ms:.0f} ms")
        runners["fts5"] = run_fts
        for name, runner in runners.items():
            for target, query in [(t, q) for _, t, q in queries[:20]]:
                runner(target, query)  # warm caches
            times: dict[str, list[float]] = {}
            estimates = 0
            for category, target, query in queries:
                started = time.perf_counter()
                page = runner(target, query)
                ms = (time.perf_counter() - started) * 1000
                estimates += not getattr(page, "exact", True)
                times.setdefault(category, []).append(ms)
                times.setdefault("ALL", []).append(ms)
            print(f"\n{name} latency over {len(queries)} queries (page of 20 with total; "
                  f"{estimates} totals estimated):")
            for category, samples in times.items():
                print(f"  {category:16s} n={len(samples):3d}  {percentiles(samples)}")

        print("\nrecall / precision vs substring scan (name parts on subjects, text on records):")
        for category, target in (("name part", "subjects"), ("record text", "records")):
            texts = s_texts if target == "subjects" else r_texts
            entity = SUBJECT if target == "subjects" else RECORD
            chosen = [q for c, _, q in queries if c == category][:RECALL_QUERIES]
            finders: dict[str, Callable[[str], set[int]]] = {
                name: (lambda q, e=engine, kind=entity: e.matching_ids(kind, q))
                for name, engine in engines.items()}
            table = "s" if target == "subjects" else "r"
            finders["fts5"] = lambda q, t=table: set(fts_search(con, t, q, all_ids=True)[1])
            for name, find in finders.items():
                recall_sum = precision_sum = two_sum = 0.0
                two_count = 0
                for query in chosen:
                    truth = scan(texts, normalize(query))
                    found = find(query)
                    recall = len(found & truth) / len(truth) if truth else 1.0
                    precision = 1 - len(found - truth) / len(found) if found else 1.0
                    recall_sum += recall
                    precision_sum += precision
                    if len(normalize(query)) == 2:
                        two_sum += recall
                        two_count += 1
                two = two_sum / two_count if two_count else float("nan")
                print(f"  {category:12s} {name:7s} recall {recall_sum / len(chosen):.3f}  "
                      f"precision {precision_sum / len(chosen):.3f}  "
                      f"(2-char queries recall {two:.3f})")
        pinyin = [q for c, t, q in queries if c.startswith("pinyin")]
        answered = ", ".join(
            f"{name} {sum(1 for q in pinyin if e.search_subjects(q).total > 0)}/{len(pinyin)}"
            for name, e in engines.items())
        print(f"\npinyin queries answered: {answered}, fts5 0/{len(pinyin)} (no pinyin in fts5)")
        con.close()


if __name__ == "__main__":
    main()
