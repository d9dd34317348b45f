"""The charts (spec §5.8, issue #14 item 2): BC's Opportunity chart and Relationship Performance, a stage funnel per
sales cycle and the open pipeline by estimated closing month. Each over the opportunities the user may see, in one
or two queries whatever the number of rows, with exact sums, every bar carrying the URL of the Opportunity List (or
card) of exactly the opportunities it counts (:mod:`.figures`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse

from salescycle.core.actors import Actor
from salescycle.core.dates import Period, periods
from salescycle.core.keys import normalize_key
from salescycle.core.money import is_sqlite, normalize
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import MarketingSetup, SalesCycle, SalesCycleStage
from salescycle.opportunities.selectors.figures import (
    IN_PROGRESS,
    Linked,
    LinkedFigures,
    empty,
    figure_aggregates,
    figures_of,
    list_url,
)
from salescycle.opportunities.selectors.opportunities import visible

TOP = 5
MONTHS = 12

# ---------------------------------------------------------------------------------------------------------------
# Opportunity chart (BC page 781 "Opportunity Chart", codeunit "Opportunity Chart Mgt.")


@dataclass(frozen=True)
class StatusCounts:
    """One salesperson's bar group of the Opportunity chart: In Progress, Won and Lost counts with their lists."""

    salesperson_code: str
    name: str
    in_progress: Linked
    won: Linked
    lost: Linked


@dataclass(frozen=True)
class OpportunityChart:
    """BC's Opportunity chart for the period ``start``..``end`` (both inclusive): per salesperson (code order)."""

    start: dt.date
    end: dt.date
    rows: tuple[StatusCounts, ...]


