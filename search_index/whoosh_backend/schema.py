"""The two indexes (subjects, records). Stored fields are kept small: ids and what a
highlight needs; everything else is looked up in the database by id."""

from __future__ import annotations

from whoosh.analysis import Analyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search_index.whoosh_backend.tokenizer import NgramTokenizer

SUBJECTS = "subjects"
RECORDS = "records"
# Dates as yyyymmdd numbers; a coarse trie (shift_step 16) indexes 2 terms per value, not 8:
# postings are what whoosh's build time is made of, and date ranges are rare in queries.


def _bigram_field() -> TEXT:
    analyzer: Analyzer = NgramTokenizer(2)
    return TEXT(analyzer=analyzer, phrase=True)


def subject_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        name=_bigram_field(),  # name and former names
        name1=TEXT(analyzer=NgramTokenizer(1), phrase=False),
        exact=KEYWORD(),  # normalised whole names (a person's only when published)
        exact_core=KEYWORD(),  # whole names without form/administrative words
        idkey=KEYWORD(),  # a person's ID number, as an opaque key
        person=ID(),  # "1" for a natural person (never suggested)
        head=KEYWORD(),  # edge prefixes of names, for the prefix tier
        core=_bigram_field(),  # names without form/administrative words
        rtext=_bigram_field(),  # the subject's public records' text
        pinyin=KEYWORD(),
        pinyin_head=KEYWORD(),
        pinyin_whole=KEYWORD(),
        uscc=ID(stored=True),
        uscc_head=KEYWORD(),  # USCC prefixes (6+ characters), one term per look-up
        subject_type=ID(),
        region_id=ID(),
        founded=NUMERIC(int, bits=32, shift_step=16, sortable=True),
        rank=NUMERIC(int, bits=64, shift_step=32, sortable=True),  # ranking.rank_value
        display=STORED(),  # the public display name (natural persons masked)
        hash=STORED(),  # documents.content_hash, for search-verify
    )


def record_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        text=_bigram_field(),  # title, facts, content, legal basis, department, doc number
        sname=_bigram_field(),  # the subject's names and their cores
        sexact=KEYWORD(),  # the same, whole
        docno=ID(),
        codes=KEYWORD(),  # documents.record_codes: code/number queries are look-ups
        uscc=ID(),
        subject_id=ID(stored=True),
        kind=ID(),
        list_nature=ID(),
        department_id=ID(),
        region_id=ID(),
        subject_type=ID(),
        decided=NUMERIC(int, bits=32, shift_step=16, sortable=True),
        public_until=NUMERIC(int, bits=32, shift_step=16),
        rank=NUMERIC(int, bits=64, shift_step=32, sortable=True),  # ranking.rank_value
        snippet=STORED(),  # the text a highlight is cut from
        hash=STORED(),  # documents.content_hash, for search-verify
    )
