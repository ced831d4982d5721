"""Finding 12: behind nginx (the repository's own site config), clients that never finish
their request no longer keep gunicorn's sync workers from answering everyone else.

Starts Debian's nginx (`make sysdeps` installs it) with scripts/deploy/chengxin-site.conf,
only ports, certificate and paths changed, in front of gunicorn with one sync worker. The
same slow clients sent straight to gunicorn are the peer baseline: there `GET /` waits.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from live_server import PROJECT, fetch, free_port, site_env

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "credit.example.gov.cn"
DEPLOY = PROJECT / "scripts" / "deploy"
#: A held sync worker answers only after gunicorn's --timeout (30 s) kills it; a free one at
#: once. Generous, since CI shares the machine: the verdict is "answered" or "held".
ANSWER_WITHIN = 8

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(),
                                reason="nginx not installed (make sysdeps installs it)")


def _certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _site_config(tmp: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """The production site file with only addresses and paths changed."""
    cert, key = _certificate(tmp)
    site = (DEPLOY / "chengxin-site.conf").read_text()
    for old, new in (("127.0.0.1:8000", f"127.0.0.1:{app_port}"),
                     ("listen 80", f"listen 127.0.0.1:{http_port}"),
                     ("listen 443", f"listen 127.0.0.1:{https_port}"),
                     ("/etc/ssl/chengxin/fullchain.pem", str(cert)),
                     ("/etc/ssl/chengxin/privkey.pem", str(key)),
                     ("/srv/chengxin", str(PROJECT))):
        assert old in site, old
        site = site.replace(old, new)
    temp = tmp / "temp"
    temp.mkdir()
    temp.chmod(0o777)  # nginx workers run as nobody when started by root
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {site}
}}
""")
    return conf


@contextmanager
def _running(command: list[str], log: Path, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=output,
                                   **kwargs)  # type: ignore[call-overload]
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def _wait_for_worker(url: str) -> None:
    """The master listens before its worker has loaded the app (slow on a busy machine)."""
    deadline = time.monotonic() + 120
    while True:
        with suppress(OSError):
            if fetch(url)[0] == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError("the gunicorn worker did not answer")
        time.sleep(0.5)


def _tls(port: int) -> socket.socket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own throwaway certificate
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname=HOST)


def _slow_clients(connect: object, count: int = 2) -> list[socket.socket]:
    """Clients that announce a body and send only its first bytes, then nothing."""
    clients = []
    for _ in range(count):
        sock = connect()  # type: ignore[operator]
        sock.sendall(f"POST /petitions/track HTTP/1.1\r\nHost: {HOST}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 100000\r\n\r\nnumber=XF".encode())
        clients.append(sock)
    time.sleep(0.5)  # let the server take them up
    return clients


def _get_home(connect: object, timeout: float) -> tuple[int | None, float]:
    """The status of GET / (None if no answer within `timeout`), and the seconds it took."""
    started = time.monotonic()
    sock = connect()  # type: ignore[operator]
    sock.settimeout(timeout)
    try:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        head = sock.recv(64)
        return int(head.split()[1]), time.monotonic() - started
    except (TimeoutError, OSError, IndexError, ValueError):
        return None, time.monotonic() - started
    finally:
        sock.close()


@pytest.mark.slow
def test_slow_clients_block_gunicorn_alone_but_not_behind_nginx(tmp_path: Path) -> None:
    env = site_env(tmp_path / "site", PUBLIC_BASE_URL=f"https://{HOST}", PROXY_FIX_HOPS="1",
                   TRUSTED_HOSTS=f'["{HOST}", "127.0.0.1"]')
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    empty_conf = tmp_path / "gunicorn.conf.py"
    empty_conf.write_text("")  # the sync worker of the finding, whatever the project sets
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(empty_conf), "--workers", "1",
                "--worker-class", "sync", "--timeout", "30",
                "--bind", f"127.0.0.1:{app_port}", "wsgi:app"]
    app_log, proxy_log = tmp_path / "gunicorn.log", tmp_path / "nginx.log"
    with _running(gunicorn, app_log, cwd=PROJECT, env=env) as app_server:
        _wait_for(app_port, app_server, app_log)
        _wait_for_worker(f"http://127.0.0.1:{app_port}/static/css/site.css")

        def direct() -> socket.socket:
            return socket.create_connection(("127.0.0.1", app_port), timeout=10)

        # Baseline: the slow clients straight to gunicorn hold its only worker.
        held = _slow_clients(direct)
        blocked, waited = _get_home(direct, timeout=ANSWER_WITHIN)
        for sock in held:
            sock.close()
        print(f"\ngunicorn alone, 2 slow clients: GET / -> {blocked} after {waited:.1f} s")
        assert blocked is None

        conf = _site_config(tmp_path, app_port, http_port, https_port)
        check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        with _running([NGINX, "-c", str(conf), "-p", str(tmp_path)], proxy_log) as proxy:
            _wait_for(https_port, proxy, proxy_log)
            time.sleep(3)  # the worker gets free again once the baseline clients are gone
            def proxied() -> socket.socket:
                return _tls(https_port)

            held = _slow_clients(proxied, count=8)
            timings = [_get_home(proxied, timeout=ANSWER_WITHIN) for _ in range(20)]
            for sock in held:
                sock.close()
            statuses = [status for status, _ in timings]
            slowest = max(seconds for _, seconds in timings)
            print(f"behind nginx, 8 slow clients: 20 x GET / -> {set(statuses)}, "
                  f"slowest {slowest:.2f} s")
            assert statuses == [200] * 20  # each within ANSWER_WITHIN, none held

            # Plain HTTP is sent to HTTPS; an unknown host name gets no answer at all.
            with socket.create_connection(("127.0.0.1", http_port), timeout=5) as sock:
                sock.sendall(f"GET /x HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                head = sock.recv(512).decode()
            assert " 301 " in head and f"Location: https://{HOST}/x" in head
            with socket.create_connection(("127.0.0.1", http_port), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n")
                assert sock.recv(512) == b""
