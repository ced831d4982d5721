"""What users hit, through gunicorn: a mixed load on every search backend, same data.

    .venv/bin/python scripts/bench_http.py --entities 3000 --clients 8 --seconds 30
    .venv/bin/python scripts/bench_http.py --short          # CI: a small city, a few seconds
    .venv/bin/python scripts/bench_http.py --entities 100000 --records-per-subject 10

1. generates a demo city into a fresh database (`flask db upgrade`, `flask demo-data`:
   the demo generator through the department importer) and issues credit codes;
2. for each backend (SEARCH_BACKEND): `flask reindex`, then gunicorn with the production
   settings (gunicorn.conf.py: a gthread worker per core; --workers to choose) on a
   free loopback port;
3. several concurrent clients send a mixed load for a fixed time: the JSON API search with
   kind=all (every query class of scripts/bench_search.py, code prefixes included), the
   search page, subject profiles, scan pages /c/<token>, and a static file (the ceiling:
   what gunicorn serves with no application work);
4. prints per class p50/p95/p99 and req/s, errors, and each worker's RSS after the run
   (VmRSS of gunicorn's children).

Rate limits (every RATELIMIT_*) are lifted for the run (all clients share 127.0.0.1), and
the script says so.
Exit status 1 when a request failed (a status other than 200).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
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
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from pypinyin import lazy_pinyin  # noqa: E402

from search_index.backend import BACKENDS  # noqa: E402
from search_index.text import normalize  # noqa: E402
from webapp.config import lifted_limits  # noqa: E402

NO_LIMIT = "1000000 per minute"
STATIC = "/static/css/site.css"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def index_dir(instance: str, backend: str) -> str:
    return str(Path(instance) / f"search-index-{backend}")


def warm_files(url: str, index: Path) -> None:
    """Read the SQLite database and then the backend's index files once, so that the load
    meets them in the page cache as a serving machine would, not on a cold disk (8 GB of
    database at a million records; this machine caches about 9 GB in all)."""
    started = time.perf_counter()
    paths = [Path(url.removeprefix("sqlite:///"))] if url.startswith("sqlite:///") else []
    paths += sorted(p for p in index.rglob("*") if p.is_file())
    for path in paths:
        with open(path, "rb") as file:
            while file.read(16 << 20):
                pass
    print(f"database and index files read into the page cache in "
          f"{time.perf_counter() - started:.0f} s")


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=PROJECT,
                   env=env, check=True, stdout=subprocess.DEVNULL)


def seed_codes_and_queries(env: dict[str, str], codes: int, seed: int
                           ) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Issue credit codes; return (class, url) of the API/page queries, profile and scan
    paths, all drawn from the database (seeded)."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Record, Subject
    from webapp.services import codes as code_service

    rng = random.Random(seed)
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "INSTANCE_DIR": env["INSTANCE_DIR"],
                      "SECRET_KEY": env["SECRET_KEY"]})
    with app.app_context():
        subjects = db.session.query(Subject).filter(Subject.uscc.isnot(None)).all()
        records = db.session.query(Record).limit(20000).all()
        store = code_service.key_store()
        store.ensure()
        issued = []
        for subject in rng.sample(subjects, min(codes * 2, len(subjects))):
            if len(issued) < codes:
                # deregistered, revoked: no code
                with contextlib.suppress(code_service.CodeError):
                    issued.append(code_service.issue_code(db.session, subject, store))
        db.session.commit()
        scans = [f"/c/{code.token}" for code in issued]
        profiles = [f"/subjects/{s.id}" for s in rng.sample(subjects, min(200, len(subjects)))]
        texts: list[tuple[str, str]] = []
        for _ in range(60):
            name = normalize(rng.choice(subjects).name)
            size = rng.randint(2, min(6, len(name)))
            start = rng.randrange(len(name) - size + 1)
            texts.append(("name part", name[start:start + size]))
        for _ in range(20):
            code = rng.choice(subjects).uscc or ""
            texts.append(("uscc", code))
            texts.append(("code prefix", code[:8]))
        for _ in range(20):
            syllables = lazy_pinyin(normalize(rng.choice(subjects).name))
            texts.append(("pinyin", "".join(s[:1] for s in syllables[:5])))
        numbered = [r for r in records if r.doc_number]
        for _ in range(20):
            texts.append(("doc number", rng.choice(numbered).doc_number))
        for _ in range(40):
            record = rng.choice(records)
            text = normalize(record.title or record.doc_number or "公司")
            size = rng.randint(2, min(6, max(2, len(text))))
            start = rng.randrange(max(1, len(text) - size + 1))
            texts.append(("record text", text[start:start + size]))
    api = [(f"api {cls}", "/api/v1/search?" + urllib.parse.urlencode({"q": q, "kind": "all"}))
           for cls, q in texts]
    pages = [("search page", "/search?" + urllib.parse.urlencode({"q": q}))
             for _cls, q in texts[::3]]
    return api + pages, profiles, scans


def start_gunicorn(env: dict[str, str], port: int, workers: int | None, log: Path
                   ) -> subprocess.Popen[bytes]:
    """gunicorn.conf.py's production settings (workers from the cores, gthread, 4 threads)
    on a free port; `workers` overrides its worker count."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py"),
         *(["--workers", str(workers)] if workers else []), "--timeout", "120",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=PROJECT, env={**env, "GUNICORN_LOGLEVEL": "warning"}, stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),  # the site's and gunicorn's JSON log lines (warnings up)
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{STATIC}", timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, OSError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"gunicorn did not start; see {log}") from None
            time.sleep(0.3)


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def run_load(base: str, mix: list[tuple[str, str]], clients: int, seconds: float,
             seed: int) -> tuple[dict[str, list[float]], dict[str, int], float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        while time.monotonic() < stop:
            cls, path = rng.choice(mix)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                samples[cls].append(elapsed)
                if not ok:
                    errors[cls] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, errors, time.perf_counter() - began


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(name: str, samples: dict[str, list[float]], errors: dict[str, int],
           wall: float, rss: list[float]) -> float:
    total = sum(len(v) for v in samples.values())
    print(f"\n== {name}: {total} requests in {wall:.1f} s, {total / wall:.1f} req/s overall")
    print(f"{'class':<22}{'n':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'errors':>8}")
    worst = 0.0
    for cls in sorted(samples):
        values = samples[cls]
        p95 = pct(values, 0.95)
        if cls != "static (ceiling)":
            worst = max(worst, p95)
        print(f"{cls:<22}{len(values):>6}{len(values) / wall:>8.1f}"
              f"{statistics.median(values) * 1000:>9.1f}{p95:>9.1f}{pct(values, 0.99):>9.1f}"
              f"{max(values) * 1000:>9.1f}{errors.get(cls, 0):>8}")
    print("worker RSS after the run: " + ", ".join(f"{mb:.0f} MB" for mb in rss))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=3000, help="demo-data subjects")
    parser.add_argument("--records-per-subject", type=float, default=None,
                        help="e.g. 10 for the city-scale run (100,000 subjects, 1M records)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="load per backend")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS") or 0),
                        help="default: gunicorn.conf.py's (one per core, as in production)")
    parser.add_argument("--backends", default=",".join(sorted(BACKENDS)))
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--short", action="store_true", help="CI: small city, 4 s per backend")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the city (database, indexes) in DIR and reuse it when "
                             "it is there: the city-scale import takes many minutes")
    parser.add_argument("--reuse-index", action="store_true",
                        help="with --keep: serve a backend's kept index instead of "
                             "reindexing (whoosh takes a quarter of an hour at 1M records)")
    args = parser.parse_args()
    if args.short:
        args.entities, args.clients, args.seconds = 300, 4, 4.0

    failed = False
    with (tempfile.TemporaryDirectory(prefix="bench-http-") if args.keep is None
          else contextlib.nullcontext(str(args.keep))) as tmp:
        Path(tmp).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "APP_ENV": "development", "INSTANCE_DIR": tmp,
               "SECRET_KEY": secrets.token_hex(24),
               "DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
               **lifted_limits(NO_LIMIT), "PYTHONPATH": str(PROJECT),
               # counted in a fixed window: the moving window's in-memory log of a million
               # entries per address costs O(entries) per request (Redis's does not)
               "RATELIMIT_STRATEGY": "fixed-window"}
        print(f"rate limits lifted for the run: every RATELIMIT_* = {NO_LIMIT} (fixed window)")
        started = time.perf_counter()
        city = (f"entities={args.entities} records-per-subject={args.records_per_subject} "
                f"seed={args.seed} database={env['DATABASE_URL']}")
        marker = Path(tmp) / "city.txt"
        if marker.exists() and marker.read_text() == city:
            print(f"reusing the city kept in {tmp}")
        else:
            flask(env, "db", "upgrade")
            # demo-data builds an index too (each backend's is rebuilt below anyway)
            flask({**env, "SEARCH_INDEX_DIR": index_dir(tmp, "demo")}, "demo-data",
                  "--entities", str(args.entities), "--seed", str(args.seed),
                  *(["--records-per-subject", str(args.records_per_subject)]
                    if args.records_per_subject else []))
            shutil.rmtree(index_dir(tmp, "demo"), ignore_errors=True)
            marker.write_text(city)
        queries, profiles, scans = seed_codes_and_queries(env, 200, args.seed)
        print(f"demo city: {args.entities} subjects, {len(scans)} codes issued, "
              f"{time.perf_counter() - started:.0f} s; {args.clients} clients, "
              f"{args.seconds:.0f} s per backend, "
              f"{args.workers or 'gunicorn.conf.py’s'} gunicorn workers "
              f"(load average {os.getloadavg()[0]:.1f})")
        mix = (queries + [("profile", p) for p in profiles[:60]]
               + [("scan page", s) for s in scans[:60]] + [("static (ceiling)", STATIC)] * 20)
        for name in args.backends.split(","):
            backend_env = {**env, "SEARCH_BACKEND": name,
                           "SEARCH_INDEX_DIR": index_dir(tmp, name)}
            if args.keep and args.reuse_index and (Path(index_dir(tmp, name)) / "CURRENT").exists():
                print(f"\n{name}: serving the kept index")
            else:
                t0 = time.perf_counter()
                flask(backend_env, "reindex")
                print(f"\n{name}: reindexed in {time.perf_counter() - t0:.1f} s")
            warm_files(env["DATABASE_URL"], Path(index_dir(tmp, name)))
            port = free_port()
            server = start_gunicorn(backend_env, port, args.workers,
                                    Path(tmp) / f"gunicorn-{name}.log")
            try:
                base = f"http://127.0.0.1:{port}"
                # warm-up: every worker thread opens its index and fills its caches
                run_load(base, mix, args.clients, min(10.0, args.seconds / 3), args.seed + 1)
                samples, errors, wall = run_load(base, mix, args.clients, args.seconds,
                                                 args.seed)
                rss = worker_rss_mb(server.pid)
            finally:
                server.terminate()
                server.wait(timeout=30)
            worst = report(name, samples, errors, wall, rss)
            print(f"{name}: worst class p95 {worst:.1f} ms (target ≤ 50 ms, none above 200); "
                  f"largest worker {max(rss):.0f} MB (target ≤ 600 MB)")
            if errors:
                failed = True
                print(f"{name}: FAILED requests: {dict(errors)}; see the gunicorn log")
                print((Path(tmp) / f"gunicorn-{name}.log").read_text()[-3000:])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
