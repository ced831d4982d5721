"""Fault drill: break the site's parts one at a time under load and count what survives.

    .venv/bin/python scripts/fault_drill.py [--short] [--only lock,redis,...] [--keep]

Starts everything it needs under one temporary directory, on free loopback ports:
a PostgreSQL cluster of its own (initdb + pg_ctl; as the `postgres` user when run as root,
since initdb refuses root), a redis-server, the site migrated with `flask db upgrade` and
filled with demo data, and gunicorn with the project's gunicorn.conf.py. The search index
lives on a small tmpfs (root only) so that the disk can be filled.

Experiments (each under bounded load: a few clients searching, calling the API, opening
profiles and filing complaints through the real form, re-posting a form whose answer failed):

  lock          a transaction holds an ACCESS EXCLUSIVE lock on `subjects` (60 s; --short 8 s)
  redis         the rate limiter's Redis stops (15 s; --short 5 s)
  postgres      PostgreSQL stops (10 s; --short 5 s)
  disk          the index filesystem is full: an import (its index update) and a reindex
  reindex-kill  `flask reindex` is killed (SIGKILL) while its workers build
  worker-kill   a gunicorn worker is killed every 2.5 s while complaints are filed
  import-kill   `flask import-records` is killed after its commit, during its index update

Per experiment it prints: requests, accepted (case numbers answered), stored (their rows),
lost (accepted, not stored), duplicated, 5xx (500 / 503), answers slower than the web
timeout + 1 s, seconds to recover after the fault is cleared, and the experiment's own
checks. Exit status 1 when any check fails. --short is what `.ci/run` runs (about 2 min).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

NUMBER = re.compile(r"(TS\d{8}-\d{6})")
TOKENS = re.compile(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"')
EXPERIMENTS = ("lock", "redis", "postgres", "disk", "reindex-kill", "worker-kill",
               "import-kill")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(Exception):
            if check():
                return True
        time.sleep(step)
    return False


def children(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    try:  # fast, where the kernel offers it
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in listed]
    except OSError:
        pass
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- services ---------------------------------------------------------------------------------

class Postgres:
    """A throwaway cluster: initdb in a temporary directory, pg_ctl start/stop on a free port."""

    def __init__(self, base: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = bins[-1].parent
        self.data = base / "pgdata"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/drill"
        self.log = base / "postgres.log"

    def _run(self, *args: str) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, user=self.user,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        self.data.mkdir(mode=0o700)
        if self.user:
            shutil.chown(self.data, self.user)
            self.log.touch()
            shutil.chown(self.log, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.start()
        import psycopg

        with psycopg.connect(self.url.replace("/drill", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE drill")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= "
                   "-c fsync=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(self._ping, 10):
            raise SystemExit("redis-server did not start")

    def _ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Site:
    """The site's instance (environment, CLI) and its gunicorn."""

    def __init__(self, base: Path, database_url: str, redis_url: str, index_dir: Path,
                 short: bool) -> None:
        self.base = base
        self.env = {
            **os.environ,
            "APP_ENV": "development",  # production marks cookies Secure; this is plain HTTP
            "SECRET_KEY": secrets.token_hex(32),
            "INSTANCE_DIR": str(base / "instance"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(index_dir),
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": f"drill-{secrets.token_hex(4)}",
            # Every client comes from 127.0.0.1: limits and the CAPTCHA raised (still counted).
            "RATELIMIT_PETITION_SUBMIT": "1000000 per minute",
            "RATELIMIT_SEARCH": "1000000 per minute",
            "RATELIMIT_API": "1000000 per minute",
            "PETITION_CAPTCHA_AFTER": "1000000",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
        }
        if short:  # a lock held 8 s must outlast the web timeouts
            self.env.update(DB_STATEMENT_TIMEOUT_WEB="3", DB_LOCK_TIMEOUT_WEB="2")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = base / "gunicorn.log"
        self.server: subprocess.Popen[bytes] | None = None

    def flask(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                              cwd=PROJECT, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def flask_popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=PROJECT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def setup(self, entities: int) -> None:
        for step in (("db", "upgrade"), ("keys", "ensure"),
                     ("demo-data", "--entities", str(entities), "--seed", "14")):
            done = self.flask(*step)
            if done.returncode:
                raise SystemExit(f"flask {' '.join(step)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        conf = PROJECT / "gunicorn.conf.py"
        args = ["-c", str(conf)] if conf.exists() else ["--worker-class", "gthread",
                                                        "--threads", "4", "--workers", "2"]
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *args, "--bind", f"127.0.0.1:{self.port}",
             "--error-logfile", str(self.log), "wsgi:app"],
            cwd=PROJECT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"))  # noqa: SIM115 (kept open for the server's life)
        if not wait_for(lambda: get(f"{self.base_url}/static/css/site.css")[0] == 200, 60, 0.3):
            raise SystemExit(f"gunicorn did not start; see {self.log}")

    def workers(self) -> list[int]:
        return children(self.server.pid) if self.server else []

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()


# --- load ------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def get(url: str, opener: Any = None, data: bytes | None = None,
        timeout: float = 90) -> tuple[int, str, dict[str, str]]:
    """(status, body, headers); status 0 when the connection failed."""
    request = urllib.request.Request(url, data=data)  # noqa: S310 (loopback URLs built here)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with (opener or _PLAIN).open(request, timeout=timeout) as response:
            return int(response.status), response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), error.read().decode(errors="replace"), dict(error.headers)
    except (OSError, ValueError) as error:
        return 0, str(error), {}


