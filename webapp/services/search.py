"""Search for the web app: the contract other features use, on this node's index.

Services never write to the index: they write the database, and the change log with it
(`services.changelog`). Before answering, a search brings this node's index up to the
log's end (`services.search_sync`), so a change is searchable in every worker at its next
search, on every node sharing the database.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask import current_app, g, has_request_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from search_index.backend import Page, SearchBackend, open_backend
from webapp.extensions import db
from webapp.services import search_sync
from webapp.services.clock import today as china_today

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    list_nature: str | None = None
    department_id: int | None = None
    region_id: int | None = None
    subject_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    highlight: Markup


@dataclass(frozen=True)
class SearchPage:
    total: int
    page: int
    per_page: int
    hits: list[SearchHit]
    exact: bool = True  # False: `total` is an estimate


def engine() -> SearchBackend:
    """This process's backend (SEARCH_BACKEND) for the app's index directory."""
    key = (current_app.config["SEARCH_BACKEND"], current_app.config["SEARCH_INDEX_DIR"])
    engines: dict[tuple[str, str], SearchBackend] = current_app.extensions.setdefault(
        "search_engines", {})
    if key not in engines:
        engines[key] = open_backend(*key)
    return engines[key]


def current_engine() -> SearchBackend:
    """The backend, caught up with the change log first when it is behind: inline for a
    small backlog (waiting at most SEARCH_SYNC_WAIT for another writer), in a background
    thread for a large one. Whatever happens, the search is answered from the index as it
    is; failures are recorded for /readyz and retried. Checked once per request (a page
    searching subjects and records asks twice)."""
    backend = engine()
    if has_request_context():
        if g.get("search_caught_up"):
            return backend
        g.search_caught_up = True
    config = current_app.config
    try:
        if search_sync.caught_up(db.session, backend):
            return backend
        lag = search_sync.lag(db.session, backend)
        inline = min(config["SEARCH_SYNC_INLINE_ROWS"], config["SEARCH_REBUILD_BACKLOG"])
        if not lag["built"] or lag["pruned_past"] or lag["lag_sequences"] > inline:
            search_sync.start_background(current_app._get_current_object(), backend)
        elif lag["lag_sequences"]:
            search_sync.catch_up(db.session, backend, timeout=config["SEARCH_SYNC_WAIT"],
                                 retry_wait=config["SEARCH_RETRY_SECONDS"])
    except SQLAlchemyError as error:
        from webapp.availability import unavailable_reason

        if unavailable_reason(error):
            # The database is down or too slow: the page needs it too, so answer 503 now
            # (logged once per outage) rather than wait for it again.
            raise
        log.exception("search index: could not read the change log")
        db.session.rollback()
    return backend


def _page(found: Page) -> SearchPage:
    return SearchPage(found.total, found.page, found.per_page,
                      [SearchHit(h.id, h.score, h.highlight) for h in found.hits], found.exact)


def _filters(filters: SearchFilters | None) -> dict[str, Any]:
    return asdict(filters) if filters else {}


def search_subjects(
    q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20,
    sort: str = "relevance",
) -> SearchPage:
    return _page(current_engine().search_subjects(q, _filters(filters), page, per_page, sort))


def search_records(
    q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20,
    sort: str = "relevance",
) -> SearchPage:
    return _page(current_engine().search_records(q, _filters(filters), page, per_page, sort,
                                                 today=china_today()))


def suggest(prefix: str, limit: int = 10) -> list[dict[str, Any]]:
    """Typeahead: [{"id", "name" (public display name), "uscc"}]."""
    return [asdict(s) for s in current_engine().suggest(prefix, limit)]


def index_now() -> search_sync.SyncResult:
    """Write what was just committed to this node's index now, waiting for another writer
    up to SEARCH_IMPORT_WAIT (imports: the user hears whether search has their rows).
    A failure is recorded and retried from the change log; nothing is lost."""
    return search_sync.catch_up(db.session, engine(),
                                timeout=current_app.config["SEARCH_IMPORT_WAIT"])


def index_problem(result: search_sync.SyncResult) -> str | None:
    """What to tell the user when `index_now` could not bring search up to date."""
    if result.error:
        return f"数据已保存，但搜索索引更新失败（已记录，将自动重试）：{result.error}"
    if result.locked_out:
        return "数据已保存，但搜索索引正被其他进程写入，本次更新稍后自动补上"
    if result.pruned_past:
        return "数据已保存，但本节点的搜索索引停用太久、需要重建，重建完成后即可搜到"
    if not result.current:
        return "数据已保存，但本节点的搜索索引尚未建立，建立后即可搜到"
    return None
