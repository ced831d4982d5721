"""The interface every search backend implements; the web app talks to nothing else.

A backend owns one index root (a directory on this node). It takes plain documents
(`search_index.documents`) and answers with ids, scores and highlights; it never talks to
the database. The web app's indexer (`webapp.services.search_sync`) reads the change log
from the database and feeds `apply`; the backend records how far it got, so the indexer
knows where to resume. Rules every backend keeps:

- `apply(changes, upto_sequence)` writes every change or raises: nothing is swallowed
  (unlike django-haystack's SILENTLY_FAIL), and `applied_sequence()` moves to
  `upto_sequence` only after the changes are committed. Applying the same changes twice
  is harmless (documents are replaced by id), so a retry after a crash is always safe.
- Writers hold `writer_lock` (one writer per index root, across processes); readers never
  need it and see a commit at their next search.
- `Page.total` is exact when `Page.exact` is true; otherwise an estimate (a broad query
  counted within a time budget) that the page must present as one ("约 …").
- Record documents past their `public_until` day are never returned (the index may still
  hold them until `prune_expired`).

Selected by the app setting SEARCH_BACKEND (`backends` below maps names to classes).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from search_index.documents import RecordDoc, SubjectDoc
from search_index.store import IndexStore

#: name -> "module:Class"; imported on first use, so an engine's library is only needed
#: when it is selected.
BACKENDS: dict[str, str] = {
    "whoosh": "search_index.whoosh_backend:WhooshBackend",
    "tantivy": "search_index.tantivy_backend:TantivyBackend",
}

#: Filter keys the search methods accept (values: str/int ids, `date` for the range).
FILTER_KEYS = ("kind", "list_nature", "department_id", "region_id", "subject_type",
               "date_from", "date_to")


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    highlight: Markup  # escaped text with <mark> around the matches


@dataclass(frozen=True)
class Page:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    exact: bool = True  # False: `total` is an estimate


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str  # the public display name
    uscc: str | None


@dataclass
class Changes:
    """One batch for `apply`: documents to add or replace (by id), ids to delete."""

    subjects: list[SubjectDoc] = field(default_factory=list)
    records: list[RecordDoc] = field(default_factory=list)
    delete_subjects: set[int] = field(default_factory=set)
    delete_records: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return (len(self.subjects) + len(self.records) + len(self.delete_subjects)
                + len(self.delete_records))


#: entity ("subject" / "record") -> {id: content_hash} of what the index would return.
Fingerprints = dict[str, dict[int, str]]


class SearchBackend(ABC):
    """One engine on one index root. Instances are per process and thread-safe.
    `store` holds the root's versioned directories (rebuild into one, swap it in)."""

    name: str = ""
    store: IndexStore

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------------ reading

    @abstractmethod
    def search_subjects(self, text: str, filters: Mapping[str, Any] | None = None,
                        page: int = 1, per_page: int = 20, sort: str = "relevance") -> Page:
        """Subjects by name, former name, USCC (or prefix), pinyin. sort: relevance|date."""

    @abstractmethod
    def search_records(self, text: str, filters: Mapping[str, Any] | None = None,
                       page: int = 1, per_page: int = 20, sort: str = "relevance",
                       today: date | None = None) -> Page:
        """Public records by text, document number, subject USCC, as public on `today`."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Typeahead on subject names."""

    @abstractmethod
    def matching_ids(self, entity: str, text: str) -> set[int]:
        """Every id the query matches, unranked and unpaged (benchmarks, checks)."""

    # ------------------------------------------------------------------ writing

    # The version bookkeeping is the store's, the same for every engine; an engine
    # implements `update` (its write) and the rest below.

    def writer_lock(self, timeout: float) -> AbstractContextManager[bool]:
        """Context manager: the index root's writer lock, waited for up to `timeout` s;
        yields whether it was obtained."""
        return self.store.writer_lock(timeout)

    def _version_dir(self, version: str | None) -> Path:
        return self.store.root / version if version else self.store.live_dir()

    def applied_sequence(self, version: str | None = None) -> int | None:
        """The last change-log sequence applied to the live index (or to `version`);
        None when the index was never built from the database."""
        return self.store.applied_sequence(self._version_dir(version))

    def apply(self, changes: Changes, upto_sequence: int, version: str | None = None) -> None:
        """Write `changes` to the live index (or to the unswapped `version`), then record
        `upto_sequence` as applied. Raises on failure, recording nothing."""
        target = self._version_dir(version)
        self.update(changes.subjects, changes.records, changes.delete_subjects,
                    changes.delete_records, version=target)
        self.store.record_sequence(target, upto_sequence)

    @abstractmethod
    def update(self, subjects: Iterable[SubjectDoc] = (), records: Iterable[RecordDoc] = (),
               delete_subjects: Iterable[int] = (), delete_records: Iterable[int] = (),
               version: Path | None = None) -> None:
        """Add or replace documents (by id) and delete others in `version` (default: the
        live one); no sequence recorded (`apply` is the interface; this is its write)."""

    @abstractmethod
    def build(self, subjects: Iterable[SubjectDoc], records: Iterable[RecordDoc],
              upto_sequence: int, procs: int = 1) -> str:
        """A complete new version from scratch (not live until `swap`); returns its name.
        `upto_sequence`: the change-log position the documents were read at."""

    def swap(self, version: str) -> None:
        """Make a built version live, atomically."""
        self.store.swap(self.store.root / version)

    @abstractmethod
    def prune_expired(self, today: date) -> int:
        """Delete record documents past their last public day; returns how many."""

    @abstractmethod
    def fingerprints(self, today: date) -> Fingerprints:
        """What the live index would return, as ids and content hashes
        (`documents.content_hash`), for `flask search-verify`."""

    @abstractmethod
    def close(self) -> None:
        """Release open readers (tests, shutdown)."""


def backend_class(name: str) -> type[SearchBackend]:
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown SEARCH_BACKEND {name!r}; known: {sorted(BACKENDS)}") from None
    module, _, attribute = target.partition(":")
    found: type[SearchBackend] = getattr(importlib.import_module(module), attribute)
    return found


def open_backend(name: str, root: str | Path) -> SearchBackend:
    return backend_class(name)(root)


def fingerprint_differences(expected: Fingerprints, actual: Fingerprints
                            ) -> Iterator[tuple[str, int, str]]:
    """(entity, id, "missing" | "unexpected" | "stale") for every difference."""
    for entity in sorted(set(expected) | set(actual)):
        want, have = expected.get(entity, {}), actual.get(entity, {})
        for doc_id in sorted(set(want) | set(have)):
            if doc_id not in have:
                yield entity, doc_id, "missing"
            elif doc_id not in want:
                yield entity, doc_id, "unexpected"
            elif want[doc_id] != have[doc_id]:
                yield entity, doc_id, "stale"
