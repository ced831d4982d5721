"""What the public may see today, as SQL: the one place every surface takes it from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from webapp.models import Record, Subject
from webapp.rules import masking
from webapp.rules.kinds import SHOWN_VISIBILITIES, ListNature, RecordKind
from webapp.rules.status import CreditStatus, credit_status
from webapp.services.clock import today as china_today


def public_record_clause(today: date | None = None) -> ColumnElement[bool]:
    """Shown state and not past its last public day (SQL twin of rules.publicity.is_public)."""
    day = today or china_today()
    return and_(
        Record.visibility.in_([v.value for v in SHOWN_VISIBILITIES]),
        or_(Record.public_until.is_(None), Record.public_until >= day),
    )


def public_records_query(subject_id: int | None = None, today: date | None = None) -> Select:
    query = select(Record).where(public_record_clause(today))
    if subject_id is not None:
        query = query.where(Record.subject_id == subject_id)
    return query


def public_records_of(
    session: Session, subject_id: int, today: date | None = None
) -> Sequence[Record]:
    """Every record of a subject the public may see today, newest first."""
    query = (
        public_records_query(subject_id, today)
        .options(joinedload(Record.department))
        .order_by(Record.decided_on.desc(), Record.id.desc())
    )
    return session.scalars(query).all()


def status_of(records: Sequence[Record], subject: Subject) -> CreditStatus:
    """Credit status from records already filtered to what is public."""
    return credit_status(records, subject.registration_status)


def subject_status(session: Session, subject_id: int, today: date | None = None) -> CreditStatus:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise LookupError(f"no subject {subject_id}")
    return status_of(public_records_of(session, subject_id, today), subject)


class ListFacts(Protocol):
    """What public_name reads of a public record (a Record, or a row of its columns)."""

    kind: str
    list_nature: str | None
    list_type: str | None


def public_name(subject: Subject, public_records: Sequence[ListFacts]) -> str:
    """The subject's name as the public may see it (natural persons masked unless a list
    type they are on requires disclosure)."""
    list_types = [
        r.list_type or "" for r in public_records
        if r.kind == RecordKind.LIST and r.list_nature == ListNature.BLACK
    ]
    return masking.display_name(
        subject.name,
        subject.is_natural_person,
        list_types,
        current_app.config["NAME_DISCLOSED_LIST_TYPES"],
    )
