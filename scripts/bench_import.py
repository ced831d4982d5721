"""Benchmark the department importer on a 10,000-row penalty file.

    .venv/bin/python scripts/bench_import.py [--rows 10000] [--seed 7]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python scripts/bench_import.py

Generates an entities file and a penalty CSV with the demo generator, imports both through
`import_file` (the code `flask import-records` runs) into a fresh SQLite database (and the
PostgreSQL one in BENCH_DATABASE_URL or TEST_DATABASE_URL, whose tables are dropped and
recreated: give it a scratch database), commits and writes the search index update like
the CLI does, and prints rows/s and seconds for each step.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app
from webapp.demo.generator import generate_city
from webapp.extensions import db
from webapp.services import search
from webapp.services.imports import import_file


def to_csv(rows: list[dict[str, str]]) -> bytes:
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def run(url: str, label: str, files: dict[str, bytes], tmp: str) -> None:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench", "INSTANCE_DIR": tmp,
                      "DATABASE_URL": url, "SEARCH_INDEX_DIR": f"{tmp}/index-{label}"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        print(f"\n{label}:")
        total = 0.0
        for kind, data in files.items():
            started = time.perf_counter()
            result = import_file(db.session, kind, f"bench-{kind}.csv", data, actor="bench")
            imported = time.perf_counter() - started
            db.session.commit()  # as the CLI does, then its index update from the change log
            search.index_now()
            seconds = time.perf_counter() - started
            total += seconds
            print(f"  {kind:9s} {result.rows_total:6d} rows: import {imported:5.1f} s, "
                  f"with commit and index update {seconds:5.1f} s "
                  f"({result.rows_total / seconds:,.0f} rows/s); {result.summary()}")
        found = search.search_records("处罚").total
        print(f"  total {total:.1f} s; search finds {found} records for 处罚")
        db.drop_all()
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10000, help="penalty rows")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # Top-up records are about half penalties: ask for enough, keep the first `rows`.
    entities = max(1, args.rows // 3)
    city = generate_city(entities, args.seed, records_per_subject=args.rows / entities * 2.2)
    penalties = city["penalty"][:args.rows]
    files = {"entities": to_csv(city["entities"]), "penalty": to_csv(penalties)}
    print(f"files: {len(city['entities'])} entities ({len(files['entities']) // 1024} KB), "
          f"{len(penalties)} penalties ({len(files['penalty']) // 1024} KB)")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", files, tmp)
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if url:
            run(url, "PostgreSQL", files, tmp)


if __name__ == "__main__":
    main()
