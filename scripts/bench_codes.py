"""Credit-code benchmarks, in process: poster generation and scan-page latency.

    .venv/bin/python scripts/bench_codes.py [--subjects 2000] [--scans 500] [--qr-damage]

Prints poster time (target <= 50 ms) and scan-page p50/p95 (target p95 <= 15 ms) beside a
baseline measured in the same run: the same page for the same subjects looked up plainly
by USCC (no signature check, no revocation look-up), so the difference is what signing
costs. The database is a SQLite file in a temporary directory (each scan commits its
count, as in production); pass --database-url for PostgreSQL.
--qr-damage repeats the measurement behind the choice of error-correction level Q.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, render_template
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import Department, Record, Subject
from webapp.models.codes import SelfDeclaration
from webapp.rules import uscc as uscc_rules
from webapp.services import codes as code_service
from webapp.services.codes import poster, qr
from webapp.services.codes.scanning import describe_subject
from webapp.services.codes.tokens import Reason, Verification, verify_code
from webapp.services.visibility import public_name

TARGET_POSTER_MS = 50.0
TARGET_SCAN_P95_MS = 15.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def check(condition: bool) -> None:
    if not condition:
        raise SystemExit("benchmark request failed")


def make_uscc(n: int) -> str:
    body = f"91231102{n:09d}"
    return body + uscc_rules.check_character(body)


def seed(n_subjects: int, rng: random.Random) -> list[Subject]:
    departments = [Department(name=f"黑河市第{i}局") for i in range(1, 9)]
    db.session.add_all(departments)
    subjects = []
    for n in range(1, n_subjects + 1):
        subject = Subject(name=f"黑河市爱辉区测试{n}号商贸有限公司", subject_type="企业法人",
                          uscc=make_uscc(n), address=f"黑河市爱辉区中央街{n}号",
                          registration_status="存续")
        db.session.add(subject)
        subjects.append(subject)
    db.session.flush()
    serial = 0
    for subject in subjects:
        for _ in range(rng.randint(2, 12)):
            serial += 1
            kind = rng.choices(["license", "penalty", "list", "evaluation"], [6, 3, 1, 1])[0]
            fields: dict = {"kind": kind}
            if kind == "list":
                fields["list_nature"] = rng.choice(["black", "watch", "red", "abnormal"])
                fields["list_type"] = "名单"
            if kind == "evaluation":
                fields.update(title="纳税信用等级", grade=rng.choice("ABMCD"))
            db.session.add(Record(
                subject_id=subject.id, department=rng.choice(departments),
                identity_key=f"bench|{serial}", doc_number=f"黑〔2026〕{serial}号",
                decided_on=date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)), **fields,
            ))
    db.session.commit()
    return subjects


def add_baseline_route(app: Flask) -> None:
    """The plain unsigned lookup: the same page, queries and scan count, found by USCC with
    no token (no signature check, no revocation look-up)."""

    @app.get("/bench/plain/<uscc>")
    def plain(uscc: str) -> str:
        newest = (select(func.max(Record.updated_at)).where(Record.subject_id == Subject.id)
                  .correlate(Subject).scalar_subquery())
        declared = (select(func.count()).select_from(SelfDeclaration)
                    .where(SelfDeclaration.subject_id == Subject.id,
                           SelfDeclaration.state == "approved")
                    .correlate(Subject).scalar_subquery())
        subject, last, declarations = db.session.execute(
            select(Subject, newest, declared).where(Subject.uscc == uscc)).one()
        result = describe_subject(db.session, Verification(Reason.VALID), subject, None, last,
                                  has_declarations=bool(declarations))
        html = render_template("codes/scan.html", result=result,
                               name=public_name(subject, result.public_records))
        code_service.count_scan(subject.id)
        code_service.flush_scans()
        return html


def bench_poster(app: Flask, codes: list, subjects: dict[int, Subject]) -> list[float]:
    """Posters for different subjects (no help from the QR matrix cache), inputs prepared."""
    base = app.config["PUBLIC_BASE_URL"]
    jobs = [
        (qr.code_url(base, code.token),
         poster.PosterText(subjects[code.subject_id].name, code.uscc, app.config["SITE_NAME"],
                           base),
         code.qr_mask)
        for code in codes[:41]
    ]
    start = time.perf_counter()
    poster.poster_png(*jobs[0])
    print(f"poster, first call (loads the font):   {ms(time.perf_counter() - start)}")
    timings = []
    for job in jobs[1:]:
        begin = time.perf_counter()
        poster.poster_png(*job)
        timings.append(time.perf_counter() - begin)
    return timings


def qr_damage(trials: int = 40) -> None:
    """Decode rate of scuffed codes at each error-correction level (the reason for Q)."""
    import qrcode
    import zxingcpp
    from PIL import ImageDraw

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    token = "".join(random.Random(7).choice(alphabet) for _ in range(222))  # like a real one
    url = qr.code_url("https://www.xyheihe.gov.cn", token)
    print(f"\nQR damage ({len(url)}-byte URL, {trials} trials each, decoded with zxing-cpp)")
    for name in "LMQH":
        code = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{name}"),
                             box_size=8, border=4)
        code.add_data(url)
        code.make(fit=True)
        base = code.make_image().get_image().convert("L")
        span = base.width - 64
        rates = []
        for fraction in (0.06, 0.10, 0.14, 0.18):
            ok = 0
            for trial in range(trials):
                rng = random.Random(trial)
                image = base.copy()
                side = int(span * fraction ** 0.5)
                low, high = 32 + span // 6, 32 + span - side - span // 6
                x, y = rng.randint(low, max(low, high)), rng.randint(low, max(low, high))
                ImageDraw.Draw(image).rectangle([x, y, x + side, y + side],
                                                fill=rng.choice([255, 0, 160]))
                found = zxingcpp.read_barcodes(image)
                ok += bool(found) and found[0].text == url
            rates.append(f"{int(fraction * 100):2d}%: {ok / trials:4.0%}")
        size = 30 / (code.modules_count + 8)
        print(f"  {name}: version {code.version:2d}, {code.modules_count} modules, "
              f"{size:.2f} mm/module at 3 cm; blot decoded  " + "  ".join(rates))


def bench_scans(app: Flask, tokens: list[tuple[str, str]], n: int, rng: random.Random) -> tuple[
    list[float], list[float]
]:
    """Signed scan and plain lookup, interleaved so both see the same machine state.

    Runs outside any app context, so each request has its own session, as in production.
    """
    client = app.test_client()
    picks = [rng.choice(tokens) for _ in range(n)]
    for token, uscc in picks[:20]:  # warm templates and caches
        client.get(f"/c/{token}")
        client.get(f"/bench/plain/{uscc}")
    scan, plain = [], []
    for token, uscc in picks:
        start = time.perf_counter()
        response = client.get(f"/c/{token}")
        scan.append(time.perf_counter() - start)
        check(response.status_code == 200 and b"verdict-genuine" in response.data)
        start = time.perf_counter()
        response = client.get(f"/bench/plain/{uscc}")
        plain.append(time.perf_counter() - start)
        check(response.status_code == 200)
    return scan, plain


def report(scan: list[float], plain: list[float]) -> None:
    p95 = percentile(scan, .95)
    print(f"  signed scan     p50 {ms(percentile(scan, .5))}   p95 {ms(p95)}"
          f"   target p95 <= {TARGET_SCAN_P95_MS:.0f} ms "
          f"{'OK' if p95 * 1000 <= TARGET_SCAN_P95_MS else 'MISSED'}")
    print(f"  plain baseline  p50 {ms(percentile(plain, .5))}   "
          f"p95 {ms(percentile(plain, .95))}   (same page by USCC, no signature)")
    print(f"  cost of signing p50 {ms(percentile(scan, .5) - percentile(plain, .5))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--qr-damage", action="store_true")
    args = parser.parse_args()
    rng = random.Random(20261123)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({
            "APP_ENV": "testing", "SECRET_KEY": "bench-" + "x" * 26, "INSTANCE_DIR": tmp,
            "DATABASE_URL": url, "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "http://localhost",
        })
        add_baseline_route(app)
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            subjects = seed(args.subjects, rng)
            store = code_service.key_store()
            store.ensure()
            # The first 50 get their QR mask chosen at issue (as the code page does).
            codes = [code_service.issue_code(db.session, s, store,
                                             base_url="http://localhost" if i < 50 else None)
                     for i, s in enumerate(subjects[:500])]
            db.session.commit()
            print(f"seeded {len(subjects)} subjects, issued {len(codes)} codes "
                  f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
            posters = bench_poster(app, codes, {s.id: s for s in subjects})
            verify = timed(lambda: verify_code(codes[0].token, store), 2000)
            tokens = [(code.token, code.uscc) for code in codes]
        scan, plain = bench_scans(app, tokens, args.scans, rng)
        with app.app_context():
            interval = code_service.scan_buffer().interval
            code_service.flush_scans(force=True)
            code_service.scan_buffer().interval = 0  # every scan commits its count
        scan_sync, plain_sync = bench_scans(app, tokens, args.scans, rng)
        with app.app_context():
            db.engine.dispose()

    poster_p50 = statistics.median(posters)
    print(f"poster PNG (A6, 300 dpi), p50:         {ms(poster_p50)}   max {ms(max(posters))}"
          f"   target <= {TARGET_POSTER_MS:.0f} ms "
          f"{'OK' if poster_p50 * 1000 <= TARGET_POSTER_MS else 'MISSED'}")
    print(f"token verification alone, p50:         {ms(statistics.median(verify))}")
    print(f"\nscan page /c/<token>, {len(scan)} requests each (in-process test client)")
    print(f"scan counts buffered, written every {interval:g} s (as deployed):")
    report(scan, plain)
    print("scan counts committed in every request (flush interval 0):")
    report(scan_sync, plain_sync)
    if args.qr_damage:
        qr_damage()


if __name__ == "__main__":
    main()
