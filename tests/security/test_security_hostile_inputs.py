"""The hostile-input suite: every public route and form, fed what an attacker sends.

XSS and SQL payloads, NUL bytes, surrogate bytes, 1 MB strings, huge and negative numbers,
repeated parameters, JSON bodies on form endpoints, forged tokens. Every answer is a clear
refusal (400, 404, 413, 415, 422, 429) or, where the input is just a search string, a normal
page; never a server error, never the payload unescaped, never a stored row from a refusal.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from security_helpers import HUGE_IDS, csrf_of, form_tokens

from webapp.models.codes import SelfDeclaration
from webapp.models.petitions import Case
from webapp.rules.kinds import RecordKind

XSS = ('<script>alert("x")</script>', '"><img src=x onerror=alert(1)>',
       "javascript:alert(1)", "{{7*7}}{% raw %}")
SQL = ("' OR '1'='1", "1; DROP TABLE subjects; --", "1 UNION SELECT password_hash FROM staff_users")
ODD = ("%", "../../etc/passwd", "\u202egnp.exe", "😀" * 50, " ", "\\", "'\"`")
NUMBERS = (*HUGE_IDS, "-1", "-9223372036854775809", "0", "1e308", "NaN", "0x1F")
MEGABYTE = "鑫" * (1024 * 1024 // 3)  # 1 MB of UTF-8
REFUSED = {400, 404, 413, 415, 422}
DANGEROUS = ("<script>alert", "<img src=x")  # as markup; escaped text is harmless


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Limits are tested on their own (test_security_rate_limits): here every request counts.
    limits = {k: "100000 per minute" for k in (
        "RATELIMIT_SEARCH", "RATELIMIT_API", "RATELIMIT_REPORTS", "RATELIMIT_PAGES",
        "RATELIMIT_SCAN", "RATELIMIT_CODE_ISSUE", "RATELIMIT_CAPTCHA",
        "RATELIMIT_REPORTS_VERIFY", "RATELIMIT_DECLARATION", "RATELIMIT_PETITION_SUBMIT",
        "RATELIMIT_PETITION_TRACK", "RATELIMIT_STAFF_LOGIN", "RATELIMIT_STAFF_LOGIN_FAILURES")}
    return {**app_config, **limits, "PETITION_CAPTCHA_AFTER": 100000}


@pytest.fixture
def world(shop: Any, make_record: Any, db_session: Any) -> dict[str, Any]:
    record = make_record(shop, kind=RecordKind.PENALTY.value, repair_eligible_on=date(2026, 1, 1),
                         facts="销售过期食品")
    db_session.commit()
    return {"subject": shop.id, "record": record.id, "uscc": shop.uscc}


class Tally:
    """Counts answers by status and fails on the first server error or unescaped payload."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()

    def check(self, response: Any, what: str, payload: str = "") -> int:
        status = response.status_code
        self.statuses[status] += 1
        assert status < 500, (what, status)
        if response.mimetype == "text/html":  # JSON answers carry text, never markup
            body = response.get_data(as_text=True)
            for marker in DANGEROUS:
                if marker in payload:
                    assert marker not in body, (what, marker)
        return status


