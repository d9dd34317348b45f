"""``salescycle import-maven DIR --background`` (issue #16): the import queued as a background job runs the same
import as the command (same result), a second one imports nothing twice, and bad data fails the job with nothing
written."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from salescycle.demo.maven import import_maven, read_folder
from salescycle.demo.tests.conftest import maven_dir
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

FILES = ("accounts.csv", "products.csv", "sales_teams.csv", "sales_pipeline.csv")
DEALS = 120


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The Maven CRM files with the first :data:`DEALS` deals only (a quick import)."""
    for name in FILES:
        shutil.copyfile(maven_dir() / name, tmp_path / name)
    pipeline = tmp_path / "sales_pipeline.csv"
    lines = pipeline.read_text(encoding="utf-8").splitlines(keepends=True)
    pipeline.write_text("".join(lines[: DEALS + 1]), encoding="utf-8")
    return tmp_path


def queued(folder: Path) -> Job:
    out = StringIO()
    call_command("import_maven", str(folder), "--background", stdout=out)
    job = Job.objects.order_by("-created_at").first()
    assert job is not None
    assert f"Queued job {job.pk}" in out.getvalue()
    return job


def test_the_background_import_imports_what_the_command_imports_and_nothing_twice(folder: Path) -> None:
    job = queued(folder)
    assert not Opportunity.objects.exists()
    assert (job.kind, job.created_by, job.parameters["folder"]) == ("demo.import_maven", None, str(folder.resolve()))

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error_message
    assert job.result is not None
    assert job.result["opportunities"] == DEALS
    assert job.result["skipped"] == 0
    assert Opportunity.objects.count() == DEALS
    out = StringIO()
    call_command("job", str(job.pk), stdout=out)
    assert json.loads(out.getvalue())["result"]["opportunities"] == DEALS

    again = queued(folder)
    run_queued_jobs()
    again.refresh_from_db()
    assert again.result is not None
    assert (again.result["opportunities"], again.result["skipped"]) == (0, DEALS)
    assert Opportunity.objects.count() == DEALS
    # The same function as the command: the import of the same data in the request gives the same (skipped) counts.
    assert import_maven(read_folder(folder, as_of=dt.date(2017, 12, 31))).skipped == DEALS


def test_bad_data_fails_the_job_and_writes_nothing(folder: Path) -> None:
    pipeline = folder / "sales_pipeline.csv"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").replace(",Won,", ",Nonsense,", 1), encoding="utf-8")
    job = queued(folder)

    run_queued_jobs()

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error_code == "maven.bad_data"
    assert "nothing was imported" in job.error_message
    assert not Opportunity.objects.exists()
