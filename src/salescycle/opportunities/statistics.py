"""Statistics of opportunities (spec §5.1, §5.3–§5.6, D16), aggregated in the database over active entries.

Cycle and stage figures count open opportunities only (active entries whose Action Taken is not Won/Lost); contact,
salesperson and campaign figures count every active entry, closed ones included, unless ``action_taken`` narrows
them (``in_progress`` = First..Jumped, ``won``, ``lost``). Every filter on dates applies to the entry's Estimated
Close Date. Sums are exact on both databases (``core.money.ExactSum``; on SQLite a plain SUM goes through floating
point) and averages are the exact sum ÷ the count rounded half away from zero to 5 places (``exact_average``), D19.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, QuerySet, Sum

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key
from salescycle.core.money import ZERO, ExactSum, exact_average
from salescycle.core.records import not_found
from salescycle.opportunities.choices import IN_PROGRESS_ACTIONS, ActionTaken
from salescycle.opportunities.filters import contact_filter
from salescycle.opportunities.models import Interaction, Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage


@dataclass(frozen=True)
class StatisticsFilter:
    """The statistics pages' filters: Estimated Close Date range, Action Taken group, cycle and stage."""

    estimated_close_date_from: dt.date | None = None
    estimated_close_date_to: dt.date | None = None
    action_taken: str | None = None
    sales_cycle_code: str | None = None
    sales_cycle_stage: int | None = None
    salesperson_code: str | None = None

    def apply(self, entries: QuerySet[OpportunityEntry]) -> QuerySet[OpportunityEntry]:
        """``entries`` narrowed by these filters."""
        if self.estimated_close_date_from:
            entries = entries.filter(estimated_close_date__gte=self.estimated_close_date_from)
        if self.estimated_close_date_to:
            entries = entries.filter(estimated_close_date__lte=self.estimated_close_date_to)
        if self.action_taken == "in_progress":
            entries = entries.filter(action_taken__in=IN_PROGRESS_ACTIONS)
        elif self.action_taken:
            entries = entries.filter(action_taken=self.action_taken)
        if self.sales_cycle_code:
            entries = entries.filter(sales_cycle_id=normalize_key(self.sales_cycle_code))
        if self.sales_cycle_stage is not None:
            entries = entries.filter(sales_cycle_stage=self.sales_cycle_stage)
        if self.salesperson_code:
            entries = entries.filter(salesperson_id=normalize_key(self.salesperson_code))
        return entries


@dataclass(frozen=True)
class Figures:
    """Count and sums of active entries (No. of Opportunities, Estimated Value (LCY), Calcd. Current Value (LCY))."""

    no_of_opportunities: int
    estimated_value: Decimal
    calculated_current_value: Decimal


@dataclass(frozen=True)
class StageStatistics(Figures):
    """A stage's open opportunities and the average Days Open of the entries that left it (spec §5.3)."""

    stage: int
    description: str
    average_no_of_days: Decimal


@dataclass(frozen=True)
class CycleStatistics(Figures):
    """A sales cycle's open opportunities, in total and per stage (spec §5.3)."""

    stages: tuple[StageStatistics, ...]


@dataclass(frozen=True)
class AveragedFigures(Figures):
    """Figures with their averages per opportunity (the statistics lists of spec §5.5 and §5.6)."""

    avg_estimated_value: Decimal
    avg_calculated_current_value: Decimal


@dataclass(frozen=True)
class SalespersonStatistics(AveragedFigures):
    """A salesperson's active entries with averages (spec §5.5)."""


@dataclass(frozen=True)
class OpportunityStatistics:
    """An opportunity's figures from its active entry and its No. of Interactions (spec §5.1)."""

    no_of_interactions: int
    current_sales_cycle_stage: int | None
    estimated_value: Decimal
    chances_of_success_pct: Decimal
    completed_pct: Decimal
    probability_pct: Decimal
    calculated_current_value: Decimal


EMPTY = Figures(0, ZERO, ZERO)
# COUNT(*), not COUNT(entry_no): the entry number is in none of the statistics' covering partial indexes, so
# naming it sends PostgreSQL to the table for every row; with COUNT(*) the aggregates are index-only scans
# (59 → 2.4 ms for the open entries of a cycle at 100,000 opportunities, bench/README.md). The money sums are
# ExactSum (D19): on SQLite they read the same two columns of the same index, so the plans do not change.
_SUMS = {"n": Count("*"), "value": ExactSum("estimated_value"), "current": ExactSum("calculated_current_value")}
A = TypeVar("A", bound=AveragedFigures)


