"""Benchmark the search engine against SQLite FTS5 (trigram) on the same generated city.

    .venv/bin/python scripts/bench_search.py --subjects 20000 --records 200000 --seed 7

Prints, for both engines: build rate, query latency p50/p95/p99 over a fixed query mix
(2-6 character name parts, codes, pinyin, document numbers, record text), and recall against
a plain substring scan of the same normalised text (precision too: scattered matches count
as wrong). Data come from webapp.demo.generator.generate_city (deterministic by seed).

Then the labelled query set (tests/search_quality/labelled_queries.json: several words,
names with words left out or added, whole-name pinyin and initials, mixed Chinese and
pinyin, traditional characters, records by subject, persons): MRR and success@1/@10 for each
backend and for an FTS5 trigram baseline, on the demo city the set is labelled on (the
same in --short and full runs).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opencc import OpenCC
from pypinyin import lazy_pinyin

from search_index import evaluation
from search_index.analysis import SEPARATOR
from search_index.backend import BACKENDS, SearchBackend, backend_class
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc
from search_index.text import normalize
from webapp.demo.generator import REFERENCE_DATE
from webapp.demo.search_docs import city_documents

RECALL_QUERIES = 60  # per category (checking every match of a broad query takes seconds)


def make_docs(subjects: int, records: int, seed: int) -> tuple[list[SubjectDoc],
                                                               list[RecordDoc]]:
    """The generated city as the search index holds it (webapp.demo.search_docs: the same
    conversion the labelled query set is checked on)."""
    return city_documents(subjects, seed, records_per_subject=records / max(subjects, 1))


# ------------------------------------------------------------------ texts and ground truth

def subject_texts(docs: list[SubjectDoc]) -> dict[int, str]:
    """Searchable names (a natural person's name is not searchable by its parts)."""
    return {d.id: SEPARATOR.join(normalize(n) for n in (d.name, *d.former_names))
            for d in docs if not d.is_person}


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
    organisations = [d for d in subjects if not d.is_person]
    traditional = OpenCC("s2t")
    for _ in range(15):  # the kinds of issue 11: words, variants, whole pinyin, mixed, 繁体
        name = rng.choice(organisations).name
        n = normalize(name)
        out.append(("several words", "subjects", f"{n[3:5]} {n[5:7]}"))
        out.append(("name variant", "subjects",
                    n.replace("市", "", 1).replace("有限公司", "公司").replace("有限责任", "")))
        out.append(("pinyin whole", "subjects", "".join(lazy_pinyin(n))))
        out.append(("initials whole", "subjects", "".join(s[:1] for s in lazy_pinyin(n))))
        out.append(("mixed pinyin", "subjects",
                    n[3:5] + "".join(s[:1] for s in lazy_pinyin(n[5:7]))))
        out.append(("traditional", "subjects", traditional.convert(n[3:7])))
        out.append(("records by name", "records", name))
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


def tantivy_indexing_bound(subjects: list[SubjectDoc], records: list[RecordDoc], procs: int,
                           tmp: Path, sample: int = 80_000) -> str:
    """What tantivy alone takes for our documents: field values and Documents prepared
    beforehand (no Python in the timed part), then add_document and commit on `procs`
    indexing threads, for up to `sample` records and their share of subjects. The build
    cannot go faster than this on the machine however little the Python side costs."""
    import tantivy

    from search_index.tantivy_backend import schema as tschema

    rates = {}
    share = max(1, round(sample * len(subjects) / max(1, len(records))))
    for label, make_schema, to_fields, docs in (
            ("subjects", tschema.subject_schema, tschema.subject_fields, subjects[:share]),
            ("records", tschema.record_schema, tschema.record_fields, records[:sample])):
        schema = make_schema()
        prepared = [tantivy.Document.from_dict(to_fields(d), schema) for d in docs]
        path = tmp / f"bound-{label}"
        path.mkdir()
        writer = tantivy.Index(schema, path=str(path)).writer(
            heap_size=200_000_000 * procs, num_threads=procs)
        started = time.perf_counter()
        for document in prepared:
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        rates[label] = len(docs) / (time.perf_counter() - started)
    seconds = len(subjects) / rates["subjects"] + len(records) / rates["records"]
    return (f"tantivy indexing alone ({procs} threads, documents prepared beforehand): "
            f"subjects {rates['subjects']:,.0f}/s, records {rates['records']:,.0f}/s: at "
            f"this size at most {len(records) / seconds:,.0f} records/s overall")


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


def fts_terms_search(con: sqlite3.Connection, table: str, query: str) -> list[int]:
    """The baseline for the labelled set: every space-separated term must match (trigram
    MATCH for 3+ characters, LIKE for shorter ones, a code prefix on subjects' codes),
    ranked by bm25 when a MATCH is there; the first page of ids."""
    where: list[str] = []
    args: list[str] = []
    matched = False
    for term in (normalize(t) for t in query.replace("，", " ").replace(",", " ").split()):
        if not term:
            continue
        if table == "s" and term.isascii() and term.isalnum() and any(c.isdigit() for c in term):
            where.append("uscc like ?")
            args.append(term.upper() + "%")
        elif len(term) >= 3:
            where.append(f"{table} match ?")
            args.append('"' + term.replace('"', '""') + '"')
            matched = True
        else:
            where.append("text like ?")
            args.append(f"%{term}%")
    if not where:
        return []
    order = f" order by bm25({table})" if matched else ""
    sql = f"select rowid from {table} where {' and '.join(where)}{order} limit {evaluation.PAGE}"
    return [r[0] for r in con.execute(sql, args)]


def labelled_quality(names: list[str], procs: int, tmp: Path) -> None:
    """MRR and success@1/@10 on the labelled query set (tests/search_quality), for each
    backend and for SQLite FTS5, all on the demo city the set is labelled on."""
    items = evaluation.load()
    subjects, records = city_documents()
    targets = evaluation.Targets.from_records(records)
    scored = sum(1 for i in items if i["expect"] != "absent")
    print(f"\nlabelled queries: {len(items)} ({scored} scored, {len(items) - scored} privacy "
          f"checks) over the demo city ({len(subjects)} subjects, {len(records)} records):")
    for name in names:
        engine, _s, _r = build_backend(name, tmp / f"labelled-{name}", subjects, records, procs)
        times: list[float] = []

        def search(tab: str, query: str, engine: SearchBackend = engine,
                   times: list[float] = times) -> list[int]:
            started = time.perf_counter()
            if tab == "subjects":
                page = engine.search_subjects(query, per_page=evaluation.PAGE)
            else:
                page = engine.search_records(query, per_page=evaluation.PAGE,
                                             today=REFERENCE_DATE)
            times.append((time.perf_counter() - started) * 1000)
            return [hit.id for hit in page.hits]

        scores = evaluation.measure(items, search, targets)
        print(f"  {name:8s} {scores.line()}\n  {'':8s} latency {percentiles(times)}")
        engine.close()
    con, _s, _r = build_fts(
        tmp / "labelled-fts.sqlite3",
        {d.id: SEPARATOR.join(normalize(n) for n in (d.name, *d.former_names)) for d in subjects},
        record_texts(records), {d.id: d.uscc or d.id_number or "" for d in subjects})

    def fts(tab: str, query: str) -> list[int]:
        return fts_terms_search(con, "s" if tab == "subjects" else "r", query)

    scores = evaluation.measure(items, fts, targets)
    print(f"  {'fts5':8s} {scores.line()}")
    con.close()


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
            if name == "tantivy":
                print(tantivy_indexing_bound(subjects, records, args.procs, Path(tmp)))
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
        for engine in engines.values():
            engine.close()
        labelled_quality(names, args.procs, Path(tmp))


if __name__ == "__main__":
    main()