def _query_targets(world: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """GET routes and the parameters each reads."""
    s, r = world["subject"], world["record"]
    return [
        ("/", []),
        ("/search", ["q", "tab", "kind", "list_nature", "department", "region",
                     "subject_type", "date_from", "date_to", "sort", "page"]),
        ("/search/suggest", ["q"]),
        ("/api/v1/search", ["q", "kind", "page"]),
        ("/api/v1/codes/verify", ["token"]),
        ("/honour-board", ["quarter", "list", "type", "page"]),
        ("/timeliness", ["year", "quarter"]),
        ("/reports/verify", ["no"]),
        ("/petitions/complaint", ["subject", "gov"]),
        ("/petitions/objection", ["record"]),
        ("/petitions/repair", ["record"]),
        ("/petitions/track", []),
        (f"/subjects/{s}", ["tab"]),
        (f"/subjects/{s}/code", []),
        (f"/subjects/{s}/code.png", ["download"]),
        (f"/records/{r}", []),
        ("/api/v1/openapi.json", []),
        ("/.well-known/jwks.json", []),
    ]


#: The first parameter of a route gets a payload of every kind; the others a sample.
FULL = (*XSS, *SQL, ODD[0], ODD[2], ODD[3], *HUGE_IDS[1:4], "-1", "1e308", "NaN")
SAMPLE = (XSS[1], SQL[0], ODD[2], HUGE_IDS[2], "-1")


def test_query_parameters(client: Any, world: dict[str, Any]) -> None:
    tally = Tally()
    for url, params in _query_targets(world):
        tally.check(client.get(url), url)
        for n, param in enumerate(params):
            for value in FULL if n == 0 else SAMPLE:
                tally.check(client.get(url, query_string={param: value}), f"{url}?{param}", value)
            nul = client.get(url, query_string={param: "鑫源\x00"})
            assert tally.check(nul, f"{url}?{param}=NUL") == 400
            if n == 0:
                big = client.get(url, query_string={param: MEGABYTE})
                tally.check(big, f"{url}?{param}=1MB")
            repeated = client.get(f"{url}?{param}=1&{param}=2&{param}=%3Cscript%3E")
            tally.check(repeated, f"{url}?{param} repeated")
            tally.check(client.get(f"{url}?{param}=%ED%A0%80"), f"{url}?{param}=surrogate")
    assert sum(tally.statuses.values()) > 300, tally.statuses
    print(f"\nquery parameters: {dict(tally.statuses)}")


def test_path_segments(client: Any, world: dict[str, Any]) -> None:
    tally = Tally()
    templates = ["/subjects/{}", "/records/{}", "/subjects/{}/code", "/subjects/{}/code.svg",
                 "/subjects/{}/code-poster.png", "/subjects/{}/report.pdf",
                 "/subjects/{}/declaration", "/s/{}", "/c/{}", "/api/v1/subjects/{}",
                 "/petitions/track/{}", "/petitions/submitted/{}",
                 "/petitions/track/XF20260101-000001/files/{}"]
    values = [*HUGE_IDS[1:3], "-1", "1e308", SQL[1], "%3Cscript%3E", "..%2F..%2Fetc%2Fpasswd",
              "a" * 5000, "%00", "%ED%A0%80", world["uscc"].lower() + "x"]
    for template in templates:
        for value in values:
            status = tally.check(client.get(template.format(value)), template, value)
            if value == "%00":
                assert status in (400, 404), template
    assert tally.statuses[404] > 60
    print(f"\npath segments: {dict(tally.statuses)}")


def _forms(world: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Each public form with a valid submission (the suite spoils one field at a time)."""
    s, r = world["subject"], world["record"]
    person = {"contact_name": "王", "contact_phone": "13800138000", "description": "多收了钱"}
    return [
        (f"/petitions/complaint?subject={s}", {
            **person, "category": "其他", "title": "标价不符", "place": "店内",
            "target_name": "某店", "happened_on": "2026-05-01"}),
        ("/petitions/complaint?gov=1", {
            **person, "category": "其他", "title": "政策不兑现", "target_name": "某局"}),
        (f"/petitions/objection?record={r}", {**person, "wrong_fields": "处罚内容"}),
        ("/petitions/track", {"number": "XF20260101-000001", "code": "ABCDEFGHJK"}),
        (f"/subjects/{s}/declaration", {
            "category": "资质荣誉", "title": "获奖", "content": "市级诚信单位",
            "contact_name": "王", "contact_phone": "13800138000"}),
        ("/reports/verify", {"no": "XY20260101000001"}),
        ("/admin/login", {"username": "admin", "password": "wrong-password"}),
    ]


def _stored(db_session: Any) -> int:
    db_session.rollback()
    return db_session.query(Case).count() + db_session.query(SelfDeclaration).count()


def test_form_fields(client: Any, no_csrf: None, world: dict[str, Any],
                     db_session: Any) -> None:
    """Spoil each field in turn: too long, NUL, a number where text is expected; hostile
    text that is valid is stored and shown escaped (checked by Tally on every page)."""
    tally = Tally()
    for url, valid in _forms(world):
        for n, field in enumerate(valid):
            for value in (MEGABYTE, "鑫\x00源", HUGE_IDS[2]):
                before = _stored(db_session)
                status = tally.check(client.post(url, data={**valid, field: value}), url, value)
                if "\x00" in value:
                    assert status == 400, (url, field)
                if status in REFUSED or value == MEGABYTE:
                    assert _stored(db_session) == before, (url, field, status)
            for value in (XSS[1], SQL[1]) if n < 2 else ():  # each stored case costs a hash
                response = client.post(url, data={**valid, field: value}, follow_redirects=True)
                tally.check(response, url, value)
        # Repeated fields and unknown ones: the first value counts, the rest is ignored.
        doubled = "&".join(f"{k}={v}&{k}=%3Cscript%3Ealert(1)%3C/script%3E"
                           for k, v in valid.items())
        tally.check(client.post(url, data=doubled,
                                content_type="application/x-www-form-urlencoded"), url, XSS[0])
    print(f"\nform fields: {dict(tally.statuses)}")
    assert tally.statuses[400] >= 25  # every field once with NUL


def test_json_and_other_bodies_on_form_endpoints(client: Any, no_csrf: None,
                                                 world: dict[str, Any], db_session: Any) -> None:
    tally = Tally()
    before = _stored(db_session)
    for url, valid in _forms(world):
        for body, kind in ((valid, "application/json"),
                           ({**valid, "title": ["a", {"b": None}], "page": 1e308},
                            "application/json"),
                           ("<x>" + "&".join(valid) + "</x>", "application/xml"),
                           ("title=x", "text/plain")):
            if kind == "application/json":
                response = client.post(url, json=body)
            else:
                response = client.post(url, data=body, content_type=kind)
            assert tally.check(response, url) == 415, (url, kind)
    assert _stored(db_session) == before


def test_forged_tokens(app: Any, client: Any, world: dict[str, Any], db_session: Any) -> None:
    tally = Tally()
    url = f"/petitions/complaint?subject={world['subject']}"
    tokens = form_tokens(client, url)
    data = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}
    for forged in ("", "x", tokens["csrf_token"][:-2] + "AA", "IjEi.Zm9v.YmFy", "a" * 5000):
        response = client.post(url, data={**data, "csrf_token": forged,
                                          "form_token": tokens["form_token"]})
        assert tally.check(response, "forged csrf") == 400
    for forged in ("", "x", tokens["form_token"][:-2] + "00", "a.b", "." * 64):
        response = client.post(url, data={**data, "csrf_token": tokens["csrf_token"],
                                          "form_token": forged})
        assert tally.check(response, "forged form token") == 422
        assert "表单已失效" in response.get_data(as_text=True)
    assert _stored(db_session) == 0

    code = client.get(f"/subjects/{world['subject']}/code.svg")
    assert code.status_code == 200
    genuine = db_session.scalar(__import__("sqlalchemy").text(
        "SELECT token FROM credit_codes WHERE state = 'active' LIMIT 1"))
    head, payload, signature = genuine.split(".")
    for forged in (f"{head}.{payload}.{signature[:-4]}AAAA", f"{head}.{payload}.",
                   f"eyJhbGciOiJub25lIn0.{payload}.", f"{head}.e30.{signature}",
                   "eyJhbGciOiJIUzI1NiJ9.e30.abc"):
        page = client.get(f"/c/{forged}")
        assert tally.check(page, "/c/ forged") == 200
        assert 'verdict-forged' in page.get_data(as_text=True)
        verdict = client.get("/api/v1/codes/verify", query_string={"token": forged})
        assert tally.check(verdict, "verify forged") in (200, 400)
        assert verdict.get_json()["valid"] is False

    stranger = app.test_client()
    for cookie in ("x", "eyJfdXNlcl9pZCI6IjEuMSJ9.Zm9v.YmFy", "." * 400):
        stranger.set_cookie("session", cookie)
        assert tally.check(stranger.get("/admin/cases"), "forged session") == 302
    g_page = client.get("/admin/login").get_data(as_text=True)
    assert csrf_of(g_page)


def test_upload_names_and_sizes(client: Any, no_csrf: None, world: dict[str, Any],
                                db_session: Any) -> None:
    import io

    tally = Tally()
    url = f"/petitions/complaint?subject={world['subject']}"
    data = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}
    for name, content in (("a\x00.png", b"\x89PNG\r\n\x1a\n"), ("../../x.pdf", b"%PDF-1.7"),
                          ("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                          ("<script>.pdf", b"%PDF-1.7\n%%EOF"), ("a" * 5000 + ".jpg", b"\xff\xd8")):
        response = client.post(url, data={**data, "attachments": [(io.BytesIO(content), name)]},
                               content_type="multipart/form-data")
        assert tally.check(response, "upload", name) in REFUSED, name
    assert _stored(db_session) == 0
    assert re.search(r"\d", str(dict(tally.statuses)))
