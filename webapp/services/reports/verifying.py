"""Check a report someone received: genuine or unknown, the file unaltered, the data changed."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models.reports import ReportIssue
from webapp.services.reports.gather import current_fingerprint
from webapp.services.reports.numbers import normalise


@dataclass(frozen=True)
class Verification:
    number: str
    issue: ReportIssue | None  # None: no such report was issued here
    file_matches: bool | None = None  # None: no file uploaded
    changed_since: bool | None = None

    @property
    def genuine(self) -> bool:
        return self.issue is not None


def verify(session: Session, raw_number: str, pdf: bytes | None = None) -> Verification:
    number = normalise(raw_number)
    if number is None:
        return Verification(raw_number.strip(), None)
    issue = session.scalars(select(ReportIssue).where(ReportIssue.number == number)).first()
    if issue is None:
        return Verification(number, None)
    matches = None
    if pdf is not None:
        matches = hmac.compare_digest(hashlib.sha256(pdf).hexdigest(), issue.sha256)
    changed = current_fingerprint(session, issue.subject_id) != issue.records_fingerprint
    return Verification(number, issue, matches, changed)
