"""Property-based run of the whole API against its own OpenAPI document (schemathesis): no request a client can
send yields a 5xx, and every response conforms to the documented schema. Bounded to ~20 examples per operation."""

from __future__ import annotations

import collections
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from salescycle.apitokens.tokens import create_token
from salescycle.core import testing

SUMMARY: collections.Counter[str] = collections.Counter()


def _load_schema() -> Any:
    from salescycle.wsgi import application

    # The OpenAPI document is generated from the code without touching the database.
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection() -> Any:
    """Schemathesis calls the WSGI app directly, so Django's request signals would close the database connection
    the test's transaction lives on (on PostgreSQL; SQLite's in-memory connection never closes). Django's own test
    client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("C1", salesperson=salesperson)
    testing.create_opportunity(company, salesperson, activate=True)
    testing.create_opportunity(company, salesperson)
    user = testing.make_user("fuzzer", role="Administrator")
    return {"Authorization": f"Bearer {create_token(user)[1]}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx_and_conforms_to_its_schema(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)
    SUMMARY[f"{case.method} {case.operation.path} {response.status_code}"] += 1
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def teardown_module() -> None:
    if SUMMARY:
        by_status: collections.Counter[str] = collections.Counter()
        for key, count in SUMMARY.items():
            by_status[key.rsplit(" ", 1)[1]] += count
        print(
            f"\nschemathesis: {sum(SUMMARY.values())} requests over {len({k.rsplit(' ', 1)[0] for k in SUMMARY})} "
            f"operations; by status: {dict(sorted(by_status.items()))}"
        )
