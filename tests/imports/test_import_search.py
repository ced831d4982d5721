"""Imports and search, as the issue reported them: one-row files imported one at a time
after a reindex are all found; an index update that fails is said out loud (exit 3, the
upload page, /readyz, the back office) and is retried from the change log, not lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from import_files import csv_bytes, penalty_row

from webapp.extensions import db
from webapp.services import search


def run(app, kind: str, path: Path):
    return app.test_cli_runner().invoke(args=["import-records", "--kind", kind, str(path)])


def found_numbers(client, number: str) -> bool:
    html = client.get("/search", query_string={"q": number, "tab": "records"}).get_data(
        as_text=True)
    return f"<mark>{number}</mark>" in html or number in html.split("result-total")[-1]


def test_one_row_files_imported_one_at_a_time_after_a_reindex_are_all_found(
        app, client, tmp_path: Path):
    first = tmp_path / "seq0.csv"
    first.write_bytes(csv_bytes([penalty_row(100)]))
    assert run(app, "penalty", first).exit_code == 0
    assert app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
    for n in range(1, 17):  # the bug struck from the sixth on, at whoosh's first merge
        path = tmp_path / f"seq{n}.csv"
        path.write_bytes(csv_bytes([penalty_row(n)]))
        result = run(app, "penalty", path)
        assert result.exit_code == 0, result.output
        assert "新增1" in result.output and "搜索索引更新" in result.output
        number = f"黑市监处罚〔2026〕{n}号"
        page = search.search_records(number)
        assert page.total == 1 and len(page.hits) == 1, number
        assert found_numbers(client, number), number
    assert app.test_cli_runner().invoke(args=["search-verify"]).exit_code == 0


@pytest.fixture
def failing_index(app, monkeypatch):
    """The backend's write fails (a full disk, a whoosh bug) until `healed` is set."""
    backend = search.engine()
    real_apply = backend.apply
    state = {"healed": False, "calls": 0}

    def apply(*args, **kwargs):
        state["calls"] += 1
        if not state["healed"]:
            raise OSError(28, "No space left on device")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(backend, "apply", apply)
    app.config["SEARCH_RETRY_SECONDS"] = 0  # retry at the very next search
    return state


def test_an_import_whose_index_update_fails_exits_3_and_is_retried_later(
        app, client, tmp_path: Path, failing_index, make_staff, login_as):
    path = tmp_path / "处罚.csv"
    path.write_bytes(csv_bytes([penalty_row(1), penalty_row(2)]))
    result = run(app, "penalty", path)
    assert result.exit_code == 3, result.output
    assert "数据已保存，但搜索索引更新失败" in result.output
    assert "No space left on device" in result.output

    ready = client.get("/readyz")
    body = ready.get_json()
    assert body["search"]["lag_sequences"] > 0
    assert "No space left" in body["search"]["last_error"]["error"]
    assert client.get("/healthz").get_json() == {"status": "ok"}
    admin = make_staff("admin")
    db.session.commit()
    login_as(client, admin)
    home = client.get("/admin/").get_data(as_text=True)
    assert "最近一次索引写入失败" in home and "No space left on device" in home

    assert search.search_records("黑市监处罚〔2026〕1号").total == 0  # still failing
    failing_index["healed"] = True
    assert search.search_records("黑市监处罚〔2026〕1号").total == 1  # retried, not skipped
    assert search.search_records("黑市监处罚〔2026〕2号").total == 1
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["search"]["lag_sequences"] == 0
    assert body["search"]["last_error"] is None
    assert "最近没有索引写入错误" in client.get("/admin/").get_data(as_text=True)

    again = run(app, "penalty", path)  # re-running says unchanged and is fine
    assert again.exit_code == 0 and "未变2" in again.output


def test_the_upload_page_says_when_search_could_not_be_updated(
        app, client, failing_index, make_staff, login_as, no_csrf):
    officer = make_staff("data_officer")
    db.session.commit()
    login_as(client, officer)
    data = csv_bytes([penalty_row(7)])
    import io
    preview = client.post("/admin/uploads", data={
        "kind": "penalty", "file": (io.BytesIO(data), "处罚.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    confirm = re.search(r'action="(/admin/uploads/\d+/confirm)"', preview.get_data(as_text=True))
    assert confirm, "the upload stops at its preview"
    response = client.post(confirm.group(1), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "新增1" in html
    assert "数据已保存，但搜索索引更新失败" in html


def test_a_record_committed_without_its_index_update_is_found_at_the_next_search(
        app, client, tmp_path: Path):
    """As if the import was killed after its commit: the log row committed with it."""
    from webapp.services.imports import import_file

    import_file(db.session, "penalty", "处罚.csv", csv_bytes([penalty_row(3)]), actor="cli")
    db.session.commit()  # and nothing else: no index write
    assert search.search_records("黑市监处罚〔2026〕3号").total == 1


def test_totals_agree_with_the_hits_shown_when_the_index_lags(app, client, make_subject,
                                                              make_record, db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司")
    record = make_record(shop, facts="占道经营被处罚")
    db_session.commit()
    assert search.search_records("占道经营").total == 1
    # Hidden in the database, the index not yet told (a change still in flight).
    from sqlalchemy import update

    from webapp.models import Record
    db_session.execute(update(Record).where(Record.id == record.id)
                       .values(visibility="archived"))
    db_session.commit()
    html = client.get("/search?q=占道经营&tab=records").get_data(as_text=True)
    assert "找到 <strong>0</strong> 条" in html and "占道经营被处罚" not in html
    body = client.get("/api/v1/search?q=占道经营&kind=records").get_json()
    assert body["records"]["total"] == 0 and body["records"]["hits"] == []
