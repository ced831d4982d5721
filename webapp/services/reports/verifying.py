"""Check a report someone received: genuine or unknown, the file unaltered, its signature,
the data changed since. A file alone is enough: its number is read from the file itself."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models.reports import ReportIssue
from webapp.services.reports.gather import current_fingerprint
from webapp.services.reports.numbers import PREFIX, normalise
from webapp.services.reports.signing import certificate_path

log = logging.getLogger(__name__)
_NUMBER_IN_TITLE = re.compile(PREFIX + r"[0-9A-Z]{17}")


class UnreadableReport(ValueError):
    """The uploaded file is not a PDF, or carries no report number; shown to the user."""


@dataclass(frozen=True)
class Verification:
    number: str
    issue: ReportIssue | None  # None: no such report was issued here
    file_matches: bool | None = None  # None: no file uploaded
    changed_since: bool | None = None
    # None: no file; "valid" the site's signature covers the whole file; "modified" signed
    # by the site but changed after signing; "invalid" a broken or foreign signature;
    # "missing" no signature at all.
    signature: str | None = None

    @property
    def genuine(self) -> bool:
        return self.issue is not None


@dataclass(frozen=True)
class PdfFacts:
    number: str | None
    signature: str


@cache
def _trust(cert_file: str) -> object:
    return load_cert_from_pemder(cert_file)


def read_pdf(pdf: bytes, instance_dir: str | Path) -> PdfFacts:
    """The report number printed in the file's metadata and the state of its signature."""
    if not pdf.startswith(b"%PDF-"):
        raise UnreadableReport("上传的文件不是 PDF 文件。")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        info = reader.trailer_view.get("/Info")
        title = str(info.get_object().get("/Title", "")) if info is not None else ""
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UnreadableReport("无法读取该 PDF 文件，文件可能已损坏。") from error
    found = _NUMBER_IN_TITLE.search(title)
    return PdfFacts(found.group(0) if found else None, _signature_state(signatures,
                                                                        instance_dir))


def _signature_state(signatures: list, instance_dir: str | Path) -> str:
    if not signatures:
        return "missing"
    cert = certificate_path(instance_dir)
    if not cert.exists():
        return "invalid"
    try:
        context = ValidationContext(trust_roots=[_trust(str(cert))], allow_fetching=False)
        status = validate_pdf_signature(signatures[0], context)
    except Exception as error:  # pyHanko raises many kinds for a mangled signature
        log.info("report signature not validated: %s", error)
        return "invalid"
    if not (status.intact and status.valid and status.trusted):
        return "invalid"
    return "valid" if status.coverage.name == "ENTIRE_FILE" else "modified"


def verify(session: Session, raw_number: str, pdf: bytes | None = None,
           signature: str | None = None) -> Verification:
    number = normalise(raw_number)
    if number is None:
        return Verification(raw_number.strip(), None, signature=signature)
    issue = session.scalars(select(ReportIssue).where(ReportIssue.number == number)).first()
    if issue is None:
        return Verification(number, None, signature=signature)
    matches = None
    if pdf is not None:
        matches = hmac.compare_digest(hashlib.sha256(pdf).hexdigest(), issue.sha256)
    changed = current_fingerprint(session, issue.subject_id) != issue.records_fingerprint
    return Verification(number, issue, matches, changed, signature)
