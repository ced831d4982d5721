"""Plain documents in, whoosh field dicts out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from search_index.analysis import join_parts
from search_index.pinyin import pinyin_keys
from search_index.schema import OPEN_END
from search_index.text import normalize

SNIPPET_CHARS = 240
HEAD_CHARS = 12
USCC_MIN_PREFIX = 4


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


def day_number(day: date | None, default: int = 0) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else default


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Empty values are left out: whoosh would index an empty term for each."""
    return {k: v for k, v in fields.items() if v not in (None, "")}


def subject_fields(doc: SubjectDoc) -> dict[str, Any]:
    code = normalize(doc.uscc)
    names = (doc.name, *doc.former_names)
    heads: set[str] = set()
    for name in names:
        normalized = normalize(name)[:HEAD_CHARS]
        heads.update(normalized[:n] for n in range(1, len(normalized) + 1))
    return _present({
        "id": str(doc.id),
        "name": join_parts(*names),
        "name1": join_parts(*names),
        "exact": " ".join(sorted({normalize(n) for n in names if n})) or None,
        "head": " ".join(sorted(heads)),
        "pinyin": pinyin_keys(*names),
        "uscc": (doc.uscc or "").upper() or None,
        "uscc_head": " ".join(code[:n] for n in range(USCC_MIN_PREFIX, len(code) + 1)),
        "subject_type": _id(doc.subject_type),
        "region_id": _id(doc.region_id),
        "founded": day_number(doc.founded_on),
        "display": doc.display_name,
    })


def record_fields(doc: RecordDoc) -> dict[str, Any]:
    main = doc.facts or doc.content or doc.title or ""
    return _present({
        "id": str(doc.id),
        "text": join_parts(doc.title, doc.facts, doc.content, doc.legal_basis,
                           doc.department_name, doc.doc_number, *doc.extra_text),
        "docno": normalize(doc.doc_number) or None,
        "uscc": (doc.subject_uscc or "").upper() or None,
        "subject_id": str(doc.subject_id),
        "kind": _id(doc.kind),
        "list_nature": _id(doc.list_nature),
        "department_id": _id(doc.department_id),
        "region_id": _id(doc.region_id),
        "subject_type": _id(doc.subject_type),
        "decided": day_number(doc.decided_on),
        "public_until": day_number(doc.public_until, OPEN_END),
        "snippet": main[:SNIPPET_CHARS],
    })
