"""The job pages (issue #16): the list of the user's jobs, a job's status page (a progress bar that htmx refreshes
every 2 s until the job is done, then its result, its error or its file to download) and the file download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salescycle.contacts import permissions
from salescycle.core.errors import InvalidInput, NotFound
from salescycle.core.http import AuthedRequest
from salescycle.core.pagination import Keyset
from salescycle.jobs.files import result_file
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.runner import kind_label
from salescycle.jobs.selectors import sees_all_jobs, visible_job, visible_jobs

LIST_PAGE = 50
LIST_ORDER = Keyset.of(Job, ["-created_at"])


def _job_or_404(request: AuthedRequest, job_id: str) -> Job:
    permissions.require_for_page(permissions.require_read, request.user)
    try:
        return visible_job(job_id, request.user)
    except NotFound as error:
        raise Http404(error.message) from error


@require_GET
@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    """The jobs the user started, newest first (Sales Managers and Administrators: every job), 50 a page with a
    link to the next: kind, state, progress, when, who, and the download of a finished file. Two queries."""
    permissions.require_for_page(permissions.require_read, request.user)
    try:
        jobs, next_cursor = LIST_ORDER.page(visible_jobs(request.user), cursor=request.GET.get("after"), size=LIST_PAGE)
    except InvalidInput:
        jobs, next_cursor = LIST_ORDER.page(visible_jobs(request.user), cursor=None, size=LIST_PAGE)
    rows = [(job, kind_label(job.kind)) for job in jobs]
    context = {"rows": rows, "next_cursor": next_cursor, "all_jobs": sees_all_jobs(request.user)}
    return render(request, "jobs/list.html", context)


@require_GET
@login_required
def job_detail(request: AuthedRequest, job_id: str) -> HttpResponse:
    """The status page of a job the user started (Sales Managers and Administrators: any); 404 otherwise. An htmx
    request (the page's own polling) gets only the status part."""
    job = _job_or_404(request, job_id)
    has_file = job.state == JobState.SUCCEEDED and result_file(job.pk, job.result) is not None
    context = {"job": job, "label": kind_label(job.kind), "has_file": has_file}
    template = "jobs/job.html#status" if request.htmx else "jobs/job.html"
    return render(request, template, context)


@require_GET
@login_required
def job_download(request: AuthedRequest, job_id: str) -> FileResponse:
    """The file a succeeded job wrote (a large export), as an attachment, for whoever may see the job (its owner,
    Sales Managers, Administrators); 404 for anyone else, for a job without a file and after pruning."""
    job = _job_or_404(request, job_id)
    found = result_file(job.pk, job.result) if job.state == JobState.SUCCEEDED else None
    if found is None:
        raise Http404(job_id)
    path, name, content_type = found
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
