"""码上诚信: signed credit codes. The public face of the package.

Submodules: keys (key store), tokens (sign/verify), qr, poster, issuing (issue/withdraw/
reissue, revocation list), scanning (scan verdict and live status), scancount (buffered
scan counts), declarations (自主申报). This module holds the Flask-aware glue: the app's
key store and scan buffer, and the production start-up check.

For the back office (each flushes; the caller commits once):
    current_code(session, subject_id) -> CreditCode | None
    issue_code(session, subject, key_store(), base_url=PUBLIC_BASE_URL) -> CreditCode
    withdraw_subject_code(session, subject_id, category=WithdrawalCategory.X, reason=, actor=)
    withdraw_code(session, code, category=, reason=, actor=)
    reissue_code(session, subject, key_store(), reason=, actor=, base_url=PUBLIC_BASE_URL)
    pending_declarations(session) / approve_declaration(session, declaration_id, actor, note)
    reject_declaration(session, declaration_id, actor, note) / withdraw_approval(...)
    scans_of(session, subject_id, since=None) -> int
Start-up: check_signing_key(config) raises ConfigError in production without a usable key.
"""

from __future__ import annotations

import atexit
import logging
import os
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from webapp.config import ConfigError
from webapp.extensions import db
from webapp.services.codes.declarations import (
    DeclarationError,
    approve_declaration,
    pending_declarations,
    reject_declaration,
    submit_declaration,
    withdraw_approval,
)
from webapp.services.codes.issuing import (
    NO_CODE_REGISTRATION_STATES,
    CodeError,
    current_code,
    issue_code,
    reissue_code,
    revocation_list,
    withdraw_code,
    withdraw_subject_code,
)
from webapp.services.codes.keys import KeyStore
from webapp.services.codes.scancount import DEFAULT_FLUSH_SECONDS, ScanBuffer, flush, scans_of
from webapp.services.codes.scanning import ScanResult, Verdict, scan_code

__all__ = [
    "NO_CODE_REGISTRATION_STATES", "CodeError", "DeclarationError", "KeyStore", "ScanResult",
    "Verdict",
    "approve_declaration", "check_signing_key", "count_scan", "current_code", "flush_scans",
    "issue_code", "key_store", "keys_dir", "pending_declarations", "reissue_code",
    "reject_declaration", "revocation_list", "scan_buffer", "scan_code", "scans_of",
    "submit_declaration", "withdraw_approval", "withdraw_code", "withdraw_subject_code",
]

_EXTENSION_KEY = "credit_codes.key_store"
_SCANS_KEY = "credit_codes.scan_buffer"
_lock = threading.Lock()
log = logging.getLogger(__name__)


def keys_dir(config: Mapping[str, Any]) -> Path:
    """Where the signing keys live: SIGNING_KEYS_DIR, or <instance>/keys."""
    configured = config.get("SIGNING_KEYS_DIR")
    return Path(configured) if configured else Path(config["INSTANCE_DIR"]) / "keys"


def key_store() -> KeyStore:
    """The current app's key store (one per app, shared by its threads)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(_EXTENSION_KEY)
    if store is None:
        store = app.extensions[_EXTENSION_KEY] = KeyStore(keys_dir(app.config))
    return store


def scan_buffer() -> ScanBuffer:
    """The current app's pending scan counts (CODE_SCAN_FLUSH_SECONDS, default 10 s)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    buffer = app.extensions.get(_SCANS_KEY)
    if buffer is None:
        with _lock:
            buffer = app.extensions.get(_SCANS_KEY)
            if buffer is None:
                interval = float(app.config.get("CODE_SCAN_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))
                buffer = app.extensions[_SCANS_KEY] = ScanBuffer(interval)
                if not app.testing:
                    atexit.register(_flush_at_exit, app, buffer)
    return buffer


def count_scan(subject_id: int) -> None:
    """Count one scan of the subject's code today; written within the flush interval."""
    scan_buffer().add(subject_id)


def flush_scans(force: bool = False) -> int:
    """Write pending scan counts in their own commit when due (or now, with force)."""
    buffer = scan_buffer()
    if not (force or buffer.due()):
        return 0
    written = flush(db.session, buffer)
    db.session.commit()
    return written


def _flush_at_exit(app: Flask, buffer: ScanBuffer) -> None:
    try:
        with app.app_context():
            flush(db.session, buffer)
            db.session.commit()
    except Exception:  # the process is ending: report, never raise
        log.exception("could not write %d pending scan counts", buffer.pending())


def check_signing_key(config: Mapping[str, Any]) -> None:
    """Production start-up check: an active signing key exists and only its owner can read it.

    Raises ConfigError (the factory refuses to start); does nothing outside production.
    """
    if config.get("APP_ENV") != "production":
        return
    store = KeyStore(keys_dir(config))
    active = store.active()
    if active is None:
        raise ConfigError(
            "生产环境必须先生成信用码签名密钥：flask --app wsgi keys ensure "
            f"(no active credit-code signing key in {store.directory})"
        )
    private = store.directory / f"{active.kid}.jwk"
    if not private.is_file() or not os.access(private, os.R_OK):
        raise ConfigError(f"信用码签名私钥不存在或不可读 (cannot read {private})")
    if stat.S_IMODE(private.stat().st_mode) & 0o077:
        raise ConfigError(f"信用码签名私钥权限过宽，应为 0600 (chmod 600 {private})")
