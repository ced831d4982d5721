"""The two tantivy indexes and plain documents turned into tantivy documents.

Every field is indexed from the shared derivations in `search_index.documents` and
`search_index.pinyin`: n-gram fields arrive pre-tokenized (tantivy's own n-gram tokenizer
keeps no positions, so phrases could not be checked), keyword fields use the raw tokenizer
(one term per value). Stored fields are what a hit needs; the rest is in the database.
"""

from __future__ import annotations

from collections.abc import Callable

import tantivy

from search_index.analysis import join_parts, ngrams
from search_index.documents import (
    OPEN_END,
    RecordDoc,
    SubjectDoc,
    content_hash,
    day_number,
    exact_names,
    id_text,
    name_heads,
    record_snippet,
    record_text,
    subject_names,
    uscc_heads,
)
from search_index.pinyin import pinyin_keys
from search_index.text import normalize

SUBJECTS = "subjects"
RECORDS = "records"

#: keyword fields of each index (raw tokenizer, no positions)
SUBJECT_KEYWORDS = ("exact", "head", "pinyin", "uscc_head", "subject_type", "region_id")
RECORD_KEYWORDS = ("docno", "uscc", "subject_id", "kind", "list_nature", "department_id",
                   "region_id", "subject_type")


def _keyword(builder: tantivy.SchemaBuilder, name: str, stored: bool = False) -> None:
    builder.add_text_field(name, stored=stored, tokenizer_name="raw", index_option="basic")


def _grams(builder: tantivy.SchemaBuilder, name: str, positions: bool) -> None:
    builder.add_text_field(name, tokenizer_name="raw",
                           index_option="position" if positions else "basic")


def subject_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    _grams(builder, "name", positions=True)  # bigrams of the name and former names
    _grams(builder, "name1", positions=False)  # single characters: one-character queries
    for name in SUBJECT_KEYWORDS:
        _keyword(builder, name)
    _keyword(builder, "uscc", stored=True)
    builder.add_integer_field("founded", indexed=True, fast=True)
    _keyword(builder, "display", stored=True)  # the public display name (persons masked)
    _keyword(builder, "hash", stored=True)  # documents.content_hash, for search-verify
    return builder.build()


def record_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    _grams(builder, "text", positions=True)
    for name in RECORD_KEYWORDS:
        _keyword(builder, name)
    builder.add_integer_field("decided", indexed=True, fast=True)
    builder.add_integer_field("public_until", indexed=True, fast=True)
    _keyword(builder, "snippet", stored=True)  # the text a highlight is cut from
    _keyword(builder, "hash", stored=True)
    return builder.build()


SCHEMAS: dict[str, Callable[[], tantivy.Schema]] = {SUBJECTS: subject_schema,
                                                    RECORDS: record_schema}


def _pretokenized(value: str, size: int) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(gram, pos, pos, pos + len(gram))
              for gram, pos in ngrams(value, size)]
    return tantivy.PreTokenizedString(value, tokens)


def _add_keywords(document: tantivy.Document, name: str, values: list[str] | str | None
                  ) -> None:
    if not values:
        return
    for value in [values] if isinstance(values, str) else values:
        if value:
            document.add_text(name, value)


def subject_document(doc: SubjectDoc) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("id", doc.id)
    names = join_parts(*subject_names(doc))
    document.add_pre_tokenized_text("name", _pretokenized(names, 2))
    document.add_pre_tokenized_text("name1", _pretokenized(names, 1))
    _add_keywords(document, "exact", exact_names(doc))
    _add_keywords(document, "head", name_heads(doc))
    _add_keywords(document, "pinyin", pinyin_keys(*subject_names(doc)).split())
    _add_keywords(document, "uscc", (doc.uscc or "").upper() or None)
    _add_keywords(document, "uscc_head", uscc_heads(doc.uscc))
    _add_keywords(document, "subject_type", id_text(doc.subject_type))
    _add_keywords(document, "region_id", id_text(doc.region_id))
    document.add_integer("founded", day_number(doc.founded_on))
    document.add_text("display", doc.display_name or "")
    document.add_text("hash", content_hash(doc))
    return document


def record_document(doc: RecordDoc) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("id", doc.id)
    document.add_pre_tokenized_text("text", _pretokenized(record_text(doc), 2))
    _add_keywords(document, "docno", normalize(doc.doc_number) or None)
    _add_keywords(document, "uscc", (doc.subject_uscc or "").upper() or None)
    _add_keywords(document, "subject_id", str(doc.subject_id))
    for name in ("kind", "list_nature", "department_id", "region_id", "subject_type"):
        _add_keywords(document, name, id_text(getattr(doc, name)))
    document.add_integer("decided", day_number(doc.decided_on))
    document.add_integer("public_until", day_number(doc.public_until, OPEN_END))
    document.add_text("snippet", record_snippet(doc))
    document.add_text("hash", content_hash(doc))
    return document
