"""Bulk build of a fresh index: the same whoosh files, written several times faster.

whoosh's own writer spends most of a build on per-posting bookkeeping: it pushes every
posting through an external-sort pool (pickled runs on disk, merged with heapq once they
pass `limitmb`), re-reads every field length from disk while writing postings, and runs
every value through a generator chain of analyzer, format and field. For a full rebuild we
know the schema and have memory, so this module:

- keeps a segment's postings in memory, grouped by term (no sort runs; a segment is cut
  every `segment_docs` documents to bound memory);
- tokenises the bigram fields (`NgramTokenizer` with positions) directly into the bytes
  whoosh's `Positions` format would produce; other fields go through whoosh unchanged;
- writes the postings with field lengths kept in memory;
- converts documents to fields in worker processes (`procs`), each writing its own
  segments; the parent commits them all in one table of contents.

The files are whoosh's own (codec `whoosh3`): readers and later incremental writers do
not know the difference (tests compare every posting with whoosh's writer).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, pairwise
from pickle import dumps
from typing import Any

from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.index import FileIndex
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import NO_MERGE, SegmentWriter

from search_index.analysis import POSITION_GAP, parts
from search_index.processes import die_with_parent
from search_index.whoosh_backend.tokenizer import NgramTokenizer

BATCH_DOCS = 500  # documents per job sent to a worker process
SEGMENT_DOCS = 150_000  # documents per segment (memory: ~100 bytes per posting)
# Terms in fewer documents than this keep their postings in the term table: most pinyin,
# prefix and code keys belong to one subject, and a block per term was half the build.
INLINE_POSTINGS = 8
RESULT_TIMEOUT = 3600.0  # seconds to wait for a worker to finish its segments

ToFields = Callable[[Any], dict[str, Any]]


def inline_codec() -> W3Codec:
    """whoosh's codec with rare terms' postings inlined (see INLINE_POSTINGS)."""
    return W3Codec(inlinelimit=INLINE_POSTINGS)


class _MemoryPool:
    """Postings of one segment in memory: (field, term bytes) -> flat [docnum, weight,
    value, docnum, weight, value, …]."""

    def __init__(self) -> None:
        self.postings: defaultdict[tuple[str, bytes], list[Any]] = defaultdict(list)
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        self.postings[(fieldname, btext)].extend((docnum, weight, vbytes))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        for (fieldname, btext), flat in sorted(self.postings.items()):
            for i in range(0, len(flat), 3):
                yield fieldname, btext, flat[i], flat[i + 1], flat[i + 2]

    def cleanup(self) -> None:
        self.postings.clear()


def _ngram_postings(value: str, size: int, boost: float
                    ) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What `Positions.word_values` yields for an NgramTokenizer field, without Tokens."""
    positions: dict[str, list[int]] = {}
    pos = 0
    for part in parts(value):
        grams = [(part[i:i + size], pos + i) for i in range(len(part) - size + 1)]
        if size > 1:
            grams.append((part[-1], pos + len(part) - 1))  # as NgramTokenizer does
        for gram, at in grams:
            found = positions.get(gram)
            if found is None:
                positions[gram] = [at]
            else:
                found.append(at)
        pos += len(part) + POSITION_GAP
    for gram, poslist in positions.items():
        deltas = [poslist[0]] + [b - a for a, b in pairwise(poslist)]
        yield (gram.encode("utf-8"), len(poslist), len(poslist) * boost,
               pack_uint(len(deltas)) + dumps(deltas, 2))


