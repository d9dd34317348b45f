"""A token's ``last_used_at`` is written once the answer has gone out (``request_finished``), at most once a minute:
the request itself never waits for that write (on SQLite it would queue behind a background job's step for the one
write lock; issue #16 "no request over 1 s")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescycle.apitokens.models import ApiToken
from salescycle.apitokens.tokens import record_token_use, user_for_token
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_request_records_its_token_use_after_the_answer(api: ApiClient, token: str) -> None:
    assert ApiToken.objects.get().last_used_at is None
    assert api.get("/api/v1/me").status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    # Within the minute a second request writes nothing.
    assert api.get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get().last_used_at == first


def test_the_write_waits_for_the_end_of_the_request_not_in_it(token: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        user = user_for_token(token)
    assert user is not None
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at is None
    record_token_use()  # what request_finished runs once the answer is out (wired: the test above)
    assert ApiToken.objects.get().last_used_at is not None
    # Sent once: the next finished request (without a token) writes nothing more.
    ApiToken.objects.update(last_used_at=None)
    record_token_use()
    assert ApiToken.objects.get().last_used_at is None


def test_an_old_use_is_refreshed(api: ApiClient, token: str) -> None:
    stale = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ApiToken.objects.update(last_used_at=stale)
    assert api.get("/api/v1/me").status_code == 200
    recorded: Any = ApiToken.objects.get().last_used_at
    assert recorded > stale
