"""Download and verify as a user does: GET the PDF, then check it on /reports/verify."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Record, Subject
from webapp.models.reports import ReportIssue

GENUINE = "✓ 本站出具的报告"
MATCH = "上传的文件与本站出具的报告完全一致"
MISMATCH = "上传的文件与本站出具的报告不一致"


def _download(client: FlaskClient, subject: Subject) -> tuple[str, bytes]:
    response = client.get(f"/subjects/{subject.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return response.headers["X-Report-Number"], response.data


def _upload(client: FlaskClient, number: str, pdf: bytes) -> str:
    response = client.post(
        "/reports/verify", content_type="multipart/form-data",
        data={"no": number, "pdf": (io.BytesIO(pdf), "report.pdf")},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_download_records_the_issue(
    client: FlaskClient, db_session: Session, make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject()
    db_session.commit()
    number, pdf = _download(client, subject)
    db_session.expire_all()
    issue = db_session.scalars(select(ReportIssue).where(ReportIssue.number == number)).one()
    assert issue.subject_id == subject.id
    assert issue.sha256 == hashlib.sha256(pdf).hexdigest()
    assert issue.page_count >= 2


def test_unknown_subject_is_404(client: FlaskClient) -> None:
    assert client.get("/subjects/999999/report.pdf").status_code == 404


def test_verify_accepts_the_issued_file_and_rejects_a_changed_byte(
    client: FlaskClient, no_csrf: None, db_session: Session,
    make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject(name="黑河市核验测试有限公司")
    db_session.commit()
    number, pdf = _download(client, subject)

    page = _upload(client, number, pdf)
    assert "✓ 一致：本站出具的报告" in page and "本站签名有效" in page
    assert "黑河市核验测试有限公司" in page
    assert MATCH in page
    assert "未发生变化" in page

    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:]
    page = _upload(client, number, tampered)
    assert MISMATCH in page
    assert MATCH not in page
    # The verdict is the first heading of the result, not a line under "✓ 本站出具的报告".
    first = re.search(r'<section class="card verify-result"[^>]*>\s*<h2 class="([\w-]+)">([^<]+)<',
                      page)
    assert first and first.group(1) == "verdict-bad" and "不一致" in first.group(2)
    assert GENUINE not in page


def test_a_file_alone_is_enough_and_a_non_pdf_is_refused(
    client: FlaskClient, no_csrf: None, db_session: Session,
    make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject(name="黑河市只传文件有限公司")
    db_session.commit()
    number, pdf = _download(client, subject)
    page = _upload(client, "", pdf)
    assert "✓ 一致" in page and number in page and "黑河市只传文件有限公司" in page
    wrong = _upload(client, "XYBG0000000000000000A", pdf)
    assert "不一致，请核对" in wrong and 'class="error-summary"' in wrong
    junk = _upload(client, "", b"GIF89a not a report")
    assert "不是 PDF 文件" in junk and 'class="error-summary"' in junk
    empty = client.post("/reports/verify", data={"no": ""}).get_data(as_text=True)
    assert "请输入报告编号，或上传报告 PDF 文件" in empty


def test_verify_by_number_alone_and_change_since(
    client: FlaskClient, db_session: Session, make_subject: Callable[..., Subject],
    make_record: Callable[..., Record],
) -> None:
    subject = make_subject(name="黑河市变更测试有限公司")
    db_session.commit()
    number, _ = _download(client, subject)

    page = client.get(f"/reports/verify?no={number.lower()}").get_data(as_text=True)
    assert GENUINE in page and "黑河市变更测试有限公司" in page
    assert "未发生变化" in page

    make_record(subject, doc_number="黑市监罚〔2026〕777号")
    db_session.commit()
    page = client.get(f"/reports/verify?no={number}").get_data(as_text=True)
    assert "已发生变化" in page


@pytest.mark.parametrize("number", ["XYBG0000000000000000A", "XYBG123", "hello"])
def test_unknown_or_mistyped_numbers_are_not_genuine(client: FlaskClient, number: str) -> None:
    page = client.get(f"/reports/verify?no={number}").get_data(as_text=True)
    assert "未找到该报告" in page
    assert GENUINE not in page


def test_a_one_character_typo_is_not_found(
    client: FlaskClient, db_session: Session, make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject()
    db_session.commit()
    number, _ = _download(client, subject)
    typo = number[:-2] + ("1" if number[-2] != "1" else "2") + number[-1]
    assert "未找到该报告" in client.get(f"/reports/verify?no={typo}").get_data(as_text=True)


def test_verify_post_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/reports/verify", data={"no": "XYBG0000000000000000A"})
    assert response.status_code == 400


def test_verify_form_carries_a_csrf_token(client: FlaskClient) -> None:
    page = client.get("/reports/verify").get_data(as_text=True)
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', page)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_REPORTS": "2 per minute"}


def test_downloads_are_rate_limited_per_ip(
    client: FlaskClient, db_session: Session, make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject()
    db_session.commit()
    url = f"/subjects/{subject.id}/report.pdf"
    for _ in range(2):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.get_data(as_text=True)
    other_ip = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_ip.status_code == 200
