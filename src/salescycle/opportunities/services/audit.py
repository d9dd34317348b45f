"""The audit trail of opportunity fields (issue #8): one :class:`OpportunityChange` row per changed field, written
by the services that change them (``change_opportunity`` and the sales-document link functions), in their
transaction. :data:`~salescycle.core.actors.SYSTEM` (CLI, importers) is recorded as no user."""

from __future__ import annotations

from typing import Any

from salescycle.core.actors import Actor, user_of
from salescycle.opportunities.models import Opportunity, OpportunityChange

# API field name → model attribute of the opportunity's changeable fields (spec §4.12): the one translation, used by
# the audit trail, ``change_opportunity`` and the card form (:func:`field_values`).
AUDITED = {
    "description": "description",
    "contact_no": "contact_id",
    "salesperson_code": "salesperson_id",
    "campaign_no": "campaign_id",
    "segment_no": "segment_id",
    "priority": "priority",
    "sales_cycle_code": "sales_cycle_id",
    "sales_document_type": "sales_document_type",
    "sales_document_no": "sales_document_no",
}


def field_values(opportunity: Opportunity) -> dict[str, Any]:
    """The changeable (and audited) fields of ``opportunity`` under their API names, as stored: ``{"contact_no":
    opportunity.contact_id, "salesperson_code": opportunity.salesperson_id, …}`` (None for a blank reference)."""
    return {name: getattr(opportunity, attribute) for name, attribute in AUDITED.items()}


def snapshot(opportunity: Opportunity) -> dict[str, str]:
    """The audited fields of ``opportunity`` as text (blank for None)."""
    return {name: str(value or "") for name, value in field_values(opportunity).items()}


def record(opportunity: Opportunity, before: dict[str, str], *, by: Actor) -> list[OpportunityChange]:
    """Write a change row for each audited field whose value differs from ``before`` (one INSERT)."""
    after = snapshot(opportunity)
    return record_values(opportunity.no, before, after, by=by)


def record_values(no: str, before: dict[str, str], after: dict[str, str], *, by: Actor) -> list[OpportunityChange]:
    """Write a change row of opportunity ``no`` for each field of ``after`` that differs from ``before``."""
    user = user_of(by)
    rows = [
        OpportunityChange(
            opportunity_no=no, user=user, field=name, old_value=before.get(name, "")[:250], new_value=value[:250]
        )
        for name, value in after.items()
        if value != before.get(name, "")
    ]
    return OpportunityChange.objects.bulk_create(rows) if rows else []
