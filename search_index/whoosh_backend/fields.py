"""Plain documents in, whoosh field dicts out."""

from __future__ import annotations

from typing import Any

from search_index.analysis import join_parts
from search_index.documents import (
    OPEN_END,
    RecordDoc,
    SubjectDoc,
    content_hash,
    day_number,
    exact_names,
    id_text,
    name_heads,
    record_codes,
    record_snippet,
    record_text,
    subject_names,
    uscc_heads,
)
from search_index.pinyin import pinyin_keys
from search_index.text import normalize


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Empty values are left out: whoosh would index an empty term for each."""
    return {k: v for k, v in fields.items() if v not in (None, "")}


def subject_fields(doc: SubjectDoc) -> dict[str, Any]:
    names = subject_names(doc)
    return _present({
        "id": str(doc.id),
        "name": join_parts(*names),
        "name1": join_parts(*names),
        "exact": " ".join(exact_names(doc)) or None,
        "head": " ".join(name_heads(doc)),
        "pinyin": pinyin_keys(*names),
        "uscc": (doc.uscc or "").upper() or None,
        "uscc_head": " ".join(uscc_heads(doc.uscc)),
        "subject_type": id_text(doc.subject_type),
        "region_id": id_text(doc.region_id),
        "founded": day_number(doc.founded_on),
        "display": doc.display_name,
        "hash": content_hash(doc),
    })


def record_fields(doc: RecordDoc) -> dict[str, Any]:
    return _present({
        "id": str(doc.id),
        "text": record_text(doc),
        "docno": normalize(doc.doc_number) or None,
        "codes": " ".join(record_codes(doc)) or None,
        "uscc": (doc.subject_uscc or "").upper() or None,
        "subject_id": str(doc.subject_id),
        "kind": id_text(doc.kind),
        "list_nature": id_text(doc.list_nature),
        "department_id": id_text(doc.department_id),
        "region_id": id_text(doc.region_id),
        "subject_type": id_text(doc.subject_type),
        "decided": day_number(doc.decided_on),
        "public_until": day_number(doc.public_until, OPEN_END),
        "snippet": record_snippet(doc),
        "hash": content_hash(doc),
    })
