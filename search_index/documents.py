"""Plain documents in: what every backend indexes, and the keys derived from them.

The web app builds these from the database; a backend turns them into its own fields.
`content_hash` is stored with each document so that `flask search-verify` can compare an
index with the database without re-reading the index's own fields.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any

from search_index.analysis import join_parts
from search_index.text import is_code_like, normalize
from search_index.variants import core

SNIPPET_CHARS = 240
HEAD_CHARS = 12
USCC_MIN_PREFIX = 4
OPEN_END = 99991231  # public_until of a record shown without an end date
SUBJECT = "subject"
RECORD = "record"
ENTITIES = (SUBJECT, RECORD)


@dataclass(frozen=True)
class SubjectDoc:
    id: int
    name: str
    display_name: str
    uscc: str | None = None
    former_names: tuple[str, ...] = ()
    subject_type: str | None = None
    region_id: int | None = None
    founded_on: date | None = None
    # A natural person is found only by the exact ID number, or by the exact name when a
    # public record's list type requires the name (`name_public`); never by a part of it.
    is_person: bool = False
    name_public: bool = False
    id_number: str | None = None
    record_text: tuple[str, ...] = ()  # the public records' text (terms across records)


@dataclass(frozen=True)
class RecordDoc:
    id: int
    subject_id: int
    kind: str
    decided_on: date
    public_until: date | None = None
    doc_number: str | None = None
    title: str | None = None
    facts: str | None = None
    content: str | None = None
    legal_basis: str | None = None
    department_name: str | None = None
    department_id: int | None = None
    list_nature: str | None = None
    subject_uscc: str | None = None
    subject_type: str | None = None
    region_id: int | None = None
    extra_text: tuple[str, ...] = field(default=())
    subject_names: tuple[str, ...] = ()  # name and former names (records by subject)
    subject_is_person: bool = False


def day_number(day: date | None, default: int = 0) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else default


@cache
def _all_fields(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    return attrgetter(*(f.name for f in fields(kind)))


def content_hash(doc: SubjectDoc | RecordDoc) -> str:
    """A short digest of everything a document says (same value in every backend)."""
    # One attrgetter and repr, not dataclasses.astuple and json: the values are str, int,
    # bool, None, dates and tuples of str, whose repr is stable, and the digest was a
    # third of the cost of turning a record into an index document.
    return hashlib.blake2b(repr(_all_fields(type(doc))(doc)).encode(),
                           digest_size=10).hexdigest()


# ---------------------------------------------------------------------- derived keys

def subject_names(doc: SubjectDoc) -> tuple[str, ...]:
    """The names matched by parts, pinyin and variants (none for a natural person)."""
    return () if doc.is_person else (doc.name, *doc.former_names)


def exact_names(doc: SubjectDoc) -> list[str]:
    """Normalised whole names, for the exact tier (a person's only when published)."""
    names = (doc.name,) if doc.is_person and doc.name_public else subject_names(doc)
    return sorted({normalize(n) for n in names if n})


def core_names(names: tuple[str, ...]) -> list[str]:
    """The names without company-form and administrative words (search_index.variants)."""
    return sorted({c for n in names if (c := core(normalize(n)))})


def id_number_key(id_number: str | None) -> str:
    """A person's ID number as an opaque exact key: the index never holds it in clear."""
    number = normalize(id_number)
    if not number:
        return ""
    return "p" + hashlib.blake2b(number.encode(), digest_size=12).hexdigest()


def record_subject_names(doc: RecordDoc) -> list[str]:
    """The names a record is found by on the records tab: its subject's, and their cores
    (a natural person's never: the name is not a way to look a person up)."""
    if doc.subject_is_person:
        return []
    return list(_names_and_cores(doc.subject_names))


@lru_cache(maxsize=65_536)  # a subject's records share its names
def _names_and_cores(names: tuple[str, ...]) -> tuple[str, ...]:
    normalized = [normalize(n) for n in names if n]
    return tuple(dict.fromkeys([*normalized, *core_names(names)]))


def name_heads(doc: SubjectDoc) -> list[str]:
    """Edge prefixes of the normalised names (typeahead, prefix ranking)."""
    heads: set[str] = set()
    for name in subject_names(doc):
        normalized = normalize(name)[:HEAD_CHARS]
        heads.update(normalized[:n] for n in range(1, len(normalized) + 1))
    return sorted(heads)


def uscc_heads(uscc: str | None) -> list[str]:
    """USCC prefixes of USCC_MIN_PREFIX characters and more, one term per look-up."""
    return list(_uscc_heads(uscc))


@lru_cache(maxsize=65_536)  # asked for each of a subject's records
def _uscc_heads(uscc: str | None) -> tuple[str, ...]:
    code = normalize(uscc)
    return tuple(code[:n] for n in range(USCC_MIN_PREFIX, len(code) + 1))


_ASCII_RUN = re.compile(r"[a-z0-9]+")


def is_code_query(normalized: str) -> bool:
    """A code or number query (USCC prefix, document-number part): answered on records by
    looking up `record_codes` terms, never by a phrase of digit bigrams (dates and numbers
    put those in nearly every record, so the phrase would verify most of the corpus)."""
    return is_code_like(normalized) and len(normalized) >= USCC_MIN_PREFIX


def record_codes(doc: RecordDoc) -> list[str]:
    """Code terms of a record, one look-up each: its subject's USCC prefixes, its whole
    normalised document number, and the letter/digit runs of that number with a digit
    ("黑市监罚〔2024〕12号" -> 2024, 12)."""
    codes = set(uscc_heads(doc.subject_uscc))
    number = normalize(doc.doc_number)
    if number:
        codes.add(number)
        folded = unicodedata.normalize("NFKC", doc.doc_number or "").casefold()
        codes.update(run for run in _ASCII_RUN.findall(folded)
                     if any(c.isdigit() for c in run))
    return sorted(codes)


def record_text(doc: RecordDoc) -> str:
    """The searchable text of a record, its parts joined (phrases never cross them)."""
    return join_parts(doc.title, doc.facts, doc.content, doc.legal_basis, doc.department_name,
                      doc.doc_number, *doc.extra_text)


def record_snippet(doc: RecordDoc) -> str:
    """The text a record's highlight is cut from."""
    return (doc.facts or doc.content or doc.title or "")[:SNIPPET_CHARS]


def id_text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
