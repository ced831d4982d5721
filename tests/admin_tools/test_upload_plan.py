"""Uploads that cannot hurt published data: the clerk's file that reused 20 existing decision
numbers for other companies, previewed, refused as conflicts, overridden by an administrator
only, and every batch rolled back exactly."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import func, select
from tools_helpers import MARKET, TAX, csv_bytes, page_text, penalty_row, uscc_for
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from webapp.models import ImportBatch, Record, Subject
from webapp.models.audit import AuditLog
from webapp.models.imports import ImportStagedFile
from webapp.models.staff import Role
from webapp.services.imports.snapshots import snapshot

FIRST = [penalty_row(n) for n in range(1, 21)]
# Same 文书号 and 处罚机关, other companies: what moved 20 penalties in the clerk's upload.
MOVING = [penalty_row(n, 行政相对人名称=f"黑河市恒通{n}号物流有限公司",
                      统一社会信用代码=uscc_for(8000 + n)) for n in range(1, 21)]


def token_of(html: str, form_action: str) -> str:
    """The CSRF token of the form posting to `form_action` on the page."""
    form = html.split(f'action="{form_action}"', 1)[1].split("</form>", 1)[0]
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert match, f"a form for {form_action} with a CSRF token"
    return match.group(1)


def preview(client: Any, data: bytes, filename: str = "处罚.csv", **fields: Any) -> Any:
    page = client.get("/admin/uploads").get_data(as_text=True)
    form = {"kind": "penalty", "file": FileStorage(io.BytesIO(data), filename),
            "csrf_token": token_of(page, "/admin/uploads"), **fields}
    boundary, body = encode_multipart(form)
    return client.post("/admin/uploads", data=body, follow_redirects=True,
                       content_type=f"multipart/form-data; boundary={boundary}")


def newest_batch(db_session: Any) -> ImportBatch:
    db_session.rollback()
    return db_session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()


def post_form(client: Any, batch_id: int, action: str, **fields: Any) -> Any:
    url = f"/admin/uploads/{batch_id}/{action}"
    page = client.get(f"/admin/uploads/{batch_id}").get_data(as_text=True)
    return client.post(url, data={"csrf_token": token_of(page, url), **fields},
                       follow_redirects=True)


def records_state(db_session: Any) -> dict[str, dict[str, Any]]:
    db_session.rollback()
    return {r.identity_key: snapshot(r) for r in db_session.scalars(select(Record))}


def owner_of(db_session: Any, doc: str) -> str:
    db_session.rollback()
    record = db_session.scalars(select(Record).where(Record.doc_number == doc)).one()
    return db_session.get(Subject, record.subject_id).name


def test_preview_writes_nothing_until_confirmed(staff_client: Any, db_session: Any) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    shown = preview(officer, csv_bytes(FIRST))
    text = page_text(shown)
    assert "预览" in text and "将新增 20" in text and "确认导入" in text
    assert "黑市监罚〔2026〕701号" in text  # each new row is named
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0
    batch = newest_batch(db_session)
    assert batch.state == "preview"
    assert db_session.get(ImportStagedFile, batch.id) is not None

    # Another officer of the same department can see the batch but not confirm it.
    colleague, _ = staff_client(Role.DATA_OFFICER, MARKET)
    url = f"/admin/uploads/{batch.id}/confirm"
    page = officer.get(f"/admin/uploads/{batch.id}").get_data(as_text=True)
    assert f'action="{url}"' in page
    assert f'action="{url}"' not in colleague.get(f"/admin/uploads/{batch.id}").get_data(
        as_text=True)
    their_token = token_of(colleague.get("/admin/uploads").get_data(as_text=True),
                           "/admin/uploads")
    stolen = colleague.post(url, data={"csrf_token": their_token}, follow_redirects=True)
    assert "只能由上传该文件的人员确认" in page_text(stolen)
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0
    # Without the CSRF token the confirmation is refused.
    assert officer.post(url, data={}).status_code == 400

    done = post_form(officer, batch.id, "confirm")
    assert "行政处罚：共20行，新增20" in page_text(done)
    assert db_session.scalar(select(func.count()).select_from(Record)) == 20
    batch = newest_batch(db_session)
    assert batch.state == "applied" and db_session.get(ImportStagedFile, batch.id) is None
    # Confirming twice does nothing more.
    again = officer.post(url, data={"csrf_token": token_of(page, url)}, follow_redirects=True)
    assert "该预览已确认或已取消" in page_text(again)

    discard = preview(officer, csv_bytes([penalty_row(30)]), "改主意.csv")
    assert "将新增 1" in page_text(discard)
    gone = post_form(officer, newest_batch(db_session).id, "discard")
    assert "已取消" in page_text(gone)
    assert db_session.scalar(select(func.count()).select_from(Record)) == 20


def test_the_20_row_moving_upload_is_held_as_conflicts_and_changes_nothing(
    staff_client: Any, client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    preview(officer, csv_bytes(FIRST))
    post_form(officer, newest_batch(db_session).id, "confirm")
    before = records_state(db_session)

    shown = preview(officer, csv_bytes(MOVING), "第二批.csv")
    text = page_text(shown)
    assert "冲突 20" in text
    for n in range(1, 21):  # the preview names each conflict: number, old and new subject
        assert f"黑市监罚〔2026〕{700 + n}号" in text
        assert f"主体将由“黑河市瑞丰{n}号商贸有限公司（{uscc_for(7000 + n)}）”变为" \
               f"“黑河市恒通{n}号物流有限公司（{uscc_for(8000 + n)}）”" in text
    assert "强制导入" not in text  # a data officer is not offered the override

    batch = newest_batch(db_session)
    # Even a forged override field is ignored for a data officer.
    done = post_form(officer, batch.id, "confirm", override="y", override_reason="我确定")
    text = page_text(done)
    assert "拒绝20（其中冲突20）" in text
    assert records_state(db_session) == before  # nothing changed, not even updated_at
    assert owner_of(db_session, "黑市监罚〔2026〕701号") == "黑河市瑞丰1号商贸有限公司"
    assert db_session.scalar(select(func.count()).select_from(Subject)
                             .where(Subject.name.like("%恒通%"))) == 0
    batch = newest_batch(db_session)
    assert (batch.rows_rejected, batch.rows_conflicting, batch.override_reason) == (20, 20, None)
    report = officer.get(f"/admin/uploads/{batch.id}/errors.csv").get_data().decode("utf-8-sig")
    assert report.splitlines()[0] == "行,列,名称,文书号,原因"
    assert "黑河市恒通1号物流有限公司,黑市监罚〔2026〕701号,冲突，未导入" in report


def test_admin_override_is_explicit_audited_and_rolled_back_exactly(
    staff_client: Any, client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    preview(officer, csv_bytes(FIRST))
    first = newest_batch(db_session)
    post_form(officer, first.id, "confirm")
    before = records_state(db_session)
    subject = db_session.scalar(select(Subject).where(Subject.uscc == uscc_for(7001)))
    assert "黑市监罚〔2026〕701号" in page_text(client.get(f"/subjects/{subject.id}"))

    admin, _ = staff_client(Role.ADMIN)
    shown = preview(admin, csv_bytes(MOVING), "更正主体.csv")
    assert "强制导入冲突行" in page_text(shown)
    batch = newest_batch(db_session)
    # Ticking the override without a reason is refused; nothing is applied.
    no_reason = post_form(admin, batch.id, "confirm", override="y")
    assert "请填写强制导入的理由" in page_text(no_reason)
    assert records_state(db_session) == before
    applied = post_form(admin, batch.id, "confirm", override="y",
                        override_reason="处罚对象录入错误，经核实更正")
    assert "更新20" in page_text(applied)
    assert owner_of(db_session, "黑市监罚〔2026〕701号") == "黑河市恒通1号物流有限公司"
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "import.override")).one()
    assert entry.after["reason"] == "处罚对象录入错误，经核实更正"
    assert len(entry.after["conflicts"]) == 20
    assert "黑市监罚〔2026〕701号" not in page_text(client.get(f"/subjects/{subject.id}"))

    # Roll back: needs its confirmation, then every record is exactly as before.
    batch = newest_batch(db_session)
    unconfirmed = post_form(admin, batch.id, "rollback")
    assert "请勾选确认" in page_text(unconfirmed)
    assert owner_of(db_session, "黑市监罚〔2026〕701号") == "黑河市恒通1号物流有限公司"
    rolled = post_form(admin, batch.id, "rollback", confirm="y")
    assert "已回滚" in page_text(rolled)
    assert records_state(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Subject)
                             .where(Subject.name.like("%恒通%"))) == 0
    assert "黑市监罚〔2026〕701号" in page_text(client.get(f"/subjects/{subject.id}"))
    assert db_session.scalars(select(AuditLog).where(AuditLog.action == "import.rollback")
                              ).one().target == f"import_batch:{batch.id}"

    # The first batch, rolled back by its officer: the records and subjects it made are gone.
    post_form(officer, first.id, "rollback", confirm="y")
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0
    assert db_session.scalar(select(func.count()).select_from(Subject)) == 0
    assert client.get(f"/subjects/{subject.id}").status_code == 404
    # The search index followed the deletions (through the existing commit hooks).
    assert f'href="/subjects/{subject.id}"' not in client.get("/search?q=瑞丰1号").get_data(
        as_text=True)


def test_rollback_refuses_to_undo_later_changes(
    staff_client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    preview(officer, csv_bytes(FIRST[:2]))
    first = newest_batch(db_session)
    post_form(officer, first.id, "confirm")
    changed = [penalty_row(1, 处罚内容="罚款人民币1.2万元。"), penalty_row(2)]
    shown = page_text(preview(officer, csv_bytes(changed), "更正.csv"))
    assert "将更新 1" in shown and "罚款人民币0.8万元。" in shown and "罚款人民币1.2万元。" in shown
    second = newest_batch(db_session)
    post_form(officer, second.id, "confirm")
    refused = page_text(post_form(officer, first.id, "rollback", confirm="y"))
    assert "不能回滚" in refused and "黑市监罚〔2026〕701号 在本批次之后已被修改" in refused
    assert db_session.scalar(select(func.count()).select_from(Record)) == 2
    post_form(officer, second.id, "rollback", confirm="y")
    db_session.rollback()
    record = db_session.scalars(select(Record).where(
        Record.doc_number == "黑市监罚〔2026〕701号")).one()
    assert record.content == "罚款人民币0.8万元。"
    post_form(officer, first.id, "rollback", confirm="y")
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0


def test_plan_changed_between_preview_and_confirm_is_not_applied(
    staff_client: Any, db_session: Any
) -> None:
    officer, _ = staff_client(Role.DATA_OFFICER, MARKET)
    preview(officer, csv_bytes(FIRST[:3]), "慢.csv")
    slow = newest_batch(db_session)
    preview(officer, csv_bytes(FIRST[:1]), "快.csv")
    post_form(officer, newest_batch(db_session).id, "confirm")
    text = page_text(post_form(officer, slow.id, "confirm"))
    assert "预览之后数据已发生变化" in text
    assert db_session.scalar(select(func.count()).select_from(Record)) == 1
    assert db_session.get(ImportBatch, slow.id).state == "preview"


def test_a_data_officer_uploads_only_their_departments_records(
    staff_client: Any, db_session: Any
) -> None:
    tax, _ = staff_client(Role.DATA_OFFICER, TAX)
    rows = [penalty_row(1, 处罚机关=TAX, 数据来源单位=TAX), penalty_row(2)]  # 2: MARKET's
    text = page_text(preview(tax, csv_bytes(rows)))
    assert f"不是本部门的记录：处罚机关为“{MARKET}”" in text
    post_form(tax, newest_batch(db_session).id, "confirm")
    db_session.rollback()
    departments = {r.department.name for r in db_session.scalars(select(Record))}
    assert departments == {TAX}
