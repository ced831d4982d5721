"""The JSON API: profile shapes, errors as JSON, rate limits, the OpenAPI description."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.rules import uscc as uscc_rules
from webapp.rules.kinds import Visibility
from webapp.services.profiles import EMPTY_SECTION_TEXT


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_API": "3 per minute", "RATELIMIT_SEARCH": "2 per minute"}


def test_profile_json(client, make_subject, make_record, db_session):
    shop = make_subject(name="黑河市鑫源贸易有限公司", legal_representative="王建国")
    make_record(shop, doc_number="PUB-1", amount=1.5, visibility=Visibility.OBJECTION.value)
    make_record(shop, kind="list", list_nature="watch", list_type="重点关注对象名单",
                doc_number="WATCH-1")
    make_record(shop, doc_number="GONE-1", visibility=Visibility.ARCHIVED.value)
    db_session.commit()

    response = client.get(f"/api/v1/subjects/{shop.uscc.lower()}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["subject"]["name"] == "黑河市鑫源贸易有限公司"
    assert body["subject"]["uscc"] == shop.uscc
    assert body["subject"]["legal_representative"] == "王建国"
    assert body["status"]["colour"] == "yellow" and body["status"]["label"] == "信用警示"
    assert body["status"]["meaning"] and body["status"]["honoured"] is False
    assert body["counts"] == {"license": 0, "penalty": 1, "red": 0, "black": 0, "watch": 1,
                              "abnormal": 0, "commitment": 0, "evaluation": 0}
    sections = {s["key"]: s for s in body["sections"]}
    penalty = sections["penalty"]["records"][0]
    assert penalty["doc_number"] == "PUB-1"
    assert penalty["under_objection"] is True
    assert penalty["amount_wan_yuan"] == "1.5"
    assert penalty["url"].endswith(f"/records/{penalty['id']}")
    assert sections["license"]["empty_text"] == EMPTY_SECTION_TEXT
    assert sections["watch"]["empty_text"] is None
    all_docs = [r["doc_number"] for s in body["sections"] for r in s["records"]]
    assert sorted(all_docs) == ["PUB-1", "WATCH-1"]  # never the archived one
    assert body["links"]["report"].endswith(f"/subjects/{shop.id}/report.pdf")


def test_invalid_code_is_400_with_a_chinese_reason(client, make_subject):
    shop = make_subject()
    wrong_check = shop.uscc[:-1] + ("0" if shop.uscc[-1] != "0" else "1")
    for code, fragment in ((wrong_check, "校验位错误"), ("12345", "应为18位"),
                           ("91231102000000001I", "不允许的字符")):
        response = client.get(f"/api/v1/subjects/{code}")
        assert response.status_code == 400
        body = response.get_json()
        assert body["status"] == 400 and fragment in body["reason"]


def test_unknown_subject_is_404_json(client):
    body = "91231102987654321"  # a valid code nobody has
    response = client.get(f"/api/v1/subjects/{body}{uscc_rules.check_character(body)}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "未找到信用主体"
    assert client.get("/api/v1/nothing-here").get_json()["status"] == 404


def test_search_parameter_errors_are_json(client):
    for query, fragment in (("", "缺少查询内容"), ("q=鑫源&kind=shops", "kind 参数无效"),
                            ("q=鑫源&page=0", "page 参数")):
        response = client.get(f"/api/v1/search?{query}")
        assert response.status_code == 400
        assert fragment in response.get_json()["reason"]


def test_api_rate_limit_answers_429_json(client, make_subject, db_session):
    shop = make_subject()
    db_session.commit()
    statuses = [client.get(f"/api/v1/subjects/{shop.uscc}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(f"/api/v1/subjects/{shop.uscc}")
    assert limited.get_json()["status"] == 429
    assert int(limited.headers["Retry-After"]) > 0


def test_search_page_rate_limit(client):
    # Counted whether or not the search service answers: the limit protects it.
    statuses = [client.get("/search?q=鑫源").status_code for _ in range(3)]
    assert statuses[2] == 429 and 429 not in statuses[:2]
    assert "请求过于频繁" in client.get("/search?q=鑫源").get_data(as_text=True)


def test_openapi_document(client):
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == {"/search", "/subjects/{uscc}", "/codes/verify"}
    responses = body["paths"]["/subjects/{uscc}"]["get"]["responses"]
    assert {"200", "400", "404", "429"} <= set(responses)
    assert body["servers"][0]["url"].endswith("/api/v1")

