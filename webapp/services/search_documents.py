"""Search documents read from the database: what the indexer gives a backend for changed
subjects and records, what a full rebuild streams, what search-verify expects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from search_index.backend import Changes, Fingerprints
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc, content_hash
from webapp.models import Department, Record, Subject
from webapp.rules.kinds import NATURAL_PERSON
from webapp.rules.publicity import is_public
from webapp.services.visibility import (
    public_name,
    public_record_clause,
    public_records_of,
    public_records_query,
)

CHUNK = 500


def _record_words(records: Iterable[Record]) -> tuple[str, ...]:
    """What a subject's public records say, for terms across name and records."""
    return tuple(t for r in records for t in (r.title, r.facts, r.content) if t)


def subject_doc(session: Session, subject: Subject, today: date,
                records: Sequence[Record] | None = None) -> SubjectDoc | None:
    """Searchable by full name, former names, code, pinyin, and its public records' text;
    shown (highlighted) by the public display name. A natural person is searchable only by
    the exact ID number, or by the exact name when a list type they are on requires the
    name (NAME_DISCLOSED_LIST_TYPES), and not at all without a public record (None)."""
    public = public_records_of(session, subject.id, today) if records is None else records
    if subject.is_natural_person:
        if not public:
            return None
        display = public_name(subject, public)
        return SubjectDoc(
            id=subject.id, name=subject.name, display_name=display,
            subject_type=subject.subject_type, region_id=subject.region_id, is_person=True,
            name_public=display == subject.name, id_number=subject.id_number,
        )
    return SubjectDoc(
        id=subject.id, name=subject.name, display_name=subject.name, uscc=subject.uscc,
        former_names=tuple(subject.former_names or ()), subject_type=subject.subject_type,
        region_id=subject.region_id, founded_on=subject.founded_on,
        record_text=_record_words(public),
    )


def record_doc(record: Record) -> RecordDoc:
    subject = record.subject
    return RecordDoc(
        id=record.id, subject_id=record.subject_id, kind=record.kind,
        decided_on=record.decided_on, public_until=record.public_until,
        doc_number=record.doc_number, title=record.title, facts=record.facts,
        content=record.content, legal_basis=record.legal_basis,
        department_name=record.department.name if record.department else None,
        department_id=record.department_id, list_nature=record.list_nature,
        subject_uscc=subject.uscc, subject_type=subject.subject_type,
        region_id=subject.region_id,
        subject_names=(subject.name, *(subject.former_names or ())),
        subject_is_person=subject.is_natural_person,
    )


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def collect(session: Session, subject_ids: set[int], record_ids: set[int], today: date
            ) -> Changes:
    """Re-read the given subjects and records: documents for what is public, deletions for
    what is gone or hidden. A subject's records are re-read with it (they carry its
    names), and a subject with its records (it carries their text)."""
    record_ids = set(record_ids)
    for chunk in _chunks(subject_ids):
        record_ids.update(session.scalars(select(Record.id).where(Record.subject_id.in_(chunk))))
    changes = Changes(delete_subjects=set(subject_ids), delete_records=set(record_ids))
    with session.no_autoflush:
        for chunk in _chunks(subject_ids):
            for subject in session.scalars(select(Subject).where(Subject.id.in_(chunk))):
                doc = subject_doc(session, subject, today)
                if doc is not None:
                    changes.subjects.append(doc)
                    changes.delete_subjects.discard(subject.id)
        for chunk in _chunks(record_ids):
            query = (select(Record).where(Record.id.in_(chunk))
                     .options(joinedload(Record.subject), joinedload(Record.department)))
            for record in session.scalars(query):
                if is_public(record.visibility, record.public_until, today):
                    changes.records.append(record_doc(record))
                    changes.delete_records.discard(record.id)
    return changes


def all_subjects(session: Session, today: date) -> Iterator[SubjectDoc]:
    """Every searchable subject, most recently founded first (the ranking's tie order, so
    that broad queries answered in index order come in it too)."""
    query = (select(Subject).order_by(Subject.founded_on.desc().nulls_last(), Subject.id.desc())
             .execution_options(yield_per=CHUNK))
    batch: list[Subject] = []
    for subject in session.scalars(query):
        batch.append(subject)
        if len(batch) >= CHUNK:
            yield from _subject_docs(session, batch, today)
            batch = []
    yield from _subject_docs(session, batch, today)


def _subject_docs(session: Session, subjects: list[Subject], today: date
                  ) -> Iterator[SubjectDoc]:
    """Documents of a batch of subjects, their public records read in one query."""
    if not subjects:
        return
    found: dict[int, list[Record]] = defaultdict(list)
    query = (public_records_query(None, today)
             .where(Record.subject_id.in_([s.id for s in subjects]))
             .order_by(Record.decided_on.desc(), Record.id.desc()))
    for record in session.scalars(query):
        found[record.subject_id].append(record)
    for subject in subjects:
        doc = subject_doc(session, subject, today, found.get(subject.id, []))
        if doc is not None:
            yield doc


def all_records(session: Session, today: date) -> Iterator[RecordDoc]:
    """Every public record, as plain rows, not ORM objects (a million records load several
    times faster); newest first: broad queries are answered in index order."""
    query = (select(Record.id, Record.subject_id, Record.kind, Record.decided_on,
                    Record.public_until, Record.doc_number, Record.title, Record.facts,
                    Record.content, Record.legal_basis,
                    Department.name.label("department_name"), Record.department_id,
                    Record.list_nature, Subject.uscc.label("subject_uscc"),
                    Subject.subject_type, Subject.region_id,
                    Subject.name.label("subject_name"), Subject.former_names)
             .join(Subject, Record.subject_id == Subject.id)
             .outerjoin(Department, Record.department_id == Department.id)
             .where(public_record_clause(today))
             .order_by(Record.decided_on.desc(), Record.id.desc())
             .execution_options(yield_per=5000))
    for row in session.execute(query):
        fields = dict(row._mapping)
        name, former = fields.pop("subject_name"), fields.pop("former_names") or ()
        yield RecordDoc(**fields, subject_names=(name, *former),
                        subject_is_person=fields["subject_type"] == NATURAL_PERSON)


def expected_fingerprints(session: Session, today: date) -> Fingerprints:
    """What search should return according to the database, as ids and content hashes."""
    return {
        SUBJECT: {d.id: content_hash(d) for d in all_subjects(session, today)},
        RECORD: {d.id: content_hash(d) for d in all_records(session, today)},
    }
