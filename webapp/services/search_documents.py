"""Search documents read from the database: what the indexer gives a backend for changed
subjects and records, what a full rebuild streams, what search-verify expects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from search_index.backend import Changes, Fingerprints
from search_index.documents import RECORD, SUBJECT, RecordDoc, SubjectDoc, content_hash
from webapp.models import Department, Record, Subject
from webapp.rules.publicity import is_public
from webapp.services.visibility import public_name, public_record_clause, public_records_of

CHUNK = 500


def subject_doc(session: Session, subject: Subject, today: date) -> SubjectDoc:
    """Searchable by full name; shown (highlighted) by the public display name."""
    display = subject.name
    if subject.is_natural_person:
        display = public_name(subject, public_records_of(session, subject.id, today))
    return SubjectDoc(
        id=subject.id, name=subject.name, display_name=display, uscc=subject.uscc,
        former_names=tuple(subject.former_names or ()), subject_type=subject.subject_type,
        region_id=subject.region_id, founded_on=subject.founded_on,
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
    )


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def collect(session: Session, subject_ids: set[int], record_ids: set[int], today: date
            ) -> Changes:
    """Re-read the given subjects and records: documents for what is public, deletions for
    what is gone or hidden."""
    changes = Changes(delete_subjects=set(subject_ids), delete_records=set(record_ids))
    with session.no_autoflush:
        for chunk in _chunks(subject_ids):
            for subject in session.scalars(select(Subject).where(Subject.id.in_(chunk))):
                changes.subjects.append(subject_doc(session, subject, today))
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
    query = select(Subject).execution_options(yield_per=2000)
    for subject in session.scalars(query):
        yield subject_doc(session, subject, today)


def all_records(session: Session, today: date) -> Iterator[RecordDoc]:
    """Every public record, as plain rows, not ORM objects (a million records load several
    times faster); newest first: broad queries are answered in index order."""
    query = (select(Record.id, Record.subject_id, Record.kind, Record.decided_on,
                    Record.public_until, Record.doc_number, Record.title, Record.facts,
                    Record.content, Record.legal_basis,
                    Department.name.label("department_name"), Record.department_id,
                    Record.list_nature, Subject.uscc.label("subject_uscc"),
                    Subject.subject_type, Subject.region_id)
             .join(Subject, Record.subject_id == Subject.id)
             .outerjoin(Department, Record.department_id == Department.id)
             .where(public_record_clause(today))
             .order_by(Record.decided_on.desc(), Record.id.desc())
             .execution_options(yield_per=5000))
    for row in session.execute(query):
        yield RecordDoc(**row._mapping)


def expected_fingerprints(session: Session, today: date) -> Fingerprints:
    """What search should return according to the database, as ids and content hashes."""
    return {
        SUBJECT: {d.id: content_hash(d) for d in all_subjects(session, today)},
        RECORD: {d.id: content_hash(d) for d in all_records(session, today)},
    }
