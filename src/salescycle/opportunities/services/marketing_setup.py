"""The write on Marketing Setup (spec §2.1, api.md "Setup", D20): its default sales cycle, the Bus. Rel. Code for
Customers and the number-series prefixes; reached by the web setup page and the API's ``PATCH /setup``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.core.models import NumberSeries
from salescycle.core.numbering import validate_prefix
from salescycle.core.records import lock, require, update_record
from salescycle.opportunities.models import MarketingSetup, SalesCycle


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
