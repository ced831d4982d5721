"""What a scan shows: the verdict on the code and the subject's live credit picture.

The status is never read from the code: it is computed from the records public right now,
so a subject black-listed yesterday shows red on its old code today, and a record repaired
or revoked a minute ago no longer counts.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Record, Subject
from webapp.models.codes import CodeState, CreditCode, DeclarationState, SelfDeclaration
from webapp.rules.kinds import ListNature, RecordKind
from webapp.rules.status import CreditStatus, credit_status
from webapp.services.clock import to_local
from webapp.services.codes.keys import KeyStore
from webapp.services.codes.tokens import Reason, Verification, verify_code
from webapp.services.visibility import public_records_of

log = logging.getLogger(__name__)


class Verdict(StrEnum):
    GENUINE = "genuine"  # signed by us, not withdrawn, subject found
    REVOKED = "revoked"  # signed by us but withdrawn (or its key retired)
    FORGED = "forged"  # not signed by us, altered, or not a code at all
    UNKNOWN_SUBJECT = "unknown_subject"  # signed by us, but no subject with that USCC now


VERDICT_LABELS = {
    Verdict.GENUINE: "真码：本网站签发",
    Verdict.REVOKED: "此码已作废",
    Verdict.FORGED: "假码或无效码",
    Verdict.UNKNOWN_SUBJECT: "真码，但未找到对应主体",
}


@dataclass(frozen=True)
class PublicityCounts:
    penalties: int = 0
    black: int = 0
    watch: int = 0
    abnormal: int = 0
    red: int = 0


@dataclass
class ScanResult:
    verification: Verification
    verdict: Verdict
    subject: Subject | None = None
    status: CreditStatus | None = None
    counts: PublicityCounts = field(default_factory=PublicityCounts)
    evaluations: list[Record] = field(default_factory=list)
    last_updated: datetime | None = None
    complaints: tuple[int, int] | None = None  # (received in 12 months, resolved); None = n/a
    declarations: list[SelfDeclaration] = field(default_factory=list)
    public_records: Sequence[Record] = ()

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def check_code(session: Session, token: object, store: KeyStore) -> Verification:
    """Signature first; then the database decides only whether the serial was withdrawn."""
    verification = verify_code(token, store)
    if not verification.valid or verification.claims is None:
        return verification
    state = session.scalar(
        select(CreditCode.state).where(CreditCode.serial == verification.claims.jti)
    )
    if state == CodeState.WITHDRAWN.value:
        return Verification(Reason.REVOKED, verification.kid, verification.claims)
    return verification


def scan_code(
    session: Session,
    token: object,
    store: KeyStore,
    *,
    today: date | None = None,
) -> ScanResult:
    """Everything the scan page and the verify API show for `token` (read-only: the caller
    counts the scan, see scancount.py). Usually two queries: on PostgreSQL each round trip
    and plan costs about a millisecond, so the page asks for what it needs at once."""
    verification = verify_code(token, store)
    claims = verification.claims
    if claims is None:  # nothing trustworthy about whom the token names
        verdict = Verdict.REVOKED if verification.reason is Reason.KEY_RETIRED else Verdict.FORGED
        return ScanResult(verification, verdict)
    # The subject, whether this serial was withdrawn, when the subject's data last changed
    # (hidden records included) and whether it has approved declarations: one query.
    code_state = select(CreditCode.state).where(CreditCode.serial == claims.jti)
    newest_record = (
        select(func.max(Record.updated_at)).where(Record.subject_id == Subject.id)
        .correlate(Subject).scalar_subquery()
    )
    declared = (
        select(func.count()).select_from(SelfDeclaration)
        .where(SelfDeclaration.subject_id == Subject.id,
               SelfDeclaration.state == DeclarationState.APPROVED.value)
        .correlate(Subject).scalar_subquery()
    )
    row = session.execute(
        select(Subject, code_state.scalar_subquery(), newest_record, declared)
        .where(Subject.uscc == claims.sub)
    ).first()
    state = row[1] if row is not None else session.scalar(code_state)
    if state == CodeState.WITHDRAWN.value:
        verification = Verification(Reason.REVOKED, verification.kid, claims)
    if row is None:
        verdict = Verdict.REVOKED if state == CodeState.WITHDRAWN.value else \
            Verdict.UNKNOWN_SUBJECT
        return ScanResult(verification, verdict)
    subject, _, newest, declarations = row
    if verification.reason is Reason.REVOKED:
        return ScanResult(verification, Verdict.REVOKED, subject=subject)
    return describe_subject(session, verification, subject, today, newest,
                            has_declarations=bool(declarations))


def describe_subject(
    session: Session,
    verification: Verification,
    subject: Subject,
    today: date | None = None,
    newest_record: datetime | None = None,
    *,
    has_declarations: bool = True,
) -> ScanResult:
    """The live credit picture of a subject (also used by the plain-lookup benchmark)."""
    records = public_records_of(session, subject.id, today)
    if newest_record is None:
        newest_record = session.scalar(
            select(func.max(Record.updated_at)).where(Record.subject_id == subject.id)
        )
    return ScanResult(
        verification,
        Verdict.GENUINE,
        subject=subject,
        status=credit_status(records, subject.registration_status),
        counts=publicity_counts(records),
        evaluations=[r for r in records if r.kind == RecordKind.EVALUATION],
        last_updated=_latest(newest_record, subject.updated_at),
        complaints=complaint_summary(session, subject.id),
        declarations=approved_declarations(session, subject.id) if has_declarations else [],
        public_records=records,
    )


def publicity_counts(records: Sequence[Record]) -> PublicityCounts:
    """How many public records of each weight the subject has (records already filtered)."""
    def on_list(nature: ListNature) -> int:
        return sum(1 for r in records if r.kind == RecordKind.LIST and r.list_nature == nature)

    return PublicityCounts(
        penalties=sum(1 for r in records if r.kind == RecordKind.PENALTY),
        black=on_list(ListNature.BLACK),
        watch=on_list(ListNature.WATCH),
        abnormal=on_list(ListNature.ABNORMAL),
        red=on_list(ListNature.RED),
    )


def _latest(*moments: datetime | None) -> datetime | None:
    """The latest of the given times (SQLite returns naive UTC, PostgreSQL aware)."""
    known = [m for m in moments if m is not None]
    return max(known, key=lambda m: to_local(m).timestamp()) if known else None


PETITIONS_SERVICE = "webapp.services.petitions"


def complaint_summary(session: Session, subject_id: int) -> tuple[int, int] | None:
    """社会评价 from the petitions feature once it exists; None until then (shown as 暂无).

    A failure there must not take the scan page down: it is logged, and the section says 暂无.
    """
    summary = _petitions_summary()
    if summary is None:
        return None
    try:
        with session.begin_nested():  # a failed query there must not poison this session
            received, resolved = summary(session, subject_id)
    except Exception:
        log.exception("complaint_summary failed for subject %s", subject_id)
        return None
    return int(received), int(resolved)


def _petitions_summary() -> Callable[[Session, int], tuple[int, int]] | None:
    module = sys.modules.get(PETITIONS_SERVICE)
    if module is None:
        if importlib.util.find_spec(PETITIONS_SERVICE) is None:
            return None
        module = importlib.import_module(PETITIONS_SERVICE)
    return getattr(module, "complaint_summary", None)


def approved_declarations(session: Session, subject_id: int) -> list[SelfDeclaration]:
    return list(session.scalars(
        select(SelfDeclaration)
        .where(SelfDeclaration.subject_id == subject_id,
               SelfDeclaration.state == DeclarationState.APPROVED.value)
        .order_by(SelfDeclaration.decided_at.desc())
        .limit(20)
    ))
