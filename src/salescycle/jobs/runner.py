"""Running long work in the background (issue #16): the job kinds, starting a job, the worker's task that runs it,
the chunk transactions that record its progress, and the recovery of jobs whose worker died.

The queue is django-tasks' database backend (``django_tasks_db``): the task row is written in the same transaction
as our :class:`~salescycle.jobs.models.Job`, so a job is queued exactly when its record exists, on SQLite and on
PostgreSQL alike, with no other server. The worker is ``salescycle run-jobs`` (``make run`` starts it beside
gunicorn).

Safe to retry: a job function does its work in :meth:`JobRun.step` transactions, each of which also writes the
job's checkpoint (counts so far, the last key done) and heartbeat. A worker killed mid-job (``kill -9``) loses only
the step it had not committed; the job stays ``running`` with a heartbeat that stops moving, and
:func:`recover_stale_jobs` (run by every worker between tasks) queues it again once the lease has passed. The next
run starts from the committed checkpoint, so nothing is done twice and the totals stay exact. A run that lost its
lease (another attempt claimed the job) stops at its next step (:class:`Superseded`) without writing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from salescycle.core.actors import SYSTEM, Actor, user_of
from salescycle.core.errors import DomainError
from salescycle.jobs.models import FINISHED_STATES, Job, JobState

logger = logging.getLogger(__name__)

JobFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its stable name, a label for people, and the function that does the work, called as
    ``function(run, by=actor, **parameters)`` and returning the result (a JSON object)."""

    name: str
    label: Any
    function: JobFunction


_KINDS: dict[str, JobKind] = {}


def register(name: str, *, label: Any, function: JobFunction) -> JobKind:
    """Make ``name`` a kind of job run by ``function`` (the app that owns the work registers it when it loads, so
    that every process, web and worker, knows it). Registering the same name again replaces it."""
    kind = JobKind(name=name, label=label, function=function)
    _KINDS[name] = kind
    return kind


def kind_label(name: str) -> str:
    """The translated label of the kind ``name`` (the name itself for a kind no longer registered)."""
    kind = _KINDS.get(name)
    return str(kind.label) if kind else name


class Interrupted(Exception):
    """The worker is stopping (SIGTERM, Ctrl+C): the run stops before its next step and the job is queued again."""


_stop_requested = False


def request_stop() -> None:
    """Ask the running job to stop before its next step (the worker's signal handler calls it): the job goes back
    to the queue at once, so the next worker continues it from its last committed step."""
    global _stop_requested
    _stop_requested = True


class Superseded(Exception):
    """This run lost the job: the lease passed and another attempt claimed it, or it finished meanwhile."""


def _json(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as it reads back from a JSON column (dates as ISO text, decimals as strings)."""
    return dict(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def in_current_language(**parameters: Any) -> dict[str, Any]:
    """A job's ``parameters`` with ``language``: the active language of the request that starts the job (else the
    site's), so that a job writing texts for people (a file, a report) writes them as the page that started it
    would. The job function takes ``language`` and runs under ``translation.override(language)``."""
    return {**parameters, "language": translation.get_language() or settings.LANGUAGE_CODE}


def start_job(kind: str, *, by: Actor, parameters: dict[str, Any]) -> Job:
    """Record a job of ``kind`` with ``parameters`` (a JSON object; dates become ISO text) started by ``by`` and
    queue it for the worker, in one transaction: either both exist or neither. The caller (a service) has checked
    that ``by`` may do the work; the job function checks it again when it runs, as ``by``. Returns the queued job.
    Raises ``KeyError`` for a kind nobody registered (a bug). Implements issue #16 item 1."""
    if kind not in _KINDS:
        raise KeyError(kind)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, parameters=_json(parameters), created_by=user_of(by))
        _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


