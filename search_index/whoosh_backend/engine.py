"""The whoosh backend: plain documents in, ids with highlights out (see search_index.backend).

One backend object per process (per gunicorn worker). Each search looks at the version
pointer and refreshes its searcher (a directory listing when nothing changed), so a commit
in one worker is visible in the others at their next request.
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from whoosh import query as q
from whoosh.index import FileIndex, clean_files, create_in, exists_in, open_dir
from whoosh.searching import Searcher

from search_index import highlight, query_plan, tiers
from search_index.backend import Fingerprints, Hit, Page, SearchBackend, Suggestion
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc, day_number
from search_index.query_plan import AnyOf, Clause
from search_index.store import IndexStore
from search_index.whoosh_backend import budget, bulk, queries
from search_index.whoosh_backend.fields import record_fields, subject_fields
from search_index.whoosh_backend.schema import RECORDS, SUBJECTS, record_schema, subject_schema

COUNT_CAP = 100_000  # extrapolated totals are capped here
BROAD_CANDIDATES = 250  # above this, phrase verification of every candidate is too slow
SCAN_BUDGET_SECONDS = 0.025  # counting budget of a broad query
COUNT_ONLY_BUDGET_SECONDS = 0.005  # a broad tier after the page is full: its count only
WRITER_TIMEOUT = 30.0  # seconds to wait for another process's writer
BULK_UPDATE_DOCS = 500  # an update this large is written by the bulk writer (imports)
INDEXES = {SUBJECT: SUBJECTS, RECORD: RECORDS}


def create_indexes(version: Path) -> None:
    create_in(str(version), subject_schema(), indexname=SUBJECTS)
    create_in(str(version), record_schema(), indexname=RECORDS)


def open_index(version: Path, indexname: str) -> FileIndex:
    if not exists_in(str(version), indexname=indexname):
        schema = subject_schema() if indexname == SUBJECTS else record_schema()
        return create_in(str(version), schema, indexname=indexname)
    return open_dir(str(version), indexname=indexname)


def _remove_uncommitted(ix: FileIndex) -> None:
    """After a failed write (a full disk): delete the files no committed generation uses
    (new segments, a half-written table of contents, sort runs), so the index is left as it
    was. Callers hold the root's writer lock: no other writer's files are in flight."""
    with suppress(Exception):
        fresh = open_dir(ix.storage.folder, indexname=ix.indexname)
        toc = fresh._read_toc()
        clean_files(fresh.storage, fresh.indexname, toc.generation, toc.segments)
        for name in list(fresh.storage):
            temporary_toc = name.startswith(f"_{ix.indexname}_") and ".toc." in name
            if temporary_toc or name.endswith(".run"):
                fresh.storage.delete_file(name)
        shutil.rmtree(Path(fresh.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)


class _Stored(dict):
    """Stored fields of a document found by a scan (no score)."""

    score = 0.0


def _one_search_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    """Searches of one process take turns. A whoosh searcher reads its files through one
    shared position, so two gthread threads searching at once read each other's bytes
    (UnpicklingError at a million records). A searcher per thread was no answer: each
    thread then opened its own at every commit, seconds apiece at that size; and whoosh is
    pure Python, so threads never searched in parallel anyway."""
    @functools.wraps(method)
    def serialised(self: WhooshBackend, *args: Any, **kwargs: Any) -> Any:
        with self._searching:
            return method(self, *args, **kwargs)
    return serialised


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: str | Path) -> None:
        super().__init__(root)
        self.store = IndexStore(root, initialise=create_indexes)
        self._lock = threading.Lock()
        self._searching = threading.RLock()  # see _one_search_at_a_time
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
                previous = self._version
                self.close()
                for _ in range(3):  # a version being removed is no longer live: look again
                    if self.store.hold(live):
                        break
                    live = self.store.live_dir()
                self._version = live.name
                if previous and previous != live.name:
                    self.store.release(previous)
                    self.store.remove_old_versions()  # the last reader to leave removes it
            index = self._indexes.get(indexname)
            if index is None:
                index = self._indexes[indexname] = open_index(live, indexname)
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
        self, searcher: Searcher, query: q.Query, offset: int, limit: int,
        mask: set[int] | None, candidates: int,
    ) -> tiers.TierResult:
        """One tier, most recent first (the `rank` column), counted exactly. A broad tier
        (its rarest bigram in more than BROAD_CANDIDATES documents) would verify phrase
        positions in a large part of the corpus: it is answered in index order (built
        most recent first) and its count is extrapolated from a time-boxed scan."""
        need = offset + limit
        if candidates > BROAD_CANDIDATES:
            seconds = SCAN_BUDGET_SECONDS if limit else COUNT_ONLY_BUDGET_SECONDS
            total, exact, docnums = self._scan(searcher, query, need, mask, seconds)
            return total, exact, [_Stored(searcher.stored_fields(d)) for d in docnums[offset:need]]
        results = searcher.search(query, limit=max(1, need), mask=mask or None,
                                  sortedby="rank", reverse=True, optimize=False)
        return len(results), True, list(results)[offset:need]

    @staticmethod
    def _scan(
        searcher: Searcher, query: q.Query, need: int, mask: set[int] | None,
        seconds: float = SCAN_BUDGET_SECONDS,
    ) -> tuple[int, bool, list[int]]:
        # Within SCAN_BUDGET_SECONDS whether or not `need` hits were found by then: over
        # budget, the hits so far and an extrapolated total (exact=False). Phrase matchers
        # look at the clock too (budget.Phrase), so a phrase matching little cannot run on.
        found: list[int] = []
        count = last = 0
        with budget.deadline(seconds):
            try:
                for seen, docnum in enumerate(searcher.docs_for_query(query), 1):
                    if seen % 16 == 0:
                        budget.check()
                    if mask and docnum in mask:
                        continue
                    count += 1
                    last = docnum
                    if len(found) < need:
                        found.append(docnum)
            except budget.OverBudget as over:
                reached = max(last, over.reached)
                estimate = count * searcher.doc_count_all() // (reached + 1)
                return min(max(count, estimate), COUNT_CAP), False, found
        return count, True, found

    def _walk(
        self, indexname: str, plan_tiers: list[tuple[str, Clause | None]],
        filters: Mapping[str, Any], page: int, per_page: int, sort: str,
        date_field: str, mask: set[int] | None = None, without: q.Query | None = None,
    ) -> tiers.Walked:
        """The plan's tiers in ranking order (sort "date": all of them as one, by date)."""
        searcher = self._searcher(indexname)
        clauses = tiers.live(plan_tiers)
        if sort == "date" and clauses:
            clauses = [AnyOf(tuple(clauses)) if len(clauses) > 1 else clauses[0]]

        def single(field: str, char: str) -> int:
            if field == "name":
                return int(searcher.doc_frequency("name1", char))
            return int(searcher.doc_count_all())

        def frequency(field: str, value: str) -> int:
            return int(searcher.doc_frequency(field, value))

        def run(tier: Clause, earlier: list[Clause], offset: int, limit: int
                ) -> tiers.TierResult:
            candidates = tiers.estimate(tier, frequency, single)
            if not candidates:
                return 0, True, []  # a term no document has: nothing to verify
            query = queries.excluding(queries.translate(tier),
                                      [queries.translate(e) for e in earlier])
            if without is not None:
                query = q.AndNot(query, without)
            query = queries.with_filters(query, filters, date_field)
            return self._run(searcher, query, offset, limit, mask, candidates)

        return tiers.walk(clauses, run, page, per_page)

    @_one_search_at_a_time
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
            Hit(int(h["id"]), float(score), highlight.mark(h.get("display", ""), needles))
            for score, h in found.hits
        ], found.exact)

    @_one_search_at_a_time
    def search_records(
        self, text: str, filters: Mapping[str, Any] | None = None, page: int = 1,
        per_page: int = 20, sort: str = "relevance", today: date | None = None,
    ) -> Page:
        understood = query_plan.plan(text)
        if understood.empty:
            return Page(0, page, per_page, [])
        searcher = self._searcher(RECORDS)
        plan_tiers = understood.record_tiers()
        if searcher.doc_frequency("docno", understood.whole):
            plan_tiers = plan_tiers[:1]  # a document number: look it up, nothing more
        mask = self._expired_mask(searcher, today or date.today())
        found = self._walk(RECORDS, plan_tiers, filters or {}, page, per_page, sort,
                           "decided", mask)
        needles = understood.needles
        return Page(found.total, page, per_page, [
            Hit(int(h["id"]), float(score), highlight.snippet(h.get("snippet", ""), needles))
            for score, h in found.hits
        ], found.exact)

    @_one_search_at_a_time
    def matching_ids(self, entity: str, text: str) -> set[int]:
        understood = query_plan.plan(text)
        plan_tiers = (understood.subject_tiers() if entity == SUBJECT
                      else understood.record_tiers())
        clauses = tiers.live(plan_tiers)
        if understood.empty or not clauses:
            return set()
        query = queries.translate(AnyOf(tuple(clauses)))
        searcher = self._searcher(INDEXES[entity])
        return {int(searcher.stored_fields(d)["id"]) for d in searcher.docs_for_query(query)}

    @_one_search_at_a_time
    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """The subject search's first names, in its order; never a natural person."""
        understood = query_plan.plan(prefix)
        if understood.empty:
            return []
        found = self._walk(SUBJECTS, understood.subject_tiers(), {}, 1, limit, "relevance",
                           "founded", without=q.Term("person", "1"))
        return [Suggestion(int(h["id"]), h.get("display", ""), h.get("uscc") or None)
                for _score, h in found.hits]

    @_one_search_at_a_time
    def fingerprints(self, today: date) -> Fingerprints:
        found: Fingerprints = {}
        for entity, indexname in INDEXES.items():
            searcher = self._searcher(indexname)
            hidden = self._expired_mask(searcher, today) if indexname == RECORDS else set()
            reader = searcher.reader()
            found[entity] = {int(fields["id"]): fields.get("hash", "")
                             for docnum, fields in reader.iter_docs() if docnum not in hidden}
        return found

    # ------------------------------------------------------------------ writing

    def update(
        self,
        subjects: Iterable[SubjectDoc] = (),
        records: Iterable[RecordDoc] = (),
        delete_subjects: Iterable[int] = (),
        delete_records: Iterable[int] = (),
        version: Path | None = None,
    ) -> None:
        """Add or replace documents and delete others, one writer per index at a time
        (no sequence recorded: `apply` is the interface; this is its write)."""
        target = version or self.store.live_dir()
        jobs = (
            (SUBJECTS, [subject_fields(d) for d in subjects], list(delete_subjects)),
            (RECORDS, [record_fields(d) for d in records], list(delete_records)),
        )
        for indexname, docs, deletions in jobs:
            if not docs and not deletions:
                continue
            ix = open_index(target, indexname)
            writer = ix.writer(timeout=WRITER_TIMEOUT, codec=bulk.inline_codec())
            try:
                for doc_id in deletions:
                    writer.delete_by_term("id", str(doc_id))
                if len(docs) >= BULK_UPDATE_DOCS:
                    docs = list({fields["id"]: fields for fields in docs}.values())  # last wins
                    for fields in docs:
                        writer.delete_by_term("id", fields["id"])
                    bulk.commit_with_documents(writer, ix, docs, dict)
                else:
                    for fields in docs:
                        writer.update_document(**fields)
                    writer.commit()
            except BaseException:
                with suppress(Exception):
                    writer.cancel()
                _remove_uncommitted(ix)
                raise

    def build(
        self, subjects: Iterable[SubjectDoc], records: Iterable[RecordDoc],
        upto_sequence: int = 0, procs: int = 1, timings: dict[str, float] | None = None,
    ) -> str:
        """Written by the bulk builder with `procs` processes. `timings` receives the
        seconds spent on each index (consuming the iterables included). Memory is bounded
        by documents per segment."""
        version = self.store.new_version()
        try:
            for indexname, docs, to_fields in (
                (SUBJECTS, subjects, subject_fields), (RECORDS, records, record_fields),
            ):
                started = time.perf_counter()
                bulk.build_index(open_index(version, indexname), docs, to_fields,
                                 procs=procs, timeout=WRITER_TIMEOUT)
                if timings is not None:
                    timings[indexname] = time.perf_counter() - started
            self.store.record_sequence(version, upto_sequence)
        except BaseException:
            self.store.discard(version)  # a full disk or a failure leaves no partial version
            raise
        return version.name

    def prune_expired(self, today: date) -> int:
        """Delete record documents past their last public day; returns how many."""
        live = self.store.live_dir()
        writer = open_index(live, RECORDS).writer(timeout=WRITER_TIMEOUT,
                                                  codec=bulk.inline_codec())
        past = q.NumericRange("public_until", None, day_number(today - timedelta(days=1)))
        count = writer.delete_by_query(past)
        writer.commit()
        return int(count)


def _subject_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Subjects have no kind, list nature or department: only those filters apply."""
    return {k: filters.get(k) for k in ("region_id", "subject_type", "date_from", "date_to")}

