"""The tantivy backend: plain documents in, ids with highlights out (see search_index.backend).

Layout: each version directory (search_index.store) holds a `subjects` and a `records`
tantivy index. One backend object per process; each search looks at the version pointer
and reloads its reader, so a commit in one worker is visible in the others at their next
request. Writers are short-lived: opened under the root's writer lock, committed, and
closed again (tantivy itself allows one writer per index, across processes).

Counting is exact: tantivy counts every match in compiled code, and the query classes that
could make a match list huge (code prefixes) are single-term look-ups.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import date, timedelta
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from search_index import highlight, query_plan, tiers
from search_index.backend import Fingerprints, Hit, Page, SearchBackend, Suggestion
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc, day_number
from search_index.query_plan import AnyOf, Clause
from search_index.store import IndexStore
from search_index.tantivy_backend import queries
from search_index.tantivy_backend.schema import FIELDS, RECORDS, SCHEMAS, SUBJECTS

INDEXES = {SUBJECT: SUBJECTS, RECORD: RECORDS}
WRITER_HEAP_BYTES = 64_000_000  # per writer thread; tantivy flushes a segment when full
BUILD_BATCH = 2_000  # documents per batch a build worker converts
SCAN_BATCH = 10_000  # documents read per batch by fingerprints / matching_ids


def create_indexes(version: Path) -> None:
    for indexname, schema in SCHEMAS.items():
        path = version / indexname
        path.mkdir(parents=True, exist_ok=True)
        tantivy.Index(schema(), path=str(path))


def _open(version: Path, indexname: str) -> tantivy.Index:
    path = version / indexname
    if not tantivy.Index.exists(str(path)):
        path.mkdir(parents=True, exist_ok=True)
        return tantivy.Index(SCHEMAS[indexname](), path=str(path))
    return tantivy.Index.open(str(path))


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, root: str | Path) -> None:
        super().__init__(root)
        self.store = IndexStore(root, initialise=create_indexes)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._indexes: dict[str, tantivy.Index] = {}
        self._seen: dict[str, tuple[int, int]] = {}  # the commit each reader reloaded at
        self._schemas = {name: schema() for name, schema in SCHEMAS.items()}

    # ------------------------------------------------------------------ reading

    def _index(self, indexname: str) -> tantivy.Index:
        """The live version's index, its reader reloaded when there was a commit since
        (by any process: each commit replaces the index's meta.json). Reloading on every
        search cost a third of a millisecond; a stat costs microseconds."""
        with self._lock:
            live = self.store.live_dir()
            if live.name != self._version:
                self._indexes.clear()
                self._seen.clear()
                self._version = live.name
            index = self._indexes.get(indexname)
            if index is None:
                index = self._indexes[indexname] = _open(live, indexname)
            meta = os.stat(live / indexname / "meta.json")
            commit = (meta.st_ino, meta.st_mtime_ns)
            if self._seen.get(indexname) != commit:
                index.reload()
                self._seen[indexname] = commit
            return index

    def close(self) -> None:
        with self._lock:
            self._indexes.clear()
            self._version = None

    def _walk(
        self, indexname: str, plan_tiers: list[tuple[str, Clause | None]],
        filters: Mapping[str, Any], page: int, per_page: int, sort: str, date_field: str,
        public_on: date | None = None, without: Query | None = None,
    ) -> tiers.Walked:
        """The plan's tiers in ranking order, each most recent first (the `rank` fast
        field); sort "date": all of them as one, by date."""
        schema = self._schemas[indexname]
        searcher = self._index(indexname).searcher()
        clauses = tiers.live(plan_tiers)
        if sort == "date" and clauses:
            clauses = [AnyOf(tuple(clauses)) if len(clauses) > 1 else clauses[0]]
        def run(tier: Clause, earlier: list[Clause], offset: int, limit: int
                ) -> tiers.TierResult:
            query = queries.excluding(queries.translate(schema, tier),
                                      [queries.translate(schema, e) for e in earlier])
            if without is not None:
                query = Query.boolean_query([(Occur.Must, query), (Occur.MustNot, without)])
            query = queries.with_filters(schema, query, filters, date_field, public_on)
            result = searcher.search(query, limit=max(1, limit), offset=offset, count=True,
                                     order_by_field="rank", order=tantivy.Order.Desc)
            hits = [searcher.doc(address).to_dict() for _key, address in result.hits]
            return int(result.count or 0), True, hits[:limit]

        return tiers.walk(clauses, run, page, per_page)

    def search_subjects(
        self, text: str, filters: Mapping[str, Any] | None = None, page: int = 1,
        per_page: int = 20, sort: str = "relevance",
    ) -> Page:
        understood = query_plan.plan(text)
        if understood.empty:
            return Page(0, page, per_page, [])
        found = self._walk(SUBJECTS, understood.subject_tiers(),
                           _subject_filters(filters or {}), page, per_page, sort, "founded")
        needles = understood.needles
        return Page(found.total, page, per_page, [
            Hit(_first(h, "id"), float(score), highlight.mark(_first(h, "display", ""), needles))
            for score, h in found.hits
        ])

    def search_records(
        self, text: str, filters: Mapping[str, Any] | None = None, page: int = 1,
        per_page: int = 20, sort: str = "relevance", today: date | None = None,
    ) -> Page:
        understood = query_plan.plan(text)
        if understood.empty:
            return Page(0, page, per_page, [])
        plan_tiers = understood.record_tiers()
        if self._index(RECORDS).searcher().doc_freq("docno", understood.whole):
            plan_tiers = plan_tiers[:1]  # a document number: look it up, nothing more
        found = self._walk(RECORDS, plan_tiers, filters or {}, page, per_page, sort,
                           "decided", public_on=today or date.today())
        needles = understood.needles
        return Page(found.total, page, per_page, [
            Hit(_first(h, "id"), float(score),
                highlight.snippet(_first(h, "snippet", ""), needles))
            for score, h in found.hits
        ])

    def matching_ids(self, entity: str, text: str) -> set[int]:
        indexname = INDEXES[entity]
        schema = self._schemas[indexname]
        understood = query_plan.plan(text)
        plan_tiers = (understood.subject_tiers() if entity == SUBJECT
                      else understood.record_tiers())
        clauses = tiers.live(plan_tiers)
        if understood.empty or not clauses:
            return set()
        query = queries.translate(schema, AnyOf(tuple(clauses)))
        return {int(fields["id"][0]) for fields in self._all(indexname, query)}

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """The subject search's first names, in its order; never a natural person."""
        understood = query_plan.plan(prefix)
        if understood.empty:
            return []
        person = Query.term_query(self._schemas[SUBJECTS], "person", "1")
        found = self._walk(SUBJECTS, understood.subject_tiers(), {}, 1, limit, "relevance",
                           "founded", without=person)
        return [Suggestion(_first(h, "id"), _first(h, "display", ""), _first(h, "uscc"))
                for _score, h in found.hits]

    def _all(self, indexname: str, query: Query) -> Iterator[dict[str, Any]]:
        """Stored fields of every document the query matches, in batches by ascending id
        (an offset into a scored search collects every earlier hit again for each batch:
        quadratic over a million records)."""
        schema = self._schemas[indexname]
        searcher = self._index(indexname).searcher()
        after: int | None = None
        while True:
            batch_query = query if after is None else Query.boolean_query([
                (Occur.Must, query),
                (Occur.Must, Query.range_query(schema, "id", tantivy.FieldType.Unsigned,
                                               after + 1, None))])
            result = searcher.search(batch_query, limit=SCAN_BATCH, count=False,
                                     order_by_field="id", order=tantivy.Order.Asc)
            for key, address in result.hits:
                yield searcher.doc(address).to_dict()
                after = int(key)
            if len(result.hits) < SCAN_BATCH:
                return

    def fingerprints(self, today: date) -> Fingerprints:
        schema = self._schemas[RECORDS]
        public = Query.range_query(schema, "public_until", tantivy.FieldType.Integer,
                                   day_number(today), None)
        return {
            SUBJECT: {int(f["id"][0]): _first(f, "hash", "")
                      for f in self._all(SUBJECTS, Query.all_query())},
            RECORD: {int(f["id"][0]): _first(f, "hash", "") for f in self._all(RECORDS, public)},
        }

    # ------------------------------------------------------------------ writing

    def update(
        self,
        subjects: Iterable[SubjectDoc] = (),
        records: Iterable[RecordDoc] = (),
        delete_subjects: Iterable[int] = (),
        delete_records: Iterable[int] = (),
        version: Path | None = None,
    ) -> None:
        """Add or replace documents (by id) and delete others, each index in one commit."""
        target = version or self.store.live_dir()
        for indexname, docs, deletions in ((SUBJECTS, _last_wins(subjects), delete_subjects),
                                           (RECORDS, _last_wins(records), delete_records)):
            replaced = {doc.id for doc in docs} | set(deletions)
            if replaced:
                to_fields = FIELDS[indexname]
                self._write(target, indexname, (to_fields(doc) for doc in docs), replaced)

    def _write(self, version: Path, indexname: str, documents: Iterable[dict[str, Any]],
               delete_ids: set[int] = frozenset(), threads: int = 1) -> None:
        """One commit: deletions by id, then the documents (field dicts)."""
        schema = self._schemas[indexname]
        index = _open(version, indexname)
        writer = index.writer(heap_size=WRITER_HEAP_BYTES * threads, num_threads=threads)
        try:
            if delete_ids:
                writer.delete_documents_by_query(
                    Query.term_set_query(schema, "id", sorted(delete_ids)))
            for fields in documents:
                writer.add_document(tantivy.Document.from_dict(fields, schema))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # also releases tantivy's own writer lock

    def build(
        self, subjects: Iterable[SubjectDoc], records: Iterable[RecordDoc],
        upto_sequence: int = 0, procs: int = 1, timings: dict[str, float] | None = None,
    ) -> str:
        """A complete new version. With procs > 1, documents are turned into field values
        by `procs` worker processes (the Python side is most of the cost) while tantivy
        indexes them on its own threads; memory stays bounded by the batches in flight."""
        version = self.store.new_version()
        # Lists are inherited by the forked workers, which are then sent index ranges
        # rather than pickled documents (that pickling was a third of this process's work).
        _INHERITED.update({SUBJECTS: subjects, RECORDS: records})
        try:
            # Forked before any tantivy writer thread exists; the workers end with the pool.
            with (multiprocessing.get_context("fork").Pool(procs) if procs > 1
                  else nullcontext()) as pool:
                for indexname, docs in ((SUBJECTS, subjects), (RECORDS, records)):
                    started = time.perf_counter()
                    converted = (_converted_inherited(indexname, len(docs), pool)
                                 if pool is not None and isinstance(docs, Sequence)
                                 else _converted(FIELDS[indexname], docs, pool))
                    self._write(version, indexname, converted, threads=max(1, procs))
                    if timings is not None:
                        timings[indexname] = time.perf_counter() - started
        finally:
            _INHERITED.clear()
        self.store.record_sequence(version, upto_sequence)
        return version.name

    def prune_expired(self, today: date) -> int:
        live = self.store.live_dir()
        schema = self._schemas[RECORDS]
        past = Query.range_query(schema, "public_until", tantivy.FieldType.Integer, None,
                                 day_number(today - timedelta(days=1)))
        index = _open(live, RECORDS)
        count = int(index.searcher().search(past, limit=1, count=True).count or 0)
        if count:
            writer = index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
            try:
                writer.delete_documents_by_query(past)
                writer.commit()
            finally:
                writer.wait_merging_threads()
        return count


