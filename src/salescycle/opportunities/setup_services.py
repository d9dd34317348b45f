"""Writes on sales cycles, close codes, Marketing Setup and interactions that have no rule beyond validation (spec
api.md "Setup"): thin wrappers over :mod:`salescycle.core.records` so the API never writes from a handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact, Salesperson
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.models import NumberSeries
from salescycle.core.numbering import validate_prefix
from salescycle.core.records import check_version, create_record, lock, require, update_record
from salescycle.core.workdate import get_work_date
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Interaction,
    MarketingSetup,
    SalesCycle,
)
from salescycle.tasks.models import Activity


@transaction.atomic
def create_sales_cycle(*, by: Actor, code: str, **data: Any) -> SalesCycle:
    """Create a sales cycle (without stages). Errors: ``invalid_input``, ``conflict.exists``."""
    permissions.require_setup(by)
    return create_record(SalesCycle, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_sales_cycle(code: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> SalesCycle:
    """Change a sales cycle's description, probability calculation or blocked flag."""
    permissions.require_setup(by)
    return update_record(lock(SalesCycle, normalize_key(code), expected_version=expected_version), changes)


def stage_references(data: dict[str, Any]) -> dict[str, Any]:
    """The API's ``activity_code`` as the stage's activity (``activity.not_found`` when unknown)."""
    result = dict(data)
    if "activity_code" in result:
        code = normalize_key(result.pop("activity_code"))
        result["activity"] = require(Activity, code, code="activity.not_found", field="activity_code") if code else None
    return result


@transaction.atomic
def create_close_code(*, by: Actor, code: str, **data: Any) -> CloseOpportunityCode:
    """Create a close opportunity code. Errors: ``invalid_input``, ``conflict.exists``."""
    permissions.require_setup(by)
    return create_record(CloseOpportunityCode, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_close_code(
    code: str, *, by: Actor, expected_version: int | None = None, **changes: Any
) -> CloseOpportunityCode:
    """Change a close opportunity code's description or type."""
    permissions.require_setup(by)
    obj = lock(CloseOpportunityCode, normalize_key(code), expected_version=expected_version)
    return update_record(obj, changes)


@transaction.atomic
def update_setup(
    *,
    by: Actor,
    expected_version: int | None = None,
    default_sales_cycle_code: str | None = None,
    number_series: Mapping[str, str] | None = None,
    change_default_cycle: bool = False,
    bus_rel_code_for_customers: str | None = None,
) -> MarketingSetup:
    """Change Marketing Setup's default sales cycle (``sales_cycle.not_found``; a blocked cycle is refused with
    ``sales_cycle.blocked``, spec §2.1), the Bus. Rel. Code for Customers (``None`` = unchanged) and
    number-series prefixes (D20; ``setup.number_series_missing`` for an unknown series)."""
    permissions.require_setup(by)
    MarketingSetup.get()
    setup = lock(MarketingSetup, 1, expected_version=expected_version)
    if number_series:
        known = set(NumberSeries.objects.filter(code__in=list(number_series)).values_list("code", flat=True))
        unknown = sorted(set(number_series) - known)
        if unknown:
            raise DomainError(
                "setup.number_series_missing",
                _("Number series %(series)s is not set up."),
                fields={"number_series": [str(_("Unknown series: %s.")) % ", ".join(unknown)]},
                params={"series": ", ".join(unknown)},
            )
        for code, prefix in number_series.items():
            series = NumberSeries.objects.select_for_update().get(code=code)
            prefix = validate_prefix(prefix, digits=series.digits, field=f"number_series.{code}")
            update_record(series, {"prefix": prefix})
    changes: dict[str, Any] = {}
    if change_default_cycle:
        key = normalize_key(default_sales_cycle_code)
        cycle = (
            require(SalesCycle, key, code="sales_cycle.not_found", field="default_sales_cycle_code") if key else None
        )
        if cycle is not None and cycle.blocked:
            raise DomainError(
                "sales_cycle.blocked",
                _("Blocked must be equal to 'No' in Sales Cycle: Code=%(code)s."),
                fields={"default_sales_cycle_code": [str(_("Blocked."))]},
                params={"code": cycle.code},
            )
        changes["default_sales_cycle"] = cycle
    if bus_rel_code_for_customers is not None:
        changes["bus_rel_code_for_customers"] = normalize_key(bus_rel_code_for_customers)
    if changes or number_series:
        setup = update_record(setup, changes)
    return setup


def _interaction_references(data: dict[str, Any], *, by: Actor) -> dict[str, Any]:
    """The API's reference names as rows, each checked for ``by`` (issue #12 item 3): a contact or salesperson they
    may not see is ``contact.not_found`` / ``salesperson.not_found`` (422) like a missing one; an opportunity they
    may not see is ``opportunity.not_found``, one they may see but not change 403 ``permission_denied``."""
    result = dict(data)
    if "contact_no" in result:
        result["contact"] = permissions.require_visible_ref(
            by, Contact, normalize_key(result.pop("contact_no")), code="contact.not_found", field="contact_no"
        )
    if "opportunity_no" in result:
        no = normalize_key(result.pop("opportunity_no"))
        result["opportunity"] = permissions.require_linkable_opportunity_ref(by, no) if no else None
    if "salesperson_code" in result:
        code = normalize_key(result.pop("salesperson_code"))
        result["salesperson"] = (
            permissions.require_visible_ref(
                by, Salesperson, code, code="salesperson.not_found", field="salesperson_code"
            )
            if code
            else None
        )
    return result


@transaction.atomic
def create_interaction(*, by: Actor, **data: Any) -> Interaction:
    """Log an interaction (D22); ``date`` defaults to the WorkDate. Errors: 403 ``permission_denied`` (no right to
    write working data, or an ``opportunity_no`` the actor may see but not change), 422 ``contact.not_found``,
    ``opportunity.not_found``, ``salesperson.not_found`` (missing or invisible), ``invalid_input``."""
    permissions.require_write(by)
    values = _interaction_references(data, by=by)
    values["date"] = values.get("date") or get_work_date(by)
    obj = Interaction(**values)
    from salescycle.core.records import full_clean

    full_clean(obj, validate_unique=False)
    obj.save()
    return obj


@transaction.atomic
def update_interaction(entry_no: int, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Interaction:
    """Change an interaction log entry. Its stored opportunity decides first (404 ``not_found`` when invisible to
    ``by``, 403 when they may not change it), then the version (409 ``conflict.version``), then the new references
    as :func:`create_interaction`. Implements spec api.md "Visibility vs permission"."""
    obj = lock(Interaction, entry_no)
    permissions.require_change_linked(by, Interaction, entry_no, obj.opportunity_id)
    check_version(obj, expected_version)
    return update_record(obj, _interaction_references(changes, by=by))
