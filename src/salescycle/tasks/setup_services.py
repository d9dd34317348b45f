"""Creating and changing tasks by hand (spec api.md "Tasks"): validation only, over :mod:`salescycle.core.records`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.contacts.services import normalize_key
from salescycle.core.actors import Actor
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, require, update_record
from salescycle.core.workdate import get_work_date
from salescycle.tasks.models import Task, TaskStatus
from salescycle.tasks.services import closing_changes, lock_task

_REFERENCES = {
    "salesperson_code": ("salesperson", Salesperson, "salesperson.not_found"),
    "contact_no": ("contact", Contact, "contact.not_found"),
    "campaign_no": ("campaign", Campaign, "campaign.not_found"),
    "segment_no": ("segment", Segment, "segment.not_found"),
}


def _resolve(data: dict[str, Any]) -> dict[str, Any]:
    result = dict(data)
    for name, (field, model, code) in _REFERENCES.items():
        if name in result:
            key = normalize_key(result.pop(name))
            result[field] = require(model, key, code=code, field=name) if key else None
    if "contact" in result:
        result["contact_company_id"] = result["contact"].company_id if result["contact"] else None
    if "opportunity_no" in result:
        no = normalize_key(result["opportunity_no"])
        if no:
            from django.apps import apps

            opportunity_model = apps.get_model("opportunities", "Opportunity")
            require(opportunity_model, no, code="opportunity.not_found", field="opportunity_no")
        result["opportunity_no"] = no
    if "type" in result:
        result["type"] = result["type"] or ""
    return result


@transaction.atomic
def create_task(*, by: Actor, no: str | None = None, **data: Any) -> Task:
    """Create a task; ``no`` from the ``task`` series, ``date`` defaults to the WorkDate."""
    permissions.require_write(by)
    key = normalize_key(no) or next_no("task", exists=lambda n: Task.objects.filter(no=n).exists())
    values = _resolve(data)
    values["date"] = values.get("date") or get_work_date(by)
    values = closing_changes(closed=False, status=TaskStatus.NOT_STARTED, canceled=False, changes=values)
    return create_record(Task, {"no": key, **values})


@transaction.atomic
def update_task(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Task:
    """Change a task; closing and reopening follow spec §2.8 (``tasks.services.closing_changes``)."""
    permissions.require_write(by)
    task = lock_task(no, expected_version, by=by)
    values = closing_changes(closed=task.closed, status=task.status, canceled=task.canceled, changes=_resolve(changes))
    return update_record(task, values)
