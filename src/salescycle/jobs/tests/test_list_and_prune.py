"""The job list (web ``/jobs/`` and ``GET /api/v1/jobs``: one's own jobs, every job for Sales Managers and
Administrators, newest first, paged) and the pruning of old finished jobs with their files and queue rows
(issue #16)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.jobs.files import job_file, write_job_file
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.prune import prune_jobs
from salescycle.jobs.runner import start_job
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities.services import DELETE_CLOSED_JOB

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    testing.demo_setup()
    return {
        "mona": testing.make_manager("mona"),
        "sam": testing.make_salesperson_user("sam"),
        "vera": testing.make_viewer("vera"),
    }


def started(user: Any, *, days_ago: int = 0) -> Job:
    job = start_job(DELETE_CLOSED_JOB, by=user, parameters={})
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return job


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_token(user, name='t')[1]}"})


def test_the_api_lists_one_s_own_jobs_newest_first_and_managers_see_all(people: dict[str, Any]) -> None:
    old, new = started(people["sam"], days_ago=2), started(people["sam"])
    other = started(people["vera"], days_ago=1)

    own = api(people["sam"]).get("/api/v1/jobs").json()
    assert [item["id"] for item in own["items"]] == [str(new.pk), str(old.pk)]
    assert (own["count"], own["next"]) == (2, None)
    assert own["items"][0]["kind_label"] == "Delete Closed Opportunities"

    first = api(people["mona"]).get("/api/v1/jobs?limit=2").json()
    assert [item["id"] for item in first["items"]] == [str(new.pk), str(other.pk)]
    assert first["count"] == 3
    rest = api(people["mona"]).get(f"/api/v1/jobs?limit=2&cursor={first['next']}").json()
    assert [item["id"] for item in rest["items"]] == [str(old.pk)]
    assert api(people["mona"]).get("/api/v1/jobs?state=succeeded").json()["count"] == 0

    assert api(people["vera"]).get("/api/v1/jobs").json()["count"] == 1
    assert api(people["sam"]).get("/api/v1/jobs?state=nonsense").json()["code"] == "invalid_input"
    assert api(people["sam"]).get("/api/v1/jobs?limit=501").json()["code"] == "invalid_input"
    assert api(people["sam"]).get("/api/v1/jobs?cursor=zz").json()["code"] == "invalid_input"


def test_the_job_list_page_shows_one_s_own_jobs_and_managers_see_all(
    people: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    mine = started(people["sam"])
    other = started(people["vera"])
    client = Client()
    client.force_login(people["sam"])

    page = client.get("/jobs/").content.decode()

    assert f'href="/jobs/{mine.pk}/"' in page
    assert f'href="/jobs/{other.pk}/"' not in page
    assert "Delete Closed Opportunities" in page
    manager = Client()
    manager.force_login(people["mona"])
    manager.get("/jobs/")
    with django_assert_max_num_queries(8):
        everything = manager.get("/jobs/").content.decode()
    assert f'href="/jobs/{mine.pk}/"' in everything
    assert f'href="/jobs/{other.pk}/"' in everything
    no_role = Client()
    no_role.force_login(testing.make_user("nobody"))
    assert no_role.get("/jobs/").status_code == 403


def test_pruning_removes_old_finished_jobs_with_their_files_and_queue_rows_only(
    people: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.JOBS_FILES_DIR = tmp_path
    old_done, recent_done, old_running = started(people["mona"]), started(people["mona"]), started(people["mona"])
    run_queued_jobs()
    long_ago = timezone.now() - dt.timedelta(days=31)
    Job.objects.filter(pk=old_done.pk).update(finished_at=long_ago)
    Job.objects.filter(pk=old_running.pk).update(state=JobState.RUNNING, finished_at=None, created_at=long_ago)
    DBTaskResult.objects.filter(pk=old_done.task_id).update(finished_at=long_ago)
    for job in (old_done, recent_done):
        write_job_file(job.pk, "csv", lambda output: output.write(b"x"))

    out = StringIO()
    call_command("prune_jobs", stdout=out)

    assert "Removed 1 job(s)" in out.getvalue()
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, old_running.pk}
    assert not job_file(old_done.pk, "csv").exists()
    assert job_file(recent_done.pk, "csv").exists()
    assert not DBTaskResult.objects.filter(pk=old_done.task_id).exists()
    assert DBTaskResult.objects.filter(pk=recent_done.task_id).exists()
    assert prune_jobs(keep_days=0).jobs == 1  # keep none: the recent finished one goes, the running one stays
    assert list(Job.objects.values_list("pk", flat=True)) == [old_running.pk]
