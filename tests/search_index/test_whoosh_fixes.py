"""whoosh's AndNot, as patched in search_index.whoosh_backend.fixes: "A but not B" never
returns a document B has, wherever B's postings start."""

from __future__ import annotations

from pathlib import Path

from whoosh import query as q
from whoosh.fields import ID, Schema
from whoosh.index import create_in

import search_index.whoosh_backend  # noqa: F401  (applies the fixes)


def test_and_not_excludes_the_first_document_when_the_negative_side_starts_earlier(
        tmp_path: Path):
    ix = create_in(str(tmp_path), Schema(id=ID(stored=True), a=ID(), b=ID()))
    writer = ix.writer()
    for n in range(10):
        # B on documents 3..9, A on 5 and 8 only: B's postings start before A's.
        writer.add_document(id=str(n), a="x" if n in (5, 8) else None,
                            b="y" if n >= 3 else None)
    writer.add_document(id="10", a="x")
    writer.commit()
    with ix.searcher() as searcher:
        found = {searcher.stored_fields(d)["id"]
                 for d in searcher.docs_for_query(q.AndNot(q.Term("a", "x"), q.Term("b", "y")))}
        assert found == {"10"}
        assert len(searcher.search(q.AndNot(q.Term("a", "x"), q.Term("b", "y")))) == 1
