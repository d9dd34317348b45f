"""Analysis from the opportunity entry ledger (api.md "Analysis", spec §2.6, §5.7; issue #14 items 1 and 4).

Every figure is aggregated in the database over the entries of the opportunities the user may see
(:func:`salescycle.contacts.permissions.visibility_filter`: active entries by their own salesperson column, older
entries through their opportunity), in a constant number of queries whatever the number of rows. Sums are exact
(:func:`salescycle.core.money.exact_sum`: never through floating point, on SQLite too) and answered rounded half away
from zero to the cent; averages are the exact sum divided by the count, rounded the same way.

The common filters (:class:`AnalysisFilter`) apply to the entries' own columns, which are the opportunity's as it
stood when the entry was written (a changed salesperson moves the active entry only): the pipeline of 30 June for a
salesperson is what they held on 30 June. A company's ``contact_no`` covers its persons
(:func:`salescycle.opportunities.filters.contact_filter`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Literal

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson
from salescycle.core.actors import Actor
from salescycle.core.dates import Period, PeriodKind, periods
from salescycle.core.errors import InvalidInput
from salescycle.core.keys import normalize_key
from salescycle.core.money import CENT, ZERO, exact_sum, exact_value, is_sqlite, round_half_away
from salescycle.core.records import not_found
from salescycle.core.workdate import get_work_date
from salescycle.opportunities.choices import IN_PROGRESS_ACTIONS, ActionTaken
from salescycle.opportunities.filters import contact_filter
from salescycle.opportunities.models import CLOSING_ACTIONS, OpportunityEntry, SalesCycle, SalesCycleStage

MatrixRows = Literal["salesperson", "contact", "campaign"]
MatrixShow = Literal[
    "no_of_opportunities",
    "estimated_value",
    "calculated_current_value",
    "avg_estimated_value",
    "avg_calculated_current_value",
]
MatrixStatus = Literal["in_progress", "won", "lost"]
RoundingFactor = Literal["none", "1", "1000", "1000000"]
Cell = int | Decimal | None

MATRIX_ROWS: tuple[MatrixRows, ...] = ("salesperson", "contact", "campaign")
MATRIX_SHOW: tuple[MatrixShow, ...] = (
    "no_of_opportunities",
    "estimated_value",
    "calculated_current_value",
    "avg_estimated_value",
    "avg_calculated_current_value",
)
ROUNDING_FACTORS: tuple[RoundingFactor, ...] = ("none", "1", "1000", "1000000")
# BC's MatrixMgt.RoundAmount: 1 rounds to whole units, 1000 and 1000000 divide and round to 0.1 (divisor, step).
_ROUNDING: dict[str, tuple[int, Decimal]] = {
    "none": (1, CENT),
    "1": (1, Decimal(1)),
    "1000": (1000, Decimal("0.1")),
    "1000000": (1000000, Decimal("0.1")),
}
_PCT = Decimal("0.01")


@dataclass(frozen=True)
class AnalysisFilter:
    """The common filters of api.md "Analysis": sales cycle, salesperson, campaign, contact (a company covers its
    persons). A blank value filters nothing; keys are looked up as stored."""

    sales_cycle_code: str | None = None
    salesperson_code: str | None = None
    campaign_no: str | None = None
    contact_no: str | None = None

    def condition(self) -> Q:
        """The condition on opportunity entries' own columns."""
        condition = Q()
        if code := normalize_key(self.sales_cycle_code):
            condition &= Q(sales_cycle_id=code)
        if code := normalize_key(self.salesperson_code):
            condition &= Q(salesperson_id=code)
        if no := normalize_key(self.campaign_no):
            condition &= Q(campaign_id=no)
        if no := normalize_key(self.contact_no):
            condition &= contact_filter(no)
        return condition


@dataclass(frozen=True)
class Figures:
    """A count of opportunities and its two sums (Estimated Value, Calcd. Current Value; LCY, to the cent)."""

    no_of_opportunities: int
    estimated_value: Decimal
    calculated_current_value: Decimal


