"""Figures the public pages show: home counts, the red/black honour board, 双公示 timeliness."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from webapp.models import Department, ImportBatch, Record, Subject
from webapp.rules.kinds import NATURAL_PERSON, ListNature, RecordKind
from webapp.rules.workdays import WorkCalendar
from webapp.services.clock import CHINA_TZ, to_local
from webapp.services.clock import today as china_today
from webapp.services.visibility import public_record_clause
from webapp.services.workdays import calendar

# ---------------------------------------------------------------- home counts


@dataclass(frozen=True)
class HomeCounts:
    subjects: int
    records: int
    by_kind: dict[str, int]
    red: int
    black: int


#: Home counts are cached per app for this long: a full count over millions of records is
#: too slow for every home page view, and nobody needs them to the second.
HOME_COUNTS_TTL_SECONDS = 60
_home_cache: WeakKeyDictionary[Flask, tuple[float, date, HomeCounts]] = WeakKeyDictionary()


def home_counts(session: Session, today: date | None = None) -> HomeCounts:
    """Subjects and the records public today, by kind and for red and black lists (cached)."""
    day = today or china_today()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = _home_cache.get(app)
    if cached and cached[1] == day and cached[0] > time.monotonic():
        return cached[2]
    counts = _count_home(session, day)
    _home_cache[app] = (time.monotonic() + HOME_COUNTS_TTL_SECONDS, day, counts)
    return counts


def _count_home(session: Session, day: date) -> HomeCounts:
    # One pass over the table (FILTER clauses), not a GROUP BY that sorts every row.
    kinds = list(RecordKind)
    columns = [func.count().filter(Record.kind == kind.value) for kind in kinds]
    columns += [func.count().filter(Record.list_nature == n.value)
                for n in (ListNature.RED, ListNature.BLACK)]
    row = session.execute(select(*columns).where(public_record_clause(day))).one()
    by_kind = {kind.value: row[i] or 0 for i, kind in enumerate(kinds)}
    return HomeCounts(
        subjects=session.scalar(select(func.count()).select_from(Subject)) or 0,
        records=sum(by_kind.values()),
        by_kind=by_kind,
        red=row[len(kinds)] or 0,
        black=row[len(kinds) + 1] or 0,
    )


def latest_list_entries(
    session: Session, nature: ListNature, limit: int = 8, today: date | None = None
) -> list[Record]:
    """The newest public entries of red or black lists, of organisations only: the home page
    is the most viewed page (and the service hall's screens), no place for natural persons,
    whose entries stay on the honour board and their profiles (with a query-use log)."""
    query = (
        select(Record)
        .join(Record.subject)
        .where(
            public_record_clause(today or china_today()),
            Record.kind == RecordKind.LIST.value,
            Record.list_nature == nature.value,
            Subject.subject_type != NATURAL_PERSON,
        )
        .options(joinedload(Record.subject), joinedload(Record.department))
        .order_by(Record.decided_on.desc(), Record.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


# ---------------------------------------------------------------- quarters

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        match = _QUARTER.match((text or "").strip())
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        nxt = self.next()
        return date.fromordinal(nxt.first_day.toordinal() - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"


# ---------------------------------------------------------------- honour board

HONOUR_NATURES = (ListNature.RED, ListNature.BLACK)


@dataclass(frozen=True)
class HonourBoard:
    quarter: Quarter
    nature: ListNature
    list_types: list[tuple[str, int]]  # (list type, entries), most entries first
    list_type: str | None  # the selected type, None = all
    entries: list[Record]
    total: int  # entries of the selected type (or all types)
    page: int
    per_page: int


def honour_board(
    session: Session,
    quarter: Quarter,
    nature: ListNature,
    list_type: str | None = None,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
) -> HonourBoard:
    """Entries listed in the quarter that are still public today, by list type."""
    base = (
        public_record_clause(today or china_today()),
        Record.kind == RecordKind.LIST.value,
        Record.list_nature == nature.value,
        Record.decided_on >= quarter.first_day,
        Record.decided_on <= quarter.last_day,
    )
    type_rows = session.execute(
        select(Record.list_type, func.count()).where(*base).group_by(Record.list_type)
    ).all()
    list_types = sorted(((t or "其他", n) for t, n in type_rows), key=lambda r: (-r[1], r[0]))
    conditions = [*base]
    if list_type:
        conditions.append(Record.list_type == list_type)
    total = session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0
    entries = list(
        session.scalars(
            select(Record)
            .where(*conditions)
            .options(joinedload(Record.subject), joinedload(Record.department))
            .order_by(Record.decided_on.desc(), Record.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return HonourBoard(quarter, nature, list_types, list_type, entries, total, page, per_page)


# ---------------------------------------------------------------- 双公示 timeliness

TIMELINESS_KINDS = (RecordKind.LICENSE, RecordKind.PENALTY)


@dataclass
class Tally:
    total: int = 0
    in_time: int = 0

    @property
    def rate(self) -> float | None:
        return self.in_time / self.total if self.total else None

    def add(self, in_time: bool) -> None:
        self.total += 1
        self.in_time += in_time


@dataclass
class DepartmentTimeliness:
    department_id: int | None
    department: str
    license: Tally
    penalty: Tally

    @property
    def combined(self) -> Tally:
        return Tally(self.license.total + self.penalty.total,
                     self.license.in_time + self.penalty.in_time)


@dataclass(frozen=True)
class LateRecord:
    """A decision that reached the site after its deadline (shown without the subject)."""

    record_id: int
    kind: str
    department: str
    doc_number: str | None
    decided_on: date
    last_day: date
    published_on: date


@dataclass(frozen=True)
class Compliance:
    """合规率: rows of the period's licence and penalty files that met the data standard."""

    rows: int
    accepted: int

    @property
    def rate(self) -> float | None:
        return self.accepted / self.rows if self.rows else None


LATE_SHOWN = 100  # the latest ones; the counts above cover every record


@dataclass(frozen=True)
class Timeliness:
    date_from: date
    date_to: date
    working_days: int
    departments: list[DepartmentTimeliness]
    overall: DepartmentTimeliness
    late: list[LateRecord] = field(default_factory=list)
    compliance: Compliance = field(default_factory=lambda: Compliance(0, 0))


def publication_deadline(cal: WorkCalendar, decided_on: date, working_days: int) -> date:
    """The last day a decision may reach the site: N working days after the decision."""
    return cal.add_workdays(decided_on, working_days)


#: Timeliness figures are cached per app and period for this long: they cover whole quarters
#: or years, and reading every licence and penalty of a year is not for every page view.
TIMELINESS_TTL_SECONDS = 600
_timeliness_cache: WeakKeyDictionary[Flask, dict[tuple[Any, ...], tuple[float, Timeliness]]] = (
    WeakKeyDictionary()
)


def timeliness(session: Session, date_from: date, date_to: date) -> Timeliness:
    """Share of licences and penalties decided in [date_from, date_to] that reached the site
    within DOUBLE_PUBLICITY_WORKING_DAYS working days (China time), per department (cached).

    Every record counts whatever its visibility today: a penalty repaired later was still
    published (or late) when it was decided.
    """
    working_days = int(current_app.config["DOUBLE_PUBLICITY_WORKING_DAYS"])
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = (date_from, date_to, working_days)
    cached = _timeliness_cache.setdefault(app, {}).get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    report = _count_timeliness(session, date_from, date_to, working_days)
    _timeliness_cache[app][key] = (time.monotonic() + TIMELINESS_TTL_SECONDS, report)
    return report


def _count_timeliness(
    session: Session, date_from: date, date_to: date, working_days: int
) -> Timeliness:
    cal = calendar()
    deadlines: dict[date, date] = {}  # decision day -> last day in time (a few hundred at most)
    rows = session.execute(
        select(Record.id, Record.department_id, Record.kind, Record.decided_on,
               Record.published_at, Record.doc_number)
        .where(
            Record.kind.in_([k.value for k in TIMELINESS_KINDS]),
            Record.decided_on >= date_from,
            Record.decided_on <= date_to,
        )
        .execution_options(yield_per=10_000)
    )
    tallies: dict[int | None, dict[str, Tally]] = defaultdict(
        lambda: {k.value: Tally() for k in TIMELINESS_KINDS}
    )
    late: list[tuple[Any, ...]] = []
    for record_id, department_id, kind, decided_on, published_at, doc_number in rows:
        last_day = deadlines.get(decided_on)
        if last_day is None:
            last_day = deadlines[decided_on] = publication_deadline(cal, decided_on, working_days)
        published_on = to_local(published_at).date()
        tallies[department_id][kind].add(published_on <= last_day)
        if published_on > last_day:
            late.append((record_id, kind, department_id, doc_number, decided_on, last_day,
                         published_on))
    names = dict(
        session.execute(
            select(Department.id, Department.name).where(
                Department.id.in_([d for d in tallies if d is not None])
            )
        ).all()
    )
    departments = [
        DepartmentTimeliness(d, names.get(d, "未注明部门") if d else "未注明部门",
                             t[RecordKind.LICENSE.value], t[RecordKind.PENALTY.value])
        for d, t in tallies.items()
    ]
    departments.sort(key=lambda d: d.department)
    overall = DepartmentTimeliness(
        None, "全部部门",
        Tally(sum(d.license.total for d in departments),
              sum(d.license.in_time for d in departments)),
        Tally(sum(d.penalty.total for d in departments),
              sum(d.penalty.in_time for d in departments)),
    )
    late.sort(key=lambda r: (r[4], r[0]), reverse=True)
    shown = [LateRecord(r[0], r[1], names.get(r[2], "未注明部门") if r[2] else "未注明部门",
                        r[3], r[4], r[5], r[6]) for r in late[:LATE_SHOWN]]
    return Timeliness(date_from, date_to, working_days, departments, overall, shown,
                      _compliance(session, date_from, date_to))


def _compliance(session: Session, date_from: date, date_to: date) -> Compliance:
    """Rows of licence and penalty files handed in during the period, and how many met the
    data standard (the importer rejects the others with a reason)."""
    total, rejected = session.execute(
        select(func.coalesce(func.sum(ImportBatch.rows_total), 0),
               func.coalesce(func.sum(ImportBatch.rows_rejected), 0))
        .where(ImportBatch.kind.in_([k.value for k in TIMELINESS_KINDS]),
               ImportBatch.started_at >= _china_midnight(date_from),
               ImportBatch.started_at < _china_midnight(date_to + timedelta(days=1)))
    ).one()
    return Compliance(int(total), int(total) - int(rejected))


def _china_midnight(day: date) -> datetime:
    """The UTC moment a China day starts (SQLite keeps UTC without an offset)."""
    return datetime.combine(day, datetime.min.time(), CHINA_TZ).astimezone(UTC)


def timeliness_json(report: Timeliness) -> dict[str, Any]:
    def tally(t: Tally) -> dict[str, Any]:
        return {"total": t.total, "in_time": t.in_time, "rate": t.rate}

    def row(d: DepartmentTimeliness) -> dict[str, Any]:
        return {"department": d.department, "license": tally(d.license),
                "penalty": tally(d.penalty), "combined": tally(d.combined)}

    return {
        "date_from": report.date_from.isoformat(),
        "date_to": report.date_to.isoformat(),
        "working_days": report.working_days,
        "departments": [row(d) for d in report.departments],
        "overall": row(report.overall),
    }
