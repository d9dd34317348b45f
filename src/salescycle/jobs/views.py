"""The job status page (issue #16): a progress bar that htmx refreshes every 2 s until the job is done, then its
result, its error, or the download of the file it wrote (the owner only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salescycle.contacts import permissions
from salescycle.core.errors import NotFound
from salescycle.core.http import AuthedRequest
from salescycle.jobs.models import Job
from salescycle.jobs.runner import kind_label
from salescycle.jobs.selectors import job_file, visible_job


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
    context = {"job": job, "label": kind_label(job.kind), "has_file": job_file(job) is not None}
    template = "jobs/job.html#status" if request.htmx else "jobs/job.html"
    return render(request, template, context)


@require_GET
@login_required
def job_download(request: AuthedRequest, job_id: str) -> FileResponse:
    """The file a finished job wrote (an export), for the user who started the job only: not even an
    Administrator downloads another user's file (they see the job, not its data). 404 otherwise."""
    job = _job_or_404(request, job_id)
    path = job_file(job)
    if path is None or job.created_by_id != request.user.pk:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name.split("-", 1)[-1])