def _row_figures(row: dict[str, Any]) -> Figures:
    return Figures(row["n"] or 0, row["value"] or ZERO, row["current"] or ZERO)


def _figures(entries: QuerySet[OpportunityEntry]) -> Figures:
    return _row_figures(entries.aggregate(**_SUMS))


def _grouped(entries: QuerySet[OpportunityEntry], field: str) -> dict[Any, Figures]:
    """The figures of ``entries`` per value of ``field``, in one query."""
    return {row[field]: _row_figures(row) for row in entries.order_by().values(field).annotate(**_SUMS)}


def _averaged(figures: Figures, kind: type[A]) -> A:
    return kind(
        no_of_opportunities=figures.no_of_opportunities,
        estimated_value=figures.estimated_value,
        calculated_current_value=figures.calculated_current_value,
        avg_estimated_value=exact_average(figures.estimated_value, figures.no_of_opportunities),
        avg_calculated_current_value=exact_average(figures.calculated_current_value, figures.no_of_opportunities),
    )


def _visible(
    entries: QuerySet[OpportunityEntry], user: Actor, field: str = "salesperson"
) -> QuerySet[OpportunityEntry]:
    """``entries`` of the opportunities ``user`` may see (issue #8). Active entries carry their opportunity's
    salesperson, so they are filtered on their own (indexed) column; others through the opportunity."""
    condition = permissions.visibility_filter(user, field)
    return entries if condition is None else entries.filter(condition)


def _active(filters: StatisticsFilter | None, user: Actor) -> QuerySet[OpportunityEntry]:
    return _visible((filters or StatisticsFilter()).apply(OpportunityEntry.objects.active()), user)


def _dated(filters: StatisticsFilter | None) -> StatisticsFilter:
    """The filters cycle and stage figures take: the Estimated Close Date range only."""
    filters = filters or StatisticsFilter()
    return StatisticsFilter(filters.estimated_close_date_from, filters.estimated_close_date_to)


def stage_figures(code: str, filters: StatisticsFilter | None = None, *, user: Actor) -> dict[int, Figures]:
    """Open opportunities of sales cycle ``code`` per stage number (stages without any are absent), narrowed by
    ``filters``: the columns of the pipeline board and of :func:`cycle_statistics`. One query. Implements spec
    §5.3 (D16)."""
    entries = _visible(OpportunityEntry.objects.open().filter(sales_cycle_id=normalize_key(code)), user)
    return _grouped((filters or StatisticsFilter()).apply(entries), "sales_cycle_stage")


def cycle_statistics(code: str, filters: StatisticsFilter | None = None, *, user: Actor) -> CycleStatistics:
    """Open opportunities of sales cycle ``code`` in total and per stage, and per stage the average Days Open of its
    inactive entries. Errors: 404 ``not_found``. Implements spec §5.3 (D16). Four queries."""
    key = normalize_key(code)
    if not SalesCycle.objects.filter(code=key).exists():
        raise not_found(SalesCycle, key)
    dated = _dated(filters)
    per_stage = stage_figures(key, dated, user=user)
    inactive_entries = dated.apply(OpportunityEntry.objects.filter(sales_cycle_id=key, active=False))
    inactive: dict[int, dict[str, Any]] = {
        row["sales_cycle_stage"]: dict(row)
        for row in _visible(inactive_entries, user, "opportunity__salesperson")
        .order_by()
        .values("sales_cycle_stage")
        .annotate(n=Count("*"), days=Sum("days_open"))
    }
    stages = []
    for stage in SalesCycleStage.objects.filter(sales_cycle_id=key).order_by("stage"):
        figures = per_stage.get(stage.stage, EMPTY)
        days: dict[str, Any] = inactive.get(stage.stage, {})
        stages.append(
            StageStatistics(
                no_of_opportunities=figures.no_of_opportunities,
                estimated_value=figures.estimated_value,
                calculated_current_value=figures.calculated_current_value,
                stage=stage.stage,
                description=stage.description,
                average_no_of_days=exact_average(Decimal(days.get("days") or 0), days.get("n", 0)),
            )
        )
    return CycleStatistics(
        no_of_opportunities=sum(f.no_of_opportunities for f in per_stage.values()),
        estimated_value=sum((f.estimated_value for f in per_stage.values()), ZERO),
        calculated_current_value=sum((f.calculated_current_value for f in per_stage.values()), ZERO),
        stages=tuple(stages),
    )