@dataclass(frozen=True)
class PipelineStage(Figures):
    """A stage's share of the pipeline as of a date."""

    stage: int
    description: str


@dataclass(frozen=True)
class Pipeline(Figures):
    """The open pipeline of a sales cycle as it stood at the end of ``as_of``, in total and per stage."""

    as_of: dt.date
    sales_cycle_code: str
    stages: tuple[PipelineStage, ...]


@dataclass(frozen=True)
class MatrixRow:
    """A row of the Opportunities matrix: its key (salesperson code, contact no. or campaign no.), name, one value
    per column (None for zero) and the row's total."""

    key: str
    name: str
    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class MatrixTotal:
    """The matrix's total row: per column and in all, over the matching entries that fall in some row."""

    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class Matrix:
    """BC's Opportunities matrix (spec §5.7): its period columns, its rows sorted by key, and the total row."""

    columns: tuple[Period, ...]
    rows: tuple[MatrixRow, ...]
    total: MatrixTotal


@dataclass(frozen=True)
class Counted:
    """A number of opportunities and one sum of theirs (LCY, to the cent)."""

    no_of_opportunities: int
    value: Decimal


@dataclass(frozen=True)
class Movement:
    """What happened to the pipeline from ``date_from`` to ``date_to`` (both inclusive, by Date of Change)."""

    date_from: dt.date
    date_to: dt.date
    open_at_start: Figures
    created: Counted
    advanced: int
    moved_back: int
    won: Counted
    lost: Counted
    open_at_end: Figures


@dataclass(frozen=True)
class CalibrationStage:
    """A stage's Chances of Success % beside the win rate of the closed opportunities that reached it."""

    stage: int
    description: str
    chances_of_success_pct: Decimal
    reached: int
    won: int
    win_rate_pct: Decimal | None


@dataclass(frozen=True)
class Calibration:
    """Per stage of a sales cycle, its setup's chances against what closed opportunities achieved."""

    sales_cycle_code: str
    stages: tuple[CalibrationStage, ...]


@dataclass(frozen=True)
class ForecastPeriod:
    """One period of the forecast: open opportunities by Estimated Close Date, Won ones by Date Closed."""

    start: dt.date
    end: dt.date
    no_of_opportunities: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    won_count: int
    won_value: Decimal


@dataclass(frozen=True)
class Forecast:
    """The forecast by closing period."""

    periods: tuple[ForecastPeriod, ...]


# ---------------------------------------------------------------------------------------------------------------
# Building blocks


def _visible(entries: QuerySet[OpportunityEntry], user: Actor, *, active_only: bool) -> QuerySet[OpportunityEntry]:
    """``entries`` of the opportunities ``user`` may see: active entries carry their opportunity's salesperson (an
    indexed column of their own), older entries are judged through their opportunity."""
    condition = permissions.visibility_filter(user, "salesperson" if active_only else "opportunity__salesperson")
    return entries if condition is None else entries.filter(condition)


def _entries(user: Actor, filters: AnalysisFilter, *, active_only: bool) -> QuerySet[OpportunityEntry]:
    entries = OpportunityEntry.objects.all()
    if active_only:
        entries = entries.filter(active=True)
    return _visible(entries.filter(filters.condition()), user, active_only=active_only).order_by()


def _bucket(field: str, columns: tuple[Period, ...]) -> Any:
    """The index of the column whose period holds ``field`` (the entries are already limited to the columns' span):
    a CASE of date comparisons, the same SQL on both databases, so a matrix is one grouped query."""
    if len(columns) == 1:
        return Value(0, output_field=IntegerField())
    whens = [When(**{f"{field}__lt": column.start}, then=Value(i - 1)) for i, column in enumerate(columns) if i]
    return Case(*whens, default=Value(len(columns) - 1), output_field=IntegerField())


def _in_columns(field: str, columns: tuple[Period, ...]) -> Q:
    return Q(**{f"{field}__gte": columns[0].start, f"{field}__lte": columns[-1].end})


