"""Concurrency load test of the public complaint form against gunicorn on PostgreSQL.

    .venv/bin/python scripts/load_petitions.py [--complaints 1000] [--clients 20]
        [--workers 2] [--threads 4] [--double-every 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/load_petitions]
        [--redis-url redis://127.0.0.1:6379/1]

What it does:
1. drops and re-creates the database named in --database-url, migrates it with
   `flask db upgrade` (--create-all uses the models instead), adds one subject to complain
   about (and with --department-exists the department complaints are routed to);
2. starts gunicorn (gthread workers) on a free port, rate-limit counters on Redis;
3. 20 client threads, each a browser with its own cookie jar, fill in 1,000 complaints through
   the real form: GET (CSRF token and one-time form_token), POST. Every --double-every-th form is
   posted twice at the same moment with the same cookie, as a double click does;
4. prints sent, accepted (distinct case numbers in the answers), stored (rows in the database),
   duplicates, lost, throughput, POST latency p50/p95. Exits 1 if anything was lost or
   duplicated, or a request failed.

For the run only (printed): the CAPTCHA threshold (PETITION_CAPTCHA_AFTER) and the submission
rate limit are raised, since every client comes from 127.0.0.1; the limits are still counted,
in Redis, under a key prefix of their own. APP_ENV=development because production marks the
session cookie Secure and this test speaks plain HTTP.
Only the standard library (urllib, threading) plus psycopg for the database set-up.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

NUMBER = re.compile(r"(TS\d{8}-\d{6})")
TOKENS = re.compile(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"')


# --- set-up ----------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in ("postgres", "test"):
        raise SystemExit(f"refusing to drop database {name!r}: give a throwaway name")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(env: dict[str, str], create_all: bool) -> str:
    if create_all:
        from webapp import create_app
        from webapp.extensions import db

        app = create_app({"DATABASE_URL": env["DATABASE_URL"],
                          "INSTANCE_DIR": env["INSTANCE_DIR"]})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        return "db.create_all()"
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=PROJECT, env=env, check=True, capture_output=True)
    return "flask db upgrade"


def add_subject(env: dict[str, str], with_department: bool) -> int:
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Department, Subject
    from webapp.rules import uscc

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "INSTANCE_DIR": env["INSTANCE_DIR"]})
    with app.app_context():
        body = "91231102" + "900000001"  # enterprise, Heihe region, a made-up org code
        subject = Subject(name="黑河市压力测试商贸有限公司", subject_type="企业法人",
                          uscc=body + uscc.check_character(body))
        db.session.add(subject)
        if with_department:  # as on a site whose data import made it already
            db.session.add(Department(name=app.config["PETITION_COMPLAINT_DEPARTMENT"]))
        db.session.commit()
        subject_id = subject.id
        db.engine.dispose()
    return subject_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int,
                   log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers),
         "--worker-class", "gthread", "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "wsgi:app"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/petitions/track",
                                        timeout=5):
                return server
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise SystemExit(f"gunicorn did not start; see {log}") from None
            time.sleep(0.3)


# --- clients ---------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the 302's Location names the case: read it, do not follow


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    forms: dict[str, list[str | None]] = field(default_factory=dict)  # form_token -> numbers
    errors: list[str] = field(default_factory=list)


def _post(opener: urllib.request.OpenerDirector, url: str, body: bytes, token: str,
          results: Results) -> None:
    started = time.perf_counter()
    number, error = None, None
    try:
        request = urllib.request.Request(  # noqa: S310 (the URL is built here, http://)
            url, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        with opener.open(request, timeout=60) as response:
            html = response.read().decode()
            shown = re.findall(r'class="(?:flash flash-error|error)"[^>]*>([^<]+)<', html)
            error = f"POST answered {response.status}, not a redirect: {' '.join(shown)}"
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location", "")
        match = NUMBER.search(location)
        if exc.code in (302, 303) and match:
            number = match.group(1)
        else:
            error = f"POST answered {exc.code} {location}"
        exc.close()
    except OSError as exc:
        error = f"POST failed: {exc}"
    elapsed = time.perf_counter() - started
    with results.lock:
        results.sent += 1
        results.latencies.append(elapsed)
        results.forms.setdefault(token, []).append(number)
        if error:
            results.errors.append(error)


def client(base: str, subject_id: int, jobs: list[int], jobs_lock: threading.Lock,
           double_every: int, results: Results) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                         _NoRedirect())
    url = f"{base}/petitions/complaint?subject={subject_id}"
    while True:
        with jobs_lock:
            if not jobs:
                return
            n = jobs.pop()
        try:
            with opener.open(url, timeout=60) as page:
                tokens = dict(TOKENS.findall(page.read().decode()))
        except OSError as exc:
            with results.lock:
                results.errors.append(f"GET failed: {exc}")
            continue
        if "csrf_token" not in tokens or "form_token" not in tokens:
            with results.lock:
                results.errors.append("form without tokens (CAPTCHA or error page?)")
            continue
        body = urllib.parse.urlencode({
            **tokens, "category": "价格欺诈", "title": f"压力测试投诉 {n}",
            "description": f"第 {n} 件：标价与结算价不符。", "contact_name": "测试",
            "contact_phone": "13800138000"}).encode()
        if double_every and n % double_every == 0:
            clicks = [threading.Thread(target=_post, args=(opener, url, body,
                                                           tokens["form_token"], results))
                      for _ in range(2)]
            for click in clicks:
                click.start()
            for click in clicks:
                click.join()
        else:
            _post(opener, url, body, tokens["form_token"], results)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- main ------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--double-every", type=int, default=5,
                        help="every n-th form is posted twice at once (0: never)")
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/load_petitions")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--department-exists", action="store_true",
                        help="create the department complaints are routed to before the run "
                             "(otherwise the first complaints create it, concurrently)")
    parser.add_argument("--create-all", action="store_true",
                        help="create the schema from the models instead of the migrations")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="load-petitions-"))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": args.database_url,
        "SEARCH_INDEX_DIR": str(instance / "index"),
        "RATELIMIT_STORAGE_URI": args.redis_url,
        "RATELIMIT_KEY_PREFIX": f"load-{secrets.token_hex(4)}",
        "RATELIMIT_PETITION_SUBMIT": "1000000 per minute",
        "PETITION_CAPTCHA_AFTER": "1000000",
    }
    recreate_database(args.database_url)
    how = migrate(env, args.create_all)
    subject_id = add_subject(env, args.department_exists)
    print(f"database  {args.database_url} (re-created, schema by {how}; routing department "
          f"{'created beforehand' if args.department_exists else 'made by the first complaint'})")
    print(f"limits    rate-limit storage {args.redis_url} prefix {env['RATELIMIT_KEY_PREFIX']}; "
          "for this run RATELIMIT_PETITION_SUBMIT=1000000 per minute and "
          "PETITION_CAPTCHA_AFTER=1000000 (all clients share 127.0.0.1)")
    print(f"server    gunicorn {args.workers} gthread workers x {args.threads} threads; "
          f"{args.clients} clients, {args.complaints} complaints, every "
          f"{args.double_every or '∞'}th form double-clicked")

    log = instance / "gunicorn.log"
    port = free_port()
    server = start_gunicorn(env, port, args.workers, args.threads, log)
    results = Results()
    jobs = list(range(args.complaints, 0, -1))
    jobs_lock = threading.Lock()
    try:
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(f"http://127.0.0.1:{port}", subject_id,
                                                         jobs, jobs_lock, args.double_every,
                                                         results))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    status = report(args, results, wall, log)
    if status == 0:
        shutil.rmtree(instance, ignore_errors=True)  # kept on failure: it holds the server log
    return status


def report(args: argparse.Namespace, results: Results, wall: float, log: Path) -> int:
    import psycopg

    with psycopg.connect(args.database_url) as conn:
        rows = conn.execute("SELECT form_token, number FROM petition_cases "
                            "WHERE kind = 'complaint'").fetchall()
    stored_by_token = dict(rows)
    forms = results.forms
    accepted = {n for numbers in forms.values() for n in numbers if n}
    unanswered = [t for t, numbers in forms.items() if not any(numbers)]
    double = sum(1 for numbers in forms.values() if len(numbers) == 2)
    # Duplicates: rows beyond one per form sent, and double clicks answered with two cases.
    extra_rows = len(rows) - len(forms)
    split = [t for t, numbers in forms.items() if len({n for n in numbers if n}) > 1]
    duplicates = max(0, extra_rows) + len(split)
    # Lost: a form answered with a case number that is not that form's stored row.
    lost = sum(1 for t, numbers in forms.items() if any(numbers) and (
        t not in stored_by_token or any(n and n != stored_by_token[t] for n in numbers)))
    ms = [x * 1000 for x in results.latencies]

    print(f"sent      {results.sent} POSTs for {len(forms)} forms "
          f"({double} forms double-clicked)")
    print(f"accepted  {len(accepted)} distinct case numbers in the answers")
    print(f"stored    {len(rows)} complaint rows in the database")
    print(f"duplicates {duplicates} (stored minus distinct form tokens sent: {extra_rows}; "
          f"double clicks answered with two different cases: {len(split)})")
    print(f"lost      {lost} (accepted but not stored); forms without an answer: "
          f"{len(unanswered)}; errors: {len(results.errors)}")
    for error in sorted(set(results.errors))[:10]:
        print(f"          {results.errors.count(error)} x {error}")
    if ms:
        print(f"throughput {results.sent / wall:.1f} POSTs/s, {len(accepted) / wall:.1f} cases/s "
              f"over {wall:.1f} s")
        print(f"latency   POST p50 {statistics.median(ms):.0f} ms, "
              f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms")
    ok = (lost == 0 and duplicates == 0 and not unanswered and not results.errors
          and len(accepted) == len(rows) == args.complaints)
    print("RESULT    " + ("OK: none lost, none duplicated" if ok else
                          f"FAILED (server log: {log})"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
