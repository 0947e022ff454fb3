"""Fuzzing the HTTP API from its own OpenAPI description: no request gets a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from searchnews.web import create_app

schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def schema(corpus_index):
    return schemathesis.openapi.from_wsgi("/openapi.json", create_app(str(corpus_index)))


def test_no_request_gets_a_server_error(schema):
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    for operation in operations:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def check(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append((case.path, case.query, response.status_code))

        check()
    assert failures == []
