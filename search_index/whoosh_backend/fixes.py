"""Four fixes to whoosh (unmaintained since 2016; the fork too), applied on import.

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

`AndNotMatcher` (a query "A but not B": the search's tiers exclude the better tiers, the
typeahead excludes persons) checks its first document against B only when B happens to be
on that very document: when B starts before A's first document, A's first document is
returned even if B has it too. The first document is checked like every other one.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3
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


def _and_not_find_first(self: Any) -> None:
    if self.a.is_active() and self.b.is_active():
        self._find_next()  # skips B to A's document, then steps A past B's documents


def apply() -> None:
    AndNotMatcher._find_first = _and_not_find_first
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined
    whoosh3.W3Codec.postings_reader = _postings_reader