class JobRun:
    """One attempt at running a job, handed to the job function: its parameters, the committed checkpoint, and
    :meth:`step` to do one chunk of work and record it."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.attempt = job.attempts
        self.parameters: dict[str, Any] = dict(job.parameters)
        self.checkpoint: dict[str, Any] = dict(job.checkpoint)
        self.progress = job.progress

    @contextmanager
    def step(self) -> Iterator[dict[str, Any]]:
        """One transaction of work: locks the job row, checks this run still owns it (else :class:`Superseded`),
        yields the checkpoint to update, and on success writes it with :attr:`progress` (0–99) and the heartbeat in
        the same transaction as the work. An exception rolls back the work and the checkpoint together. Raises
        :class:`Interrupted` before starting when the worker is stopping."""
        if _stop_requested:
            raise Interrupted(str(self.job_id))
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=self.job_id)
            if job.attempts != self.attempt or job.state != JobState.RUNNING:
                raise Superseded(str(self.job_id))
            checkpoint = dict(job.checkpoint)
            yield checkpoint
            job.checkpoint = checkpoint
            job.progress = max(0, min(99, int(self.progress)))
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["checkpoint", "progress", "heartbeat_at"])
        self.checkpoint = checkpoint


def percent(done: int, total: int) -> int:
    """``done`` of ``total`` as a whole percentage for a running job: 0–99 (100 is for a finished job only)."""
    if total <= 0:
        return 0
    return max(0, min(99, done * 100 // total))


def _claim(job_id: str) -> tuple[JobRun, Job] | None:
    """Take the job for a new attempt (``running``, attempts + 1, heartbeat now); None when it is already finished
    (a duplicate task) or gone."""
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("created_by").filter(pk=job_id).first()
        if job is None or job.state in FINISHED_STATES:
            return None
        now = timezone.now()
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at"])
    return JobRun(job), job


def _finish(run: JobRun, *, result: dict[str, Any] | None = None, error: DomainError | None = None) -> None:
    """Record the end of ``run``: succeeded with ``result`` (progress 100) or failed with ``error``'s code and
    message; nothing when another attempt owns the job by now."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=run.job_id)
        if job.attempts != run.attempt or job.state != JobState.RUNNING:
            return
        job.finished_at = timezone.now()
        if error is None:
            job.state, job.progress, job.result = JobState.SUCCEEDED, 100, _json(result or {})
        else:
            job.state, job.error_code, job.error_message = JobState.FAILED, error.code, error.message
        job.save(update_fields=["state", "progress", "result", "error_code", "error_message", "finished_at"])


def _requeue(run: JobRun) -> None:
    """Put the job of an interrupted ``run`` back in the queue (when it still owns it)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=run.job_id)
        if job.attempts != run.attempt or job.state != JobState.RUNNING:
            return
        job.state = JobState.QUEUED
        job.save(update_fields=["state"])
        _enqueue(job)
    logger.info("job %s: the worker is stopping; queued again after its last committed step", run.job_id)


@task()
def run_job(job_id: str) -> None:
    """The worker's task: run the job ``job_id`` as the user who started it, from its committed checkpoint. A
    :class:`DomainError` (a refused rule, e.g. the user lost the right) fails the job with its code; any other
    exception fails it with ``job.failed`` and is logged with its traceback. A crash of the worker itself (or a
    ``BaseException``) leaves it ``running`` for :func:`recover_stale_jobs`."""
    claimed = _claim(job_id)
    if claimed is None:
        return
    run, job = claimed
    actor: Actor = job.created_by if job.created_by is not None else SYSTEM
    kind = _KINDS.get(job.kind)
    try:
        if kind is None:
            raise DomainError("job.unknown_kind", gettext_lazy("This kind of job is not known to this server."))
        result = kind.function(run, by=actor, **run.parameters)
    except Superseded:
        logger.info("job %s: attempt %s lost its lease and stopped", job_id, run.attempt)
    except Interrupted:
        _requeue(run)
    except DomainError as error:
        _finish(run, error=error)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(run, error=DomainError("job.failed", _("The job failed unexpectedly. Start it again to continue.")))
    else:
        _finish(run, result=result)


def lease() -> dt.timedelta:
    """How long a running job's heartbeat may stand still before its worker counts as dead
    (``JOBS_LEASE_SECONDS``)."""
    return dt.timedelta(seconds=settings.JOBS_LEASE_SECONDS)


def recover_stale_jobs(*, older_than: dt.timedelta | None = None) -> list[uuid.UUID]:
    """Queue again every running job whose heartbeat is older than ``older_than`` (default :func:`lease`): its
    worker died (``kill -9``, a lost machine). The library's task row of the dead attempt is marked failed. Returns
    the ids queued again. Implements issue #16 item 1 ("safe to retry after a crash")."""
    limit = timezone.now() - (lease() if older_than is None else older_than)
    recovered: list[uuid.UUID] = []
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=limit).values_list("pk", flat=True)
    for job_id in list(stale):
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            if job.state != JobState.RUNNING or job.heartbeat_at is None or job.heartbeat_at >= limit:
                continue
            if job.task_id:
                DBTaskResult.objects.filter(pk=job.task_id, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED, finished_at=timezone.now()
                )
            job.state = JobState.QUEUED
            job.save(update_fields=["state"])
            _enqueue(job)
        logger.warning("job %s (%s): its worker stopped answering; queued again", job_id, job.kind)
        recovered.append(job_id)
    return recovered
