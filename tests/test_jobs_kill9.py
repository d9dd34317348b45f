"""A real ``kill -9`` of the background worker in the middle of a batch delete (issue #16: "kill -9 of the worker
mid-job loses nothing and does not delete twice"): ``salescycle run-jobs`` runs as a separate process against a
file SQLite database (or the PostgreSQL test database when the suite runs on PostgreSQL), is killed with SIGKILL
once the job's first step has committed, and a second worker, with a one-second lease, takes the job over. In the
end every matching opportunity was deleted exactly once (exact counts), with its entries and comments, nothing
else was touched, and the job succeeded.

The workers run the real command; only their step size and pace are set for the test (five keys a step, a pause
inside each step's transaction, so the kill lands in the middle of a step)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.jobs.models import Job, JobState
from salescycle.opportunities.models import Opportunity, OpportunityComment, OpportunityEntry
from salescycle.opportunities.services import add_comment, close_opportunity, start_deleting_closed_opportunities

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SOURCE = Path(__file__).resolve().parents[1] / "src"
MATCHING = 30
STEP = 5

# The worker: the real `run-jobs` command, with small steps that pause before they commit.
WORKER = """
import os, sys, time
import django
django.setup()
from django.core.management import call_command
from salescycle.opportunities.services import delete
delete.JOB_CHUNK = int(os.environ["KILL9_STEP"])
real_delete = delete._delete
def slow_delete(nos):
    done = real_delete(nos)
    time.sleep(float(os.environ["KILL9_PAUSE"]))
    return done
delete._delete = slow_delete
call_command("run_jobs", *sys.argv[1:])
"""


def close(no: str, *, on: dt.date) -> None:
    close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", date_closed=on, sales_value=None, by=SYSTEM)


def snapshot(nos: list[str]) -> dict[str, tuple[int, int]]:
    """Entries and comments of each of ``nos`` that still exists."""
    return {
        no: (
            OpportunityEntry.objects.filter(opportunity_id=no).count(),
            OpportunityComment.objects.filter(opportunity_id=no).count(),
        )
        for no in Opportunity.objects.filter(no__in=nos).values_list("no", flat=True)
    }


class Database:
    """Where the worker processes find the test's data: a file copy of the in-memory SQLite test database (copied
    back afterwards), or the PostgreSQL test database itself (its rows are committed: a transactional test)."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.file = tmp_path / "kill9.sqlite3"
        settings = connection.settings_dict
        if self.vendor == "sqlite":
            self.url = f"sqlite:///{self.file}"
        else:
            user, password = settings["USER"], settings["PASSWORD"]
            credentials = f"{user}:{password}@" if password else f"{user}@"
            self.url = f"postgres://{credentials}{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"

    def export(self) -> None:
        if self.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(self.file) as target:
                connection.connection.backup(target)

    def import_back(self) -> None:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file) as source:
                source.backup(connection.connection)

    def checkpoint(self, job_id: Any) -> dict[str, Any]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file, timeout=10) as reader:
                row = reader.execute("SELECT checkpoint FROM jobs_job WHERE id = ?", [job_id.hex]).fetchone()
            return dict(json.loads(row[0])) if row else {}
        return dict(Job.objects.values_list("checkpoint", flat=True).get(pk=job_id))

    def worker(self, *args: str, pause: float, lease: int = 120) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "salescycle.settings",
            "PYTHONPATH": str(SOURCE),
            "SALESCYCLE_JOBS_LEASE_SECONDS": str(lease),
            "KILL9_STEP": str(STEP),
            "KILL9_PAUSE": str(pause),
        }
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_worker_killed_with_sigkill_mid_job_loses_nothing_and_deletes_nothing_twice(tmp_path: Path) -> None:
    testing.demo_setup()
    manager = testing.make_manager("mona")
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("CT1", salesperson=salesperson)
    matching, others = [], []
    for index in range(MATCHING + 4):
        no = testing.create_opportunity(company, salesperson, activate=True).no
        add_comment(no, comment=f"Called {index}", by=SYSTEM)
        if index < MATCHING:
            close(no, on=dt.date(2026, 1, 10))
            matching.append(no)
        elif index < MATCHING + 2:
            close(no, on=dt.date(2026, 3, 1))  # closed after the filter's date: stays
            others.append(no)
        else:
            others.append(no)  # open: stays
    expected_entries = OpportunityEntry.objects.filter(opportunity_id__in=matching).count()
    untouched = snapshot(others)
    job = start_deleting_closed_opportunities(by=manager, date_closed_to=dt.date(2026, 1, 31))
    database = Database(tmp_path)
    database.export()

    first = database.worker("--interval", "0.05", pause=0.3)
    try:
        wait_for(lambda: database.checkpoint(job.pk).get("deleted_opportunities", 0) >= STEP, seconds=60, what="step 1")
    finally:
        first.send_signal(signal.SIGKILL)
        output = first.communicate(timeout=10)[0]
    assert first.returncode == -signal.SIGKILL, output
    killed_at = database.checkpoint(job.pk)["deleted_opportunities"]
    assert STEP <= killed_at < MATCHING  # killed mid-job

    time.sleep(1.1)  # the dead worker's lease (one second for the second worker) passes
    second = database.worker("--batch", pause=0, lease=1)
    output = second.communicate(timeout=60)[0]
    assert second.returncode == 0, output
    assert b"Queued again 1 job(s) whose worker had stopped." in output
    database.import_back()

    done = Job.objects.get(pk=job.pk)
    assert done.state == JobState.SUCCEEDED, (done.error_code, done.error_message, output)
    assert done.attempts == 2
    assert done.result == {"deleted_opportunities": MATCHING, "deleted_entries": expected_entries}
    assert done.progress == 100
    assert not Opportunity.objects.filter(no__in=matching).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id__in=matching).exists()
    assert not OpportunityComment.objects.filter(opportunity_id__in=matching).exists()
    assert snapshot(others) == untouched
    assert len(untouched) == len(others)
