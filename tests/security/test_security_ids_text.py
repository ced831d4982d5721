"""Findings 4 and 7: huge or negative ids are a 404, never a 500; NUL bytes and lone
surrogates in any text input are refused with a clear 400 and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from security_helpers import HUGE_IDS, form_tokens
from werkzeug.routing.converters import NumberConverter

from webapp.models.petitions import Case


def _int_routes(app: Any) -> list[str]:
    """Every GET route with an integer part, the other parts filled with plain values."""
    urls = []
    for rule in app.url_map.iter_rules():
        ints = {n for n, c in rule._converters.items() if isinstance(c, NumberConverter)}
        if "GET" not in rule.methods or not ints:
            continue
        url = rule.rule
        for name in rule._converters:
            url = re.sub(rf"<[^>]*\b{name}>", "{int}" if name in ints else "x", url)
        urls.append(url)
    assert len(urls) >= 10, urls
    return urls


@pytest.mark.parametrize("value", [*HUGE_IDS, "-1", "0"])
def test_huge_and_negative_ids_in_paths_are_404(app: Any, admin_client: Any,
                                                value: str) -> None:
    for template in _int_routes(app):
        url = template.replace("{int}", value)
        client = admin_client if url.startswith("/admin") else app.test_client()
        status = client.get(url).status_code
        # Kiosk pages refuse any browser that is not an enrolled kiosk before anything else.
        allowed = (404, 400, 403) if url.startswith("/kiosk") else (404, 400)
        assert status in allowed, (url, status)


@pytest.mark.parametrize("value", [*HUGE_IDS, "-5", "1e9", "0x10"])
def test_huge_numbers_in_query_strings_are_no_error(client: Any, admin_client: Any,
                                                    value: str) -> None:
    for url in (f"/petitions/complaint?subject={value}", f"/petitions/objection?record={value}",
                f"/petitions/repair?record={value}", f"/honour-board?page={value}",
                f"/timeliness?year={value}", f"/search?q=鑫源&page={value}",
                f"/search?q=鑫源&tab=records&department={value}&region={value}",
                f"/api/v1/search?q=鑫源&page={value}"):
        status = client.get(url).status_code
        assert status in (200, 400, 404), (url, status)
    for url in (f"/admin/cases?page={value}", f"/admin/audit?page={value}",
                f"/admin/query-log?page={value}"):
        assert admin_client.get(url).status_code in (200, 400, 404), url


COMPLAINT = {"category": "其他", "title": "标价不符", "description": "多收了钱", "anonymous": "y"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PETITION_CAPTCHA_AFTER": 1000,
            "RATELIMIT_PETITION_SUBMIT": "1000 per minute"}


@pytest.mark.parametrize("field", ["title", "description", "place", "target_name"])
def test_nul_bytes_in_a_form_are_refused(client: Any, make_subject: Any, db_session: Any,
                                         field: str) -> None:
    subject = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={subject.id}"
    tokens = form_tokens(client, url)
    response = client.post(url, data={**tokens, **COMPLAINT, field: "多收\x00了钱"})
    assert response.status_code == 400
    assert "无效字符" in response.get_data(as_text=True)
    db_session.rollback()
    assert db_session.query(Case).count() == 0


@pytest.mark.parametrize("url", ["/search?q=", "/api/v1/search?q=", "/reports/verify?no=",
                                 "/search/suggest?q=", "/honour-board?type="])
def test_nul_in_query_strings_is_refused(client: Any, url: str) -> None:
    response = client.get(f"{url}%E9%91%AB%00%E6%BA%90")
    assert response.status_code == 400, response.status_code
    said = response.get_json()["reason"] if response.is_json else response.get_data(as_text=True)
    assert "无效字符" in said


@pytest.mark.parametrize("raw", ["%ED%A0%80", "a%ED%BF%BFb", "%F4%90%80%80", "%C0%80"])
def test_surrogates_and_overlong_bytes_in_query_strings_are_no_error(client: Any,
                                                                      raw: str) -> None:
    # Werkzeug never decodes these bytes into a lone surrogate: they stay plain text.
    for url in ("/search?q=", "/api/v1/search?q=", "/reports/verify?no=", "/s/"):
        assert client.get(f"{url}{raw}").status_code in (200, 400, 404), url


def test_lone_surrogates_in_json_are_refused(client: Any, make_subject: Any,
                                             db_session: Any) -> None:
    subject = make_subject()
    db_session.commit()
    body = '{"title": "\\ud800", "description": "a\\udfffb"}'  # JSON escapes survive
    assert "\\ud800" in body
    for url in (f"/petitions/complaint?subject={subject.id}", "/reports/verify",
                "/petitions/track", f"/subjects/{subject.id}/declaration"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code in (400, 415), (url, response.status_code)
    db_session.rollback()
    assert db_session.query(Case).count() == 0


def test_json_bodies_on_form_endpoints_are_refused(client: Any, make_subject: Any,
                                                   db_session: Any) -> None:
    subject = make_subject()
    db_session.commit()
    url = f"/petitions/complaint?subject={subject.id}"
    tokens = form_tokens(client, url)
    response = client.post(url, json={**tokens, **COMPLAINT, "title": ["a", {"b": 1}]},
                           headers={"X-CSRFToken": tokens["csrf_token"]})
    assert response.status_code == 415
    db_session.rollback()
    assert db_session.query(Case).count() == 0
