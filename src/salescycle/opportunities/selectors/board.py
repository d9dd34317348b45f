"""The pipeline board: one column per stage of a sales cycle with its figures and its first cards, keyset paged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import InvalidInput
from salescycle.core.pagination import Keyset, Nulls
from salescycle.opportunities import statistics  # the module, not its names: it imports selectors.opportunities
from salescycle.opportunities.models import OpportunityEntry, SalesCycleStage

BOARD_PAGE_SIZE = 20

# Active entries at a stage by (estimated close date, entry no.), NULL dates where the database puts them: a scan of
# the partial index ``entry_active_cycle_stage``.
CARD_ORDER = Keyset.of(OpportunityEntry, ["estimated_close_date", "entry_no"], nulls=Nulls.DATABASE)


@dataclass
class BoardColumn:
    """One stage of the board: its header figures (open opportunities at the stage) and its first cards."""

    stage: SalesCycleStage
    count: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    cards: list[OpportunityEntry]
    next_cursor: str | None


def _stage_entries(cycle_code: str, stage: int, salesperson: str = "", *, user: Actor) -> QuerySet[OpportunityEntry]:
    qs = OpportunityEntry.objects.filter(active=True, sales_cycle_id=cycle_code, sales_cycle_stage=stage)
    if salesperson:
        qs = qs.filter(salesperson_id=salesperson)
    # Active entries carry their opportunity's salesperson: the visibility filter needs no join.
    condition = permissions.visibility_filter(user)
    return qs if condition is None else qs.filter(condition)


def board_cards(
    cycle_code: str,
    stage: int,
    *,
    salesperson: str = "",
    cursor: str | None = None,
    size: int = BOARD_PAGE_SIZE,
    user: Actor,
) -> tuple[list[OpportunityEntry], str | None]:
    """One page of a stage's cards after ``cursor`` (a cursor that does not parse starts from the beginning) and
    the next page's cursor. One query."""
    qs = _stage_entries(cycle_code, stage, salesperson, user=user).select_related("opportunity", "contact")
    try:
        return CARD_ORDER.page(qs, cursor=cursor, size=size)
    except InvalidInput:
        return CARD_ORDER.page(qs, cursor=None, size=size)


def board(cycle_code: str, *, salesperson: str = "", user: Actor) -> list[BoardColumn]:
    """The board of a sales cycle: one column per stage with count, estimated and calculated current value of the
    open opportunities at the stage (one aggregate query, :func:`statistics.stage_figures`) and its first cards
    (one query per stage)."""
    stages = list(SalesCycleStage.objects.filter(sales_cycle_id=cycle_code).order_by("stage"))
    totals = statistics.stage_figures(
        cycle_code, statistics.StatisticsFilter(salesperson_code=salesperson or None), user=user
    )
    columns = []
    for stage in stages:
        figures = totals.get(stage.stage, statistics.EMPTY)
        cards, next_cursor = board_cards(cycle_code, stage.stage, salesperson=salesperson, user=user)
        columns.append(
            BoardColumn(
                stage=stage,
                count=figures.no_of_opportunities,
                estimated_value=figures.estimated_value,
                calculated_current_value=figures.calculated_current_value,
                cards=cards,
                next_cursor=next_cursor,
            )
        )
    return columns
