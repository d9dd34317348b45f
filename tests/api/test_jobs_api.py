"""Background jobs over the API (issue #16): a large delete-closed answers 202 with the job and its Location, the
job is polled to done through ``GET /api/v1/jobs/{id}``; another user's job is 404; a small batch keeps its 200
answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.core.actors import SYSTEM
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import close_opportunity
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(demo: None) -> list[str]:
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("CT1", salesperson=salesperson)
    nos = []
    for _ in range(4):
        no = testing.create_opportunity(company, salesperson, activate=True).no
        close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", sales_value=None, by=SYSTEM)
        nos.append(no)
    return nos


def client_for(user: Any) -> ApiClient:
    return ApiClient(Client(), create_token(user, name="tests")[1])


def test_a_large_batch_answers_202_with_the_job_and_is_polled_to_done(
    api: ApiClient, closed: list[str], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 2

    response = api.post("/opportunities/delete-closed", {"salesperson_code": "SP1"})

    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert response["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["state"], job["progress"], job["result"], job["error"]) == ("queued", 0, None, None)
    assert job["kind"] == "opportunities.delete_closed"
    assert job["parameters"] == {"salesperson_code": "SP1"}
    assert job["status_url"] == f"/jobs/{job['id']}/"
    assert job["created_by"] == "alice"
    assert Opportunity.objects.filter(no__in=closed).count() == 4

    run_queued_jobs()
    polled = api.get(f"/jobs/{job['id']}")

    assert polled.status_code == 200
    done = polled.json()
    assert (done["state"], done["progress"], done["error"]) == ("succeeded", 100, None)
    assert done["result"]["deleted_opportunities"] == 4
    assert done["result"]["deleted_entries"] >= 8
    assert done["started_at"]
    assert done["finished_at"]
    assert not Opportunity.objects.filter(no__in=closed).exists()


def test_a_small_batch_keeps_its_200_answer(api: ApiClient, closed: list[str], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 4

    response = api.post("/opportunities/delete-closed", {"salesperson_code": "SP1"})

    assert response.status_code == 200
    assert set(response.json()) == {"deleted_opportunities", "deleted_entries"}
    assert response.json()["deleted_opportunities"] == 4


def test_a_dry_run_stays_synchronous_whatever_its_size(api: ApiClient, closed: list[str], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 0

    response = api.post("/opportunities/delete-closed", {"dry_run": True})

    assert response.status_code == 200
    assert response.json()["deleted_opportunities"] == 4


def test_another_user_s_job_is_404_and_managers_and_administrators_see_it(
    api: ApiClient, closed: list[str], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    manager = testing.make_manager("mona")
    job_id = client_for(manager).post("/opportunities/delete-closed", {}).json()["job"]["id"]

    for other in (testing.make_viewer("vera"), testing.make_salesperson_user("sam")):
        refused = client_for(other).get(f"/jobs/{job_id}")
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found"
    assert client_for(manager).get(f"/jobs/{job_id}").status_code == 200
    assert client_for(testing.make_manager("max")).get(f"/jobs/{job_id}").status_code == 200
    assert api.get(f"/jobs/{job_id}").json()["created_by"] == "mona"  # alice is an Administrator


@pytest.mark.parametrize("job_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_job_is_404(api: ApiClient, job_id: str) -> None:
    response = api.get(f"/jobs/{job_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_idempotent_retry_of_a_large_batch_starts_no_second_job(
    api: ApiClient, closed: list[str], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    first = api.post("/opportunities/delete-closed", {}, **{"Idempotency-Key": "k-1"})
    again = api.post("/opportunities/delete-closed", {}, **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 202
    assert again.json()["job"]["id"] == first.json()["job"]["id"]
    assert again["Location"] == first["Location"]
    assert run_queued_jobs() == 1
