"""Removing old finished jobs (issue #16): the job records, the files they wrote and the queue's own result rows
(django-tasks-db's ``DBTaskResult``) of tasks that finished, after ``JOBS_KEEP_DAYS``. The worker does it once an
hour (``salescycle run-jobs``); ``salescycle prune-jobs`` does it at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from salescycle.jobs.files import remove_job_files
from salescycle.jobs.models import FINISHED_STATES, Job

# Jobs removed per transaction: a few statements each, whatever the number of old jobs.
PRUNE_CHUNK = 1000


@dataclass(frozen=True)
class PruneResult:
    """How many job records, job files and finished queue rows were removed."""

    jobs: int
    files: int
    task_results: int


def prune_jobs(*, keep_days: int | None = None, now: dt.datetime | None = None) -> PruneResult:
    """Remove the jobs that finished (succeeded or failed) more than ``keep_days`` days (default
    ``JOBS_KEEP_DAYS``, 30) before ``now``, with their files, and the queue's rows of tasks that finished as long
    ago. Queued and running jobs are never touched, however old. Errors: ``ValueError`` for a negative
    ``keep_days``. Implements issue #16 item 1 ("job pruning")."""
    days = settings.JOBS_KEEP_DAYS if keep_days is None else keep_days
    if days < 0:
        raise ValueError(days)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = Job.objects.filter(state__in=FINISHED_STATES, finished_at__lt=cutoff).order_by("pk")
    jobs = files = 0
    while ids := list(old.values_list("pk", flat=True)[:PRUNE_CHUNK]):
        with transaction.atomic():
            jobs += Job.objects.filter(pk__in=ids, state__in=FINISHED_STATES)._raw_delete(Job.objects.db)
        # The files after the rows: a file whose row is gone is never offered again, whatever happens next.
        for job_id in ids:
            files += remove_job_files(job_id)
    finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    task_results = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=cutoff)._raw_delete(
        DBTaskResult.objects.db
    )
    return PruneResult(jobs=jobs, files=files, task_results=task_results)
