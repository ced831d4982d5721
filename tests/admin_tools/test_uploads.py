"""Data officer uploads through the web: the same importer as the CLI, row error reports,
unusable and oversize files, department scope, audit."""

from __future__ import annotations

import io
import os
import re
from typing import Any

from sqlalchemy import func, select
from tools_helpers import (
    MARKET,
    TAX,
    csrf_token,
    csv_bytes,
    page_text,
    penalty_row,
    uscc_for,
    xlsx_bytes,
)
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from webapp.models import ImportBatch, Record, Subject
from webapp.models.audit import AuditLog
from webapp.models.staff import Role


def upload(client: Any, data: bytes, filename: str, kind: str = "penalty",
           confirm: bool = True, **fields: Any) -> Any:
    """POST the upload form as a browser would (multipart), follow the redirect to the
    preview and (confirm=True) confirm it, as the officer does.

    The body is encoded in memory: werkzeug's test builder would spool a large body to a
    temporary file that nobody closes when the view refuses it unread.
    """
    form = {"kind": kind, "file": FileStorage(io.BytesIO(data), filename), **fields}
    boundary, body = encode_multipart(form)
    shown = client.post("/admin/uploads", data=body, follow_redirects=True,
                        content_type=f"multipart/form-data; boundary={boundary}")
    found = re.search(r'action="(/admin/uploads/\d+/confirm)"', shown.get_data(as_text=True))
    if not confirm or found is None:
        return shown
    token = {"csrf_token": fields["csrf_token"]} if "csrf_token" in fields else {}
    return client.post(found.group(1), data=token, follow_redirects=True)


def count(db_session: Any, model: Any) -> int:
    db_session.rollback()  # see only what the requests committed
    return db_session.scalar(select(func.count()).select_from(model))


def test_good_file_lands_in_search_and_profile_attributed_to_the_officer(
    staff_client: Any, client: Any, no_csrf: None, db_session: Any
) -> None:
    officer_client, officer = staff_client(Role.DATA_OFFICER, MARKET)
    form_page = officer_client.get("/admin/uploads")
    assert form_page.status_code == 200
    assert "数据上报" in page_text(form_page) and 'type="file"' in form_page.get_data(as_text=True)

    rows = [penalty_row(1), penalty_row(2)]
    result = upload(officer_client, csv_bytes(rows, encoding="gbk"), "处罚.csv")
    assert result.status_code == 200
    text = page_text(result)
    assert "行政处罚：共2行，新增2" in text  # the importer's own summary, flashed
    assert "所有行均已通过检查" in text and "黑河市市场监督管理局" in text

    batch = db_session.scalars(select(ImportBatch)).one()
    assert (batch.department_id, batch.actor) == (officer.department_id, officer.username)
    assert (batch.rows_created, batch.rows_rejected) == (2, 0)
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "import.upload")).one()
    assert entry.username == officer.username and entry.target == f"import_batch:{batch.id}"
    assert entry.after["created"] == 2 and entry.after["filename"] == "处罚.csv"

    # The public sees the new records at once: search (index updated after commit), profile.
    subject = db_session.scalar(select(Subject).where(Subject.uscc == uscc_for(7001)))
    found = client.get("/search?q=瑞丰1号").get_data(as_text=True)
    assert f'href="/subjects/{subject.id}"' in found and subject.uscc in found
    profile = page_text(client.get(f"/subjects/{subject.id}"))
    assert "黑市监罚〔2026〕701号" in profile and "销售不符合食品安全标准的食品" in profile

    # Uploading the same file again changes nothing (identities), and is its own batch.
    again = page_text(upload(officer_client, csv_bytes(rows), "处罚.csv"))
    assert "新增0，更新0，未变2" in again
    assert count(db_session, Record) == 2 and count(db_session, ImportBatch) == 2


def test_xlsx_upload(staff_client: Any, no_csrf: None, db_session: Any) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    text = page_text(upload(officer_client, xlsx_bytes([penalty_row(3)]), "处罚.xlsx"))
    assert "共1行，新增1" in text
    assert count(db_session, Record) == 1


