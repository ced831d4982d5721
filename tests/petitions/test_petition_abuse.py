"""Abuse resistance of the public petition forms, tested through HTTP as a browser would.

CAPTCHA, per-IP rate limits, query-code guessing, double submission, hostile text and hostile
uploads. Helpers come from test_petition_forms (GET the form for its tokens, POST, follow).
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import itertools
import re
import statistics
import time
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image
from test_petition_forms import _get_form, _number_and_code, _png, _submit

from webapp.extensions import db
from webapp.models.captcha import CaptchaChallenge
from webapp.models.petitions import Attachment, Case
from webapp.services import captcha

COMPLAINT = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Generous defaults so only the test that is about a limit meets it.
    return {**app_config, "PETITION_CAPTCHA_AFTER": 1000,
            "RATELIMIT_PETITION_SUBMIT": "1000 per minute",
            "RATELIMIT_PETITION_TRACK": "1000 per minute"}


@pytest.fixture
def subject_url(make_subject, db_session) -> str:
    s = make_subject()
    db_session.commit()
    return f"/petitions/complaint?subject={s.id}"


def _attachment_files(app) -> list[Path]:
    directory = Path(app.config["INSTANCE_DIR"]) / "attachments"
    return sorted(directory.iterdir()) if directory.exists() else []


# --- CAPTCHA ---------------------------------------------------------------------------------

def _captcha_answer(client, app) -> str:
    """Fetch a challenge as the browser does, then recover its answer from the server's row.

    The row keeps only an HMAC of the answer under the app's secret key; a test knows the
    key, and there are 8^5 possible answers, so it tries them all. The check itself is real.
    """
    image = client.get("/petitions/captcha.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as sess:
        challenge_id = sess[captcha.SESSION_KEY]
    digest = db.session.get(CaptchaChallenge, challenge_id).digest
    key = str(app.config["SECRET_KEY"]).encode()
    for digits in itertools.product("23456789", repeat=5):
        answer = "".join(digits)
        mac = hmac.new(key, f"{challenge_id}|{answer}".encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(mac, digest):
            return answer
    raise AssertionError("no answer matches the session's digest")


def test_captcha_after_n_submissions_wrong_refused_right_passes(
        client, app, app_config, subject_url, db_session):
    app.config["PETITION_CAPTCHA_AFTER"] = 2
    for _ in range(2):
        page = client.get(subject_url).get_data(as_text=True)
        assert "captcha.png" not in page
        assert "提交成功" in _submit(client, subject_url, COMPLAINT).get_data(as_text=True)
    form_page = client.get(subject_url).get_data(as_text=True)
    assert 'src="/petitions/captcha.png"' in form_page and 'name="captcha"' in form_page

    # No answer at all, then a wrong one: refused with a message, nothing stored.
    missing = _submit(client, subject_url, COMPLAINT).get_data(as_text=True)
    assert "验证码不正确" in missing
    _captcha_answer(client, app)
    wrong = _submit(client, subject_url, {**COMPLAINT, "captcha": "11111"})
    assert "验证码不正确" in wrong.get_data(as_text=True)
    assert db_session.query(Case).count() == 2

    # A correct answer is used once: replaying it with the same challenge fails.
    answer = _captcha_answer(client, app)
    ok = _submit(client, subject_url, {**COMPLAINT, "captcha": answer})
    assert "提交成功" in ok.get_data(as_text=True)
    assert db_session.query(Case).count() == 3
    replay = _submit(client, subject_url, {**COMPLAINT, "captcha": answer})
    assert "验证码不正确" in replay.get_data(as_text=True)
    assert db_session.query(Case).count() == 3


def test_captcha_is_per_ip(client, app, subject_url, db_session):
    app.config["PETITION_CAPTCHA_AFTER"] = 1
    assert "提交成功" in _submit(client, subject_url, COMPLAINT).get_data(as_text=True)
    assert "captcha.png" in client.get(subject_url).get_data(as_text=True)
    other = app.test_client()
    page = other.get(subject_url, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert "captcha.png" not in page.get_data(as_text=True)


# --- rate limits -----------------------------------------------------------------------------

def test_submission_rate_limit_shows_friendly_429(client, app, subject_url, db_session):
    app.config["RATELIMIT_PETITION_SUBMIT"] = "3 per minute"  # read on every request
    if True:
        url = subject_url
        for _ in range(3):
            assert "提交成功" in _submit(client, url, COMPLAINT).get_data(as_text=True)
        tokens = _get_form(client, url)  # the form itself is still shown (GET is not limited)
        refused = client.post(url, data={**tokens, **COMPLAINT})
        assert refused.status_code == 429
        body = refused.get_data(as_text=True)
        assert "请求过于频繁" in body and "秒后再试" in body and "Traceback" not in body
        assert "Retry-After" in refused.headers
        assert db_session.query(Case).count() == 3
        # Another address is not affected.
        tokens = _get_form(client, url)
        other = client.post(url, data={**tokens, **COMPLAINT},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert other.status_code == 302
        assert db_session.query(Case).count() == 4


def _file(client, number, code, attachment_id):
    tokens = _get_form(client, "/petitions/track")
    return client.post(f"/petitions/track/{number}/files/{attachment_id}",
                       data={**tokens, "number": number, "code": code})


def _track(client, number: str, code: str, **kw: Any):
    tokens = _get_form(client, "/petitions/track")
    return client.post("/petitions/track", data={**tokens, "number": number, "code": code}, **kw)


def test_query_code_guessing_is_limited(client, app, subject_url):
    app.config["RATELIMIT_PETITION_TRACK"] = "4 per minute"
    number, code = _number_and_code(_submit(client, subject_url, COMPLAINT).get_data(as_text=True))
    guesser = app.test_client()
    for guess in ("AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", "DDDDDDDDDD"):
        response = _track(guesser, number, guess)
        assert response.status_code == 422  # refused, shown again
        assert "案件编号或查询码不正确" in response.get_data(as_text=True)
    blocked = _track(guesser, number, code)  # even the right code, once over the limit
    assert blocked.status_code == 429
    assert "请求过于频繁" in blocked.get_data(as_text=True)
    assert "办理过程" not in guesser.get(f"/petitions/track/{number}").get_data(as_text=True)


def _without_tokens(html: str) -> str:
    """The page without its per-request parts: form tokens and the request id."""
    html = re.sub(r'<p class="request-id">.*?</p>', "", html)
    return re.sub(r'value="[^"]*"', "", html)


def test_wrong_code_does_not_reveal_whether_case_exists(client, app, subject_url):
    number, _ = _number_and_code(_submit(client, subject_url, COMPLAINT).get_data(as_text=True))
    missing = number[:-6] + "999999"
    guesser = app.test_client()
    real = _track(guesser, number, "AAAAAAAAAA")
    fake = _track(guesser, missing, "AAAAAAAAAA")
    assert real.status_code == fake.status_code == 422
    assert _without_tokens(real.get_data(as_text=True)) == _without_tokens(
        fake.get_data(as_text=True))
    # A status link without the code: the same form either way.
    a, b = guesser.get(f"/petitions/track/{number}"), guesser.get(f"/petitions/track/{missing}")
    assert a.status_code == b.status_code == 200
    assert _without_tokens(a.get_data(as_text=True)) == _without_tokens(b.get_data(as_text=True))

    # Nor does the time taken: checking a code against its hash is slow (scrypt), so an
    # unknown number must cost the same work or a stopwatch tells them apart.
    def median_ms(n: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            _track(guesser, n, "AAAAAAAAAA")
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    real_ms, fake_ms = median_ms(number), median_ms(missing)
    assert fake_ms > real_ms * 0.5, (real_ms, fake_ms)


# --- double submission -----------------------------------------------------------------------

def test_double_submit_second_response_shows_the_same_case(client, subject_url, db_session):
    tokens = _get_form(client, subject_url)
    data = {**tokens, **COMPLAINT}
    first = client.post(subject_url, data=data, follow_redirects=True).get_data(as_text=True)
    number, _ = _number_and_code(first)
    second = client.post(subject_url, data=data, follow_redirects=True)
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert number in html and "请勿重复提交" in html
    assert db_session.query(Case).count() == 1


def test_concurrent_double_click_both_responses_name_the_case(client, app, subject_url,
                                                                db_session):
    # Two POSTs sent with the same cookie before either answer arrives: the browser shows
    # whichever answer comes last, so both must lead to the same case.
    tokens = _get_form(client, subject_url)
    data = {**tokens, **COMPLAINT}
    with client.session_transaction() as before:
        cookie_state = dict(before)
    first = client.post(subject_url, data=data)
    with client.session_transaction() as sess:  # the second click still carries the old cookie
        sess.clear()
        sess.update(cookie_state)
    second = client.post(subject_url, data=data, follow_redirects=True)
    number = db_session.query(Case).one().number
    assert number in first.headers["Location"]
    # The browser kept only the second answer: it still shows the number and query code.
    shown_number, code = _number_and_code(second.get_data(as_text=True))
    assert shown_number == number

    other_browser = app.test_client()
    tokens = _get_form(other_browser, "/petitions/track")
    tracked = other_browser.post("/petitions/track", data={**tokens, "number": number,
                                                          "code": code}, follow_redirects=True)
    assert tracked.status_code == 200 and number in tracked.get_data(as_text=True)
    assert "查询码不正确" not in tracked.get_data(as_text=True)


# --- hostile text ----------------------------------------------------------------------------

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
           "abc\u202egpj.exe", "零\u200b宽\u200b字\u200b符"]


def test_hostile_text_is_stored_as_given_and_shown_inert(client, subject_url, db_session):
    title = " ".join(HOSTILE)[:100]
    page = _submit(client, subject_url, {**COMPLAINT, "title": title,
                                         "description": "\n".join(HOSTILE),
                                         "place": HOSTILE[1], "anonymous": "",
                                         "contact_name": HOSTILE[0][:64],
                                         "contact_phone": "13800138000"})
    number, code = _number_and_code(page.get_data(as_text=True))
    case = db_session.query(Case).one()
    assert case.title == title and case.description == "\n".join(HOSTILE)  # kept verbatim
    body = _track(client, number, code).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    # The RTL override may only turn its own text around, never the page around it.
    assert re.search(r"<bdi>[^<]*\u202e[^<]*</bdi>", body)
    assert "零\u200b宽" in body


@pytest.mark.parametrize(("field", "message"), [
    ("description", "不超过 5000 字"), ("title", "标题不超过 100 字"),
    ("place", "不超过 200 字"), ("contact_name", "不超过 64 字"),
])
def test_100k_character_field_refused_with_message(client, subject_url, db_session, field,
                                                   message):
    page = _submit(client, subject_url, {**COMPLAINT, field: "长\u200b" * 50_000})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and message in html
    assert "提交成功" not in html and "Field cannot" not in html
    assert db_session.query(Case).count() == 0


# --- uploads ---------------------------------------------------------------------------------

def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-software"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (50.0, 15.0, 0.0), 3: "E", 4: (127.0, 30.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(0x8825)
    return data


def test_jpeg_exif_and_gps_are_stripped(client, app, subject_url, db_session):
    page = _submit(client, subject_url, COMPLAINT, files=[("现场.jpg", _jpeg_with_gps())])
    number, code = _number_and_code(page.get_data(as_text=True))
    att = db_session.query(Attachment).one()
    stored = (Path(app.config["INSTANCE_DIR"]) / "attachments" / att.stored_name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"secret-software" not in stored and b"PhoneMaker" not in stored
    served = _file(client, number, code, att.id)
    assert served.status_code == 200 and served.data == stored
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in served.headers["Content-Disposition"]
    served.close()


def test_attachment_only_for_the_query_code_holder(client, app, subject_url, db_session):
    page = _submit(client, subject_url, COMPLAINT, files=[("a.png", _png())])
    number, code = _number_and_code(page.get_data(as_text=True))
    att = db_session.query(Attachment).one()
    stranger = app.test_client()
    assert _file(stranger, number, "AAAAAAAAAA", att.id).status_code == 404
    assert _file(stranger, number, code, att.id + 1).status_code == 404
    # With the query code, any browser may download it; the code is asked every time.
    got = _file(stranger, number, code, att.id)
    assert got.status_code == 200
    got.close()
    assert _file(stranger, number, "", att.id).status_code == 404
    # A file of another case is not reachable through one's own case number and code.
    other = _submit(stranger, subject_url, COMPLAINT).get_data(as_text=True)
    other_number, other_code = _number_and_code(other)
    assert _file(app.test_client(), other_number, other_code, att.id).status_code == 404


def test_six_files_refused(client, app, subject_url, db_session):
    page = _submit(client, subject_url, COMPLAINT,
                   files=[(f"{i}.png", _png()) for i in range(6)])
    assert "最多上传 5 个附件" in page.get_data(as_text=True)
    assert db_session.query(Case).count() == 0 and _attachment_files(app) == []


def _script_pdf() -> bytes:
    """A real, uncompressed PDF that runs a script when opened."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                             JS=pikepdf.String("app.alert(1)"))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 2000, "不是 JPG、PNG 或 PDF"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"MZ" * 500, "图片文件已损坏"),  # JPEG magic, no image
    ("../../etc/passwd.jpg", None, "不合法"),
    ("..\\..\\boot.ini.png", None, "不合法"),
    ("script.pdf", _script_pdf(), "含有脚本"),
    ("escaped.pdf", _script_pdf().replace(b"/JavaScript", b"/Java#53cript"), "含有脚本"),
    ("fake.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript >> >>\nendobj\n%%EOF\n",
     "已损坏"),
])
def test_hostile_upload_refused_nothing_stored(client, app, subject_url, db_session, name, data,
                                               message):
    page = _submit(client, subject_url, COMPLAINT, files=[(name, data or _png())])
    html = page.get_data(as_text=True)
    assert message in html and "提交成功" not in html
    assert db_session.query(Case).count() == 0
    assert db_session.query(Attachment).count() == 0
    assert _attachment_files(app) == []


