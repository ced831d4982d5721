"""Public forms through HTTP: GET the form, POST it (with its CSRF token), follow the redirect."""

from __future__ import annotations

import gc
import io
import re
from datetime import date

import pikepdf
import pytest
from flask import g
from PIL import Image

from webapp.models.petitions import Attachment, Case
from webapp.rules.kinds import Visibility


def _tokens(html: str) -> dict[str, str]:
    found = dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"', html))
    if not found:
        found = {m[1]: m[0] for m in re.findall(
            r'value="([^"]+)"[^>]*name="(csrf_token|form_token)"', html)}
    return found


def _get_form(client, url):
    # The fixture's app context outlives requests, and Flask-WTF caches the token in `g`:
    # drop it so a second browser (client) gets a token for its own session.
    g.pop("csrf_token", None)
    page = client.get(url)
    assert page.status_code == 200
    tokens = _tokens(page.get_data(as_text=True))
    assert "csrf_token" in tokens
    return tokens


def _status(client, number, code):
    """The case page, as any browser gets it: the tracking form with number and code."""
    tokens = _get_form(client, "/petitions/track")
    return client.post("/petitions/track", data={**tokens, "number": number, "code": code})


def _file(client, number, code, attachment_id):
    """An attachment: its button on the status page posts the number and code again."""
    tokens = _get_form(client, "/petitions/track")
    return client.post(f"/petitions/track/{number}/files/{attachment_id}",
                       data={**tokens, "number": number, "code": code})


def _png() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (20, 20), "red")
    exif = Image.Exif()
    exif[0x010E] = "secret GPS-ish note"
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


