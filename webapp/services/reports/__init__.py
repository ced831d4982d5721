"""Credit reports: gather the public data at issue time, render the PDF, record the issue."""

from webapp.services.reports.issuing import IssuedReport, issue_report
from webapp.services.reports.verifying import (
    UnreadableReport,
    Verification,
    read_pdf,
    verify,
)

__all__ = ["IssuedReport", "UnreadableReport", "Verification", "issue_report", "read_pdf",
           "verify"]