def test_bidi_control_in_file_name_is_removed(client, subject_url, db_session):
    _submit(client, subject_url, COMPLAINT, files=[("invoice\u202egnp.exe.png", _png())])
    att = db_session.query(Attachment).one()
    assert att.original_name == "invoicegnp.exe.png" and att.stored_name.endswith(".png")


# The test client spools a large request body to a temporary file it never closes itself.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_upload_over_request_ceiling_gets_friendly_413(client, app, subject_url, db_session):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # Flask reads it on every request
    if True:
        url = subject_url
        tokens = _get_form(client, url)
        big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
        response = client.post(url, data={**tokens, **COMPLAINT,
                                          "attachments": [(io.BytesIO(big), "big.pdf")]},
                               content_type="multipart/form-data")
        assert response.status_code == 413
        body = response.get_data(as_text=True)
        assert "上传内容过大" in body and "Traceback" not in body
        assert db_session.query(Case).count() == 0
        assert _attachment_files(app) == []
        del response
        gc.collect()  # close the spooled body here, inside the warning filter


# --- entry points ----------------------------------------------------------------------------

def test_complaint_reachable_from_profile_with_subject_prefilled(client, make_subject,
                                                                 db_session):
    s = make_subject(name="黑河市放心超市有限公司")
    db_session.commit()
    profile = client.get(f"/subjects/{s.id}").get_data(as_text=True)
    link = f'href="/petitions/complaint?subject={s.id}"'
    assert link in profile
    form = client.get(f"/petitions/complaint?subject={s.id}").get_data(as_text=True)
    assert "投诉对象" in form and "黑河市放心超市有限公司" in form
    page = _submit(client, f"/petitions/complaint?subject={s.id}", COMPLAINT)
    assert "提交成功" in page.get_data(as_text=True)
    assert db_session.query(Case).one().subject_id == s.id


def test_complaint_reachable_from_scan_page_with_subject_prefilled(client, make_subject,
                                                                   db_session):
    from webapp.services import codes as code_service

    store = code_service.key_store()
    store.ensure()
    s = make_subject(name="黑河市扫码小吃店")
    code = code_service.issue_code(db_session, s, store)
    db_session.commit()
    scan = client.get(f"/c/{code.token}").get_data(as_text=True)
    hrefs = set(re.findall(r'href="(/petitions/complaint[^"]*)"', scan))
    assert hrefs == {f"/petitions/complaint?subject={s.id}"}
    form = client.get(hrefs.pop()).get_data(as_text=True)
    assert "黑河市扫码小吃店" in form and 'name="form_token"' in form
