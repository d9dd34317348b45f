"""The job as the API shows it (issue #16: ``GET /api/v1/jobs/{id}``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.http import HttpResponse
from django.urls import reverse
from ninja import Schema, Status

from salescycle.core.schemas import DateTimeOut
from salescycle.jobs.models import Job
from salescycle.jobs.runner import kind_label


class JobErrorOut(Schema):
    code: str
    message: str


class JobOut(Schema):
    id: str
    kind: str
    kind_label: str
    state: str
    progress: int
    parameters: dict[str, Any]
    result: dict[str, Any] | None
    error: JobErrorOut | None
    status_url: str
    created_by: str | None
    created_at: DateTimeOut
    started_at: DateTimeOut | None
    finished_at: DateTimeOut | None


class JobErrorDict(TypedDict):
    code: str
    message: str


class JobDict(TypedDict):
    id: str
    kind: str
    kind_label: str
    state: str
    progress: int
    parameters: dict[str, Any]
    result: dict[str, Any] | None
    error: JobErrorDict | None
    status_url: str
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def job_out(job: Job) -> JobDict:
    """The API's view of ``job``: state (``queued``, ``running``, ``succeeded``, ``failed``), progress 0–100, the
    result (succeeded) or the error ``{code, message}`` (failed), and the web status page."""
    error: JobErrorDict | None = None
    if job.state == "failed":
        error = {"code": job.error_code, "message": job.error_message}
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "kind_label": kind_label(job.kind),
        "state": job.state,
        "progress": job.progress,
        "parameters": job.parameters,
        "result": job.result if job.state == "succeeded" else None,
        "error": error,
        "status_url": reverse("jobs:detail", args=[job.pk]),
        "created_by": job.created_by.get_username() if job.created_by else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def accepted(job: Job, response: HttpResponse) -> Status[dict[str, JobDict]]:
    """The answer to a request that became a background job: 202 ``{"job": {...}}`` with ``Location`` naming
    ``GET /api/v1/jobs/{id}`` (set on the operation's temporal ``response``). Implements issue #16 (an addition to
    api.md: a large batch answers 202 instead of its synchronous answer)."""
    response["Location"] = reverse("api:get_job", args=[job.pk])
    return Status(202, {"job": job_out(job)})


class JobAcceptedOut(Schema):
    job: JobOut
