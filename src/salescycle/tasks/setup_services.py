"""Creating and changing tasks by hand (spec api.md "Tasks"): validation only, over :mod:`salescycle.core.records`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, update_record
from salescycle.core.workdate import get_work_date
from salescycle.tasks.models import Task, TaskStatus
from salescycle.tasks.services import active_entry_no, closing_changes, lock_task

_REFERENCES = {
    "salesperson_code": ("salesperson", Salesperson, "salesperson.not_found"),
    "contact_no": ("contact", Contact, "contact.not_found"),
    "campaign_no": ("campaign", Campaign, "campaign.not_found"),
    "segment_no": ("segment", Segment, "segment.not_found"),
}


def _resolve(data: dict[str, Any], *, by: Actor) -> dict[str, Any]:
    """The API's reference names as rows, each checked for ``by`` (issue #12 item 3): a salesperson, contact,
    campaign or segment they may not see is refused as missing (422 ``<thing>.not_found``); ``opportunity_no`` must
    name an opportunity they may see (else 422 ``opportunity.not_found``) and change (else 403), and brings its
    active entry as ``opportunity_entry_no`` (0 when blank or not started; spec §2.8, rule 15)."""
    result = dict(data)
    for name, (field, model, code) in _REFERENCES.items():
        if name in result:
            key = normalize_key(result.pop(name))
            result[field] = permissions.require_visible_ref(by, model, key, code=code, field=name) if key else None
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
