"""``GET /api/v1/jobs/{id}`` (issue #16): a background job's state, progress and result or error."""

from __future__ import annotations

from typing import Any

from ninja import Router

from salescycle.core.http import ApiRequest
from salescycle.core.schemas import with_errors
from salescycle.jobs.schemas import JobOut, job_out
from salescycle.jobs.selectors import visible_job

router = Router()


@router.get("/jobs/{job_id}", response=with_errors({200: JobOut}), tags=["jobs"])
def get_job(request: ApiRequest, job_id: str) -> Any:
    """A job the user started (Administrators: any job): ``state`` (``queued``, ``running``, ``succeeded``,
    ``failed``), ``progress`` 0–100, ``result`` when succeeded, ``error`` ``{code, message}`` when failed. Poll it
    after a 202. 404 ``not_found`` for another user's job."""
    return job_out(visible_job(job_id, request.auth))