_PLAIN = urllib.request.build_opener(_NoRedirect())


@dataclass
class Sample:
    at: float
    what: str
    status: int
    seconds: float
    retry_after: str | None


@dataclass
class Load:
    """Bounded load from a few client threads, each a browser with its own cookies."""

    base: str
    subjects: list[tuple[int, str]]  # (id, name) of public subjects
    clients: int = 4
    complaint_share: int = 5  # every n-th action files a complaint
    pause: float = 0.05
    samples: list[Sample] = field(default_factory=list)
    forms: dict[str, list[str | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        for n in range(self.clients):
            thread = threading.Thread(target=self._client, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _record(self, what: str, started: float, status: int,
                headers: dict[str, str]) -> None:
        with self.lock:
            self.samples.append(Sample(started, what, status, time.monotonic() - started,
                                       headers.get("Retry-After")))

    def _fetch(self, opener: Any, what: str, url: str,
               data: bytes | None = None) -> tuple[int, str, dict[str, str]]:
        started = time.monotonic()
        status, body, headers = get(url, opener, data)
        self._record(what, started, status, headers)
        return status, body, headers

    def _client(self, n: int) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                             _NoRedirect())
        for step in itertools.count(n):
            if self._stop.is_set():
                return
            subject_id, name = self.subjects[step % len(self.subjects)]
            part = urllib.parse.quote(name[-4:-2] if len(name) > 4 else name)
            action = step % self.complaint_share
            if self.complaint_share == 1 or action == 0:
                self._complaint(opener, subject_id, step)
            elif action == 1:
                self._fetch(opener, "search", f"{self.base}/search?q={part}")
            elif action == 2:
                self._fetch(opener, "api", f"{self.base}/api/v1/search?q={part}")
            else:
                self._fetch(opener, "profile", f"{self.base}/subjects/{subject_id}")
            time.sleep(self.pause)

    def _complaint(self, opener: Any, subject_id: int, step: int) -> None:
        url = f"{self.base}/petitions/complaint?subject={subject_id}"
        status, page, _ = self._fetch(opener, "form", url)
        tokens = dict(TOKENS.findall(page)) if status == 200 else {}
        if "form_token" not in tokens:
            return
        body = urllib.parse.urlencode({
            **tokens, "category": "价格欺诈", "title": f"演练投诉 {step}",
            "description": f"第 {step} 件：标价与结算价不符。", "contact_name": "演练",
            "contact_phone": "13800138000"}).encode()
        for attempt in range(3):  # a citizen whose answer failed posts the same form again
            status, _, headers = self._fetch(opener, "post", url, body)
            match = NUMBER.search(headers.get("Location", ""))
            number = match.group(1) if status in (302, 303) and match else None
            with self.lock:
                self.forms.setdefault(tokens["form_token"], []).append(number)
            if number or status in (200, 400) or self._stop.is_set():
                return
            time.sleep(1.0 + attempt)


@dataclass
class Outcome:
    name: str
    requests: int = 0
    accepted: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    server_errors: int = 0
    status_500: int = 0
    status_503: int = 0
    failed: int = 0  # no HTTP answer at all
    slow: int = 0
    slowest: float = 0.0
    recovered: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def account(outcome: Outcome, load: Load, pg: Postgres, slow_after: float) -> None:
    """Requests and complaints of one experiment, against the rows in the database."""
    samples = load.samples
    outcome.requests = len(samples)
    outcome.status_500 = sum(s.status == 500 for s in samples)
    outcome.status_503 = sum(s.status == 503 for s in samples)
    outcome.server_errors = sum(s.status >= 500 for s in samples)
    outcome.failed = sum(s.status == 0 for s in samples)
    outcome.slow = sum(s.seconds > slow_after for s in samples)
    outcome.slowest = max((s.seconds for s in samples), default=0.0)
    slowest = sorted(samples, key=lambda s: -s.seconds)[:3]
    outcome.notes.append("slowest: " + ", ".join(f"{s.what} {s.status} {s.seconds:.1f} s"
                                                  for s in slowest))
    missing_retry = sum(s.status == 503 and not s.retry_after for s in samples)
    if missing_retry:
        outcome.notes.append(f"{missing_retry} answers 503 without Retry-After")
    tokens = list(load.forms)
    rows = dict(pg.query("SELECT form_token, number FROM petition_cases "
                         "WHERE form_token = ANY(%s)", tokens)) if tokens else {}
    counts = dict(pg.query("SELECT form_token, count(*) FROM petition_cases "
                           "WHERE form_token = ANY(%s) GROUP BY form_token", tokens)
                  ) if tokens else {}
    accepted = {n for numbers in load.forms.values() for n in numbers if n}
    outcome.accepted = len(accepted)
    outcome.stored = sum(1 for t, numbers in load.forms.items() if any(numbers) and t in rows)
    outcome.lost = sum(1 for t, numbers in load.forms.items() if any(numbers) and (
        t not in rows or any(n and n != rows[t] for n in numbers)))
    outcome.duplicated = sum(c - 1 for c in counts.values()) + sum(
        1 for numbers in load.forms.values() if len({n for n in numbers if n}) > 1)
    outcome.checks["0 lost"] = outcome.lost == 0
    outcome.checks["0 duplicated"] = outcome.duplicated == 0


def time_to_recover(base: str, subject_id: int, limit: float = 60) -> float | None:
    """Seconds until a profile page (database) and an API search (index) both answer 200."""
    started = time.monotonic()

    def healthy() -> bool:
        return (get(f"{base}/subjects/{subject_id}", timeout=10)[0] == 200
                and get(f"{base}/api/v1/search?q=%E5%85%AC%E5%8F%B8", timeout=10)[0] == 200)

    return time.monotonic() - started if wait_for(healthy, limit, 0.05) else None


# --- experiments -----------------------------------------------------------------------------

@dataclass
class Drill:
    args: argparse.Namespace
    base: Path
    pg: Postgres
    redis: Redis
    site: Site
    index_mount: Path | None
    subjects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def slow_after(self) -> float:
        return float(self.site.env.get("DB_STATEMENT_TIMEOUT_WEB", self.args.web_timeout)) + 1

    def load(self, **kwargs: Any) -> Load:
        return Load(self.site.base_url, self.subjects, clients=self.args.clients,
                    **kwargs).start()

    @contextmanager
    def under_load(self, outcome: Outcome, **kwargs: Any) -> Iterator[Load]:
        load = self.load(**kwargs)
        time.sleep(1.0)  # warm: every client is mid-flight when the fault starts
        try:
            yield load
        finally:
            time.sleep(1.0)
            load.stop()
            account(outcome, load, self.pg, self.slow_after)

    def recover(self, outcome: Outcome) -> None:
        outcome.recovered = time_to_recover(self.site.base_url, self.subjects[0][0])
        outcome.checks["recovered"] = outcome.recovered is not None

    def log_lines(self, since: int) -> list[str]:
        return self.site.log.read_text(errors="replace")[since:].splitlines()

    # -- the experiments

    def lock(self) -> Outcome:
        outcome = Outcome("lock")
        seconds = 8 if self.args.short else 60
        import psycopg

        with self.under_load(outcome) as load, psycopg.connect(self.pg.url) as conn:
            time.sleep(3.0)  # the same load without the fault: the machine's own latency
            locked_at = time.monotonic()
            conn.execute("LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE")
            time.sleep(seconds)
            conn.rollback()
            released_at = time.monotonic()
            self.recover(outcome)
        before = sorted(s.seconds for s in load.samples if s.at + s.seconds < locked_at)
        baseline = before[int(0.95 * (len(before) - 1))] if before else 0.0
        allowed = self.slow_after + baseline
        during = [s for s in load.samples if s.at < released_at and s.at + s.seconds > locked_at]
        slow = [s for s in during if s.seconds > allowed]
        outcome.slow = len(slow)
        outcome.notes.append(f"lock held {seconds} s; slowest answer {outcome.slowest:.1f} s; "
                             f"without the lock p95 {baseline:.1f} s ({len(before)} answers)")
        outcome.checks[f"0 answers slower than timeout + 1 s + that p95 ({allowed:.1f} s)"] = (
            not slow)
        outcome.checks["0 answers 500"] = outcome.status_500 == 0 and outcome.failed == 0
        return outcome

    def redis_down(self) -> Outcome:
        outcome = Outcome("redis")
        seconds = 5 if self.args.short else 15
        with self.under_load(outcome):
            self.redis.stop()
            time.sleep(seconds)
            self.redis.start()
            self.recover(outcome)
        outcome.notes.append(f"Redis stopped {seconds} s")
        outcome.checks["0 server errors"] = outcome.server_errors == 0 and outcome.failed == 0
        return outcome

    def postgres_down(self) -> Outcome:
        outcome = Outcome("postgres")
        seconds = 5 if self.args.short else 10
        mark = len(self.site.log.read_text(errors="replace"))
        with self.under_load(outcome):
            self.pg.stop()
            time.sleep(seconds)
            self.pg.start()
            self.recover(outcome)
        lines = [line for line in self.log_lines(mark)
                 if '"level": "INFO"' not in line and line.strip()]
        tracebacks = sum(line.startswith("Traceback") or '"exc_info"' in line
                         for line in lines)
        outcome.notes.append(f"PostgreSQL stopped {seconds} s; {len(lines)} warning/error log "
                             f"lines, {tracebacks} tracebacks")
        outcome.checks["answers 503, not 500"] = (outcome.status_500 == 0
                                                  and outcome.status_503 > 0)
        outcome.checks["a few log lines, not one per request"] = (
            tracebacks == 0 and len(lines) <= 3 * 4)  # per worker: down, up (+ replacements)
        return outcome

    def disk_full(self) -> Outcome:
        outcome = Outcome("disk")
        if self.index_mount is None:
            outcome.notes.append("skipped: needs root to mount a small tmpfs for the index")
            return outcome
        root = self.index_mount
        live_before = manifest(root)
        filler = root / "filler"
        with self.under_load(outcome):
            fill(filler, keep_free=256 * 1024)
            files = self.import_files(seed=41, entities=60)
            results = [self.site.flask("import-records", "--kind", kind, str(path))
                       for kind, path in files]
            reindex = self.site.flask("reindex")
            after_import = manifest(root)
            leftovers = sorted(p.name for p in root.iterdir() if p.name not in (
                "CURRENT", ".create.lock", ".writer.lock", ".rebuild.lock", "LAST_ERROR.json",
                "filler", live_before["version"]))
            filler.unlink()
            repair = self.site.flask("reindex")
        imported = [r.returncode for r in results]
        outcome.notes.append(f"imports exit {imported}, reindex exit {reindex.returncode}: "
                             + last_line(reindex))
        for r in results:
            outcome.notes.append("import: " + last_line(r))
        outcome.checks["import exits non-zero"] = all(code != 0 for code in imported)
        outcome.checks["reindex exits non-zero with a clear error"] = (
            reindex.returncode != 0 and "Traceback" not in reindex.stdout + reindex.stderr)
        outcome.checks["live index untouched"] = (
            after_import["files"] == live_before["files"]
            and after_import["version"] == live_before["version"])
        outcome.checks["no partial output left"] = not leftovers
        if leftovers:
            outcome.notes.append(f"left in the index root: {leftovers}")
        outcome.checks["reindex after freeing space"] = repair.returncode == 0
        outcome.checks["imported records searchable"] = self.searchable(outcome, 41)
        outcome.checks["0 server errors"] = outcome.server_errors == 0
        return outcome

    def reindex_kill(self) -> Outcome:
        outcome = Outcome("reindex-kill")
        root = Path(self.site.env["SEARCH_INDEX_DIR"])
        with self.under_load(outcome):
            process = self.site.flask_popen("reindex", "--procs", "2")
            workers: list[int] = []
            before = set(root.glob("v-*"))

            def building() -> bool:  # its workers run, or at least its version exists
                workers[:] = children(process.pid)
                return len(workers) >= 2 or bool(set(root.glob("v-*")) - before)

            caught = wait_for(building, 300, 0.002)  # a loaded machine starts Python slowly
            process.kill()
            outcome.checks["caught mid-build"] = caught and process.poll() != 0
            process.wait()
            time.sleep(2.0)
            orphans = [pid for pid in workers if alive(pid)]
            held = [name for name in (".rebuild.lock", ".writer.lock", "REBUILDING")
                    if still_held(root / name)]
            partial = [p.name for p in root.glob("v-*") if p.name != current(root)]
            outcome.notes.append(f"killed reindex pid {process.pid} with {len(workers)} "
                                 f"workers; alive 2 s later: {len(orphans)}; markers still "
                                 f"held: {held or 'none'}; versions besides the live one: "
                                 f"{len(partial)}")
            for pid in orphans:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            again = self.site.flask("reindex")
            outcome.checks["next reindex succeeds"] = again.returncode == 0
            outcome.notes.append("next reindex: " + last_line(again))
            # Every worker moves to the new version at its next search; then nothing reads
            # the old ones and they can go.
            for _ in range(20):
                get(f"{self.site.base_url}/api/v1/search?q=%E5%85%AC%E5%8F%B8")
        versions = sorted(p.name for p in root.glob("v-*"))
        outcome.checks["workers die with the reindex"] = not orphans
        outcome.checks["no stale marker or lock"] = not held
        outcome.checks["one version directory left"] = len(versions) == 1
        outcome.notes.append(f"version directories after: {len(versions)}, "
                             f"{du(root) / 2**20:.1f} MB in the index root")
        return outcome

    def worker_kill(self) -> Outcome:
        outcome = Outcome("worker-kill")
        seconds = 10 if self.args.short else 30
        killed = 0
        with self.under_load(outcome, complaint_share=1, pause=0.0):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                time.sleep(2.5)
                workers = self.site.workers()
                if workers:
                    with suppress(ProcessLookupError):
                        os.kill(workers[killed % len(workers)], signal.SIGKILL)
                        killed += 1
            self.recover(outcome)
        outcome.notes.append(f"{killed} workers killed in {seconds} s")
        outcome.checks["complaints accepted"] = outcome.accepted > 0
        return outcome

    def import_kill(self) -> Outcome:
        outcome = Outcome("import-kill")
        files = self.import_files(seed=43, entities=400)
        for kind, path in files[:-1]:
            self.site.flask("import-records", "--kind", kind, str(path))
        kind, path = files[-1]
        expected = count_rows(path)
        before = self.pg.query("SELECT count(*) FROM records")[0][0]
        process = self.site.flask_popen("import-records", "--kind", kind, str(path))
        committed = wait_for(lambda: self.pg.query("SELECT count(*) FROM records")[0][0]
                             >= before + expected, 120, 0.005)
        process.kill()
        process.wait()
        root = Path(self.site.env["SEARCH_INDEX_DIR"])
        latest = self.pg.query("SELECT coalesce(max(id), 0) FROM search_changes")[0][0]
        with suppress(OSError, ValueError):
            applied = int((root / str(current(root)) / "SEQUENCE").read_text())
            outcome.notes.append(f"at the kill the index had applied change {applied} of "
                                 f"{latest} ({expected} rows committed)")
            outcome.checks["killed before its index update finished"] = applied < latest
        outcome.checks["killed after its commit"] = committed
        # The site's searches catch the index up from the change log (no command needed).
        found = self.searchable(outcome, 43, wait=30)
        if not found:
            caught = self.site.flask("search-sync")
            outcome.notes.append("not caught up by the site's searches; flask search-sync: "
                                 + last_line(caught))
        outcome.checks["imported records searchable after the catch-up"] = found
        return outcome

    # -- helpers

    def import_files(self, seed: int, entities: int) -> list[tuple[str, Path]]:
        from webapp.demo.generator import generate_city

        city = generate_city(entities, seed, records_per_subject=4)
        # New subjects, new document numbers: a mark the drill can search for.
        tag = f"演练{seed}"
        for row in city["penalty"]:
            for key in row:
                if key.endswith("文号"):
                    row[key] = f"{tag}{row[key]}"
        out = []
        for kind in ("entities", "penalty"):
            path = self.base / f"import-{seed}-{kind}.csv"
            path.write_bytes(to_csv(city[kind]))
            out.append((kind, path))
        return out

    def searchable(self, outcome: Outcome, seed: int, wait: float = 5) -> bool:
        """Imported penalties that are public today are found by their document number
        through the API (a sample of 20)."""
        numbers = [n for (n,) in self.pg.query(
            "SELECT doc_number FROM records WHERE doc_number LIKE %s AND visibility = 'public' "
            "AND (public_until IS NULL OR public_until >= current_date) ORDER BY id",
            f"演练{seed}%")]
        sample = numbers[:: max(1, len(numbers) // 20)]
        missing: list[str] = []

        def all_found() -> bool:
            missing.clear()
            for number in sample:
                status, body, _ = get(f"{self.site.base_url}/api/v1/search?kind=records&q="
                                      + urllib.parse.quote(number))
                if status != 200 or json.loads(body)["records"]["total"] < 1:
                    missing.append(number)
            return not missing

        found = wait_for(all_found, wait, 0.5)
        outcome.notes.append(f"{len(sample) - len(missing)} of {len(sample)} sampled public "
                             f"records found ({len(numbers)} imported and public)")
        return found and bool(sample)


def to_csv(rows: list[dict[str, str]]) -> bytes:
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def count_rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[-1][:160] if lines else "(no output)"


def manifest(root: Path) -> dict[str, Any]:
    """The live version and its entries (name, size; directories too), locks aside."""
    version = (root / "CURRENT").read_text().strip()
    files = sorted((p.name, p.stat().st_size if p.is_file() else -1)
                   for p in (root / version).iterdir()
                   if not p.name.endswith("LOCK") and p.name != ".readers")
    return {"version": version, "files": files}


def current(root: Path) -> str | None:
    with suppress(OSError):
        return (root / "CURRENT").read_text().strip()
    return None


def still_held(path: Path) -> bool:
    """Whether some process holds the lock file (or a marker file exists without a lock)."""
    import fcntl

    if not path.exists():
        return False
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return path.name == "REBUILDING"  # the old design's marker: stale by existing


def fill(path: Path, keep_free: int) -> None:
    """Fill the filesystem holding `path`, leaving about `keep_free` bytes."""
    stats = os.statvfs(path.parent)
    size = max(0, stats.f_bavail * stats.f_frsize - keep_free)
    with open(path, "wb") as handle:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            handle.write(chunk[:min(size, len(chunk))])
            size -= min(size, len(chunk))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- main ------------------------------------------------------------------------------------

def mount_tmpfs(path: Path, megabytes: int) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(path)], capture_output=True, check=False)
    return done.returncode == 0


def print_table(outcomes: list[Outcome]) -> None:
    header = (f"{'experiment':13s} {'requests':>8s} {'accepted':>8s} {'stored':>6s} "
              f"{'lost':>4s} {'dup':>3s} {'5xx':>5s} {'500':>4s} {'503':>4s} {'no-ans':>6s} "
              f"{'slow':>4s} {'recover s':>9s}  result")
    print("\n" + header)
    print("-" * len(header))
    for o in outcomes:
        recovered = f"{o.recovered:.2f}" if o.recovered is not None else "—"
        print(f"{o.name:13s} {o.requests:8d} {o.accepted:8d} {o.stored:6d} {o.lost:4d} "
              f"{o.duplicated:3d} {o.server_errors:5d} {o.status_500:4d} {o.status_503:4d} "
              f"{o.failed:6d} {o.slow:4d} {recovered:>9s}  {'OK' if o.ok else 'FAILED'}")
    for o in outcomes:
        print(f"\n[{o.name}]")
        for note in o.notes:
            print(f"  {note}")
        for check, passed in o.checks.items():
            print(f"  {'ok  ' if passed else 'FAIL'} {check}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="CI length (about 2 minutes)")
    parser.add_argument("--only", default=",".join(EXPERIMENTS),
                        help=f"comma-separated subset of {','.join(EXPERIMENTS)}")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--entities", type=int, default=None,
                        help="demo subjects (default 300, --short 150)")
    parser.add_argument("--web-timeout", type=float, default=10.0,
                        help="the web statement timeout the site is configured with")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name]
    for name in chosen:
        if name not in EXPERIMENTS:
            parser.error(f"unknown experiment {name}")

    missing = [name for name, found in (
        ("PostgreSQL server (initdb)", list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))),
        ("redis-server", shutil.which("redis-server"))) if not found]
    if missing:
        print(f"SKIPPED: {' and '.join(missing)} not installed (apt-get install postgresql "
              "redis-server)")
        return 0
    base = Path(tempfile.mkdtemp(prefix="fault-drill-"))
    os.chmod(base, 0o755)  # noqa: S103 (the postgres user must reach its data directory)
    mount = base / "index"
    index_mount = mount if mount_tmpfs(mount, 48 if args.short else 128) else None
    pg, redis = Postgres(base), Redis()
    site = Site(base, pg.url, redis.url, mount if index_mount else base / "index", args.short)
    outcomes: list[Outcome] = []
    finished = False
    try:
        started = time.monotonic()
        pg.init()
        redis.start()
        site.setup(args.entities or (150 if args.short else 300))
        site.start()
        rows = pg.query("SELECT id, name FROM subjects WHERE subject_type <> '自然人' "
                        "ORDER BY id LIMIT 40")
        print(f"set-up {time.monotonic() - started:.1f} s: PostgreSQL :{pg.port}, Redis "
              f":{redis.port}, gunicorn :{site.port} ({len(site.workers())} workers), "
              f"index on {'tmpfs' if index_mount else 'the temporary directory'}; "
              f"base {base}")
        drill = Drill(args, base, pg, redis, site, index_mount, [(int(i), n) for i, n in rows])
        runs = {"lock": drill.lock, "redis": drill.redis_down, "postgres": drill.postgres_down,
                "disk": drill.disk_full, "reindex-kill": drill.reindex_kill,
                "worker-kill": drill.worker_kill, "import-kill": drill.import_kill}
        for name in chosen:
            began = time.monotonic()
            print(f"running {name} …", flush=True)
            try:
                outcome = runs[name]()
            except Exception as error:  # a drill that crashes is a failed experiment
                outcome = Outcome(name, checks={"ran": False}, notes=[repr(error)])
            outcomes.append(outcome)
            print(f"  {name}: {'OK' if outcome.ok else 'FAILED'} "
                  f"({time.monotonic() - began:.0f} s)", flush=True)
        finished = True
    finally:
        site.stop()
        redis.stop()
        with suppress(Exception):
            pg.stop()
        if index_mount:
            subprocess.run(["umount", str(index_mount)], check=False)
        if args.keep or not finished or not all(o.ok for o in outcomes):
            print(f"kept {base} (server log: {site.log})")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print_table(outcomes)
    failed = [o.name for o in outcomes if not o.ok]
    print("\nRESULT " + (f"FAILED: {', '.join(failed)}" if failed else "OK: every check held"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