def opportunity_chart(start: dt.date, end: dt.date, *, user: Actor) -> OpportunityChart:
    """Per salesperson, the opportunities ``user`` may see by status as BC's Opportunity chart counts them: In
    Progress when created on or before ``end``, Won and Lost when their Date Closed lies in ``start``..``end``.
    Opportunities without a salesperson are left out (the chart is per Salesperson record), and so are salespeople
    with nothing to count. One query. Implements spec §5.8 (Opportunity chart)."""
    in_progress = Q(status=IN_PROGRESS, creation_date__lte=end)
    closed = {
        status: Q(status=status, date_closed__gte=start, date_closed__lte=end)
        for status in (OpportunityStatus.WON, OpportunityStatus.LOST)
    }
    rows = (
        visible(user)
        .filter(salesperson__isnull=False)
        .filter(in_progress | closed[OpportunityStatus.WON] | closed[OpportunityStatus.LOST])
        .values("salesperson_id", "salesperson__name")
        .annotate(
            in_progress=Count("no", filter=in_progress),
            won=Count("no", filter=closed[OpportunityStatus.WON]),
            lost=Count("no", filter=closed[OpportunityStatus.LOST]),
        )
        .order_by("salesperson_id")
    )

    def linked(count: int, code: str, **words: object) -> Linked:
        return Linked(count, list_url({"salesperson": code, **words}))

    window = {"closed_from": start, "closed_to": end}
    return OpportunityChart(
        start,
        end,
        tuple(
            StatusCounts(
                row["salesperson_id"],
                row["salesperson__name"],
                linked(row["in_progress"], row["salesperson_id"], status=IN_PROGRESS, created_to=end),
                linked(row["won"], row["salesperson_id"], status=OpportunityStatus.WON.value, **window),
                linked(row["lost"], row["salesperson_id"], status=OpportunityStatus.LOST.value, **window),
            )
            for row in rows
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# Relationship Performance (BC page 5099 "Relationship Performance")


@dataclass(frozen=True)
class TopOpportunity:
    """One of the largest open opportunities, with its current stage and values (LCY) and its card's URL."""

    no: str
    description: str
    contact_name: str
    stage: int
    stage_description: str
    estimated_value: Decimal
    calculated_current_value: Decimal
    url: str


def relationship_performance(*, user: Actor, top: int = TOP) -> tuple[TopOpportunity, ...]:
    """The ``top`` open (not closed) opportunities ``user`` may see by Estimated Value (LCY), largest first (of equal
    values the higher No. first). Each bar is one opportunity, so it drills down to its card. One query, read
    backwards along ``opp_estimated_value``. Implements spec §5.8 (Relationship Performance)."""
    rows = (
        visible(user)
        .filter(closed=False)
        .order_by("-estimated_value", "-no")
        .values(
            "no",
            "description",
            "contact__name",
            "current_sales_cycle_stage",
            "current_stage_description",
            "estimated_value",
            "calculated_current_value",
        )[:top]
    )
    return tuple(
        TopOpportunity(
            row["no"],
            row["description"],
            row["contact__name"] or "",
            row["current_sales_cycle_stage"],
            row["current_stage_description"],
            normalize(row["estimated_value"]),
            normalize(row["calculated_current_value"]),
            reverse("opportunities:card", args=[row["no"]]),
        )
        for row in rows
    )


# ---------------------------------------------------------------------------------------------------------------
# Stage funnel per sales cycle


@dataclass(frozen=True)
class FunnelStage:
    """A stage of the funnel: its open opportunities (count, values, list)."""

    stage: int
    description: str
    figures: LinkedFigures


@dataclass(frozen=True)
class StageFunnel:
    """The open (In Progress) opportunities of sales cycle ``sales_cycle_code`` per stage, every stage listed."""

    sales_cycle_code: str
    description: str
    stages: tuple[FunnelStage, ...]


def sales_cycles() -> list[tuple[str, str]]:
    """The sales cycles as (code, description), by code, for the funnel's choice (one query)."""
    return list(SalesCycle.objects.order_by("code").values_list("code", "description"))


def default_cycle_code(codes: list[str]) -> str:
    """The funnel's cycle when none is chosen: Marketing Setup's default sales cycle if it is among ``codes``, else
    the first of ``codes`` ("" for none). One query."""
    default = MarketingSetup.objects.filter(id=1).values_list("default_sales_cycle_id", flat=True).first()
    if default in codes:
        return str(default)
    return codes[0] if codes else ""


def stage_funnel(sales_cycle_code: str, *, user: Actor) -> StageFunnel:
    """Per stage of cycle ``sales_cycle_code``, the In Progress opportunities ``user`` may see whose current stage
    it is: No. of Opportunities, Estimated Value and Calcd. Current Value (LCY, exact). Every stage of the cycle is
    listed, a stage without opportunities with zeros; an unknown cycle has no stages. Two queries (the stages, the
    figures), the figures along ``opp_cycle_status``. Implements spec §5.3 (stage figures) as a funnel (issue #14)."""
    code = normalize_key(sales_cycle_code)
    cycle = SalesCycle.objects.filter(code=code).values_list("description", flat=True).first()
    if cycle is None:
        return StageFunnel(code, "", ())
    qs = visible(user).filter(sales_cycle_id=code, status=IN_PROGRESS)
    sqlite = is_sqlite(qs.db)
    found = {
        row["current_sales_cycle_stage"]: row
        for row in qs.values("current_sales_cycle_stage").annotate(**figure_aggregates("f", sqlite=sqlite))
    }
    stages = SalesCycleStage.objects.filter(sales_cycle_id=code).order_by("stage").values_list("stage", "description")

    def figures(stage: int) -> LinkedFigures:
        url = list_url({"cycle": code, "stage": stage, "status": IN_PROGRESS})
        return figures_of(found[stage], "f", url, sqlite=sqlite) if stage in found else empty(url)

    return StageFunnel(code, cycle, tuple(FunnelStage(s, d, figures(s)) for s, d in stages))


# ---------------------------------------------------------------------------------------------------------------
# Value by estimated closing month


@dataclass(frozen=True)
class PeriodFigures:
    """The open pipeline whose Estimated Closing Date lies in ``period``."""

    period: Period
    figures: LinkedFigures


def period_index(field: str, spans: tuple[Period, ...]) -> Case:
    """A SQL ``CASE`` giving the index in ``spans`` of the period holding date column ``field`` (NULL outside), to
    group rows by period in the database."""
    whens = [When(**{f"{field}__gte": p.start, f"{field}__lte": p.end}, then=Value(i)) for i, p in enumerate(spans)]
    return Case(*whens, default=None, output_field=IntegerField())


def closing_months(start: dt.date, *, user: Actor, months: int = MONTHS) -> tuple[PeriodFigures, ...]:
    """The In Progress opportunities ``user`` may see by Estimated Closing Date month, ``months`` months from the
    month of ``start``: count, Estimated Value and Calcd. Current Value (the weighted value), LCY, exact. One query
    along ``opp_estimated_closing``. Implements issue #14 item 2 ("value by closing month"; spec §5.7's periods)."""
    spans = periods("month", start, months)
    qs = visible(user).filter(
        status=IN_PROGRESS, estimated_closing_date__gte=spans[0].start, estimated_closing_date__lte=spans[-1].end
    )
    sqlite = is_sqlite(qs.db)
    found = {
        row["period"]: row
        for row in qs.annotate(period=period_index("estimated_closing_date", spans))
        .values("period")
        .annotate(**figure_aggregates("f", sqlite=sqlite))
        .order_by()
    }

    def figures(i: int, span: Period) -> LinkedFigures:
        url = list_url({"status": IN_PROGRESS, "closing_from": span.start, "closing_to": span.end})
        return figures_of(found[i], "f", url, sqlite=sqlite) if i in found else empty(url)

    return tuple(PeriodFigures(span, figures(i, span)) for i, span in enumerate(spans))
