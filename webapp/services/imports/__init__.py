"""Import of departments' files (DATA-STANDARD.md): CSV/XLSX → subjects and records.

    result = import_file(session, "penalty", "处罚.csv", data, department_id=None, actor="cli")
    result.exit_code  # 0 all imported, 1 some rows rejected, 2 file unusable
    result.errors     # [RowError(row, column, reason)], also saved on the ImportBatch

The service flushes, never commits. Identities (Record.identity_key), so that re-importing a
file changes nothing and a changed row updates its record:

- license:    license|行政许可决定文书号|许可机关
- penalty:    penalty|行政处罚决定书文号|处罚机关
- list:       list|名单类型|USCC (or a person's ID number)|列入日期 (ISO)
- commitment: commitment|承诺类型|承诺事项|USCC or ID number|承诺日期|承诺受理单位
- evaluation: evaluation|评价类别|USCC|评价年度 (or 评价日期 when no year)|评价单位
  (a re-rating for the same year by the same body replaces the grade)

Subjects: organisations by USCC, natural persons by name + ID number. An entities file
updates subjects (a new name keeps the old one as a former name); record files only create
subjects they do not know and never overwrite them.

Every import is planned first (new / updated with a diff / unchanged / rejected / conflict);
conflicts — an existing record that would change subject, department or kind — are rejected
unless overridden. Web uploads are previewed (`preview_upload`) and then confirmed
(`confirm_upload`) or discarded (by the officer, or by `discard_stale_previews` once
stale); an applied batch can be rolled back (`rollback_batch`).
"""

from webapp.services.imports.reader import UnusableFile
from webapp.services.imports.rollback import RollbackRefused, RollbackResult, rollback_batch
from webapp.services.imports.rows import RowError
from webapp.services.imports.service import (
    ImportResult,
    PlanChanged,
    UploadGone,
    confirm_upload,
    discard_stale_previews,
    discard_upload,
    import_file,
    import_rows,
    import_table,
    preview_upload,
)
from webapp.services.imports.specs import KINDS, SPECS

__all__ = [
    "KINDS", "SPECS", "ImportResult", "PlanChanged", "RollbackRefused", "RollbackResult",
    "RowError", "UnusableFile", "UploadGone", "confirm_upload", "discard_stale_previews",
    "discard_upload", "import_file",
    "import_rows", "import_table", "preview_upload", "rollback_batch",
]
