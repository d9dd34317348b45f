"""Next and Close (Lost), through the API and the web wizards, run a fixed number of SQL queries, whatever the
opportunity's history (issue #13 item 9; the figures of ``bench/README.md`` "Writes").

The counts are those of the test database, where every request runs inside the test's transaction: the API's and
the services' transactions are savepoints here (two queries each), a BEGIN/COMMIT in production. What they are, for
Next through the API: the token's user with roles; the handler's and the service's savepoints; the opportunity
locked; the cycle and its stages; the active entry; the WorkDate; the old entry deactivated; the new entry; the
activity's steps; the task number series (savepoint, locked read, numbers given by hand, update, release); the
tasks; the opportunity's state; the answer's read with its names."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.services import update_opportunity
from salescycle.tasks.models import Task
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

# (face, action) -> queries of one request (before issue #13 item 9: 23, 18, 33 and 25)
EXPECTED = {
    ("api", "update"): 21,
    ("api", "close"): 16,
    ("web", "update"): 26,
    ("web", "close"): 18,
}
BODIES = {
    "update": {"action_type": "next"},
    "close": {"outcome": "lost", "close_opportunity_code": "PRICE_L", "cancel_old_tasks": True},
}


def _opportunity(history: int) -> str:
    """An opportunity In Progress at stage 1 of NEW after ``history`` Update entries and as many open tasks more."""
    contact = testing.make_company()
    salesperson = testing.make_salesperson()
    opportunity = testing.create_opportunity(contact, salesperson, activate=True)
    for index in range(history):
        update_opportunity(opportunity.no, request=UpdateRequest(action_type="update"), by=SYSTEM)
        Task.objects.create(
            no=f"{opportunity.no}-{index}", date=opportunity.creation_date, opportunity_no=opportunity.no
        )
    return str(opportunity.no)


def _send(face: str, action: str, no: str, api: ApiClient, web: Client) -> Any:
    if face == "api":
        response = api.post(f"/opportunities/{no}/{action}", BODIES[action])
        assert response.status_code == 200, response.content
        return response
    form = {name: ("on" if value is True else value) for name, value in BODIES[action].items()}
    response = web.post(f"/opportunities/{no}/{action}/", form)
    assert response.status_code == 302, response.content[:500]
    return response


@pytest.mark.parametrize(("face", "action"), list(EXPECTED))
def test_a_write_runs_a_fixed_number_of_queries(
    face: str, action: str, demo: None, api: ApiClient, client: Client, user: Any
) -> None:
    web = Client()
    web.force_login(user)
    short, long = _opportunity(0), _opportunity(20)
    _send(face, action, _opportunity(0), api, web)  # the first request of a process compiles the prepared reads
    counts = []
    for no in (short, long):
        with CaptureQueriesContext(connection) as queries:
            _send(face, action, no, api, web)
        counts.append(len(queries))
    assert counts == [EXPECTED[(face, action)]] * 2, "\n".join(q["sql"][:120] for q in queries.captured_queries)
