"""Moving an opportunity through its cycle and closing it (spec §4.4–§4.5, §4.8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key
from salescycle.core.prepared import Prepared, first_of
from salescycle.core.records import not_found
from salescycle.opportunities import engine
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import CloseOpportunityCode, Opportunity
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.opportunities.selectors.entries import active_entry, entry_state, has_quote, quote_value
from salescycle.opportunities.services._common import (
    _cycle_or_error,
    _insert_entry,
    _lock,
    _work_date,
)

# ---------------------------------------------------------------------------------------------------------------
# Moving through the cycle (spec §4.4–§4.5)


@transaction.atomic
def activate_first_stage(
    no: str,
    *,
    by: Actor,
    date_of_change: dt.date | None = None,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """The Activate First Stage action: a first entry on the cycle's lowest stage with value 0, chances and completed
    % from the stage and estimated close date CalcDate(stage formula, date of change); stage tasks are created.
    Errors: ``opportunity.sales_cycle_required``, ``opportunity.not_not_started``, ``sales_cycle.no_stages``.
    Implements spec §4.4.2."""
    opportunity = _lock(no, expected_version, by=by)
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    planned = engine.plan_first_stage(
        cycle,
        date_of_change=date_of_change or _work_date(by, work_date),
        is_started=opportunity.status != OpportunityStatus.NOT_STARTED,
    )
    _insert_entry(opportunity, planned, by=by)
    return opportunity


def get_update_options(
    no: str, *, by: Actor, date_of_change: dt.date | None = None, work_date: dt.date | None = None
) -> engine.UpdateOptions:
    """The Update wizard's opening state for opportunity ``no`` (spec §4.5.1–§4.5.2). Errors: ``not_found``,
    ``opportunity.closed``, ``opportunity.sales_cycle_required``."""
    opportunity = permissions.visible_opportunities(by, Opportunity.objects.filter(no=normalize_key(no))).first()
    if opportunity is None:
        raise not_found(Opportunity, normalize_key(no))
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    return engine.update_options(
        cycle,
        entry_state(active_entry(opportunity)),
        work_date=_work_date(by, work_date),
        date_of_change=date_of_change,
        quote_value=quote_value(opportunity),
    )


@transaction.atomic
def update_opportunity(
    no: str,
    *,
    by: Actor,
    request: engine.UpdateRequest,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Move the opportunity through its cycle with one of the six actions (First, Next, Previous, Skip, Update,
    Jump). Validation and errors as :func:`engine.plan_update` (spec §4.5.4–§4.5.5); then a new active entry
    (§4.7) with stage tasks except for Update, and cancelling old tasks when asked. Implements spec §4.5."""
    opportunity = _lock(no, expected_version, by=by)
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    previous = active_entry(opportunity)
    planned = engine.plan_update(
        cycle,
        entry_state(previous),
        request,
        work_date=_work_date(by, work_date),
        has_quote=has_quote(opportunity),
        quote_value=quote_value(opportunity),
    )
    _insert_entry(opportunity, planned, by=by, previous=previous)
    return opportunity


# ---------------------------------------------------------------------------------------------------------------
# Closing (spec §4.8)

_CLOSE_CODE_TYPE: Prepared[str] = Prepared(
    lambda code: first_of(CloseOpportunityCode.objects.filter(code=code).values_list("type", flat=True)), str
)


@transaction.atomic
def close_opportunity(
    no: str,
    *,
    by: Actor,
    outcome: str | None,
    close_opportunity_code: str | None,
    date_closed: dt.date | None = None,
    sales_value: Decimal | None = None,
    cancel_old_tasks: bool = True,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Close the opportunity as Won or Lost with a close opportunity code of that type.

    ``date_closed`` defaults to max(last Date of Change, WorkDate); ``sales_value`` (LCY) is the Won value unless a
    linked quote exists, whose amount wins (D11). Old tasks are cancelled by default; no stage tasks. A Won close
    makes the contact (or its company) a customer. Errors as :func:`engine.plan_close`. Implements spec §4.8.
    """
    opportunity = _lock(no, expected_version, by=by)
    code_key = normalize_key(close_opportunity_code)
    code_type = _CLOSE_CODE_TYPE.first(code_key)
    previous = active_entry(opportunity)
    planned = engine.plan_close(
        load_cycle(opportunity.sales_cycle_id),
        entry_state(previous),
        engine.CloseRequest(
            outcome=outcome,
            close_opportunity_code=code_key or None,
            date_closed=date_closed,
            sales_value=sales_value,
            cancel_old_tasks=cancel_old_tasks,
        ),
        close_code_type=code_type,
        work_date=_work_date(by, work_date),
        is_closed=opportunity.closed,
        quote_value=quote_value(opportunity),
    )
    _insert_entry(opportunity, planned, by=by, previous=previous)
    return opportunity
