"""Flask extensions, created unbound and bound to the app in create_app()."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations agree on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


def _pages_limit() -> str:
    return str(current_app.config["RATELIMIT_PAGES"])


def client_key() -> str:
    """Rate-limit bucket: a registered hall kiosk counts as itself, everyone else by address
    (the whole service hall leaves through one address)."""
    from webapp.kiosk.device import current_kiosk_id

    kiosk_id = current_kiosk_id()
    return f"kiosk:{kiosk_id}" if kiosk_id else get_remote_address()


STATIC_ENDPOINTS = ("static", "public.favicon")  # files from disk: no limit to spend

# Every route without a limit of its own gets RATELIMIT_PAGES (per route and client), so a
# new page is never unlimited; static files are served by nginx in production.
limiter = Limiter(key_func=client_key, headers_enabled=True,
                  default_limits=[_pages_limit],
                  default_limits_exempt_when=lambda: request.endpoint in STATIC_ENDPOINTS)
login_manager = LoginManager()
talisman = Talisman()


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode: readers never block the writer. In the default
    rollback-journal mode a long read (`flask reindex` at a million records reads for
    minutes) made every write of the site (a query-use log, a petition) wait, then fail
    with "database is locked". The mode is kept in the file; a memory database says no.
    Switching needs a moment alone with the file: while an older process still reads, the
    connection serves in the old mode and a later one switches."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            logging.getLogger(__name__).warning("SQLite stays in its journal mode for now: %s",
                                                error)
