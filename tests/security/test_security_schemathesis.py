"""schemathesis against /api/v1/openapi.json: property-based requests for every operation,
each answer checked against the document (status codes, content types, response schemas and
headers) and for server errors. Bounded examples keep it to about a minute."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

# Excluded: "a schema-valid request must be accepted". A token or code that has the right
# form but does not verify is a documented 400 (malformed); JSON Schema cannot say that.
from schemathesis.specs.openapi.checks import positive_data_acceptance

from webapp.rules.kinds import RecordKind

EXAMPLES = 60


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "RATELIMIT_API": "100000 per minute"}


@pytest.fixture
def api_schema(app: Any, shop: Any, make_subject: Any, make_record: Any, db_session: Any) -> Any:
    """A few subjects and records, so searches and look-ups also answer with content."""
    make_record(shop, kind=RecordKind.PENALTY.value, facts="销售过期食品",
                repair_eligible_on=date(2026, 1, 1))
    person = make_subject(name="张三", subject_type="自然人", id_number="231102198001011234")
    make_record(person, kind=RecordKind.LIST.value, list_type="失信被执行人")
    db_session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_api_answers_as_documented(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} == {"/search", "/subjects/{uscc}", "/codes/verify"}
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            statuses.append(response.status_code)

        check()
    print(f"\nschemathesis: {len(statuses)} requests, statuses {sorted(set(statuses))}")
    assert len(statuses) >= 2 * EXAMPLES and 200 in statuses and 400 in statuses