def test_bad_rows_are_listed_and_good_rows_kept(
    staff_client: Any, no_csrf: None, db_session: Any
) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    rows = [penalty_row(1), penalty_row(2, 处罚决定日期="6/1/2026"),
            penalty_row(3, 统一社会信用代码="91231102000007003X"), penalty_row(4)]
    response = upload(officer_client, csv_bytes(rows), "处罚-有错.csv")
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "共4行，新增2" in text and "拒绝2" in text
    table = html.split('class="admin-table import-errors"', 1)[1].split("</table>", 1)[0]
    cells = " ".join(re.sub(r"<[^>]+>", " ", table).split())
    assert "行 列 名称 文书号 原因" in cells
    assert ("3 处罚决定日期 黑河市瑞丰2号商贸有限公司 黑市监罚〔2026〕702号 "
            "日期格式无法识别") in cells
    assert "4 统一社会信用代码" in cells
    assert count(db_session, Record) == 2  # rows 2 and 5 kept

    batch = db_session.scalars(select(ImportBatch)).one()
    report = officer_client.get(f"/admin/uploads/{batch.id}/errors.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    lines = report.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "行,列,名称,文书号,原因"
    assert lines[1].startswith(
        "3,处罚决定日期,黑河市瑞丰2号商贸有限公司,黑市监罚〔2026〕702号,日期格式无法识别")


def test_unusable_files_give_the_importer_message_and_store_nothing(
    staff_client: Any, no_csrf: None, db_session: Any
) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    junk = upload(officer_client, os.urandom(2048) + b"\x00\x01", "处罚.csv")
    assert junk.status_code == 200
    assert "文件无法导入：无法识别的文件：不是 CSV 文本或 XLSX 表格" in page_text(junk)

    broken_xlsx = upload(officer_client, b"PK\x03\x04" + os.urandom(500), "处罚.xlsx")
    assert "无法读取 XLSX 文件" in page_text(broken_xlsx)

    wrong_columns = csv_bytes([{"名称": "某公司", "金额": "1"}])
    text = page_text(upload(officer_client, wrong_columns, "随便.csv"))
    assert "缺少必填列" in text and "行政处罚决定书文号" in text

    empty = page_text(upload(officer_client, b"", "empty.csv"))
    assert "文件为空" in empty

    assert count(db_session, Record) == 0 and count(db_session, Subject) == 0
    # Each attempt is kept as a batch saying why nothing was imported.
    reasons = [b.errors[0]["reason"] for b in db_session.scalars(
        select(ImportBatch).order_by(ImportBatch.id))]
    assert len(reasons) == 4 and reasons[2].startswith("缺少必填列")
    listing = page_text(officer_client.get("/admin/uploads"))
    assert listing.count("无法导入") >= 4


def test_oversize_file_gets_413_with_a_message_and_nothing_stored(
    app: Any, staff_client: Any, no_csrf: None, db_session: Any
) -> None:
    app.config["IMPORT_MAX_UPLOAD_BYTES"] = 1024 * 1024
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    # Just over the limit: the body fits the form overhead allowance, the file check refuses.
    data = csv_bytes([penalty_row(1)]) + b"#" * (1024 * 1024)
    response = upload(officer_client, data, "处罚.csv")
    assert response.status_code == 413
    assert "文件超过 1 MB 的上限" in page_text(response)
    # Far over the limit: refused from the Content-Length, before the form is read.
    huge = upload(officer_client, b"x" * (3 * 1024 * 1024), "处罚.csv")
    assert huge.status_code == 413 and "文件超过 1 MB 的上限" in page_text(huge)
    assert count(db_session, ImportBatch) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "import.upload")) == 0