def sales_cycles_statistics(
    filters: StatisticsFilter | None = None, *, user: Actor
) -> tuple[tuple[SalesCycle, Figures], ...]:
    """Every sales cycle by code with its open opportunities (the Estimated Close Date range of ``filters``
    applies). Two queries. Implements spec §5.3 (D16)."""
    per_cycle = _grouped(_visible(_dated(filters).apply(OpportunityEntry.objects.open()), user), "sales_cycle_id")
    return tuple((cycle, per_cycle.get(cycle.code, EMPTY)) for cycle in SalesCycle.objects.order_by("code"))


def salesperson_statistics(code: str, filters: StatisticsFilter | None = None, *, user: Actor) -> SalespersonStatistics:
    """The salesperson's active entries (Won/Lost included unless filtered): count, sums and averages.
    Errors: 404 ``not_found``. Implements spec §5.5 (D16)."""
    key = normalize_key(code)
    figures = _figures(_active(filters, user).filter(salesperson_id=key))
    # Entries point at an existing salesperson (foreign key), so only an empty result needs the existence check.
    if not figures.no_of_opportunities and not Salesperson.objects.filter(code=key).exists():
        raise not_found(Salesperson, key)
    return _averaged(figures, SalespersonStatistics)


def salespeople_statistics(
    filters: StatisticsFilter | None = None, *, user: Actor
) -> tuple[tuple[Salesperson, SalespersonStatistics], ...]:
    """Every salesperson by code with the figures of :func:`salesperson_statistics`. Two queries. Implements spec
    §5.5 (D16)."""
    per_salesperson = _grouped(_active(filters, user), "salesperson_id")
    return tuple(
        (salesperson, _averaged(per_salesperson.get(salesperson.code, EMPTY), SalespersonStatistics))
        for salesperson in Salesperson.objects.order_by("code")
    )


def contact_statistics(no: str, filters: StatisticsFilter | None = None, *, user: Actor) -> Figures:
    """Active entries of the contact — a person's own, a company's for all its contacts. Errors: 404
    ``not_found``. Implements spec §5.4 (D16)."""
    key = normalize_key(no)
    figures = _figures(_active(filters, user).filter(contact_filter(key)))
    if not figures.no_of_opportunities and not Contact.objects.filter(no=key).exists():
        raise not_found(Contact, key)
    return figures


def campaign_statistics(no: str, filters: StatisticsFilter | None = None, *, user: Actor) -> Figures:
    """Active entries with the campaign. Errors: 404 ``not_found``. Implements spec §5.6 (D16)."""
    key = normalize_key(no)
    if not Campaign.objects.filter(no=key).exists():
        raise not_found(Campaign, key)
    return _figures(_active(filters, user).filter(campaign_id=key))


def campaigns_statistics(
    filters: StatisticsFilter | None = None, *, user: Actor
) -> tuple[tuple[Campaign, AveragedFigures], ...]:
    """Every campaign by no. with the figures of :func:`campaign_statistics` and their averages. Two queries.
    Implements spec §5.6 (D16)."""
    per_campaign = _grouped(_active(filters, user).exclude(campaign_id=None), "campaign_id")
    return tuple(
        (campaign, _averaged(per_campaign.get(campaign.no, EMPTY), AveragedFigures))
        for campaign in Campaign.objects.order_by("no")
    )


def opportunity_statistics(no: str, *, user: Actor) -> OpportunityStatistics:
    """The opportunity's figures (its copy of the active entry) and its No. of Interactions (not canceled, not
    postponed). Errors: 404 ``not_found``. Implements spec §5.1."""
    key = normalize_key(no)
    opportunity = permissions.visible_opportunities(user, Opportunity.objects.filter(no=key)).first()
    if opportunity is None:
        raise not_found(Opportunity, key)
    interactions = Interaction.objects.filter(opportunity_id=key, canceled=False, postponed=False).count()
    started = opportunity.status != "not_started"
    return OpportunityStatistics(
        no_of_interactions=interactions,
        current_sales_cycle_stage=opportunity.current_sales_cycle_stage if started else None,
        estimated_value=opportunity.estimated_value,
        chances_of_success_pct=opportunity.chances_of_success_pct,
        completed_pct=opportunity.completed_pct,
        probability_pct=opportunity.probability_pct,
        calculated_current_value=opportunity.calculated_current_value,
    )


__all__ = [
    "ActionTaken",
    "AveragedFigures",
    "CycleStatistics",
    "Figures",
    "OpportunityStatistics",
    "SalespersonStatistics",
    "StageStatistics",
    "StatisticsFilter",
    "campaign_statistics",
    "campaigns_statistics",
    "contact_statistics",
    "cycle_statistics",
    "opportunity_statistics",
    "sales_cycles_statistics",
    "salespeople_statistics",
    "salesperson_statistics",
    "stage_figures",
]
