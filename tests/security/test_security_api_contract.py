"""Finding 11: the OpenAPI document describes every JSON route, errors share one shape,
and 405 answers keep their Allow header."""

from __future__ import annotations

from typing import Any

import pytest


def test_openapi_describes_every_api_route(app: Any, client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    described = {f"/api/v1{path}".replace("{uscc}", "<code>") for path in document["paths"]}
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")
              and r.rule != "/api/v1/openapi.json"}
    assert routes <= described, routes - described
    verify = document["paths"]["/codes/verify"]["get"]
    assert {"200", "400", "429"} <= set(verify["responses"])


@pytest.mark.parametrize("url", ["/api/v1/codes/verify", "/api/v1/codes/verify?token=",
                                 "/api/v1/codes/verify?token=abc", "/api/v1/search",
                                 "/api/v1/subjects/123", "/api/v1/nothing-here"])
def test_api_errors_share_one_shape(client: Any, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500
    body = response.get_json()
    assert {"error", "reason", "status"} <= set(body), body
    assert body["status"] == response.status_code


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("POST", "/api/v1/search?q=x", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/api/v1/codes/verify", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/", {"GET", "HEAD", "OPTIONS"}),
    ("GET", "/admin/logout", {"POST", "OPTIONS"}),
])
def test_405_keeps_the_allow_header(client: Any, method: str, url: str,
                                    allowed: set[str]) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
