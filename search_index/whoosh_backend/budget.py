"""A time budget inside whoosh's phrase matching.

A phrase matcher yields only documents whose positions line up, so a scan over its output
cannot look at the clock while the matcher walks through thousands of candidates that do
not match (a number query in a corpus of dates: the 25 ms cap then never fired and one
query held a worker 0.4-0.6 s). `Phrase` here is whoosh's phrase with its term matchers
wrapped: while a deadline is set (`deadline`), stepping past it raises `OverBudget`, which
carries how far into the index the matcher got (for an estimated total).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from whoosh import matching
from whoosh import query as q
from whoosh.query import SpanNear2

_DEADLINE: ContextVar[float | None] = ContextVar("whoosh_scan_deadline", default=None)
CHECK_EVERY = 64  # steps between clock readings


class OverBudget(Exception):
    def __init__(self, reached: int) -> None:
        super().__init__(reached)
        self.reached = reached  # the document number the matcher had got to


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    token = _DEADLINE.set(time.perf_counter() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _BudgetMatcher(matching.WrappingMatcher):
    def __init__(self, child: Any, boost: float = 1.0) -> None:
        super().__init__(child, boost=boost)
        self._steps = 0

    def _check(self) -> None:
        self._steps += 1
        if self._steps % CHECK_EVERY:
            return
        limit = _DEADLINE.get()
        if limit is not None and time.perf_counter() > limit:
            raise OverBudget(self.child.id() if self.child.is_active() else 0)

    def next(self) -> Any:
        self._check()
        return self.child.next()

    def skip_to(self, target: int) -> Any:
        self._check()
        return self.child.skip_to(target)


class _BudgetTerm(q.Term):
    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _BudgetMatcher(super().matcher(searcher, context))


class Phrase(q.Phrase):
    """whoosh's Phrase (same matches), its steps counted against the deadline."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if self.fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        terms = []
        for word in self.words:
            if (self.fieldname, field.to_bytes(word)) not in reader:
                return matching.NullMatcher()
            terms.append(_BudgetTerm(self.fieldname, word))
        found = SpanNear2(terms, slop=self.slop, ordered=True, mindist=1).matcher(
            searcher, context)
        return matching.WrappingMatcher(found, boost=self.boost) if self.boost != 1.0 else found


def check() -> None:
    """Raise OverBudget when the current deadline has passed (scan loops)."""
    limit = _DEADLINE.get()
    if limit is not None and time.perf_counter() > limit:
        raise OverBudget(0)
