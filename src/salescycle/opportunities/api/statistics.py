"""Statistics endpoints (spec api.md "Statistics", spec §5.3–§5.6, D16)."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Query, Schema

from salescycle.core.http import ApiRequest
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import DateQuery, Key, OneOf, with_errors
from salescycle.opportunities import statistics
from salescycle.opportunities.api._shared import router
from salescycle.opportunities.choices import IN_PROGRESS_ACTIONS, ActionTaken, OpportunityStatus
from salescycle.opportunities.schemas import (
    CycleStatisticsOut,
    FiguresOut,
    SalespersonStatisticsOut,
)

# --- Statistics ------------------------------------------------------------------------------------------------

# Entries by Action Taken: every in-progress action at once (``in_progress``), the closings, or one action.
ActionTakenFilter = Annotated[
    str, OneOf(OpportunityStatus.IN_PROGRESS, ActionTaken.WON, ActionTaken.LOST, *IN_PROGRESS_ACTIONS)
]


class DateRange(Schema):
    estimated_close_date_from: DateQuery | None = None
    estimated_close_date_to: DateQuery | None = None


class ActionDateRange(DateRange):
    action_taken: ActionTakenFilter | None = None


class SalespersonStatisticsFilter(ActionDateRange):
    sales_cycle_code: str | None = None
    sales_cycle_stage: int | None = None


@reads_from_replica
@router.get("/sales-cycles/{code}/statistics", response=with_errors({200: CycleStatisticsOut}), tags=["statistics"])
def sales_cycle_statistics(request: ApiRequest, code: Key, filters: Query[DateRange]) -> Any:
    """Open opportunities of the cycle, in total and per stage (§5.3, D16)."""
    return statistics.cycle_statistics(code, statistics.StatisticsFilter(**filters.dict()), user=request.auth)


@reads_from_replica
@router.get(
    "/salespeople/{code}/statistics", response=with_errors({200: SalespersonStatisticsOut}), tags=["statistics"]
)
def salesperson_statistics(request: ApiRequest, code: Key, filters: Query[SalespersonStatisticsFilter]) -> Any:
    """The salesperson's active entries (§5.5, D16)."""
    return statistics.salesperson_statistics(code, statistics.StatisticsFilter(**filters.dict()), user=request.auth)


@reads_from_replica
@router.get("/contacts/{no}/statistics", response=with_errors({200: FiguresOut}), tags=["statistics"])
def contact_statistics(request: ApiRequest, no: Key, filters: Query[ActionDateRange]) -> Any:
    """The contact's active entries; a company's cover all its contacts (§5.4, D16)."""
    return statistics.contact_statistics(no, statistics.StatisticsFilter(**filters.dict()), user=request.auth)


@reads_from_replica
@router.get("/campaigns/{no}/statistics", response=with_errors({200: FiguresOut}), tags=["statistics"])
def campaign_statistics(request: ApiRequest, no: Key, filters: Query[ActionDateRange]) -> Any:
    """The campaign's active entries (§5.6, D16)."""
    return statistics.campaign_statistics(no, statistics.StatisticsFilter(**filters.dict()), user=request.auth)