def _cents(value: Decimal) -> Decimal:
    return round_half_away(value, CENT)


def _average(total: Decimal, count: int) -> Decimal:
    """``total / count`` exactly (at 60 digits, far beyond any sum's 20) before any rounding."""
    with localcontext() as context:
        context.prec = 60
        return total / count


def _columns(user: Actor, period: PeriodKind, start: dt.date | None, columns: int) -> tuple[Period, ...]:
    return periods(period, start if start is not None else get_work_date(user), columns)


def _latest_as_of(as_of: dt.date) -> Subquery:
    """The entry number of the outer entry's opportunity's latest entry dated on or before ``as_of`` (highest
    ``entry_no``): a correlated ``ORDER BY entry_no DESC LIMIT 1`` that the index ``entry_opportunity_dated``
    (opportunity, entry_no, date_of_change) answers by reading one or two index rows backwards."""
    latest = OpportunityEntry.objects.filter(opportunity_id=OuterRef("opportunity_id"), date_of_change__lte=as_of)
    return Subquery(latest.order_by("-entry_no").values("entry_no")[:1])


def _longest_days_open() -> int | None:
    """The largest Days Open of any inactive entry (None without one): one read of the index
    ``entry_inactive_days_open`` from its end."""
    return (
        OpportunityEntry.objects.filter(active=False).order_by("-days_open").values_list("days_open", flat=True).first()
    )


