"""API of tasks (spec api.md "Tasks"): list with filters, create, read, change."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router, Status

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.http import ApiRequest
from salescycle.core.keys import normalize_key
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import Key, Page, expected_version, fetch, set_etag, with_errors
from salescycle.tasks import services as task_services
from salescycle.tasks.filters import TaskFilters
from salescycle.tasks.models import Task
from salescycle.tasks.schemas import TaskIn, TaskOut, TaskPatch, task_out

router = Router(tags=["tasks"])


def tasks(user: Actor) -> QuerySet[Task]:
    """The tasks ``user`` may see: those without an opportunity or of an opportunity they may see (a selector
    shared with ``/opportunities/{no}/tasks``)."""
    condition = permissions.linked_to_visible(user)
    return Task.objects.all() if condition is None else Task.objects.filter(condition)


@reads_from_replica
@router.get("/tasks", response=with_errors({200: Page[TaskOut]}))
def list_tasks(
    request: ApiRequest,
    filters: Query[TaskFilters],
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> Any:
    """Tasks by date and number; filters ``opportunity_no``, ``salesperson_code``, ``contact_no``, ``closed``."""
    # The filters are TaskFilters, shared with the web list (this docstring is the OpenAPI description).
    qs = filters.filter(tasks(request.auth))
    return paginate(qs, ordering=["date", "no"], limit=limit, cursor=cursor, serialize=task_out)


@router.post("/tasks", response=with_errors({201: TaskOut}))
def create_task(request: ApiRequest, data: TaskIn, response: HttpResponse) -> Any:
    """Create a task (``no`` from the task series, ``date`` = WorkDate when omitted)."""
    obj = task_services.create_task(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, task_out(obj))


@router.get("/tasks/{no}", response=with_errors({200: TaskOut}))
def get_task(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One task."""
    obj = fetch(tasks(request.auth), no=normalize_key(no))
    set_etag(response, obj.version)
    return task_out(obj)


@router.patch("/tasks/{no}", response=with_errors({200: TaskOut}))
def patch_task(request: ApiRequest, no: Key, data: TaskPatch, response: HttpResponse) -> Any:
    """Change a task; status ``completed`` or ``canceled: true`` closes it."""
    changes = data.dict(exclude_unset=True)
    for name in ("description", "date", "status", "priority", "canceled"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = task_services.update_task(
        no,
        by=request.auth,
        expected_version=expected_version(request),
        **changes,
    )
    set_etag(response, obj.version)
    return task_out(obj)


def _task_action(request: ApiRequest, no: str, response: HttpResponse, action: Any) -> Any:
    obj = action(no, by=request.auth, expected_version=expected_version(request))
    set_etag(response, obj.version)
    return task_out(obj)


@router.post("/tasks/{no}/complete", response=with_errors({200: TaskOut}))
def complete_task(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """Complete the task: status completed, closed, date closed = the system date (spec §2.8)."""
    return _task_action(request, no, response, task_services.complete_task)


@router.post("/tasks/{no}/cancel", response=with_errors({200: TaskOut}))
def cancel_task(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """Cancel the task: canceled and closed as completed (spec §2.8)."""
    return _task_action(request, no, response, task_services.cancel_task)


@router.post("/tasks/{no}/reopen", response=with_errors({200: TaskOut}))
def reopen_task(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """Reopen the task: not closed, not canceled, no date closed; completed becomes in progress (spec §2.8)."""
    return _task_action(request, no, response, task_services.reopen_task)
