"""Reading jobs: who may see which (issue #16)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from salescycle.contacts import permissions
from salescycle.core.actors import Actor, System, is_system
from salescycle.core.records import not_found
from salescycle.jobs.models import Job


def sees_all_jobs(user: Actor) -> bool:
    """True for those who see every job: the system, superusers, Administrators and Sales Managers (they see and
    change every opportunity, so no job's work or file shows them anything they could not read themselves)."""
    return permissions.access(user).changes_all


def can_see_job(user: Actor, job: Job) -> bool:
    """A user sees the jobs he started; Sales Managers, Administrators (and the system) see every job."""
    if sees_all_jobs(user):
        return True
    if isinstance(user, System) or not user.is_authenticated:
        return False
    return job.created_by_id is not None and job.created_by_id == user.pk


def visible_jobs(by: Actor) -> QuerySet[Job]:
    """The jobs ``by`` may see (:func:`can_see_job`), unordered: his own, or all of them for those who see all
    jobs; none for an anonymous user or one without a role. Implements issue #16 (the job list)."""
    jobs = Job.objects.select_related("created_by")
    if sees_all_jobs(by):
        return jobs
    if isinstance(by, System) or not by.is_authenticated or not permissions.access(by).may_read:
        return jobs.none()
    return jobs.filter(created_by_id=by.pk)


def visible_job(job_id: object, by: Actor) -> Job:
    """The job ``job_id`` (its UUID, as text or UUID) if ``by`` may see it. Errors: 404 ``not_found`` for an id
    that is not a UUID, an unknown job and another user's job alike (api.md "Visibility"). Implements issue #16."""
    try:
        key = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise not_found(Job, job_id) from None
    job = Job.objects.select_related("created_by").filter(pk=key).first()
    if job is None or not (is_system(by) or can_see_job(by, job)):
        raise not_found(Job, job_id)
    return job
