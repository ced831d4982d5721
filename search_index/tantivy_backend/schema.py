"""The two tantivy indexes and plain documents turned into tantivy documents.

Every field is indexed from the shared derivations in `search_index.documents` and
`search_index.pinyin`. N-gram fields arrive as the shared n-grams joined by spaces, in
position order, for tantivy's whitespace tokenizer (its own n-gram tokenizer keeps no
positions, so phrases could not be checked); a filler token stands where the shared
analysis leaves a position gap, so a phrase never spans two parts. Keyword fields are
space-joined terms too (every key is letters and digits only). Building the strings in
Python and splitting them in Rust is several times faster than a Token object per gram.
Stored fields are what a hit needs; the rest is in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import tantivy

from search_index.analysis import join_parts, parts
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

SUBJECTS = "subjects"
RECORDS = "records"

#: keyword fields of each index (raw tokenizer, no positions)
SUBJECT_KEYWORDS = ("exact", "exact_core", "idkey", "person", "head", "pinyin", "pinyin_head",
                    "pinyin_whole", "uscc_head", "subject_type", "region_id")
RECORD_KEYWORDS = ("docno", "codes", "uscc", "subject_id", "kind", "list_nature", "department_id",
                   "region_id", "subject_type", "sexact")


GAP_TOKEN = "\x1f"  # noqa: S105 (not a secret) never a query term: breaks phrases


def _keyword(builder: tantivy.SchemaBuilder, name: str, stored: bool = False) -> None:
    builder.add_text_field(name, stored=stored, tokenizer_name="whitespace",
                           index_option="basic")


def _stored(builder: tantivy.SchemaBuilder, name: str) -> None:
    builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")


def _grams(builder: tantivy.SchemaBuilder, name: str, positions: bool) -> None:
    builder.add_text_field(name, tokenizer_name="whitespace",
                           index_option="position" if positions else "basic")


def subject_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    _grams(builder, "name", positions=True)  # bigrams of the name and former names
    _grams(builder, "name1", positions=False)  # single characters: one-character queries
    _grams(builder, "core", positions=True)  # names without form/administrative words
    _grams(builder, "rtext", positions=True)  # the subject's public records' text
    for name in SUBJECT_KEYWORDS:
        _keyword(builder, name)
    _keyword(builder, "uscc", stored=True)
    builder.add_integer_field("founded", indexed=True, fast=True)
    builder.add_integer_field("rank", fast=True)  # ranking.rank_value
    _stored(builder, "display")  # the public display name (natural persons masked)
    _stored(builder, "hash")  # documents.content_hash, for search-verify
    return builder.build()


def record_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    _grams(builder, "text", positions=True)
    _grams(builder, "sname", positions=True)  # the subject's names and their cores
    for name in RECORD_KEYWORDS:
        _keyword(builder, name)
    builder.add_integer_field("decided", indexed=True, fast=True)
    builder.add_integer_field("public_until", indexed=True, fast=True)
    builder.add_integer_field("rank", fast=True)  # ranking.rank_value
    _stored(builder, "snippet")  # the text a highlight is cut from
    _stored(builder, "hash")
    return builder.build()


SCHEMAS: dict[str, Callable[[], tantivy.Schema]] = {SUBJECTS: subject_schema,
                                                    RECORDS: record_schema}


def gram_text(value: str, size: int) -> str:
    """`analysis.ngrams(value, size)` as one space-separated string in position order, with
    GAP_TOKEN between parts (where ngrams' positions jump). Built per part with slices: the
    generator's per-gram overhead was most of the document conversion time."""
    pieces: list[str] = []
    for part in parts(value):
        if pieces:
            pieces.append(GAP_TOKEN)
        grams = [part[i:i + size] for i in range(len(part) - size + 1)]
        if size > 1:
            grams.append(part[-1])
        pieces.append(" ".join(grams))
    return " ".join(pieces)


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Empty values are left out (an empty keyword would index an empty term)."""
    return {k: v for k, v in fields.items() if v not in (None, "")}


def subject_fields(doc: SubjectDoc) -> dict[str, Any]:
    """Plain values (picklable: the bulk build computes them in worker processes)."""
    listed = subject_names(doc)
    names = join_parts(*listed)
    cores = core_names(listed)
    return _present({
        "id": doc.id,
        "name": gram_text(names, 2),
        "name1": gram_text(names, 1),
        "core": gram_text(join_parts(*cores), 2),
        "rtext": gram_text(join_parts(*doc.record_text), 2),
        "exact": " ".join(exact_names(doc)),
        "exact_core": " ".join(cores),
        "idkey": id_number_key(doc.id_number) if doc.is_person else None,
        "person": "1" if doc.is_person else None,
        "head": " ".join(name_heads(doc)),
        "pinyin": pinyin_keys(*listed),
        "pinyin_head": pinyin_heads(*listed),
        "pinyin_whole": pinyin_wholes(*listed),
        "uscc": (doc.uscc or "").upper(),
        "uscc_head": " ".join(uscc_heads(doc.uscc)),
        "subject_type": id_text(doc.subject_type),
        "region_id": id_text(doc.region_id),
        "founded": day_number(doc.founded_on),
        "rank": rank_value(doc.founded_on, doc.id),
        "display": doc.display_name or "",
        "hash": content_hash(doc),
    })


@lru_cache(maxsize=65_536)  # a subject's records share its names
def _subject_name_fields(names: tuple[str, ...]) -> tuple[str, str]:
    """(sname, sexact) of a record from its subject's names and cores."""
    return gram_text(join_parts(*names), 2), " ".join(names)


def record_fields(doc: RecordDoc) -> dict[str, Any]:
    sname, sexact = _subject_name_fields(tuple(record_subject_names(doc)))
    return _present({
        "id": doc.id,
        "text": gram_text(record_text(doc), 2),
        "sname": sname,
        "sexact": sexact,
        "docno": normalize(doc.doc_number),
        "codes": " ".join(record_codes(doc)),
        "uscc": (doc.subject_uscc or "").upper(),
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


FIELDS: dict[str, Callable[[Any], dict[str, Any]]] = {SUBJECTS: subject_fields,
                                                      RECORDS: record_fields}
