"""Reads of an opportunity's state for the rules: its active entry (and the engine's view of it) and its linked
sales quote."""

from __future__ import annotations

from decimal import Decimal

from salescycle.core.prepared import Prepared, first_of
from salescycle.opportunities import documents, engine
from salescycle.opportunities.choices import SalesDocumentType
from salescycle.opportunities.models import Opportunity, OpportunityEntry

_ACTIVE_ENTRY: Prepared[OpportunityEntry] = Prepared(
    lambda no: first_of(OpportunityEntry.objects.filter(opportunity_id=no, active=True)), str
)


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    """The opportunity's active entry, or None when it is Not Started (spec §2.6)."""
    return _ACTIVE_ENTRY.first(opportunity.no)


def entry_state(entry: OpportunityEntry | None) -> engine.EntryState | None:
    """The engine's view of ``entry`` (None for None)."""
    if entry is None:
        return None
    return engine.EntryState(
        sales_cycle_stage=entry.sales_cycle_stage,
        date_of_change=entry.date_of_change,
        estimated_value=entry.estimated_value,
        chances_of_success_pct=entry.chances_of_success_pct,
        estimated_close_date=entry.estimated_close_date,
        action_taken=entry.action_taken,
    )


def has_quote(opportunity: Opportunity) -> bool:
    """True when the opportunity is linked to a sales quote that exists (Quote Required stages, spec §4.5.5)."""
    return opportunity.sales_document_type == SalesDocumentType.QUOTE and documents.lookup().exists(
        "quote", opportunity.sales_document_no
    )


def quote_value(opportunity: Opportunity) -> Decimal | None:
    """The amount (LCY, excl. VAT) of the linked sales quote, or None when the opportunity is not linked to an
    existing quote (the wizard's proposed value and a Won close's value, spec §4.5.3, §4.6)."""
    return documents.linked_quote_value(opportunity.sales_document_type, opportunity.sales_document_no)
