"""Writes on the setup of opportunity management: sales cycles, stages, close codes, activities, Marketing Setup.

Deletion rules: spec §2.2 (cycle with open opportunities), §2.3 (stage with active entries), D17 (anything still
referenced by data answers 409 ``conflict.in_use``; blocking is the way to retire a cycle or salesperson).
"""

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
from salescycle.core.records import create_record, delete_record, in_use, lock, not_found, update_record
from salescycle.opportunities.models import (
    MarketingSetup,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.tasks.models import Activity, ActivityStep


@transaction.atomic
def delete_sales_cycle(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a sales cycle and its stages. Refused while open opportunities sit on it
    (``sales_cycle.has_open_opportunities``, spec §2.2) and while any opportunity or entry refers to it
    (``conflict.in_use``, D17)."""
    permissions.require_setup(by)
    cycle = lock(SalesCycle, normalize_key(code), expected_version=expected_version)
    if OpportunityEntry.objects.open().filter(sales_cycle_id=cycle.code).exists():
        raise DomainError(
            "sales_cycle.has_open_opportunities",
            _("No. of Opportunities must be equal to '0' in Sales Cycle: Code=%(code)s."),
            params={"code": cycle.code},
        )
    if (
        Opportunity.objects.filter(sales_cycle_id=cycle.code).exists()
        or MarketingSetup.objects.filter(default_sales_cycle_id=cycle.code).exists()
    ):
        raise in_use(cycle)
    cycle.stages.all().delete()
    delete_record(cycle)


def _stage(cycle_code: str, stage: int, expected_version: int | None = None) -> SalesCycleStage:
    obj = (
        SalesCycleStage.objects.select_for_update()
        .filter(sales_cycle_id=normalize_key(cycle_code), stage=stage)
        .first()
    )
    if obj is None:
        raise not_found(SalesCycleStage, f"{cycle_code} {stage}")
    if expected_version is not None and obj.version != expected_version:
        from salescycle.core.records import check_version

        check_version(obj, expected_version)
    return obj


@transaction.atomic
def delete_sales_cycle_stage(cycle_code: str, stage: int, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a stage. Refused while an active entry sits on it (``stage.has_active_entries``, spec §2.3) and while
    inactive entries refer to it (``conflict.in_use``, D17)."""
    permissions.require_setup(by)
    obj = _stage(cycle_code, stage, expected_version)
    entries = OpportunityEntry.objects.filter(sales_cycle_id=obj.sales_cycle_id, sales_cycle_stage=obj.stage)
    if entries.filter(active=True).exists():
        raise DomainError("stage.has_active_entries", _("You cannot delete a stage which has active entries."))
    if entries.exists():
        raise in_use(obj)
    delete_record(obj)


@transaction.atomic
def create_sales_cycle_stage(cycle_code: str, *, by: Actor, **data: Any) -> SalesCycleStage:
    """Add a stage to a cycle; ``date_formula`` is checked and stored in canonical form (``date_formula.invalid``)."""
    permissions.require_setup(by)
    cycle = lock(SalesCycle, normalize_key(cycle_code))
    if "date_formula" in data:
        data["date_formula"] = validate_date_formula(data["date_formula"] or "")
    return create_record(SalesCycleStage, {"sales_cycle": cycle, **data})


@transaction.atomic
def update_sales_cycle_stage(
    cycle_code: str, stage: int, *, by: Actor, expected_version: int | None = None, **changes: Any
) -> SalesCycleStage:
    """Change a stage (not its number); ``date_formula`` is validated. Existing entries keep their figures."""
    permissions.require_setup(by)
    obj = _stage(cycle_code, stage, expected_version)
    if "date_formula" in changes:
        changes["date_formula"] = validate_date_formula(changes["date_formula"] or "")
    return update_record(obj, changes)


@transaction.atomic
def delete_close_opportunity_code(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a close opportunity code; refused with ``conflict.in_use`` once an entry uses it (D17)."""
    permissions.require_setup(by)
    from salescycle.opportunities.models import CloseOpportunityCode

    delete_record(lock(CloseOpportunityCode, normalize_key(code), expected_version=expected_version))


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
            from salescycle.core.records import full_clean

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