class _BulkWriter(SegmentWriter):
    """A segment writer for a fresh index with an in-memory pool and a direct path for
    bigram fields. Only `add_fields` and the flush differ from whoosh's writer."""

    def __init__(self, ix: FileIndex, **kwargs: Any) -> None:
        super().__init__(ix, _lk=False,
                         codec=inline_codec(), **kwargs)
        self.pool = _MemoryPool()  # type: ignore[assignment]
        self._lengths: dict[str, list[int]] = {}
        self._direct: dict[str, tuple[int, float]] = {}
        for name, field in self.schema.items():
            if (isinstance(getattr(field, "analyzer", None), NgramTokenizer)
                    and type(field.format) is formats.Positions and not field.vector):
                self._direct[name] = (field.analyzer.size, field.format.field_boost)

    def add_fields(self, fields: dict[str, Any]) -> None:
        schema = self.schema
        docnum = self.docnum
        pdw = self.perdocwriter
        postings = self.pool.postings  # type: ignore[attr-defined]
        lengths = self._lengths
        pdw.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                direct = self._direct.get(name)
                items = (_ngram_postings(value, *direct) if direct
                         else field.index(value))
                for tbytes, freq, weight, vbytes in items:
                    length += freq
                    postings[(name, tbytes)].extend((docnum, weight, vbytes))
                if not field.scorable:
                    length = 0
                elif length:
                    column = lengths.setdefault(name, [])
                    column.extend([0] * (docnum - len(column)))
                    column.append(byte_to_length(length_to_byte(length)))
            pdw.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                pdw.add_column_value(name, field.column_type, field.to_column_value(value))
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _finish(self) -> None:
        # The temporary directory is named after the index and shared with the writer
        # holding the lock, which removes it when it commits.
        self.is_closed = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        schema = self.schema
        lastfield: str | None = None
        lengths: list[int] = []
        for (fieldname, btext), flat in sorted(self.pool.postings.items()):  # type: ignore
            if fieldname != lastfield:
                if lastfield is not None:
                    fw.finish_field()
                fw.start_field(fieldname, schema[fieldname])
                lastfield = fieldname
                lengths = self._lengths.get(fieldname, [])
            known = len(lengths)
            if len(flat) < 3 * INLINE_POSTINGS:
                # What start_term/add/finish_term store for an inlined term, without the
                # block buffer built and dropped for each of a subject's ~180 unique terms.
                fw._tindex.add(pack_ushort(fw._fieldid) + btext,
                               _inlined_terminfo(flat, lengths, known).to_bytes())
                continue
            fw.start_term(btext)
            add = fw._postwriter.add_posting
            for i in range(0, len(flat), 3):
                docnum = flat[i]
                add(docnum, flat[i + 1], flat[i + 2] or b"",
                    lengths[docnum] if docnum < known else 0)
            fw.finish_term()
        if lastfield is not None:
            fw.finish_field()
        fw.close()
        self.pool.cleanup()


def _inlined_terminfo(flat: list[Any], lengths: list[int], known: int) -> W3TermInfo:
    """The term info W3PostingsWriter makes for a term whose postings are inlined (same
    float32 weights, same statistics; zero lengths do not count, as there)."""
    ids = flat[0::3]
    weights = array("f", flat[1::3])
    found = [lengths[d] for d in ids if d < known and lengths[d]]
    info = W3TermInfo()
    info._weight = sum(weights)
    info._df = len(ids)
    info._minlength = min(found) if found else None
    info._maxlength = max(found, default=0)
    info._maxweight = max(0, *weights)
    info._minid, info._maxid = ids[0], ids[-1]
    info._inlined = (tuple(ids), tuple(weights), tuple(v for v in flat[2::3] if v))
    return info


def _write_segments(ix: FileIndex, docs: Iterator[Any], to_fields: ToFields,
                    segment_docs: int) -> list[Any]:
    """Write `docs` into as many segments as needed; returns the whoosh Segment objects."""
    segments = []
    while True:
        chunk = list(islice(docs, segment_docs))
        if not chunk:
            return segments
        writer = _BulkWriter(ix)
        for doc in chunk:
            writer.add_fields(to_fields(doc))
        del chunk
        segments.append(writer._finalize_segment())
        writer._finish()


