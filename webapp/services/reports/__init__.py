"""Credit reports: gather the public data at issue time, render the PDF, record the issue."""

from webapp.services.reports.issuing import IssuedReport, issue_report
from webapp.services.reports.verifying import Verification, verify

__all__ = ["IssuedReport", "Verification", "issue_report", "verify"]
