"""Five fixes to whoosh (unmaintained since 2016; the fork too), applied on import.

Flushing a segment asks, for every posting, for the field's length column; for fields
without lengths (ID, KEYWORD, NUMERIC) whoosh checks the file system each time and caches
nothing: profiled at 45 % of build time (250k `os.path.exists` calls for 5.5k documents).
A segment's files never change after it is written, so a missing column is cached too.

Inlining the postings of rare terms into the term table (`W3Codec(inlinelimit=…)`) saves a
compressed block per term, but the writer calls `set_inline`, a method that does not exist
(it is `set_inlined`). Readers mostly handle inlined postings, except one thing: the
`ListMatcher` that serves them answers `value()` with the *str* `""` for a field whose
postings carry no value (ID, KEYWORD, NUMERIC: whoosh stores no bytes for them), where a
block on disk answers `None`. Merging segments copies postings through `value()` into a
pool that accepts only bytes or None, so the first merge of a segment with an inlined ID
term failed with `AssertionError: vbytes=''` — every incremental update from then on (the
stock codec never inlines, `inlinelimit=1`, which is why whoosh's own tests never saw it).
Inlined postings are served by a matcher that answers `None` like a block does.

A segment's files are memory-mapped, but each file opened from the map (`BufferFile`) is
wrapped in `BytesIO(memoryview)`, which copies the whole file into private memory: every
reader and writer opened copies the segment's term tables and columns (profiled: 0.4 s of
a 0.6 s incremental update at 100k records, and gigabytes per worker at 1M). The file is
read in place instead.

`AndNotMatcher` (a query "A but not B": the search's tiers exclude the better tiers, the
typeahead excludes persons) checks its first document against B only when B happens to be
on that very document: when B starts before A's first document, A's first document is
returned even if B has it too. The first document is checked like every other one.
"""

from __future__ import annotations

import io
from typing import Any

from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.matching import ListMatcher
from whoosh.matching.binary import AndNotMatcher

_MISSING = object()


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    readers = self._readers
    found = readers.get(fieldname, _MISSING)
    if found is _MISSING:
        found = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        readers[fieldname] = found
    return found


class InlinedMatcher(ListMatcher):
    """Inlined postings; a posting without a value answers None, as one read from a block."""

    def value(self) -> Any:
        return super().value() if self._values else None


_stock_postings_reader = whoosh3.W3Codec.postings_reader


def _postings_reader(self: Any, dbfile: Any, terminfo: Any, format_: Any, term: Any = None,
                     scorer: Any = None) -> Any:
    if not terminfo.is_inlined():
        return _stock_postings_reader(self, dbfile, terminfo, format_, term=term,
                                      scorer=scorer)
    ids, weights, values = terminfo.inlined_postings()
    return InlinedMatcher(ids, weights, values, format_, scorer=scorer, term=term,
                          terminfo=terminfo)


class MemoryReader(io.RawIOBase):
    """A read-only file over a memoryview, without copying it (unlike BytesIO)."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else self._pos + size
        data = bytes(self._buf[self._pos:end])
        self._pos += len(data)
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._buf) if size is None or size < 0 else min(len(self._buf),
                                                                    self._pos + size)
        end = self._pos
        while end < limit:  # look for the newline a block at a time, not in a copy of all
            block = bytes(self._buf[end:min(limit, end + 256)])
            found = block.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(block)
        return self.read(end - self._pos)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")  # drop the reference to the map
        super().close()


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    self._buf = buf
    self._name = name
    self.file = MemoryReader(memoryview(buf))
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _and_not_find_first(self: Any) -> None:
    if self.a.is_active() and self.b.is_active():
        self._find_next()  # skips B to A's document, then steps A past B's documents


def apply() -> None:
    structfile.BufferFile.__init__ = _buffer_file_init
    AndNotMatcher._find_first = _and_not_find_first
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined
    whoosh3.W3Codec.postings_reader = _postings_reader
