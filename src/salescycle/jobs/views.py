"""The job status page (issue #16): a progress bar that htmx refreshes every 2 s until the job is done, then its
result or its error."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salescycle.contacts import permissions
from salescycle.core.errors import NotFound
from salescycle.core.http import AuthedRequest
from salescycle.jobs.models import Job
from salescycle.jobs.runner import kind_label
from salescycle.jobs.selectors import visible_job


def _job_or_404(request: AuthedRequest, job_id: str) -> Job:
    permissions.require_for_page(permissions.require_read, request.user)
    try:
        return visible_job(job_id, request.user)
    except NotFound as error:
        raise Http404(error.message) from error


@require_GET
@login_required
def job_detail(request: AuthedRequest, job_id: str) -> HttpResponse:
    """The status page of a job the user started (Administrators: any); 404 otherwise. An htmx request (the
    page's own polling) gets only the status part."""
    job = _job_or_404(request, job_id)
    context = {"job": job, "label": kind_label(job.kind)}
    template = "jobs/job.html#status" if request.htmx else "jobs/job.html"
    return render(request, template, context)