def plain_pdf() -> bytes:
    """A small valid PDF, as a scanner or a phone app makes one."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _submit(client, url, data, files=()):
    tokens = _get_form(client, url)
    payload = {**tokens, **data}
    if files:
        payload["attachments"] = [(io.BytesIO(b), n) for n, b in files]
    return client.post(url, data=payload, content_type="multipart/form-data",
                       follow_redirects=True)


def _number_and_code(html: str) -> tuple[str, str]:
    number = re.search(r'class="case-number[^"]*">([^<]+)<', html).group(1)
    code = re.search(r'class="query-code">([^<]+)<', html).group(1)
    return number, code


def test_complaint_submit_and_track(client, make_subject, db_session):
    s = make_subject()
    db_session.commit()
    page = _submit(client, f"/petitions/complaint?subject={s.id}", {
        "category": "价格欺诈", "title": "标价不符", "description": "结账多收10元",
        "contact_name": "李四", "contact_phone": "13912345678"})
    html = page.get_data(as_text=True)
    assert "提交成功" in html
    number, code = _number_and_code(html)
    assert re.fullmatch(r"TS\d{8}-\d{6}", number)
    fresh = client.application.test_client()
    tokens = _get_form(fresh, "/petitions/track")
    wrong = fresh.post("/petitions/track", data={**tokens, "number": number, "code": "AAAAAAAAAA"})
    assert "不正确" in wrong.get_data(as_text=True)
    ok = fresh.post("/petitions/track", data={**tokens, "number": number, "code": code},
                    follow_redirects=True)
    body = ok.get_data(as_text=True)
    assert "已提交" in body and "提交" in body and "139****5678" in body
    assert "13912345678" not in body
    assert db_session.query(Case).one().query_code_hash != code


def test_post_without_csrf_is_refused(client, make_subject, db_session):
    s = make_subject()
    db_session.commit()
    resp = client.post(f"/petitions/complaint?subject={s.id}", data={"title": "x"})
    assert resp.status_code == 400
    assert db_session.query(Case).count() == 0


def test_double_click_makes_one_case(client, make_subject, db_session):
    s = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={s.id}"
    tokens = _get_form(client, url)
    data = {**tokens, "category": "其他", "title": "t", "description": "d", "anonymous": "y"}
    client.post(url, data=data)
    client.post(url, data=data)
    assert db_session.query(Case).count() == 1


def test_honeypot_refuses(client, make_subject, db_session):
    s = make_subject()
    db_session.commit()
    page = _submit(client, f"/petitions/complaint?subject={s.id}", {
        "category": "其他", "title": "t", "description": "d", "anonymous": "y",
        "website": "http://spam"})
    assert "提交成功" not in page.get_data(as_text=True)
    assert db_session.query(Case).count() == 0


def test_hostile_text_is_inert(client, make_subject, db_session):
    s = make_subject()
    db_session.commit()
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\u202eevil\u200b'
    page = _submit(client, f"/petitions/complaint?subject={s.id}", {
        "category": "其他", "title": hostile[:100], "description": hostile, "anonymous": "y"})
    number, code = _number_and_code(page.get_data(as_text=True))
    body = _status(client, number, code).get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body
    long = _submit(client, f"/petitions/complaint?subject={s.id}", {
        "category": "其他", "title": "t", "description": "长" * 100_000, "anonymous": "y"})
    assert "不超过 5000 字" in long.get_data(as_text=True)
    assert db_session.query(Case).count() == 1


def test_objection_marks_record_and_attachments(client, make_subject, make_record, db_session,
                                                app):
    rec = make_record(make_subject())
    db_session.commit()
    page = _submit(client, f"/petitions/objection?record={rec.id}", {
        "wrong_fields": "处罚金额", "description": "金额有误", "contact_phone": "13800138000"},
        files=[("证据.png", _png())])
    number, code = _number_and_code(page.get_data(as_text=True))
    assert number.startswith("YY")
    db_session.refresh(rec)
    assert rec.visibility == Visibility.OBJECTION.value
    att = db_session.query(Attachment).one()
    assert att.original_name == "证据.png" and att.stored_name.endswith(".png")
    served = _file(client, number, code, att.id)
    assert served.status_code == 200
    assert b"secret GPS-ish note" not in served.data
    served.close()
    stranger = app.test_client()
    assert _file(stranger, number, "AAAAAAAAAA", att.id).status_code == 404
    # Nothing in a session opens a case: the submitter's own browser needs the code too.
    assert _file(client, number, "AAAAAAAAAA", att.id).status_code == 404
    assert "办理过程" not in client.get(f"/petitions/track/{number}").get_data(as_text=True)


# The test client spools the 50 MB request body to a temporary file it never closes itself.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_bad_attachments_refused_nothing_stored(client, make_subject, make_record, db_session,
                                                app, tmp_path):
    rec = make_record(make_subject())
    db_session.commit()
    url = f"/petitions/objection?record={rec.id}"
    base = {"wrong_fields": "x", "description": "y", "contact_phone": "13800138000"}
    exe = _submit(client, url, base, files=[("photo.jpg", b"MZ\x90\x00" + b"\x00" * 500)])
    assert "不是 JPG、PNG 或 PDF" in exe.get_data(as_text=True)
    big = _submit(client, url, base, files=[("big.pdf", b"%PDF-1.4\n" + b"0" * (50 << 20))])
    assert "超过 10 MB" in big.get_data(as_text=True)
    del big
    gc.collect()
    trav = _submit(client, url, base, files=[("../../etc/passwd.png", _png())])
    assert "文件名" in trav.get_data(as_text=True) or "不合法" in trav.get_data(as_text=True)
    assert db_session.query(Case).count() == 0
    db_session.refresh(rec)
    assert rec.visibility == Visibility.PUBLIC.value
    stored = list((tmp_path / "instance" / "attachments").glob("*")) if (
        tmp_path / "instance" / "attachments").exists() else []
    assert stored == []


def test_repair_ineligible_shows_date(client, make_subject, make_record, db_session):
    rec = make_record(make_subject(), repair_eligible_on=date(2099, 1, 1))
    db_session.commit()
    body = client.get(f"/petitions/repair?record={rec.id}").get_data(as_text=True)
    assert "2099年01月01日" in body


def test_repair_requires_documents(client, make_subject, make_record, db_session):
    rec = make_record(make_subject(), repair_eligible_on=date(2026, 1, 1))
    db_session.commit()
    url = f"/petitions/repair?record={rec.id}"
    base = {"description": "已缴纳罚款", "contact_phone": "13800138000"}
    few = _submit(client, url, base, files=[("a.png", _png())])
    assert "至少 3 个文件" in few.get_data(as_text=True)
    ok = _submit(client, url, base, files=[("申请书.png", _png()), ("承诺书.png", _png()),
                                           ("缴款凭证.pdf", plain_pdf())])
    number, _ = _number_and_code(ok.get_data(as_text=True))
    assert number.startswith("XF")
    assert db_session.query(Attachment).count() == 3