def _worker(ix: FileIndex, to_fields: ToFields, jobs: Any, results: Any,
            segment_docs: int, number: int, parent: int) -> None:
    die_with_parent(parent)  # a killed rebuild leaves no worker converting for nobody
    gc.disable()  # millions of live objects, no cycles: collections would only cost time
    done: list[tuple[int, int, Any]] = []
    writer: _BulkWriter | None = None
    try:
        while (batch := jobs.get()) is not None:
            if writer is None:
                writer = _BulkWriter(ix)
            for doc in batch:
                writer.add_fields(to_fields(doc))
            if writer.docnum >= segment_docs:
                done.append((len(done), number, writer._finalize_segment()))
                writer._finish()
                writer = None
        if writer is not None and writer.docnum:
            done.append((len(done), number, writer._finalize_segment()))
            writer._finish()
        results.put(("ok", done))
    except BaseException as error:  # the parent must hear of it, or it waits forever
        results.put(("error", repr(error)))
        raise


def _batches(docs: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(docs)
    while batch := list(islice(items, size)):
        yield batch


def build_index(ix: FileIndex, docs: Iterable[Any], to_fields: ToFields, procs: int = 1,
                segment_docs: int = SEGMENT_DOCS, timeout: float = 30.0,
                batch_docs: int = BATCH_DOCS) -> int:
    """Add every document of `docs` to the (empty) index `ix` in one commit, using `procs`
    processes. Returns the number of documents. Segments are ordered as the documents came
    (with `procs` > 1, batches interleave across workers within each segment round)."""
    writer = ix.writer(timeout=timeout)  # the index lock, held until the commit
    try:
        if procs <= 1:
            enabled = gc.isenabled()
            gc.disable()
            try:
                segments = _write_segments(ix, iter(docs), to_fields, segment_docs)
            finally:
                if enabled:
                    gc.enable()
        else:
            segments = _parallel(ix, docs, to_fields, procs, segment_docs, batch_docs)
        writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()
    except BaseException:
        writer.cancel()
        raise
    return sum(s.doc_count() for s in segments)


def _put(jobs: Any, item: Any, workers: list[Any]) -> None:
    """Queue a job; a dead worker would leave a full queue blocking forever."""
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue.Full:
            if not all(worker.is_alive() for worker in workers):
                raise RuntimeError("index worker stopped") from None


def commit_with_documents(writer: SegmentWriter, ix: FileIndex, docs: list[Any],
                          to_fields: ToFields) -> None:
    """Commit `writer` (holding the lock, with its deletions) together with a new bulk-written
    segment for `docs`: readers see the deletions and the additions in one step. For large
    incremental updates (an import's commit), where whoosh's writer costs ~1 ms a document."""
    segments = _write_segments(ix, iter(docs), to_fields, SEGMENT_DOCS)
    existing = writer._merge_segments(NO_MERGE, False, False)
    writer._close_segment()
    writer._commit_toc(existing + segments)
    writer._finish()


def _parallel(ix: FileIndex, docs: Iterable[Any], to_fields: ToFields, procs: int,
              segment_docs: int, batch_docs: int) -> list[Any]:
    context = multiprocessing.get_context("fork")  # workers inherit the schema and code
    jobs = context.Queue(procs * 4)
    results = context.Queue()
    per_worker = max(1, segment_docs // procs)
    workers = [context.Process(target=_worker, daemon=True,
                               args=(ix, to_fields, jobs, results, per_worker, n,
                                     os.getpid()))
               for n in range(procs)]
    for worker in workers:
        worker.start()
    try:
        for batch in _batches(docs, batch_docs):
            _put(jobs, batch, workers)
        for _ in workers:
            _put(jobs, None, workers)
        done: list[tuple[int, int, Any]] = []
        for _ in workers:
            try:
                status, payload = results.get(timeout=RESULT_TIMEOUT)
            except queue.Empty as error:
                raise RuntimeError("index worker did not finish") from error
            if status != "ok":
                raise RuntimeError(f"index worker failed: {payload}")
            done.extend(payload)
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        raise
    # Round by round (each worker's first segment, then each one's second, …): documents
    # stay roughly in the order they came, which broad queries rely on (newest first).
    return [segment for _, _, segment in sorted(done, key=lambda d: (d[0], d[1]))]
