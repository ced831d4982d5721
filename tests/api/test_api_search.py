"""The JSON API's search: the filters and sort the search page has, as documented."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_API": "1000 per minute"}


def test_search_takes_the_filters_and_sort_of_the_search_page(client, make_subject,
                                                              make_record, db_session):
    shop = make_subject(name="黑河市筛选测试商贸有限公司")
    older = make_record(shop, kind="penalty", decided_on=date(2025, 3, 1), facts="未明码标价",
                        department_name="黑河市市场监督管理局")
    newer = make_record(shop, kind="list", decided_on=date(2026, 5, 1), title="守信激励对象名单",
                        list_nature="red", list_type="守信激励对象名单",
                        department_name="黑河市税务局")
    db_session.commit()

    def records(**params: str) -> list[int]:
        response = client.get("/api/v1/search", query_string={"q": "筛选测试", "kind": "records",
                                                               **params})
        assert response.status_code == 200, response.get_json()
        return [hit["id"] for hit in response.get_json()["records"]["hits"]]

    # The records tab finds a subject's records by its name; newest first either way.
    assert records(sort="date") == [newer.id, older.id]
    assert records(list_nature="red") == [newer.id]
    assert records(department_id=str(older.department_id)) == [older.id]
    assert records(date_from="2026-01-01") == [newer.id]
    assert records(date_to="2025-12-31") == [older.id]
    body = client.get("/api/v1/search", query_string={
        "q": "筛选测试", "subject_type": "企业法人", "region_id": "999"}).get_json()
    assert body["subjects"]["total"] == 0 and body["filters"] == {
        "subject_type": "企业法人", "region_id": 999}
    assert client.get("/api/v1/search", query_string={
        "q": "筛选测试", "subject_type": "企业法人"}).get_json()["subjects"]["total"] == 1
    for bad, fragment in (({"sort": "name"}, "sort 参数无效"),
                          ({"list_nature": "green"}, "list_nature 参数无效"),
                          ({"date_from": "2026-13-01"}, "date_from 参数应为"),
                          ({"department_id": "x"}, "department_id 参数应为正整数"),
                          ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "不能晚于")):
        response = client.get("/api/v1/search", query_string={"q": "筛选测试", **bad})
        assert response.status_code == 400 and fragment in response.get_json()["reason"]


def test_openapi_document_describes_the_search_filters(client):
    parameters = {p["name"]: p for p in
                  client.get("/api/v1/openapi.json").get_json()["paths"]["/search"]["get"][
                      "parameters"]}
    assert {"q", "kind", "page", "sort", "list_nature", "department_id", "region_id",
            "subject_type", "date_from", "date_to"} <= set(parameters)
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "date"]
