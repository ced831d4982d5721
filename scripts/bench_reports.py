"""Credit-report benchmarks, in process: generation time of a 3-page and a 50-page report.

    .venv/bin/python scripts/bench_reports.py [--runs 5]

Cold: the first report in a fresh instance dir, which converts the packaged OTF font to the
cached TrueType subset (once per deployment). Warm: the median of --runs further reports
(data read from the database, PDF rendered, PAdES-signed, issue recorded).
Targets: 3 pages <= 300 ms, 50 pages <= 3 s. The database is SQLite in memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app
from webapp.extensions import db
from webapp.models import Department, Record, Subject
from webapp.rules import uscc as uscc_rules
from webapp.services.reports import issue_report
from webapp.services.reports.fonts import font_path

CONTENT = "未按规定期限公示年度报告，违反《企业信息公示暂行条例》第八条，责令改正并处罚款。"


def make_subject(n: int, records: int, department: Department) -> Subject:
    body = f"91231102{n:09d}"
    subject = Subject(name=f"黑河市基准测试{n}号商贸有限公司", subject_type="企业法人",
                      uscc=body + uscc_rules.check_character(body))
    db.session.add(subject)
    for i in range(records):
        db.session.add(Record(
            subject=subject, department=department, kind="penalty",
            doc_number=f"黑市监罚〔2025〕{n}-{i}号", identity_key=f"bench|{n}|{i}",
            decided_on=date(2025, 1 + i % 12, 1 + i % 28), title="罚款", content=CONTENT,
        ))
    db.session.flush()
    return subject


def timed(subject: Subject) -> tuple[float, int]:
    start = time.perf_counter()
    issued = issue_report(db.session, subject)
    return time.perf_counter() - start, issued.issue.page_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench", "INSTANCE_DIR": tmp,
                          "DATABASE_URL": "sqlite://", "SEARCH_INDEX_DIR": f"{tmp}/index"})
        with app.app_context():
            db.create_all()
            department = Department(name="黑河市市场监督管理局")
            start = time.perf_counter()
            font_path(tmp)
            print(f"cold: font conversion (OTF -> TrueType GB2312 subset, once per instance) "
                  f"{time.perf_counter() - start:.2f} s")
            small = make_subject(1, 12, department)
            cold, pages = timed(small)
            print(f"cold: first report incl. font registration {cold * 1000:.0f} ms "
                  f"({pages} pages)")
            # Find the record count that makes 50 pages (about 12 records per page).
            count, pages, n = 600, 0, 2
            while pages != 50 and n < 6:
                big = make_subject(n, count, department)
                _, pages = timed(big)
                count, n = count + round((50 - pages) * count / pages), n + 1
            for label, subject, target in (("small", small, 0.3), ("large", big, 3.0)):
                runs = [timed(subject) for _ in range(args.runs)]
                median = statistics.median(t for t, _ in runs)
                pages = runs[0][1]
                verdict = "ok" if median <= target else "OVER TARGET"
                print(f"warm: {label} report, {pages} pages: median {median * 1000:.0f} ms "
                      f"over {args.runs} runs (target <= {target * 1000:.0f} ms) {verdict}")
            db.session.rollback()


if __name__ == "__main__":
    main()
