"""The job status page (issue #16): a large batch delete from the web redirects to it; it shows a progress bar that
htmx polls every 2 s (no inline script), then the result; another user's job is 404; a salesperson has no access."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.jobs.models import Job
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import close_opportunity, start_deleting_closed_opportunities

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(db: None) -> list[str]:
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("CT1", salesperson=salesperson)
    nos = []
    for _ in range(3):
        no = testing.create_opportunity(company, salesperson, activate=True).no
        close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", sales_value=None, by=SYSTEM)
        nos.append(no)
    return nos


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_large_batch_redirects_to_the_job_page_which_shows_progress_then_the_result(
    closed: list[str], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 2
    manager = signed_in(testing.make_manager("mona"))

    posted = manager.post("/opportunities/delete-closed/", {"delete": "1", "confirm": "on"})

    job = Job.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == f"/jobs/{job.pk}/"
    page = manager.get(posted["Location"]).content.decode()
    assert '<progress id="job-progress" max="100" value="0">' in page
    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="/jobs/{job.pk}/"' in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert Opportunity.objects.filter(no__in=closed).count() == 3

    run_queued_jobs()
    partial = manager.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert partial.lstrip().startswith('<div id="job-status"')
    assert '<progress id="job-progress" max="100" value="100">' in partial
    assert "hx-trigger" not in partial  # done: the polling stops
    assert re.search(r'id="job-result">3 closed opportunities and \d+ entries were deleted\.', partial)
    assert not Opportunity.objects.filter(no__in=closed).exists()


def test_a_small_batch_from_the_web_still_shows_its_result_on_the_page(closed: list[str], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 3
    manager = signed_in(testing.make_manager())

    page = manager.post("/opportunities/delete-closed/", {"delete": "1", "confirm": "on"})

    assert page.status_code == 200
    assert 'id="delete-result"' in page.content.decode()
    assert not Job.objects.exists()


def test_another_user_s_job_page_is_404_and_managers_and_administrators_see_it(
    closed: list[str], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    signed_in(testing.make_manager("mona")).post("/opportunities/delete-closed/", {"delete": "1", "confirm": "on"})
    job = Job.objects.get()

    assert signed_in(testing.make_viewer("vera")).get(f"/jobs/{job.pk}/").status_code == 404
    assert signed_in(testing.make_salesperson_user("sam")).get(f"/jobs/{job.pk}/").status_code == 404
    assert signed_in(testing.make_manager("max")).get(f"/jobs/{job.pk}/").status_code == 200
    assert signed_in(testing.make_administrator()).get(f"/jobs/{job.pk}/").status_code == 200
    assert signed_in(testing.make_manager("max2")).get("/jobs/not-a-uuid/").status_code == 404


def test_a_failed_job_shows_its_error(closed: list[str]) -> None:
    manager = testing.make_manager("mona")
    job = start_deleting_closed_opportunities(by=manager)
    manager.groups.clear()
    run_queued_jobs()

    page = signed_in(testing.make_administrator()).get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-error"' in page
    assert "permission_denied" in page
