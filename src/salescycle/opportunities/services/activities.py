"""Writes on activities and their steps (spec §2.7, api.md "Setup", D17): the stage tasks' templates; reached by the
web setup pages and the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.dates import validate_date_formula
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import create_record, delete_record, full_clean, in_use, lock, update_record
from salescycle.opportunities.models import SalesCycleStage
from salescycle.tasks.models import Activity, ActivityStep


@transaction.atomic
def save_activity(
    code: str,
    *,
    by: Actor,
    description: str | None = None,
    steps: Sequence[Mapping[str, Any]] | None = None,
    create: bool = False,
    expected_version: int | None = None,
) -> Activity:
    """Create or change an activity and (when ``steps`` is given) replace its steps
    (``[{step_no, type, description, priority, date_formula}]``; ``step_no`` defaults to 10000, 20000, …)."""
    permissions.require_setup(by)
    key = validate_key(code, "code") if create else normalize_key(code)
    if create:
        activity = create_record(Activity, {"code": key, "description": description or ""})
    else:
        activity = lock(Activity, key, expected_version=expected_version)
        if description is not None:
            activity = update_record(activity, {"description": description})
    if steps is not None:
        activity.steps.all().delete()
        objs = []
        for index, step in enumerate(steps, start=1):
            obj = ActivityStep(
                activity=activity,
                step_no=step.get("step_no") or index * 10000,
                type=step.get("type") or "",
                description=step.get("description") or "",
                priority=step.get("priority") or "normal",
                date_formula=validate_date_formula(step.get("date_formula") or ""),
            )
            full_clean(obj, exclude=["activity"], validate_unique=False)
            objs.append(obj)
        if len({o.step_no for o in objs}) != len(objs):
            raise DomainError(
                "invalid_input", _("Step numbers must be unique."), fields={"steps": [str(_("Duplicate step no."))]}
            )
        ActivityStep.objects.bulk_create(objs)
    return activity


@transaction.atomic
def delete_activity(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete an activity with its steps; refused with ``conflict.in_use`` while a stage uses it (D17)."""
    permissions.require_setup(by)
    activity = lock(Activity, normalize_key(code), expected_version=expected_version)
    if SalesCycleStage.objects.filter(activity_id=activity.code).exists():
        raise in_use(activity)
    activity.steps.all().delete()
    delete_record(activity)
