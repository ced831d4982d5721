"""The search engine: plain documents in, ids with highlights out. No Flask, no SQLAlchemy.

One engine per process (per gunicorn worker). Each search looks at the version pointer and
refreshes its searcher (a directory listing when nothing changed), so a commit in one worker
is visible in the others at their next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import query as q
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from search_index import bulk, highlight, queries
from search_index.docs import RecordDoc, SubjectDoc, day_number, record_fields, subject_fields
from search_index.schema import RECORDS, SUBJECTS
from search_index.store import IndexStore
from search_index.text import normalize

COUNT_CAP = 100_000  # extrapolated totals are capped here
BROAD_CANDIDATES = 250  # above this, phrase verification of every candidate is too slow
SCAN_BUDGET_SECONDS = 0.025  # counting budget of a broad query
WRITER_TIMEOUT = 30.0  # seconds to wait for another process's writer
BULK_UPDATE_DOCS = 500  # an update this large is written by the bulk writer (imports)


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    highlight: Markup


@dataclass(frozen=True)
class Page:
    total: int
    page: int
    per_page: int
    hits: list[Hit]


class _Stored(dict):
    """Stored fields of a document found by a scan (no score)."""

    score = 0.0


class SearchEngine:
    def __init__(self, root: str | Path) -> None:
        self.store = IndexStore(root)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._searchers: dict[str, Searcher] = {}
        self._indexes: dict[str, FileIndex] = {}
        self._masks: dict[tuple[int, int], set[int]] = {}

    # ------------------------------------------------------------------ reading

    def _searcher(self, indexname: str) -> Searcher:
        """A searcher on the latest commit of the live version. Not whoosh's refresh(): it
        reuses segment readers, and those keep the deletions they were opened with."""
        with self._lock:
            live = self.store.live_dir()
            if live.name != self._version:
                self.close()
                self._version = live.name
            index = self._indexes.get(indexname)
            if index is None:
                index = self._indexes[indexname] = self.store.open(live, indexname)
            searcher = self._searchers.get(indexname)
            if searcher is not None:
                if index.latest_generation() == searcher.reader().generation():
                    return searcher
                searcher.close()
            searcher = index.searcher()
            self._searchers[indexname] = searcher
            return searcher

    def close(self) -> None:
        for searcher in self._searchers.values():
            searcher.close()
        self._searchers.clear()
        self._indexes.clear()
        self._masks.clear()
        self._version = None

    def _expired_mask(self, searcher: Searcher, today: date) -> set[int]:
        """Records past their last public day (not yet pruned): excluded from every answer.
        Cached per searcher generation and day, so the cost is paid once per commit."""
        key = (hash((self._version, searcher.reader().generation())), day_number(today))
        mask = self._masks.get(key)
        if mask is None:
            past = q.NumericRange("public_until", None, day_number(today - timedelta(days=1)))
            mask = set(searcher.docs_for_query(past))
            self._masks = {key: mask}
        return mask

    def _run(
        self, searcher: Searcher, query: q.Query, page: int, per_page: int, sort: str,
        date_field: str, mask: set[int] | None, candidates: int,
    ) -> tuple[int, list[Any]]:
        """Selective queries are scored and counted exactly. Broad ones (their rarest bigram
        in more than BROAD_CANDIDATES documents) would verify phrase positions in a large
        part of the corpus: they are answered in index order (built newest first) and their
        total is extrapolated from a time-boxed scan."""
        page = max(1, page)
        limit = page * per_page
        if candidates > BROAD_CANDIDATES:
            total, docnums = self._scan(searcher, query, limit, mask)
            return total, [_Stored(searcher.stored_fields(d)) for d in docnums[limit - per_page:]]
        kwargs: dict[str, Any] = {"limit": limit, "mask": mask or None, "optimize": False}
        if sort == "date":
            kwargs.update(sortedby=date_field, reverse=True)
        results = searcher.search(query, **kwargs)
        return len(results), list(results)[(page - 1) * per_page:limit]

    @staticmethod
    def _scan(
        searcher: Searcher, query: q.Query, need: int, mask: set[int] | None,
    ) -> tuple[int, list[int]]:
        started = time.perf_counter()
        found: list[int] = []
        count = last = 0
        for seen, docnum in enumerate(searcher.docs_for_query(query)):
            if mask and docnum in mask:
                continue
            count += 1
            last = docnum
            if len(found) < need:
                found.append(docnum)
            elif seen % 16 == 0 and time.perf_counter() - started > SCAN_BUDGET_SECONDS:
                estimate = count * searcher.doc_count_all() // (last + 1)
                return min(max(count, estimate), COUNT_CAP), found
        return count, found

    def search_subjects(
        self, text: str, filters: Mapping[str, Any] | None = None, page: int = 1,
        per_page: int = 20, sort: str = "relevance",
    ) -> Page:
        query = queries.subject_query(text)
        if query is None:
            return Page(0, page, per_page, [])
        query = queries.with_filters(query, _subject_filters(filters or {}), "founded")
        searcher = self._searcher(SUBJECTS)
        needle = normalize(text)
        candidates = queries.candidates(searcher, "name1" if len(needle) == 1 else "name",
                                        needle)
        total, hits = self._run(searcher, query, page, per_page, sort, "founded", None,
                                candidates)
        return Page(total, page, per_page, [
            Hit(int(h["id"]), float(h.score or 0.0), highlight.mark(h.get("display", ""), needle))
            for h in hits
        ])

    def search_records(
        self, text: str, filters: Mapping[str, Any] | None = None, page: int = 1,
        per_page: int = 20, sort: str = "relevance", today: date | None = None,
    ) -> Page:
        query = queries.record_query(text)
        if query is None:
            return Page(0, page, per_page, [])
        searcher = self._searcher(RECORDS)
        needle = normalize(text)
        if searcher.doc_frequency("docno", needle):
            query = q.Term("docno", needle)  # a document number: look it up, nothing more
            candidates = 1
        else:
            candidates = queries.candidates(searcher, "text", needle)
        query = queries.with_filters(query, filters or {}, "decided")
        mask = self._expired_mask(searcher, today or date.today())
        total, hits = self._run(searcher, query, page, per_page, sort, "decided", mask,
                                candidates)
        return Page(total, page, per_page, [
            Hit(int(h["id"]), float(h.score or 0.0),
                highlight.snippet(h.get("snippet", ""), needle))
            for h in hits
        ])

    def matching_ids(self, indexname: str, text: str) -> set[int]:
        """Every document the query matches, unranked and unpaged (benchmarks, checks)."""
        build = queries.subject_query if indexname == SUBJECTS else queries.record_query
        query = build(text)
        if query is None:
            return set()
        searcher = self._searcher(indexname)
        return {int(searcher.stored_fields(d)["id"]) for d in searcher.docs_for_query(query)}

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        query = queries.suggest_query(prefix)
        if query is None:
            return []
        searcher = self._searcher(SUBJECTS)
        return [
            {"id": int(h["id"]), "name": h.get("display", ""), "uscc": h.get("uscc") or None}
            for h in searcher.search(query, limit=limit)
        ]

    # ------------------------------------------------------------------ writing

    def update(
        self,
        subjects: Iterable[SubjectDoc] = (),
        records: Iterable[RecordDoc] = (),
        delete_subjects: Iterable[int] = (),
        delete_records: Iterable[int] = (),
        version: Path | None = None,
    ) -> None:
        """Add or replace documents and delete others, one writer per index at a time."""
        target = version or self.store.live_dir()
        jobs = (
            (SUBJECTS, [subject_fields(d) for d in subjects], list(delete_subjects)),
            (RECORDS, [record_fields(d) for d in records], list(delete_records)),
        )
        for indexname, docs, deletions in jobs:
            if not docs and not deletions:
                continue
            ix = self.store.open(target, indexname)
            writer = ix.writer(timeout=WRITER_TIMEOUT, codec=bulk.inline_codec())
            try:
                for doc_id in deletions:
                    writer.delete_by_term("id", str(doc_id))
                if len(docs) >= BULK_UPDATE_DOCS:
                    docs = list({fields["id"]: fields for fields in docs}.values())  # last wins
                    for fields in docs:
                        writer.delete_by_term("id", fields["id"])
                    bulk.commit_with_documents(writer, ix, docs, dict)
                    continue
                for fields in docs:
                    writer.update_document(**fields)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def build(
        self, subjects: Iterable[SubjectDoc], records: Iterable[RecordDoc],
        procs: int = 1, timings: dict[str, float] | None = None,
    ) -> Path:
        """A complete new version from scratch (not live until `swap`), written by the bulk
        builder with `procs` processes. `timings` receives the seconds spent on each index
        (consuming the iterables included). Memory is bounded by documents per segment."""
        version = self.store.new_version()
        for indexname, docs, to_fields in (
            (SUBJECTS, subjects, subject_fields), (RECORDS, records, record_fields),
        ):
            started = time.perf_counter()
            bulk.build_index(self.store.open(version, indexname), docs, to_fields,
                             procs=procs, timeout=WRITER_TIMEOUT)
            if timings is not None:
                timings[indexname] = time.perf_counter() - started
        return version

    def swap(self, version: Path) -> None:
        self.store.swap(version)

    def prune_expired(self, today: date) -> int:
        """Delete record documents past their last public day; returns how many."""
        live = self.store.live_dir()
        writer = self.store.open(live, RECORDS).writer(timeout=WRITER_TIMEOUT,
                                                       codec=bulk.inline_codec())
        past = q.NumericRange("public_until", None, day_number(today - timedelta(days=1)))
        count = writer.delete_by_query(past)
        writer.commit()
        return int(count)


def _subject_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Subjects have no kind, list nature or department: only those filters apply."""
    return {k: filters.get(k) for k in ("region_id", "subject_type", "date_from", "date_to")}

