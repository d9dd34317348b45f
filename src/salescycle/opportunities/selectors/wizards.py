"""Reads of the Create, Update and Close Opportunity wizards: initial values, proposals, stage names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from salescycle.contacts.models import Campaign, Contact, Segment
from salescycle.core.keys import normalize_key
from salescycle.opportunities import engine
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.models import Opportunity, SalesCycleStage
from salescycle.opportunities.selectors.cycles import default_sales_cycle_code, load_cycle
from salescycle.opportunities.selectors.entries import active_entry, entry_state, quote_value


def update_proposal(no: str, options: Any, action: Any, target: int | None) -> Any:
    """The Update wizard's proposed values for ``action`` to ``target`` (the engine's proposal; spec §4.5.3)."""
    default = options.proposals.get(action)
    if target is None or (default is not None and default.sales_cycle_stage == target):
        return default
    if target not in options.lists.for_action(action):
        return default
    opportunity = Opportunity.objects.get(no=normalize_key(no))
    cycle = load_cycle(opportunity.sales_cycle_id)
    assert cycle is not None
    return engine.propose(
        cycle,
        entry_state(active_entry(opportunity)),
        action,
        date_of_change=options.date_of_change,
        lists=options.lists,
        target=target,
        quote_value=quote_value(opportunity),
    )


def default_date_closed(opportunity: Opportunity, work_date: dt.date) -> dt.date:
    """The Close wizard's proposed Closing Date: the one ``close_opportunity`` takes when none is given, max(the
    active entry's Date of Change, ``work_date``), or ``work_date`` without an active entry (the engine's
    ``default_date_of_change``; one query). Implements spec §4.8."""
    return engine.default_date_of_change(entry_state(active_entry(opportunity)), work_date)


def stage_names(no: str) -> dict[int, str]:
    """Stage number → description for the opportunity's cycle (one query)."""
    cycle = Opportunity.objects.filter(no=normalize_key(no)).values_list("sales_cycle_id", flat=True)
    return dict(
        SalesCycleStage.objects.filter(sales_cycle_id__in=cycle).order_by("stage").values_list("stage", "description")
    )


def create_defaults(params: Any, work_date: dt.date) -> dict[str, Any]:
    """The Create wizard's initial values when launched from a contact, salesperson, campaign or segment: the
    salesperson comes from the contact, then the salesperson, campaign and segment filters (later ones win;
    spec §4.2.2); the cycle is Marketing Setup's default when not blocked."""
    initial: dict[str, Any] = {"creation_date": work_date, "sales_cycle_code": default_sales_cycle_code() or ""}
    salesperson = ""
    contact_no = normalize_key(params.get("contact"))
    if contact_no:
        initial["contact_no"] = contact_no
        salesperson = Contact.objects.filter(no=contact_no).values_list("salesperson_id", flat=True).first() or ""
    salesperson = normalize_key(params.get("salesperson")) or salesperson
    campaign_no = normalize_key(params.get("campaign"))
    if campaign_no:
        initial["campaign_no"] = campaign_no
        salesperson = (
            Campaign.objects.filter(no=campaign_no).values_list("salesperson_id", flat=True).first() or salesperson
        )
    segment_no = normalize_key(params.get("segment"))
    if segment_no:
        segment = Segment.objects.filter(no=segment_no).values("campaign_id", "salesperson_id").first()
        initial.update(segment_no=segment_no, for_all_segment_contacts=True)
        if segment:
            initial["campaign_no"] = segment["campaign_id"] or initial.get("campaign_no", "")
            salesperson = segment["salesperson_id"] or salesperson
    initial["salesperson_code"] = salesperson
    return initial


@dataclass(frozen=True)
class CloseDefaults:
    """The Close wizard's proposals (spec §4.8.1–§4.8.2, D11): the closing date, the Won close's Sales (LCY) — the
    linked quote's amount when there is one (it overrides a typed value), else the estimated value — and whether
    that value comes from the quote (then it is not editable)."""

    date_closed: dt.date
    sales_value: Decimal | None
    from_quote: bool


def close_defaults(opportunity: Opportunity, work_date: dt.date) -> CloseDefaults:
    """The Close wizard's proposed closing date (:func:`default_date_closed`) and Won value: the linked quote's
    amount (excl. VAT, LCY) when a quote is linked, else the opportunity's Estimated Value (LCY) when it is above
    0, else none. A few queries. Implements spec §4.8.2 and D11."""
    quote = quote_value(opportunity)
    if quote is not None:
        value: Decimal | None = quote
    else:
        value = opportunity.estimated_value if opportunity.estimated_value > 0 else None
    return CloseDefaults(
        date_closed=default_date_closed(opportunity, work_date), sales_value=value, from_quote=quote is not None
    )


def chances_taken_from_stage(action: Any, proposal: engine.Proposal | None) -> Decimal | None:
    """The target stage's Chances of Success % when the update takes it whatever the user types (Skip and Jump onto
    a stage whose chances are not 0, spec §4.6 step 1.1, as :func:`engine.recalculate_estimates`), else None."""
    if proposal is None or action not in (ActionType.SKIP, ActionType.JUMP):
        return None
    return proposal.chances_of_success_pct if proposal.chances_of_success_pct != 0 else None
