"""Create Opportunities from a large segment as a background job (issue #16): over ``JOBS_SYNC_LIMIT`` lines the web
app and the API start a job that creates the same opportunities as the request would, in steps whose checkpoint
(the last segment line done) commits with the creates, so a crash and a retry give every line exactly one
opportunity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.services import create_segment
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.runner import recover_stale_jobs
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import create as create_module
from salescycle.opportunities.tests.conftest import START, D, day

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """Stands for ``kill -9`` of the worker: nothing of ours catches it."""


@pytest.fixture
def segment(salesperson: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A segment of five companies; job steps of two lines."""
    monkeypatch.setattr(create_module, "SEGMENT_JOB_CHUNK", 2)
    contacts = [testing.make_company(f"CT-S{index}") for index in range(1, 6)]
    lines: list[dict[str, Any]] = [{"contact_no": contact.no} for contact in contacts]
    return create_segment(description="Fair visitors", salesperson=salesperson, lines=lines, by=SYSTEM)


def created_by_contact(segment_no: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for contact_no in Opportunity.objects.filter(segment_id=segment_no).values_list("contact_id", flat=True):
        counts[contact_no] = counts.get(contact_no, 0) + 1
    return counts


ARGS: dict[str, Any] = {
    "description": "Fair lead",
    "creation_date": START,
    "activate_first_stage": True,
    "estimates": services.Estimates(D(500), D(15), day(20)),
}


def test_a_segment_over_the_limit_becomes_a_job_that_creates_what_the_request_creates(
    segment: Any, settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 4
    manager = testing.make_manager()

    job = services.create_opportunities_from_segment_or_start_job(segment.no, by=manager, **ARGS)

    assert isinstance(job, Job)
    assert not Opportunity.objects.exists()
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error_message
    assert job.result == {
        "segment_no": segment.no, "created_count": 5, "first_no": "OP000001", "last_no": "OP000005"
    }  # fmt: skip
    assert job.checkpoint["after_line"] == segment.lines.order_by("line_no").last().line_no
    assert created_by_contact(segment.no) == {f"CT-S{index}": 1 for index in range(1, 6)}
    as_job = list(Opportunity.objects.order_by("no").values("contact_id", "salesperson_id", "status", "creation_date"))

    # The same segment within the limit, in the request: the same opportunities (same rule, one function).
    settings.JOBS_SYNC_LIMIT = 5
    Opportunity.objects.all().delete()
    created = services.create_opportunities_from_segment_or_start_job(segment.no, by=manager, **ARGS)
    assert isinstance(created, list)
    in_request = list(
        Opportunity.objects.filter(no__in=[o.no for o in created])
        .order_by("no")
        .values("contact_id", "salesperson_id", "status", "creation_date")
    )
    assert in_request == as_job
    assert {row["status"] for row in as_job} == {"in_progress"}


def test_a_crash_after_the_first_step_creates_no_duplicate_on_retry(
    segment: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    job = services.create_opportunities_from_segment_or_start_job(segment.no, by=testing.make_manager(), **ARGS)
    assert isinstance(job, Job)
    real = create_module._create_for_lines
    calls: list[int] = []

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        created = real(*args, **kwargs)  # the creates of the second step are written…
        if len(calls) == 2:
            raise Crash  # …and the worker dies before the step commits
        return created

    monkeypatch.setattr(create_module, "_create_for_lines", crashing)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # as a dead worker leaves it
    assert job.checkpoint["created"] == 2
    assert Opportunity.objects.filter(segment_id=segment.no).count() == 2  # the crashed step was rolled back

    monkeypatch.setattr(create_module, "_create_for_lines", real)
    assert recover_stale_jobs(older_than=dt.timedelta(0)) == [job.pk]
    assert run_queued_jobs() == 1

    job.refresh_from_db()
    assert job.result is not None
    assert (job.state, job.attempts, job.result["created_count"]) == (JobState.SUCCEEDED, 2, 5)
    assert created_by_contact(segment.no) == {f"CT-S{index}": 1 for index in range(1, 6)}
    assert OpportunityEntry.objects.filter(opportunity__segment_id=segment.no).count() == 5


def test_the_job_refuses_before_starting_what_the_request_refuses(segment: Any, settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    with pytest.raises(DomainError) as refused:
        services.create_opportunities_from_segment_or_start_job(segment.no, by=testing.make_viewer(), **ARGS)
    assert refused.value.code == "permission_denied"
    empty = create_segment(description="Nobody", by=SYSTEM)
    with pytest.raises(DomainError) as empty_refused:
        services.create_opportunities_from_segment_or_start_job(empty.no, by=testing.make_manager(), **ARGS)
    assert empty_refused.value.code == "segment.empty"
    assert not Job.objects.exists()


def test_a_line_refused_later_stops_the_job_with_the_lines_before_it_created(
    segment: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    job = services.create_opportunities_from_segment_or_start_job(segment.no, by=testing.make_manager(), **ARGS)
    assert isinstance(job, Job)
    real = create_module.create_opportunity

    def refusing_the_last(**kwargs: Any) -> Any:
        if kwargs["contact_no"] == "CT-S5":
            raise DomainError("contact.not_found", "Contact CT-S5 does not exist.")
        return real(**kwargs)

    monkeypatch.setattr(create_module, "create_opportunity", refusing_the_last)
    run_queued_jobs()

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error_code == "opportunity.segment_job_stopped"
    assert "Stopped after 4 opportunities" in job.error_message
    assert "Contact CT-S5 does not exist." in job.error_message
    assert Opportunity.objects.filter(segment_id=segment.no).count() == 4


def test_the_web_wizard_and_the_api_start_the_job_for_a_large_segment(segment: Any, settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 4
    manager = testing.make_manager("mona")
    web = Client()
    web.force_login(manager)
    form = {
        "description": "Fair lead",
        "segment_no": segment.no,
        "for_all_segment_contacts": "on",
        "creation_date": START.isoformat(),
        "priority": "normal",
    }
    posted = web.post("/opportunities/new/", form)
    job = Job.objects.get()
    assert (posted.status_code, posted["Location"]) == (302, f"/jobs/{job.pk}/")
    assert job.kind == "opportunities.create_from_segment"

    token = create_token(manager, name="tests")[1]
    answer = Client().post(
        f"/api/v1/segments/{segment.no}/create-opportunities",
        {"description": "Fair lead", "creation_date": START.isoformat()},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 202, answer.content
    assert answer["Location"] == f"/api/v1/jobs/{answer.json()['job']['id']}"
    assert Job.objects.count() == 2
    assert not Opportunity.objects.exists()
