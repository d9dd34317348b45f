"""The Delete Opportunities batch job as a background job (issue #16): chunked steps with exact totals, a crash
after the first step loses nothing and deletes nothing twice, a stale run is picked up again, a superseded run
stops, and the job runs as the user who started it."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.runner import JobRun, Superseded, recover_stale_jobs
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import (
    close_opportunity,
    delete_closed_opportunities_or_start_job,
    start_deleting_closed_opportunities,
)
from salescycle.opportunities.services import delete as delete_module
from salescycle.opportunities.tests.conftest import D, day

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """Stands for ``kill -9`` of the worker: nothing of ours catches it; the job is left as a dead worker leaves it."""


def closed(contact: Any, salesperson: Any, outcome: str = "won", on: int = 2) -> str:
    no = testing.create_opportunity(contact, salesperson, activate=True).no
    code = "PRICE_W" if outcome == "won" else "PRICE_L"
    close_opportunity(
        no, outcome=outcome, close_opportunity_code=code, date_closed=day(on), sales_value=D(1), by=SYSTEM
    )
    return no


@pytest.fixture
def world(salesperson: Any, company: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Seven closed opportunities (five closed on day 2, two on day 9), one open one; steps of two keys."""
    monkeypatch.setattr(delete_module, "JOB_CHUNK", 2)
    early = [closed(company, salesperson, on=2) for _ in range(5)]
    late = [closed(company, salesperson, outcome="lost", on=9) for _ in range(2)]
    open_no = testing.create_opportunity(company, salesperson, activate=True).no
    return {"early": early, "late": late, "open": open_no, "manager": testing.make_manager()}


def entries_of(nos: list[str]) -> int:
    return OpportunityEntry.objects.filter(opportunity_id__in=nos).count()


def test_a_batch_over_the_limit_becomes_a_job_that_deletes_in_steps_with_exact_totals(
    world: dict[str, Any], settings: Any
) -> None:
    settings.JOBS_SYNC_LIMIT = 3
    expected_entries = entries_of(world["early"])

    job = delete_closed_opportunities_or_start_job(by=world["manager"], date_closed_to=day(5))

    assert isinstance(job, Job)
    assert (job.state, job.kind, job.created_by) == (JobState.QUEUED, "opportunities.delete_closed", world["manager"])
    assert job.parameters == {"date_closed_to": day(5).isoformat()}
    assert Opportunity.objects.filter(no__in=world["early"]).count() == 5  # nothing deleted in the request
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.progress == 100
    assert job.result == {"deleted_opportunities": 5, "deleted_entries": expected_entries}
    assert job.checkpoint["after"] == max(world["early"])
    assert not Opportunity.objects.filter(no__in=world["early"]).exists()
    assert Opportunity.objects.filter(no__in=[*world["late"], world["open"]]).count() == 3


def test_a_batch_within_the_limit_is_deleted_in_the_request(world: dict[str, Any], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 5

    result = delete_closed_opportunities_or_start_job(by=world["manager"], date_closed_to=day(5))

    assert not isinstance(result, Job)
    assert result.deleted_opportunities == 5
    assert not Job.objects.exists()


def test_a_crash_after_the_first_step_loses_nothing_and_deletes_nothing_twice(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected_entries = entries_of(world["early"])
    job = start_deleting_closed_opportunities(by=world["manager"], date_closed_to=day(5))
    real_delete = delete_module._delete
    calls: list[list[str]] = []

    def crashing_delete(nos: list[str]) -> Any:
        calls.append(nos)
        if len(calls) == 2:
            raise Crash  # in the middle of the second step, before its commit
        return real_delete(nos)

    monkeypatch.setattr(delete_module, "_delete", crashing_delete)
    run_queued_jobs()  # django-tasks-db records its task as failed; our job stays as the dead worker left it

    job.refresh_from_db()
    first_step = sorted(world["early"])[:2]
    assert job.state == JobState.RUNNING  # as a dead worker leaves it
    assert job.checkpoint["deleted_opportunities"] == 2
    assert job.checkpoint["after"] == first_step[-1]
    assert job.progress == 40
    assert not Opportunity.objects.filter(no__in=first_step).exists()
    assert Opportunity.objects.filter(no__in=world["early"]).count() == 3  # the crashed step was rolled back

    assert recover_stale_jobs() == []  # its lease has not passed yet: a live worker could still be on it
    assert recover_stale_jobs(older_than=dt.timedelta(0)) == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    monkeypatch.setattr(delete_module, "_delete", real_delete)
    assert run_queued_jobs() == 1

    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.attempts == 2
    assert job.result == {"deleted_opportunities": 5, "deleted_entries": expected_entries}
    assert not Opportunity.objects.filter(no__in=world["early"]).exists()
    assert Opportunity.objects.filter(no__in=[*world["late"], world["open"]]).count() == 3
    assert entries_of([*world["late"], world["open"]]) > 0


def test_a_run_that_lost_its_lease_stops_without_writing(world: dict[str, Any]) -> None:
    job = start_deleting_closed_opportunities(by=world["manager"])
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now())
    job.refresh_from_db()
    old_run = JobRun(job)
    Job.objects.filter(pk=job.pk).update(attempts=2)  # another worker claimed it after the lease passed

    with pytest.raises(Superseded), old_run.step() as checkpoint:
        checkpoint["deleted_opportunities"] = 99

    job.refresh_from_db()
    assert job.checkpoint == {}


def test_the_job_runs_as_its_user_and_fails_when_he_may_no_longer_batch_delete(world: dict[str, Any]) -> None:
    job = start_deleting_closed_opportunities(by=world["manager"])
    world["manager"].groups.clear()

    run_queued_jobs()

    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "permission_denied")
    assert job.error_message
    assert Opportunity.objects.filter(no__in=world["early"]).count() == 5


def test_a_salesperson_cannot_start_the_job(world: dict[str, Any]) -> None:
    user = testing.make_salesperson_user()
    with pytest.raises(Exception, match="permission_denied"):
        start_deleting_closed_opportunities(by=user)
    assert not Job.objects.exists()


def test_the_command_queues_the_job_with_background_and_salescycle_job_shows_it(world: dict[str, Any]) -> None:
    out = StringIO()
    call_command("delete_closed_opportunities", "--date-closed-to", day(5).isoformat(), "--background", stdout=out)

    job = Job.objects.get()
    assert f"Queued job {job.pk}" in out.getvalue()
    assert job.created_by is None  # the system: Administrators see it
    run_queued_jobs()
    shown = StringIO()
    call_command("job", str(job.pk), stdout=shown)
    assert '"state": "succeeded"' in shown.getvalue()
    assert '"deleted_opportunities": 5' in shown.getvalue()