_INHERITED: dict[str, Any] = {}  # the documents of the build in progress (see build)


def _convert_inherited(job: tuple[str, int, int]) -> list[dict[str, Any]]:
    indexname, start, stop = job
    to_fields = FIELDS[indexname]
    return [to_fields(doc) for doc in _INHERITED[indexname][start:stop]]


def _converted_inherited(indexname: str, count: int, pool: Pool) -> Iterator[dict[str, Any]]:
    """Field dicts of the build's `indexname` list, converted by the forked workers from
    their inherited copy, in order."""
    jobs = ((indexname, start, min(count, start + BUILD_BATCH))
            for start in range(0, count, BUILD_BATCH))
    return _in_order(pool, _convert_inherited, jobs)


def _convert_batch(job: tuple[Callable[[Any], dict[str, Any]], list[Any]]
                   ) -> list[dict[str, Any]]:
    to_fields, batch = job
    return [to_fields(doc) for doc in batch]


def _batches(docs: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _converted(to_fields: Callable[[Any], dict[str, Any]], docs: Iterable[Any],
               pool: Pool | None) -> Iterator[dict[str, Any]]:
    """Field dicts of `docs`, in order, converted by `pool`'s processes when there is one.
    The documents are read in this thread (they may come from a database session bound
    to it), at most 2 batches per process ahead."""
    if pool is None:
        yield from (to_fields(doc) for doc in docs)
        return
    yield from _in_order(pool, _convert_batch,
                         ((to_fields, batch) for batch in _batches(docs, BUILD_BATCH)))


def _in_order(pool: Pool, function: Callable[[Any], list[Any]], jobs: Iterable[Any]
              ) -> Iterator[Any]:
    """The items of `function(job)` for each job, in order, computed by `pool`'s processes
    with at most 2 jobs per process ahead (memory stays bounded)."""
    ahead = 2 * pool._processes  # type: ignore[attr-defined]
    pending: deque[Any] = deque()
    for job in jobs:
        pending.append(pool.apply_async(function, (job,)))
        if len(pending) >= ahead:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


def _first(fields: Mapping[str, Any], name: str, default: Any = None) -> Any:
    values = fields.get(name)
    return values[0] if values else default


def _last_wins(docs: Iterable[Any]) -> list[Any]:
    """One document per id, the last given (a batch may carry several versions)."""
    return list({doc.id: doc for doc in docs}.values())


def _subject_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Subjects have no kind, list nature or department: only those filters apply."""
    return {k: filters.get(k) for k in ("region_id", "subject_type", "date_from", "date_to")}

