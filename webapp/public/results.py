"""Search results as the public sees them, for the results page and the JSON API.

The search engine (webapp.services.search) returns ids, scores and highlights; here they are
joined with the database, re-checked against today's visibility (a stale index never leaks a
hidden record), and natural persons are masked (their highlight is rebuilt from the masked
name, since the index's highlight holds the name in clear).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from search_index import highlight, query_plan
from webapp.models import Record, Subject
from webapp.services import profiles
from webapp.services.clock import today as china_today
from webapp.services.visibility import public_name

SNIPPET_CHARS = 120


class SearchUnavailable(RuntimeError):
    """The search service is not installed or its index cannot be read."""


def search_module() -> Any:
    try:
        from webapp.services import search
    except ImportError as error:
        raise SearchUnavailable("搜索服务暂不可用") from error
    return search


FILTER_FIELDS = ("kind", "list_nature", "department_id", "region_id", "subject_type",
                 "date_from", "date_to")


def make_filters(**given: Any) -> Any:
    """A SearchFilters with every field named (None = no filter)."""
    return search_module().SearchFilters(**{f: given.get(f) for f in FILTER_FIELDS})


@dataclass(frozen=True)
class SubjectHit:
    subject: Subject
    display_name: str
    highlight: Markup
    status: Any  # CreditStatus


@dataclass(frozen=True)
class RecordHit:
    record: Record
    subject_name: str
    label: str
    title: str
    highlight: Markup
    under_objection: bool
    title_highlight: Markup  # the title with the query's terms marked


@dataclass(frozen=True)
class Results:
    total: int
    page: int
    per_page: int
    hits: list[Any]
    exact: bool = True  # False: the total is an estimate (shown as 约 …)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _results(found: Any, hits: list[Any]) -> Results:
    """The total as the hits shown bear it out: the index may still hold a record the
    database no longer shows (a change not yet replayed), which is dropped from the page
    and from the count; a page that is not full is the last one, so its count is exact."""
    dropped = len(found.hits) - len(hits)
    before = (found.page - 1) * found.per_page
    exact = getattr(found, "exact", True)
    if len(found.hits) < found.per_page:
        total, exact = before + len(hits), True
    else:
        total = max(found.total - dropped, before + len(hits))
    return Results(total, found.page, found.per_page, hits, exact)


def _snippet(text: str, query: str) -> str:
    """A window of `text` around the first match of `query`."""
    at = text.lower().find(query.lower()) if query else -1
    start = max(0, at - SNIPPET_CHARS // 3) if at >= 0 else 0
    window = text[start:start + SNIPPET_CHARS]
    return ("…" if start else "") + window + ("…" if start + SNIPPET_CHARS < len(text) else "")


def _engine_highlight(value: Any) -> Markup | None:
    """The search engine's highlight (already escaped Markup by contract), if any."""
    return value if isinstance(value, Markup) and value else None


def subject_results(
    session: Session, query: str, filters: Any, page: int, per_page: int, sort: str,
    today: date | None = None,
) -> Results:
    found = search_module().search_subjects(query, filters, page=page, per_page=per_page,
                                            sort=sort)
    summaries = profiles.summaries(session, [h.id for h in found.hits], today)
    hits = []
    for hit in found.hits:
        summary = summaries.get(hit.id)
        if summary is None:  # deleted since indexing
            continue
        subject = summary.subject
        if subject.is_natural_person:
            mark = profiles.highlight(summary.display_name, query)
        else:
            mark = _engine_highlight(hit.highlight) or escape(subject.name)
        hits.append(SubjectHit(subject, summary.display_name, mark, summary.status))
    return _results(found, hits)


def record_results(
    session: Session, query: str, filters: Any, page: int, per_page: int, sort: str,
    today: date | None = None,
) -> Results:
    day = today or china_today()
    found = search_module().search_records(query, filters, page=page, per_page=per_page,
                                           sort=sort)
    needles = query_plan.plan(query).needles
    records = profiles.public_records_by_id(session, [h.id for h in found.hits], day)
    names = profiles.summaries_of(session, [r.subject for r in records.values()], day)
    hits = []
    for hit in found.hits:
        record = records.get(hit.id)
        if record is None:  # not public (any more): never shown
            continue
        subject = record.subject
        summary = names.get(subject.id)
        shown = summary.display_name if summary else public_name(subject, [])
        disclosed = subject.is_natural_person and shown == subject.name
        item = profiles.public_record(record, subject, disclosed)
        mark = _engine_highlight(hit.highlight)
        # The index holds text in clear: use its highlight only when masking changes nothing.
        if mark is None or profiles.redact_text(mark.striptags(), subject, disclosed) != \
                mark.striptags():
            text = item.facts or item.content or item.title or ""
            mark = highlight.snippet(text, needles) or escape(_snippet(text, query))
        label = profiles.record_label(record)
        # The result's link text: a commitment or evaluation may have neither title nor number.
        title = (item.title or record.list_type or record.doc_number
                 or f"{label}（{record.decided_on:%Y-%m-%d}）")
        hits.append(RecordHit(record, shown, label, title, mark,
                              item.under_objection, highlight.mark(title, needles)))
    return _results(found, hits)


def natural_persons(results: Results) -> list[Subject]:
    """Natural persons whose data the results show (for the query-use log)."""
    people: dict[int, Subject] = {}
    for hit in results.hits:
        subject = hit.subject if isinstance(hit, SubjectHit) else hit.record.subject
        if subject.is_natural_person:
            people[subject.id] = subject
    return list(people.values())


def suggestions(session: Session, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
    """Typeahead names. Natural persons are left out: a typeahead is not the place to
    reveal that a person is on record, and every look-up of one must be logged."""
    raw = search_module().suggest(prefix, limit=limit * 2)
    ids = [int(s["id"]) for s in raw if isinstance(s, dict) and s.get("id") is not None]
    kinds = {
        s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))
    } if ids else {}
    out = []
    for item in raw:
        subject = kinds.get(int(item["id"])) if item.get("id") is not None else None
        if subject is None or subject.is_natural_person:
            continue
        out.append({"id": subject.id, "name": subject.name, "uscc": subject.uscc,
                    "url": f"/subjects/{subject.id}"})
        if len(out) >= limit:
            break
    return out
