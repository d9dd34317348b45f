"""Writes on sales cycles and their stages (spec §2.1–§2.3, api.md "Setup", D17): the one home of each, reached by
the web setup pages, the API and the commands alike.

Deletion rules: spec §2.2 (a cycle with open opportunities), §2.3 (a stage with active entries), D17 (anything still
referenced by data answers 409 ``conflict.in_use``; blocking is the way to retire a cycle)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.dates import validate_date_formula
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import check_version, create_record, delete_record, in_use, lock, not_found, update_record
from salescycle.opportunities.models import MarketingSetup, Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage


@transaction.atomic
def create_sales_cycle(*, by: Actor, code: str, **data: Any) -> SalesCycle:
    """Create a sales cycle (without stages). Errors: 403 ``permission_denied``, 422 ``invalid_input``, 409
    ``conflict.exists``. Implements spec §2.1."""
    permissions.require_setup(by)
    return create_record(SalesCycle, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_sales_cycle(code: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> SalesCycle:
    """Change a sales cycle's description, probability calculation or blocked flag. Errors: 403, 404 ``not_found``,
    409 ``conflict.version``, 422 ``invalid_input``."""
    permissions.require_setup(by)
    return update_record(lock(SalesCycle, normalize_key(code), expected_version=expected_version), changes)


@transaction.atomic
def save_sales_cycle(
    code: str,
    *,
    by: Actor,
    create: bool = False,
    stages: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    **data: Any,
) -> SalesCycle:
    """Create (``create``) or change a sales cycle and, when ``stages`` is given, make its stages exactly those
    (``[{stage, description, completed_pct, chances_of_success_pct, activity_code, quote_required, allow_skip,
    date_formula}]``): stages left out are deleted (:func:`delete_sales_cycle_stage`'s rules), new ones created,
    changed ones updated (unchanged ones keep their version). One transaction. Errors as
    :func:`create_sales_cycle`, :func:`update_sales_cycle` and the stage functions."""
    if create:
        cycle = create_sales_cycle(by=by, code=code, **data)
    else:
        cycle = update_sales_cycle(code, by=by, expected_version=expected_version, **data)
    if stages is None:
        return cycle
    _refuse_repeated_stages(stages)
    wanted = {row["stage"]: {k: v for k, v in row.items() if k != "stage"} for row in stages}
    existing = {s.stage: s for s in SalesCycleStage.objects.filter(sales_cycle_id=cycle.code)}
    for number in sorted(set(existing) - set(wanted)):
        delete_sales_cycle_stage(cycle.code, number, by=by)
    for number, values in sorted(wanted.items()):
        if number not in existing:
            create_sales_cycle_stage(cycle.code, by=by, stage=number, **values)
        elif _differs(existing[number], values):
            update_sales_cycle_stage(cycle.code, number, by=by, **values)
    return cycle


def _refuse_repeated_stages(stages: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a stage number given twice: one of the two rows would be lost without a word (the UX walk's M2).
    Errors: 422 ``sales_cycle.stage_repeated`` naming the number."""
    seen: set[Any] = set()
    for row in stages:
        if row["stage"] in seen:
            raise DomainError(
                "sales_cycle.stage_repeated",
                _("Stage %(stage)s is given more than once. Give each stage its own number."),
                fields={"stages": [str(_("Stage %(stage)s is given more than once.") % {"stage": row["stage"]})]},
                params={"stage": row["stage"]},
            )
        seen.add(row["stage"])


def _differs(stage: SalesCycleStage, values: Mapping[str, Any]) -> bool:
    for name, value in values.items():
        if name == "activity_code":
            if (stage.activity_id or None) != (normalize_key(value) or None):
                return True
        elif getattr(stage, name) != value:
            return True
    return False


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
    check_version(obj, expected_version)
    return obj


def _stage_values(data: Mapping[str, Any], *, by: Actor) -> dict[str, Any]:
    """``data`` with ``activity_code`` as the stage's activity (``activity.not_found``) and ``date_formula`` checked
    and in canonical form (``date_formula.invalid``)."""
    values = resolve_references(data, by=by)
    if "date_formula" in values:
        values["date_formula"] = validate_date_formula(values["date_formula"] or "")
    return values


@transaction.atomic
def create_sales_cycle_stage(cycle_code: str, *, by: Actor, **data: Any) -> SalesCycleStage:
    """Add a stage to a cycle: ``stage``, ``description``, ``completed_pct``, ``chances_of_success_pct``,
    ``activity_code`` (``activity.not_found``), ``quote_required``, ``allow_skip``, ``date_formula`` (checked and
    stored in canonical form, ``date_formula.invalid``). Errors also 403, 404 ``not_found`` (the cycle), 409
    ``conflict.exists``, 422 ``invalid_input``. Implements spec §2.3."""
    permissions.require_setup(by)
    cycle = lock(SalesCycle, normalize_key(cycle_code))
    return create_record(SalesCycleStage, {"sales_cycle": cycle, **_stage_values(data, by=by)})


@transaction.atomic
def update_sales_cycle_stage(
    cycle_code: str, stage: int, *, by: Actor, expected_version: int | None = None, **changes: Any
) -> SalesCycleStage:
    """Change a stage (not its number), with the fields of :func:`create_sales_cycle_stage`. Existing entries keep
    their figures. Errors: 403, 404 ``not_found``, 409 ``conflict.version``, 422 as the create."""
    permissions.require_setup(by)
    obj = _stage(cycle_code, stage, expected_version)
    return update_record(obj, _stage_values(changes, by=by))


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
