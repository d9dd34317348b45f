"""Every task write: tasks by hand (create, change, complete, cancel, reopen; spec api.md "Tasks", §2.8), stage
tasks from activities and cancelling old tasks (spec §4.9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no, next_nos
from salescycle.core.prepared import Prepared
from salescycle.core.records import check_version, create_record, lock, update_record
from salescycle.core.workdate import get_work_date, today
from salescycle.tasks import rows
from salescycle.tasks.models import ActivityStep, Task, TaskStatus

_STEPS: Prepared[tuple[str, str, str, str]] = Prepared(
    lambda code: (
        ActivityStep.objects.filter(activity_id=code)
        .order_by("step_no")
        .values_list("type", "description", "priority", "date_formula")
    ),
    str,
)


def create_stage_tasks(
    *,
    activity_code: str,
    date_of_change: dt.date,
    opportunity_no: str,
    opportunity_entry_no: int,
    salesperson_id: str | None,
    contact_id: str | None,
    contact_company_id: str | None,
    campaign_id: str | None,
    segment_id: str | None,
) -> list[Task]:
    """Create the tasks of activity ``activity_code`` for a new opportunity entry, in step order.

    One task per activity step, dated CalcDate(step date formula, ``date_of_change``), with the step's type,
    description and priority; an activity without steps gives one task with blank type and description dated
    ``date_of_change`` (the rows of :func:`salescycle.tasks.rows.stage_task_rows`). Numbers come from the ``task``
    series. Implements spec §4.9.1.
    """
    steps = [
        rows.StepTemplate(type=type_, description=description, priority=priority, date_formula=formula)
        for type_, description, priority, formula in _STEPS(activity_code)
    ]
    specs = rows.stage_task_rows(
        steps,
        date_of_change=date_of_change,
        opportunity_no=opportunity_no,
        opportunity_entry_no=opportunity_entry_no,
        salesperson_id=salesperson_id,
        contact_id=contact_id,
        contact_company_id=contact_company_id,
        campaign_id=campaign_id,
        segment_id=segment_id,
    )
    numbers = next_nos("task", len(specs), taken=_tasks_taken)
    tasks = [Task(no=no, **spec) for no, spec in zip(numbers, specs, strict=True)]
    Task.objects.bulk_create(tasks)
    return tasks


_TAKEN: dict[int, Prepared[str]] = {}  # by the number of candidates (one compiled IN list per length)


def _tasks_taken(candidates: list[str]) -> set[str]:
    taken = _TAKEN.get(len(candidates))
    if taken is None:
        kinds = [str] * len(candidates)
        taken = Prepared(lambda *nos: Task.objects.filter(no__in=nos).order_by().values_list("no", flat=True), *kinds)
        _TAKEN[len(candidates)] = taken
    return set(taken(*candidates))


def cancel_open_tasks(opportunity_no: str) -> int:
    """Cancel every open task of the opportunity: not recurring, canceled, closed, status Completed, date closed =
    the system date (not WorkDate), as :func:`salescycle.tasks.rows.cancellation`; each task's version goes up by
    one. Returns how many. Implements spec §4.9.2."""
    return Task.objects.filter(opportunity_no=opportunity_no, closed=False, canceled=False).update(
        **rows.cancellation(today()), version=F("version") + 1
    )


def propagate_to_open_tasks(opportunity_no: str, field: str, old_value: str | None, new_value: str | None) -> int:
    """Set ``field`` (``salesperson_id``, ``contact_id`` or ``campaign_id``) to ``new_value`` on the opportunity's
    open tasks that had ``old_value`` (the optional propagation of spec §4.3). Returns how many."""
    changes: dict[str, Any] = {field: new_value, "version": F("version") + 1}
    if field == "contact_id":
        contact = Contact.objects.filter(pk=new_value).only("company_id").first()
        changes["contact_company_id"] = contact.company_id if contact else None
    return Task.objects.filter(opportunity_no=opportunity_no, closed=False, **{field: old_value}).update(**changes)


# ---------------------------------------------------------------------------------------------------------------
# Completing, cancelling and reopening one task (spec §2.8)


def closing_changes(*, closed: bool, status: str, canceled: bool, changes: dict[str, Any]) -> dict[str, Any]:
    """The task fields that follow a change of ``status``/``canceled``/``closed`` (spec §2.8), merged into
    ``changes``: closing (Status Completed, Canceled, or Closed true) sets Closed, Status Completed and Date Closed =
    the system date (kept when already closed); reopening (another status, Canceled or Closed false on a closed
    task) clears Closed, Canceled and Date Closed and turns Completed into In Progress."""
    result = dict(changes)
    new_status = result.get("status", status)
    wants_close = (
        result.get("closed") is True
        or result.get("canceled") is True
        or ("status" in result and new_status == TaskStatus.COMPLETED)
    )
    wants_open = (
        result.get("closed") is False
        or ("canceled" in result and result["canceled"] is False and canceled)
        or ("status" in result and new_status != TaskStatus.COMPLETED)
    )
    if wants_close:
        result["closed"] = True
        result["status"] = TaskStatus.COMPLETED
        if not closed:
            result["date_closed"] = today()
    elif wants_open and closed:
        result["closed"] = False
        result["canceled"] = False
        result["date_closed"] = None
        if new_status == TaskStatus.COMPLETED:
            result["status"] = TaskStatus.IN_PROGRESS
    return result


def lock_task(no: str, expected_version: int | None, *, by: Actor) -> Task:
    """Lock task ``no`` for a change by ``by``: 404 when missing or linked to an opportunity they may not see, 403
    when they may not write working data or may see but not change that opportunity (a Salesperson and a team
    mate's opportunity), then 409 ``conflict.version`` (after the permission check, so a stale If-Match reveals
    nothing). Implements spec api.md "Visibility vs permission" (issue #12 item 3)."""
    key = (no or "").strip().upper()
    task = lock(Task, key)
    permissions.require_change_linked(by, Task, task.no, task.opportunity_no)
    check_version(task, expected_version)
    return task


# How a task linked to an opportunity by hand finds that opportunity's active entry No. (spec §2.8, rule 15): set by
# the opportunities app (``opportunities/hooks.py``), which tasks, below it in the layers, does not import. Until
# then (and for a blank opportunity) 0.
ACTIVE_ENTRY_NO: list[Callable[[str], int]] = [lambda opportunity_no: 0]


def active_entry_no(opportunity_no: str) -> int:
    """The number of the active entry of opportunity ``opportunity_no``, 0 when it has none (not started, or no
    number). What a task linked to the opportunity by hand takes as Opportunity Entry No.: spec §2.8, "Opportunity
    No.": when validated, Opportunity Entry No. := the current active entry's No. (rule 15)."""
    if not opportunity_no:
        return 0
    return ACTIVE_ENTRY_NO[0](opportunity_no)


def _apply(no: str, expected_version: int | None, *, by: Actor, **change: Any) -> Task:
    with transaction.atomic():
        task = lock_task(no, expected_version, by=by)
        values = closing_changes(closed=task.closed, status=task.status, canceled=task.canceled, changes=change)
        return update_record(task, values)


def complete_task(no: str, *, by: Actor, expected_version: int | None = None) -> Task:
    """Complete task ``no``: Status Completed, Closed, Date Closed = system date. Errors: ``not_found``,
    ``conflict.version``. Implements spec §2.8."""
    return _apply(no, expected_version, by=by, status=TaskStatus.COMPLETED)


def cancel_task(no: str, *, by: Actor, expected_version: int | None = None) -> Task:
    """Cancel task ``no``: Canceled, and closed as by :func:`complete_task`; not recurring. Implements spec §2.8."""
    return _apply(no, expected_version, by=by, canceled=True, recurring=False)


def reopen_task(no: str, *, by: Actor, expected_version: int | None = None) -> Task:
    """Reopen task ``no``: Closed, Canceled and Date Closed cleared; Completed becomes In Progress (spec §2.8)."""
    return _apply(no, expected_version, by=by, closed=False)


def _resolve(data: dict[str, Any], *, by: Actor) -> dict[str, Any]:
    """The API's reference names as rows (:mod:`salescycle.contacts.references`), each checked for ``by`` (issue #12
    item 3): a salesperson, contact, campaign or segment they may not see is refused as missing (422
    ``<thing>.not_found``); ``opportunity_no`` must
    name an opportunity they may see (else 422 ``opportunity.not_found``) and change (else 403), and brings its
    active entry as ``opportunity_entry_no`` (0 when blank or not started; spec §2.8, rule 15)."""
    result = resolve_references(data, by=by)
    if "contact" in result:
        result["contact_company_id"] = result["contact"].company_id if result["contact"] else None
    if "opportunity_no" in result:
        no = normalize_key(result["opportunity_no"])
        if no:
            permissions.require_linkable_opportunity_ref(by, no)
        result["opportunity_no"] = no
        result["opportunity_entry_no"] = active_entry_no(no)
    if "type" in result:
        result["type"] = result["type"] or ""
    return result


@transaction.atomic
def create_task(*, by: Actor, no: str | None = None, **data: Any) -> Task:
    """Create a task; ``no`` from the ``task`` series, ``date`` defaults to the WorkDate; with ``opportunity_no``
    the task takes the opportunity's active entry as ``opportunity_entry_no`` (spec §2.8, rule 15). Errors: 403
    ``permission_denied`` (no right to write, or an opportunity the actor may see but not change), 422
    ``opportunity.not_found`` / ``salesperson.not_found`` / ``contact.not_found`` / ``campaign.not_found`` /
    ``segment.not_found`` (missing or invisible), ``invalid_input``, 409 ``conflict.exists``."""
    permissions.require_write(by)
    key = optional_key(no, "no") or next_no("task", exists=lambda n: Task.objects.filter(no=n).exists())
    values = _resolve(data, by=by)
    values["date"] = values.get("date") or get_work_date(by)
    values = closing_changes(closed=False, status=TaskStatus.NOT_STARTED, canceled=False, changes=values)
    return create_record(Task, {"no": key, **values})


@transaction.atomic
def update_task(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Task:
    """Change a task; closing and reopening follow spec §2.8 (``tasks.services.closing_changes``). The task's stored
    opportunity decides first (:func:`salescycle.tasks.services.lock_task`: 404 / 403 / 409), then the new
    references as :func:`create_task` (setting ``opportunity_no`` takes its active entry, rule 15)."""
    task = lock_task(no, expected_version, by=by)
    values = closing_changes(
        closed=task.closed, status=task.status, canceled=task.canceled, changes=_resolve(changes, by=by)
    )
    return update_record(task, values)
