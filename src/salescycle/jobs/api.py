"""The jobs over the API (issue #16): ``GET /api/v1/jobs`` (the user's jobs, a list like the others),
``GET /api/v1/jobs/{id}`` (state, progress, result or error) and ``GET /api/v1/jobs/{id}/file`` (the file a
succeeded export job wrote)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import FileResponse
from ninja import Query, Router

from salescycle.core.http import ApiRequest
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from salescycle.core.records import not_found
from salescycle.core.schemas import OneOf, Page, with_errors
from salescycle.jobs.files import result_file
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.schemas import JobOut, job_out
from salescycle.jobs.selectors import visible_job, visible_jobs

router = Router()

LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/jobs", response=with_errors({200: Page[JobOut]}), tags=["jobs"])
def list_jobs(
    request: ApiRequest,
    state: Annotated[str, OneOf(JobState)] | None = None,
    kind: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """The jobs the user started (Sales Managers and Administrators: every job), newest first, as a list
    (api.md "Lists"); ``state`` (``queued``, ``running``, ``succeeded``, ``failed``) and ``kind`` narrow it."""
    qs = visible_jobs(request.auth)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return paginate(qs, ordering=["-created_at"], limit=limit, cursor=cursor, serialize=job_out)


@router.get("/jobs/{job_id}", response=with_errors({200: JobOut}), tags=["jobs"])
def get_job(request: ApiRequest, job_id: str) -> Any:
    """A job the user started (Sales Managers and Administrators: any job): ``state`` (``queued``, ``running``,
    ``succeeded``, ``failed``), ``progress`` 0–100, ``result`` when succeeded, ``error`` ``{code, message}`` when
    failed. Poll it after a 202. 404 ``not_found`` for another user's job."""
    return job_out(visible_job(job_id, request.auth))


@router.get(
    "/jobs/{job_id}/file",
    response=with_errors({}),
    tags=["jobs"],
    openapi_extra={"responses": {200: {"description": "The file (CSV, XLSX or PDF) as an attachment."}}},
)
def download_job_file(request: ApiRequest, job_id: str) -> Any:
    """The file a succeeded job wrote (its ``result.file_name``), as an attachment. 404 ``not_found`` for another
    user's job, a job that wrote no file or is not done, and a file removed by pruning."""
    job = visible_job(job_id, request.auth)
    found = result_file(job.pk, job.result) if job.state == JobState.SUCCEEDED else None
    if found is None:
        raise not_found(Job, job_id)
    path, name, content_type = found
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
