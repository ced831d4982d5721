"""All models, imported here so Alembic and create_all() see every table."""

from webapp.models.audit import AuditLog  # noqa: F401
from webapp.models.captcha import CaptchaChallenge  # noqa: F401
from webapp.models.catalog import Department, Region
from webapp.models.codes import CreditCode, ScanCount, SelfDeclaration  # noqa: F401
from webapp.models.imports import ImportBatch, ImportChange, ImportStagedFile  # noqa: F401
from webapp.models.kiosk import Kiosk  # noqa: F401
from webapp.models.petitions import Attachment, Case, CaseEvent  # noqa: F401
from webapp.models.querylog import QueryLog
from webapp.models.record import Record
from webapp.models.reports import ReportIssue  # noqa: F401
from webapp.models.search import SearchChange
from webapp.models.staff import Role, StaffUser
from webapp.models.subject import Subject

__all__ = [
    "Department", "ImportBatch", "QueryLog", "Record", "Region", "Role", "SearchChange",
    "StaffUser", "Subject",
]
