"""Plain documents in, whoosh field dicts out."""

from __future__ import annotations

from typing import Any

from search_index.analysis import join_parts
from search_index.documents import (
    OPEN_END,
    RecordDoc,
    SubjectDoc,
    content_hash,
    core_names,
    day_number,
    exact_names,
    id_number_key,
    id_text,
    name_heads,
    record_codes,
    record_snippet,
    record_subject_names,
    record_text,
    subject_names,
    uscc_heads,
)
from search_index.pinyin import pinyin_heads, pinyin_keys, pinyin_wholes
from search_index.ranking import rank_value
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
        "exact_core": " ".join(core_names(names)) or None,
        "idkey": id_number_key(doc.id_number) if doc.is_person else None,
        "person": "1" if doc.is_person else None,
        "head": " ".join(name_heads(doc)),
        "core": join_parts(*core_names(names)),
        "rtext": join_parts(*doc.record_text),
        "pinyin": pinyin_keys(*names),
        "pinyin_head": pinyin_heads(*names),
        "pinyin_whole": pinyin_wholes(*names),
        "uscc": (doc.uscc or "").upper() or None,
        "uscc_head": " ".join(uscc_heads(doc.uscc)),
        "subject_type": id_text(doc.subject_type),
        "region_id": id_text(doc.region_id),
        "founded": day_number(doc.founded_on),
        "rank": rank_value(doc.founded_on, doc.id),
        "display": doc.display_name,
        "hash": content_hash(doc),
    })


def record_fields(doc: RecordDoc) -> dict[str, Any]:
    return _present({
        "id": str(doc.id),
        "text": record_text(doc),
        "sname": join_parts(*record_subject_names(doc)),
        "sexact": " ".join(record_subject_names(doc)) or None,
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
        "rank": rank_value(doc.decided_on, doc.id),
        "snippet": record_snippet(doc),
        "hash": content_hash(doc),
    })