def test_missing_file_or_kind_is_a_form_error(
    staff_client: Any, no_csrf: None, db_session: Any
) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    response = officer_client.post("/admin/uploads", data={"kind": "penalty"},
                                   content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要上传的文件" in page_text(response)
    bad_kind = upload(officer_client, csv_bytes([penalty_row(1)]), "a.csv", kind="secret")
    assert bad_kind.status_code == 400 and "Not a valid choice" not in page_text(bad_kind)
    assert count(db_session, ImportBatch) == 0


def test_upload_without_csrf_token_is_refused(staff_client: Any, db_session: Any) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    response = upload(officer_client, csv_bytes([penalty_row(1)]), "处罚.csv")
    assert response.status_code == 400
    assert count(db_session, ImportBatch) == 0
    token = csrf_token(officer_client, "/admin/uploads")
    ok = upload(officer_client, csv_bytes([penalty_row(1)]), "处罚.csv", csrf_token=token)
    assert "新增1" in page_text(ok)


def test_roles_and_department_scope(
    app: Any, client: Any, staff_client: Any, no_csrf: None, db_session: Any
) -> None:
    assert client.get("/admin/uploads").status_code == 302  # anonymous → login
    assert "/admin/login" in client.get("/admin/uploads").headers["Location"]
    anonymous_post = upload(client, csv_bytes([penalty_row(1)]), "a.csv")
    assert "/admin/login" in anonymous_post.request.path

    reviewer_client, _ = staff_client(Role.REVIEWER, MARKET)
    assert reviewer_client.get("/admin/uploads").status_code == 403
    assert upload(reviewer_client, csv_bytes([penalty_row(1)]), "a.csv").status_code == 403

    market_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    upload(market_client, csv_bytes([penalty_row(1)]), "市场监管局.csv")
    tax_client, tax_officer = staff_client(Role.DATA_OFFICER, TAX)
    upload(tax_client, csv_bytes([penalty_row(2, 处罚机关=TAX, 数据来源单位=TAX)]), "税务局.csv")
    assert count(db_session, Record) == 2
    market_batch, tax_batch = db_session.scalars(select(ImportBatch).order_by(ImportBatch.id))
    assert tax_batch.department_id == tax_officer.department_id

    tax_list = page_text(tax_client.get("/admin/uploads"))
    assert "税务局.csv" in tax_list and "市场监管局.csv" not in tax_list
    assert tax_client.get(f"/admin/uploads/{market_batch.id}").status_code == 403
    assert tax_client.get(f"/admin/uploads/{market_batch.id}/errors.csv").status_code == 403
    assert tax_client.get(f"/admin/uploads/{tax_batch.id}").status_code == 200
    assert tax_client.get("/admin/uploads/9999").status_code == 404
    # A data officer cannot pick another department: the field is ignored.
    upload(tax_client, csv_bytes([penalty_row(3, 处罚机关=TAX, 数据来源单位=TAX)]), "b.csv",
           department=str(market_batch.department_id))
    newest = db_session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert newest.department_id == tax_officer.department_id
    # The batch page names the bodies its records belong to.
    own = page_text(tax_client.get(f"/admin/uploads/{newest.id}"))
    assert f"{TAX}：1 条" in own and "不是上传部门的记录" not in own
    # Another body's record in a data officer's file is rejected, with the reason.
    upload(tax_client, csv_bytes([penalty_row(5)]), "市场监管局的处罚.csv")  # 处罚机关: MARKET
    foreign = db_session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert foreign.department_id == tax_officer.department_id and foreign.rows_rejected == 1
    flagged = page_text(tax_client.get(f"/admin/uploads/{foreign.id}"))
    assert f"不是本部门的记录：处罚机关为“{MARKET}”" in flagged

    admin_client, _ = staff_client(Role.ADMIN)
    everything = page_text(admin_client.get("/admin/uploads"))
    assert "税务局.csv" in everything and "市场监管局.csv" in everything
    assert admin_client.get(f"/admin/uploads/{market_batch.id}").status_code == 200
    upload(admin_client, csv_bytes([penalty_row(4)]), "管理员代传.csv",
           department=str(market_batch.department_id))
    newest = db_session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert newest.department_id == market_batch.department_id


def test_nav_shows_uploads_to_officers_only(staff_client: Any) -> None:
    officer_client, _ = staff_client(Role.DATA_OFFICER, MARKET)
    officer_home = officer_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/uploads"' in officer_home and 'href="/admin/audit"' not in officer_home
    reviewer_client, _ = staff_client(Role.REVIEWER, MARKET)
    assert 'href="/admin/uploads"' not in reviewer_client.get("/admin/").get_data(as_text=True)