class _ReplacedAfter(Func):
    """True when an entry was replaced after ``day``: its Date of Change plus its Days Open (the replacing entry's
    Date of Change, ``ledger.deactivation``) lies after ``day``. Date arithmetic in each database's own words,
    over columns the index ``entry_inactive_cycle_changed`` holds."""

    output_field = BooleanField()

    def __init__(self, day: dt.date) -> None:
        super().__init__(F("date_of_change"), F("days_open"))
        self.day = day

    def as_sql(  # type: ignore[override]  # the stubs' Func.as_sql takes more arguments than this one needs
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (changed, changed_params), (days, days_params) = (compiler.compile(e) for e in self.get_source_expressions())
        params = (*changed_params, *days_params)
        if connection.vendor == "sqlite":  # dates are ISO texts
            return f"julianday({changed}) + {days} > julianday(%s)", (*params, self.day.isoformat())
        return f"{changed} + {days} > %s", (*params, self.day)


def _open_as_of(
    user: Actor, filters: AnalysisFilter, as_of: dt.date, longest: int | None
) -> list[QuerySet[OpportunityEntry]]:
    """The entries that stood as their opportunity's latest at the end of ``as_of`` and are no closing, in two parts
    (the active entries and the inactive ones; ``longest``: :func:`_longest_days_open`).

    An opportunity's latest entry dated on or before ``as_of`` (highest ``entry_no``) is either its active entry or
    an inactive one replaced after ``as_of``: the entry that replaced it is later and so dated after ``as_of``, and
    the ledger sets Days Open = (replacing entry's Date of Change) − (its own) on the replaced entry
    (``ledger.deactivation``, checked by ``integrity.py``; never negative, so exactly that positive gap). So it was
    changed within the longest Days Open before ``as_of`` and its Date of Change + Days Open lies after ``as_of``.
    The candidates are the open active entries changed on or before ``as_of`` (read from the index
    ``entry_open_cycle_changed`` alone) and the inactive ones so changed and replaced
    (``entry_inactive_cycle_changed``), each then confirmed as its opportunity's latest entry dated on or before
    ``as_of`` (:func:`_latest_as_of`): the definition itself, checked on the few entries that can meet it. (A
    Lost entry dated before the last change, which deleting an order may write, is why the check stays.)"""
    entries = _entries(user, filters, active_only=False)
    dated = Q(date_of_change__lte=as_of) & ~Q(action_taken__in_literals=CLOSING_ACTIONS)
    if filters.sales_cycle_code:  # each part carries every indexed condition
        dated &= Q(sales_cycle_id=normalize_key(filters.sales_cycle_code))
    latest = _latest_as_of(as_of)
    parts = [entries.filter(dated, active=True).filter(entry_no=latest)]
    if longest is not None:
        window = Q(dated, active=False, date_of_change__gt=as_of - dt.timedelta(days=longest))
        parts.append(entries.filter(window).filter(_ReplacedAfter(as_of)).filter(entry_no=latest))
    return parts


def _open_per_stage(
    user: Actor, filters: AnalysisFilter, as_of: dt.date, longest: int | None, sqlite: bool
) -> dict[int, tuple[int, Decimal, Decimal]]:
    """Count and exact sums of :func:`_open_as_of` per stage, in one query (the two parts grouped, ``UNION ALL``)."""
    first, *rest = (
        part.values("sales_cycle_stage").annotate(**_sums(sqlite))
        for part in _open_as_of(user, filters, as_of, longest)
    )
    per_stage: dict[int, tuple[int, Decimal, Decimal]] = {}
    for row in first.union(*rest, all=True) if rest else first:
        n, value, current = per_stage.get(row["sales_cycle_stage"], (0, ZERO, ZERO))
        more = _exact(row, sqlite)
        per_stage[row["sales_cycle_stage"]] = (n + more[0], value + more[1], current + more[2])
    return per_stage


def _sums(sqlite: bool) -> dict[str, Any]:
    return {
        "n": Count("*"),
        "value": exact_sum("estimated_value", sqlite=sqlite),
        "current": exact_sum("calculated_current_value", sqlite=sqlite),
    }


def _exact(row: Mapping[str, Any], sqlite: bool) -> tuple[int, Decimal, Decimal]:
    """Count and exact sums of a row of :func:`_sums`."""
    value = exact_value(row["value"], sqlite=sqlite)
    return row["n"] or 0, value, exact_value(row["current"], sqlite=sqlite)


def _figures(count: int, value: Decimal, current: Decimal) -> Figures:
    return Figures(no_of_opportunities=count, estimated_value=_cents(value), calculated_current_value=_cents(current))


def _cycle(code: str) -> str:
    key = normalize_key(code)
    if not SalesCycle.objects.filter(code=key).exists():
        raise not_found(SalesCycle, key)
    return key


# ---------------------------------------------------------------------------------------------------------------
# Pipeline as of a date


def pipeline_as_of(
    sales_cycle_code: str, as_of: dt.date | None = None, filters: AnalysisFilter | None = None, *, user: Actor
) -> Pipeline:
    """The open pipeline of sales cycle ``sales_cycle_code`` as it stood at the end of ``as_of`` (default: the
    user's WorkDate): an opportunity counts when its latest entry (highest ``entry_no``) with ``date_of_change`` ≤
    ``as_of`` is no closing (Won/Lost) entry, with that entry's figures. Every stage of the cycle is listed (zero
    counts as 0, empty sums as 0). Amounts LCY, exact to the cent. Errors: 404 ``not_found`` for an unknown cycle.
    Four queries (the cycle, the longest Days Open, the figures grouped by stage from indexes (:func:`_open_as_of`),
    the stages; the WorkDate when defaulted).
    Implements api.md "Analysis" ``/analysis/pipeline``."""
    key = _cycle(sales_cycle_code)
    day = as_of if as_of is not None else get_work_date(user)
    narrowed = AnalysisFilter(key, *_rest(filters))
    sqlite = is_sqlite(OpportunityEntry.objects.db)
    per_stage = _open_per_stage(user, narrowed, day, _longest_days_open(), sqlite)
    stages = []
    for stage in SalesCycleStage.objects.filter(sales_cycle_id=key).order_by("stage"):
        figures = _figures(*per_stage.get(stage.stage, (0, ZERO, ZERO)))
        stages.append(PipelineStage(**vars(figures), stage=stage.stage, description=stage.description))
    # The totals are rounded from the exact sums of every stage (also of stages no longer in the setup).
    total = _figures(
        sum(n for n, _v, _c in per_stage.values()),
        sum((v for _n, v, _c in per_stage.values()), ZERO),
        sum((c for _n, _v, c in per_stage.values()), ZERO),
    )
    return Pipeline(**vars(total), as_of=day, sales_cycle_code=key, stages=tuple(stages))


def _rest(filters: AnalysisFilter | None) -> tuple[str | None, str | None, str | None]:
    filters = filters or AnalysisFilter()
    return filters.salesperson_code, filters.campaign_no, filters.contact_no


# ---------------------------------------------------------------------------------------------------------------
# The Opportunities matrix (spec §5.7)

_STATUS_ACTIONS: dict[str, tuple[str, ...]] = {
    "in_progress": tuple(action.value for action in IN_PROGRESS_ACTIONS),
    "won": (ActionTaken.WON.value,),
    "lost": (ActionTaken.LOST.value,),
}
_NAMES: dict[str, tuple[type[models.Model], str]] = {
    "salesperson": (Salesperson, "name"),
    "contact": (Contact, "name"),
    "campaign": (Campaign, "description"),
}
# Grouped figures: {(key, column index): (count, exact sum)}.
_Grid = dict[tuple[str | None, int], tuple[int, Decimal]]


@dataclass(frozen=True)
class MatrixOptions:
    """What the matrix shows (spec §5.7 "Show as Lines", "Show", filters, Rounding Factor; api.md values)."""

    rows: MatrixRows = "salesperson"
    show: MatrixShow = "no_of_opportunities"
    status: MatrixStatus = "in_progress"
    rounding_factor: RoundingFactor = "none"
    close_opportunity_code: str | None = None
    sales_cycle_stage: int | None = None


def _cell(count: int, total: Decimal, options: MatrixOptions) -> Cell:
    """A displayed value: the count (an integer), or the sum or average rounded by the rounding factor (amounts
    only: counts stay integers, api.md); zero (or no entry) is None (BC shows a blank)."""
    if options.show == "no_of_opportunities":
        return count or None
    if not count:
        return None
    amount = _average(total, count) if options.show.startswith("avg_") else total
    divisor, step = _ROUNDING[options.rounding_factor]
    value = round_half_away(amount / divisor if divisor != 1 else amount, step)
    return value if value else None


def _grid(entries: QuerySet[OpportunityEntry], key: Any, bucket: Any, field: str | None, sqlite: bool) -> _Grid:
    """One grouped query: count and exact sum of ``field`` per (key, column)."""
    aggregates: dict[str, Any] = {"n": Count("*")}
    if field is not None:
        aggregates["total"] = exact_sum(field, sqlite=sqlite)
    grouped = entries.values(key=key, bucket=bucket) if key is not None else entries.values(bucket=bucket)
    rows: Iterable[Mapping[str, Any]] = grouped.annotate(**aggregates)
    return {
        (row.get("key"), row["bucket"]): (row["n"], exact_value(row.get("total"), sqlite=sqlite) if field else ZERO)
        for row in rows
    }


def _line(grid: _Grid, key: str | None, width: int, options: MatrixOptions) -> tuple[tuple[Cell, ...], Cell]:
    figures = [grid.get((key, i), (0, ZERO)) for i in range(width)]
    count = sum(n for n, _total in figures)
    total = sum((amount for _n, amount in figures), ZERO)
    return tuple(_cell(n, amount, options) for n, amount in figures), _cell(count, total, options)


def _column_totals(grid: _Grid) -> _Grid:
    """The total row of a grid whose rows hold each entry once: per column, the sum of the rows' counts and exact
    sums (keyed as :func:`_grid` keys an ungrouped query: ``(None, column)``)."""
    totals: dict[tuple[str | None, int], tuple[int, Decimal]] = {}
    for (_key, column), (count, amount) in grid.items():
        before = totals.get((None, column), (0, ZERO))
        totals[(None, column)] = (before[0] + count, before[1] + amount)
    return totals


def _matrix_entries(user: Actor, filters: AnalysisFilter, options: MatrixOptions) -> QuerySet[OpportunityEntry]:
    entries = _entries(user, filters, active_only=True).filter(action_taken__in=_STATUS_ACTIONS[options.status])
    if code := normalize_key(options.close_opportunity_code):
        entries = entries.filter(close_opportunity_code_id=code)
    if options.sales_cycle_stage is not None:
        entries = entries.filter(sales_cycle_stage=options.sales_cycle_stage)
    return entries


def _row_grids(entries: QuerySet[OpportunityEntry], rows: str, bucket: Any, field: str | None, sqlite: bool) -> _Grid:
    """The figures per row key and column. Contact rows (spec §5.7): a company's row covers all its contacts' entries
    (grouped by the entry's company), a person's row only their own (grouped by contact, persons only)."""
    if rows == "salesperson":
        return _grid(entries.exclude(salesperson=None), F("salesperson_id"), bucket, field, sqlite)
    if rows == "campaign":
        return _grid(entries.exclude(campaign=None), F("campaign_id"), bucket, field, sqlite)
    companies = _grid(entries.exclude(contact_company=None), F("contact_company_id"), bucket, field, sqlite)
    persons = entries.exclude(contact=None).filter(Q(contact_company=None) | ~Q(contact_id=F("contact_company_id")))
    return companies | _grid(persons, F("contact_id"), bucket, field, sqlite)


def matrix(
    filters: AnalysisFilter | None = None,
    options: MatrixOptions | None = None,
    *,
    period: PeriodKind = "month",
    start: dt.date | None = None,
    columns: int = 12,
    user: Actor,
) -> Matrix:
    """BC's Opportunities matrix (spec §5.7): one row per salesperson, contact or campaign (``options.rows``) with
    at least one **active** entry matching the filters and the status (``in_progress`` = First..Jumped, ``won``,
    ``lost``) whose Estimated Close Date falls in the columns (``period`` from the one holding ``start``, default
    the WorkDate; ``columns`` 1..32), sorted by key, with its name; per column the count, sum or average (LCY) of
    ``options.show`` over those entries, amounts rounded by the rounding factor (``none``: to the cent; ``1``: whole
    units; ``1000``/``1000000``: divided and to 0.1), zero as None; a row total and a total row (over the matching
    entries that fall in some row: each entry once, also when a company's row and its person's row both show it).
    Errors: 422 ``invalid_input`` for columns out of range. Three queries at most (WorkDate, rows, names; five
    for contact rows: persons, companies and the total row). Implements spec §5.7, api.md "Analysis"
    ``/analysis/matrix``."""
    options = options or MatrixOptions()
    span = _columns(user, period, start, columns)
    entries = _matrix_entries(user, filters or AnalysisFilter(), options).filter(
        _in_columns("estimated_close_date", span)
    )
    sqlite = is_sqlite(entries.db)
    bucket = _bucket("estimated_close_date", span)
    field = None if options.show == "no_of_opportunities" else options.show.removeprefix("avg_")
    grid = _row_grids(entries, options.rows, bucket, field, sqlite)
    keys = sorted({key for key, _column in grid if key is not None})
    model, name_field = _NAMES[options.rows]
    names = dict(model._default_manager.filter(pk__in=keys).values_list("pk", name_field)) if keys else {}
    # Salesperson and campaign rows hold each entry once (one key per entry), so the total row is the sum of the rows,
    # exact: no second pass over the entries. A company's row and its person's row may both hold an entry.
    totals = _column_totals(grid) if options.rows != "contact" else None
    if totals is None:
        totals = _grid(entries.exclude(**{options.rows: None}), None, bucket, field, sqlite)
    rows = []
    for key in keys:
        cells, total = _line(grid, key, len(span), options)
        rows.append(MatrixRow(key=key, name=names.get(key, ""), cells=cells, total=total))
    total_cells, total = _line(totals, None, len(span), options)
    return Matrix(columns=span, rows=tuple(rows), total=MatrixTotal(cells=total_cells, total=total))


# ---------------------------------------------------------------------------------------------------------------
# Movement, calibration, forecast


def _pipeline_total(user: Actor, filters: AnalysisFilter, as_of: dt.date, longest: int | None, sqlite: bool) -> Figures:
    per_stage = _open_per_stage(user, filters, as_of, longest, sqlite).values()
    return _figures(
        sum(n for n, _v, _c in per_stage),
        sum((v for _n, v, _c in per_stage), ZERO),
        sum((c for _n, _v, c in per_stage), ZERO),
    )


def movement(date_from: dt.date, date_to: dt.date, filters: AnalysisFilter | None = None, *, user: Actor) -> Movement:
    """What happened from ``date_from`` to ``date_to`` (inclusive, by the entries' Date of Change): the pipeline as
    of the day before ``date_from`` and as of ``date_to`` (all cycles or the filtered one); ``created`` =
    opportunities whose first entry falls in the range (that entry's Estimated Value); ``advanced`` = entries
    ``next``, or ``jumped``/``first`` to a higher stage than the previous entry's; ``moved_back`` = entries
    ``previous``, or ``jumped`` to a lower stage; ``won`` = Won entries (their Calcd. Current Value); ``lost`` =
    Lost entries (their Estimated Value). Amounts LCY, exact to the cent. Errors: 422 ``invalid_input`` when
    ``date_to`` is before ``date_from``. Five queries. Implements api.md "Analysis" ``/analysis/movement``."""
    if date_to < date_from:
        raise _invalid_range()
    filters = filters or AnalysisFilter()
    entries = _entries(user, filters, active_only=False)
    sqlite = is_sqlite(entries.db)
    in_range = entries.filter(date_of_change__gte=date_from, date_of_change__lte=date_to)
    higher, lower = (
        Q(sales_cycle_stage__gt=F("previous_sales_cycle_stage")),
        Q(sales_cycle_stage__lt=F("previous_sales_cycle_stage")),
    )
    won, lost = Q(action_taken=ActionTaken.WON), Q(action_taken=ActionTaken.LOST)
    row = in_range.aggregate(
        advanced=Count(
            "entry_no",
            filter=Q(action_taken=ActionTaken.NEXT)
            | (Q(action_taken__in=[ActionTaken.JUMPED, ActionTaken.FIRST]) & higher),
        ),
        moved_back=Count(
            "entry_no", filter=Q(action_taken=ActionTaken.PREVIOUS) | (Q(action_taken=ActionTaken.JUMPED) & lower)
        ),
        won_n=Count("entry_no", filter=won),
        won_value=exact_sum("calculated_current_value", sqlite=sqlite, filter=won),
        lost_n=Count("entry_no", filter=lost),
        lost_value=exact_sum("estimated_value", sqlite=sqlite, filter=lost),
    )
    earlier = OpportunityEntry.objects.filter(
        opportunity_id=OuterRef("opportunity_id"), entry_no__lt=OuterRef("entry_no")
    )
    created = in_range.filter(~Exists(earlier)).aggregate(
        n=Count("*"), value=exact_sum("estimated_value", sqlite=sqlite)
    )
    longest = _longest_days_open()
    return Movement(
        date_from=date_from,
        date_to=date_to,
        open_at_start=_pipeline_total(user, filters, date_from - dt.timedelta(days=1), longest, sqlite),
        created=Counted(created["n"], _cents(exact_value(created["value"], sqlite=sqlite))),
        advanced=row["advanced"],
        moved_back=row["moved_back"],
        won=Counted(row["won_n"], _cents(exact_value(row["won_value"], sqlite=sqlite))),
        lost=Counted(row["lost_n"], _cents(exact_value(row["lost_value"], sqlite=sqlite))),
        open_at_end=_pipeline_total(user, filters, date_to, longest, sqlite),
    )


def _invalid_range() -> InvalidInput:
    return InvalidInput(
        "invalid_input",
        _("date_to must not be before date_from."),
        fields={"date_to": [str(_("Must not be before date_from."))]},
    )


def calibration(sales_cycle_code: str, filters: AnalysisFilter | None = None, *, user: Actor) -> Calibration:
    """Per stage of sales cycle ``sales_cycle_code``: the setup's Chances of Success %, ``reached`` = closed
    opportunities with at least one entry in that stage, ``won`` = those of them that were Won, and
    ``win_rate_pct`` = won ÷ reached × 100 rounded half away from zero to 2 decimals (None when reached is 0).
    Errors: 404 ``not_found`` for an unknown cycle. Three queries. Implements api.md "Analysis"
    ``/analysis/calibration``."""
    key = _cycle(sales_cycle_code)
    entries = _entries(user, AnalysisFilter(key, *_rest(filters)), active_only=False).filter(
        sales_cycle_stage__gt=0, opportunity__closed=True
    )
    counts = {
        row["sales_cycle_stage"]: (row["reached"], row["won"])
        for row in entries.values("sales_cycle_stage").annotate(
            reached=Count("opportunity_id", distinct=True),
            won=Count("opportunity_id", distinct=True, filter=Q(opportunity__status="won")),
        )
    }
    stages = []
    for stage in SalesCycleStage.objects.filter(sales_cycle_id=key).order_by("stage"):
        reached, won = counts.get(stage.stage, (0, 0))
        rate = round_half_away(Decimal(won * 100) / reached, _PCT) if reached else None
        stages.append(
            CalibrationStage(
                stage=stage.stage,
                description=stage.description,
                chances_of_success_pct=stage.chances_of_success_pct,
                reached=reached,
                won=won,
                win_rate_pct=rate,
            )
        )
    return Calibration(sales_cycle_code=key, stages=tuple(stages))


def forecast(
    filters: AnalysisFilter | None = None,
    *,
    period: PeriodKind = "month",
    start: dt.date | None = None,
    columns: int = 12,
    user: Actor,
) -> Forecast:
    """Per period (``period`` from the one holding ``start``, default the WorkDate; ``columns`` 1..32): the open
    opportunities' active entries by Estimated Close Date (count, Estimated Value, Calcd. Current Value) and the Won
    entries by Date Closed (count, their Calcd. Current Value). Amounts LCY, exact to the cent. Errors: 422
    ``invalid_input`` for columns out of range. Three queries at most. Implements api.md "Analysis"
    ``/analysis/forecast``."""
    span = _columns(user, period, start, columns)
    active = _entries(user, filters or AnalysisFilter(), active_only=True)
    sqlite = is_sqlite(active.db)
    open_entries = active.exclude(action_taken__in_literals=CLOSING_ACTIONS).filter(
        _in_columns("estimated_close_date", span)
    )
    open_rows = {
        row["bucket"]: _exact(row, sqlite)
        for row in open_entries.values(bucket=_bucket("estimated_close_date", span)).annotate(**_sums(sqlite))
    }
    won_entries = active.filter(action_taken=ActionTaken.WON).filter(_in_columns("date_closed", span))
    won_rows = {
        row["bucket"]: (row["n"], exact_value(row["value"], sqlite=sqlite))
        for row in won_entries.values(bucket=_bucket("date_closed", span)).annotate(
            n=Count("*"), value=exact_sum("calculated_current_value", sqlite=sqlite)
        )
    }
    result = []
    for i, column in enumerate(span):
        figures = _figures(*open_rows.get(i, (0, ZERO, ZERO)))
        won_count, won_value = won_rows.get(i, (0, ZERO))
        result.append(
            ForecastPeriod(
                start=column.start, end=column.end, **vars(figures), won_count=won_count, won_value=_cents(won_value)
            )
        )
    return Forecast(periods=tuple(result))
