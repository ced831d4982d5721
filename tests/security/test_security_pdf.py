"""Finding 10: the PDF check parses the file, so JavaScript hidden in a compressed object
stream is found; an ordinary PDF (our own credit report font, reportlab) still passes."""

from __future__ import annotations

import io
import zlib
from typing import Any

import pikepdf
import pytest
from reportlab.pdfgen import canvas
from security_helpers import form_tokens

from webapp.models.petitions import Attachment

COMPLAINT = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PETITION_CAPTCHA_AFTER": 1000,
            "RATELIMIT_PETITION_SUBMIT": "1000 per minute"}


def _plain_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "receipt 2026-06-01")
    page.save()
    return out.getvalue()


def _hidden(active: dict[str, Any]) -> bytes:
    """A PDF whose catalog entry lives in a compressed object stream (PDF 1.5+)."""
    pdf = pikepdf.open(io.BytesIO(_plain_pdf()))
    for key, value in active.items():
        pdf.Root[key] = pdf.make_indirect(value)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    data = out.getvalue()
    for name in (b"JavaScript", b"/JS", b"Launch", b"EmbeddedFile", b"OpenAction", b"/AA"):
        assert name not in data, name  # a byte search sees nothing
    return data


def _javascript() -> bytes:
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    return _hidden({"/OpenAction": action})


def _launch() -> bytes:
    action = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    return _hidden({"/OpenAction": action})


def _embedded_file() -> bytes:
    pdf = pikepdf.open(io.BytesIO(_plain_pdf()))
    pdf.attachments["x.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + b"\0" * 64)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def _names_tree_script() -> bytes:
    pdf = pikepdf.open(io.BytesIO(_plain_pdf()))
    action = pdf.make_indirect(pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pdf.make_stream(zlib.compress(b"app.alert(2)"),
                                                      Filter=pikepdf.Name.FlateDecode)))
    pdf.Root.Names = pdf.make_indirect(pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("x"), action]))))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def _upload(client: Any, make_subject: Any, db_session: Any, data: bytes,
            status: int = 422) -> str:
    """The page after the upload: 422 (refused, shown again) or 200 (stored)."""
    subject = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={subject.id}"
    tokens = form_tokens(client, url)
    response = client.post(url, data={**tokens, **COMPLAINT,
                                      "attachments": [(io.BytesIO(data), "证明.pdf")]},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == status
    return response.get_data(as_text=True)


@pytest.mark.parametrize("make", [_javascript, _launch, _embedded_file, _names_tree_script])
def test_active_content_in_object_streams_is_refused(client: Any, make_subject: Any,
                                                     db_session: Any, make: Any) -> None:
    page = _upload(client, make_subject, db_session, make())
    assert "含有脚本或嵌入文件" in page
    db_session.rollback()
    assert db_session.query(Attachment).count() == 0


def test_a_broken_pdf_is_refused(client: Any, make_subject: Any, db_session: Any) -> None:
    page = _upload(client, make_subject, db_session, b"%PDF-1.7\n" + b"\xff" * 500)
    assert "已损坏" in page
    db_session.rollback()
    assert db_session.query(Attachment).count() == 0


def test_a_plain_pdf_is_accepted(client: Any, make_subject: Any, db_session: Any) -> None:
    compact = pikepdf.open(io.BytesIO(_plain_pdf()))
    out = io.BytesIO()
    compact.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for data in (_plain_pdf(), out.getvalue()):
        assert "提交成功" in _upload(client, make_subject, db_session, data, status=200)
