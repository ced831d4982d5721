"""Subjects and records of the served demo city that a walk needs, read from its database.

`nth` lets each viewport's walk take its own row, since some walks change what they touch
(an objection puts its record under review)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Record, Subject
from webapp.rules.kinds import RecordKind, Visibility
from webapp.services import petitions
from webapp.services.clock import today as china_today
from webapp.services.visibility import public_records_query, subject_status

ACTIVE = ("存续", "在业")
CLOSED = ("吊销", "注销", "迁出")


def _businesses(states: tuple[str, ...]) -> list[Subject]:
    return list(db.session.scalars(
        select(Subject).where(Subject.uscc.is_not(None), Subject.subject_type != "自然人",
                              Subject.registration_status.in_(states)).order_by(Subject.id)))


def business(colour: str, nth: int = 0, *, honoured: bool | None = None) -> dict[str, Any]:
    """The nth active business whose status has this colour (and honour mark, if given)."""
    found = []
    for subject in _businesses(ACTIVE):
        status = subject_status(db.session, subject.id)
        if status.colour == colour and (honoured is None or status.honoured == honoured):
            found.append({"id": subject.id, "name": subject.name, "uscc": subject.uscc})
            if len(found) > nth:
                return found[nth]
    raise LookupError(f"no {colour} business #{nth} in the demo data")


def honoured_yellow_business() -> dict[str, Any]:
    """A yellow shop on a 红名单: found in the demo city, or made (other walks may have
    changed the demo city's only one by the time this is asked)."""
    try:
        return business("yellow", 0, honoured=True)
    except LookupError:
        pass
    from webapp.models import Department
    from webapp.rules import uscc as uscc_rules
    from webapp.rules.kinds import ListNature

    department = db.session.scalars(select(Department)).first()
    subject = Subject(name="黑河市红榜警示双重商贸有限公司", subject_type="企业法人",
                      registration_status=ACTIVE[0],
                      uscc=uscc_rules.make("91", "231102", 87000001))
    for n, (nature, list_type) in enumerate(((ListNature.RED, "A级纳税人"),
                                             (ListNature.WATCH, "重点关注名单"))):
        db.session.add(Record(
            subject=subject, department=department, kind=RecordKind.LIST.value,
            identity_key=f"walk-honoured-yellow|{n}", list_nature=nature.value,
            decided_on=china_today(), list_type=list_type))
    db.session.commit()
    return business("yellow", 0, honoured=True)


def closed_business(nth: int = 0) -> dict[str, Any]:
    """A business whose licence is revoked, or that is deregistered or moved away."""
    subject = _businesses(CLOSED)[nth]
    return {"id": subject.id, "name": subject.name, "uscc": subject.uscc,
            "state": subject.registration_status}


def _public(kind: RecordKind) -> list[Record]:
    return list(db.session.scalars(
        public_records_query().join(Subject).where(
            Record.kind == kind.value, Record.visibility == Visibility.PUBLIC.value,
            Subject.subject_type != "自然人").order_by(Record.id)))


def objection_record(nth: int = 0) -> int:
    records = [r for r in _public(RecordKind.PENALTY)
               if petitions.objection_allowed(db.session, r).eligible]
    return records[nth].id


def repair_record(nth: int = 0) -> int:
    today: date = china_today()
    records = [r for r in _public(RecordKind.PENALTY)
               if petitions.repair_eligibility(r, today).eligible]
    return records[-1 - nth].id  # from the other end than objections take theirs
