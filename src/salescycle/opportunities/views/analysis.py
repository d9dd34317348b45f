"""The analysis pages (issue #14 items 1 and 4): BC's Opportunities matrix (spec §5.7) and, from the entry ledger,
the pipeline as of a date, the movement between two dates, the calibration of the stages' chances and the forecast
by closing period (api.md "Analysis").

Each page binds its filter form (:mod:`salescycle.opportunities.analysis_forms`, the API's parameter names), asks
:mod:`salescycle.opportunities.analysis` for the figures (which shows only what the user may see), and renders them
as tables; ``?format=csv`` (and ``xlsx`` for the matrix) downloads the same figures through
:mod:`salescycle.opportunities.analysis_tables`, the API's CSV code path. A figure that the Opportunity List's
filter words can name exactly links to the list of its opportunities (:func:`selectors.list_query`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salescycle.contacts.models import Contact
from salescycle.core.dates import Period, PeriodKind, periods
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import analysis, analysis_tables, selectors
from salescycle.opportunities.analysis_forms import (
    AnalysisFilterForm,
    CalibrationForm,
    MatrixForm,
    MovementForm,
    PeriodForm,
    PipelineForm,
)
from salescycle.opportunities.selectors import list_views
from salescycle.opportunities.views.analysis_charts import calibration_chart, forecast_chart, movement_charts

# The number format of a matrix value: counts whole, amounts by the rounding factor (spec §5.7), grouped per locale.
_DECIMALS = {"none": "2g", "1": "0g", "1000": "1g", "1000000": "1g"}


@dataclass(frozen=True)
class Figure:
    """A shown value and the Opportunity List URL of exactly the opportunities it counts ("" when none)."""

    value: Any
    url: str = ""


@dataclass(frozen=True)
class Line:
    """A row of a shown matrix: its key and name, its cells and its total, each a :class:`Figure`."""

    key: str
    name: str
    cells: list[Figure]
    total: Figure


@dataclass(frozen=True)
class Column:
    """A period column: its heading and its first and last day."""

    label: str
    start: dt.date
    end: dt.date


def list_url(words: dict[str, Any]) -> str:
    """The Opportunity List filtered by the list's filter ``words`` (the API's names; None and blank left out); no
    words: "All opportunities" (``?view=all``, not the user's default view)."""
    return f"{reverse('opportunities:list')}?{urlencode(selectors.list_query(words) or {'view': list_views.ALL_VIEW})}"


def _common_words(filters: analysis.AnalysisFilter) -> dict[str, Any]:
    return {
        "sales_cycle_code": filters.sales_cycle_code,
        "salesperson_code": filters.salesperson_code,
        "campaign_no": filters.campaign_no,
        "contact_no": filters.contact_no,
    }


def _wants(request: HttpRequest, kind: str) -> bool:
    return request.GET.get("format") == kind


def _query(request: HttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    params.pop("format", None)
    for name, value in changes.items():
        params[name] = value
    return params.urlencode()


def _page(request: HttpRequest, template: str, form: AnalysisFilterForm, **context: Any) -> HttpResponse:
    context.update(form=form, query=_query(request))
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------------------------
# The Opportunities matrix (spec §5.7)


def period_label(kind: PeriodKind, period: Period) -> str:
    """A column heading: the localized day, ``Week 23 2026``, the month and year, ``Q2 2026`` or the year."""
    start = period.start
    if kind == "day":
        return date_format(start, "SHORT_DATE_FORMAT")
    if kind == "week":
        year, week, _day = start.isocalendar()
        return _("Week %(week)s %(year)s") % {"week": week, "year": year}
    if kind == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    if kind == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}
    return str(start.year)


def _previous_set(kind: PeriodKind, first: Period, count: int) -> dt.date | None:
    """The first day of the set of ``count`` periods that ends the day before ``first`` (None before year 1)."""
    day = first.start
    try:
        for _i in range(count):
            day = periods(kind, day - dt.timedelta(days=1), 1)[0].start
    except (OverflowError, DomainError):
        return None
    return day


def _contact_row_word(rows: str, filters: analysis.AnalysisFilter) -> bool:
    """True when contact rows must keep the contact filter's own number in their drill-down: the filter names a
    person, so each row (the person, or their company) shows only that person's entries. One query, only then."""
    key = normalize_key(filters.contact_no)
    return rows == "contact" and bool(key) and Contact.objects.filter(no=key, type="person").exists()


def _row_words(rows: str, key: str, keep_contact_filter: bool) -> dict[str, Any]:
    if rows == "salesperson":
        return {"salesperson_code": key}
    if rows == "campaign":
        return {"campaign_no": key}
    return {} if keep_contact_filter else {"contact_no": key}


_HAS_ROW = {"salesperson": "has_salesperson", "contact": "has_contact", "campaign": "has_campaign"}


def _matrix_lines(
    result: analysis.Matrix, filters: analysis.AnalysisFilter, options: analysis.MatrixOptions
) -> tuple[list[Line], Line]:
    """The matrix's rows and total row with the drill-down URL of every non-empty value: the active entries of a
    cell are the opportunities with that status, the filters, the row's key and an Estimated Closing Date in the
    column (the opportunity's copy of its active entry, ``ledger.FIGURES``). Implements spec §5.7 "Drill-down"."""
    base = {
        **_common_words(filters),
        "status": options.status,
        "close_opportunity_code": options.close_opportunity_code,
        "current_sales_cycle_stage": options.sales_cycle_stage,
    }
    spans = [(c.start, c.end) for c in result.columns]
    whole = (result.columns[0].start, result.columns[-1].end)
    keep_contact_filter = _contact_row_word(options.rows, filters)

    def figures(values: tuple[Any, ...], total: Any, words: dict[str, Any]) -> tuple[list[Figure], Figure]:
        def figure(value: Any, span: tuple[dt.date, dt.date]) -> Figure:
            if value is None:
                return Figure(None)
            dates = {"estimated_closing_date_from": span[0], "estimated_closing_date_to": span[1]}
            return Figure(value, list_url({**base, **words, **dates}))

        return [figure(v, span) for v, span in zip(values, spans, strict=True)], figure(total, whole)

    lines = []
    for row in result.rows:
        cells, total = figures(row.cells, row.total, _row_words(options.rows, row.key, keep_contact_filter))
        lines.append(Line(row.key, row.name, cells, total))
    cells, total = figures(result.total.cells, result.total.total, {_HAS_ROW[options.rows]: True})
    return lines, Line("", _("Total"), cells, total)


def _matrix_context(request: HttpRequest, form: MatrixForm, result: analysis.Matrix) -> dict[str, Any]:
    filters, options, span = form.common(), form.options(), form.periods()
    kind: PeriodKind = span["period"]
    lines, total = _matrix_lines(result, filters, options)
    previous = _previous_set(kind, result.columns[0], len(result.columns))
    following = result.columns[-1].end + dt.timedelta(days=1)
    return {
        "columns": [Column(period_label(kind, c), c.start, c.end) for c in result.columns],
        "lines": lines,
        "total": total,
        "number_format": "0g" if options.show == "no_of_opportunities" else _DECIMALS[options.rounding_factor],
        "previous_query": _query(request, start=previous.isoformat()) if previous else "",
        "next_query": _query(request, start=following.isoformat()),
        "options": options,
    }


@reads_from_replica
@require_GET
@login_required
def matrix(request: HttpRequest) -> HttpResponse | FileResponse:
    """BC's Opportunities matrix (spec §5.7): rows by salesperson, contact or campaign, a column per period of the
    active entries' Estimated Close Date (1–32 per set, Previous Set / Next Set), row totals and the total row, a
    zero shown blank, every value linking to the list of its opportunities; ``?format=csv`` / ``xlsx`` download
    it as shown. Invalid filters show on the form (200), never an error page."""
    form = MatrixForm(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        try:
            result = analysis.matrix(form.common(), form.options(), **form.periods(), user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            table = analysis_tables.matrix_table(result)
            if _wants(request, "csv"):
                return analysis_tables.csv_response("opportunities-matrix", table)
            if _wants(request, "xlsx"):
                return analysis_tables.xlsx_response("opportunities-matrix", _("Opportunities"), table)
            context = _matrix_context(request, form, result)
    return _page(request, "analysis/matrix.html", form, **context)


# ---------------------------------------------------------------------------------------------------------------
# From the ledger: pipeline, movement, calibration, forecast (api.md "Analysis")


def _cycle(form: AnalysisFilterForm) -> str | None:
    """The form's sales cycle, else Marketing Setup's default; None (and a form error) when there is neither."""
    code = form.value("sales_cycle_code") or selectors.default_sales_cycle_code()
    if code is None:
        form.add_error("sales_cycle_code", _("Choose a sales cycle."))
    return code


@reads_from_replica
@require_GET
@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    """The open pipeline of a sales cycle as it stood at the end of a date (default: the WorkDate), per stage.
    Its counts do not link to the list: the list shows opportunities as they stand now, not as of a past date."""
    form = PipelineForm(request.GET)
    figures = None
    if form.is_valid() and (code := _cycle(form)):
        try:
            figures = analysis.pipeline_as_of(code, form.value("as_of"), form.common(), user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if _wants(request, "csv"):
                return analysis_tables.csv_response("pipeline", analysis_tables.pipeline_table(figures))
    return _page(request, "analysis/pipeline.html", form, figures=figures)


@reads_from_replica
@require_GET
@login_required
def movement(request: HttpRequest) -> HttpResponse:
    """What happened to the pipeline between two dates (default: the WorkDate's month up to the WorkDate), as a table
    and as two waterfalls (count and Estimated Value, :func:`.analysis_charts.movement_charts`, with their balancing
    "other changes"); the Won and Lost counts and bars link to the list (closed in the range), the other figures are
    the ledger's own."""
    form = MovementForm(request.GET)
    figures, links, charts = None, {}, None
    if form.is_valid():
        date_from, date_to = form.dates(get_work_date(request.user))
        try:
            figures = analysis.movement(date_from, date_to, form.common(), user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if _wants(request, "csv"):
                return analysis_tables.csv_response("movement", analysis_tables.movement_table(figures))
            closed = {**_common_words(form.common()), "date_closed_from": date_from, "date_closed_to": date_to}
            links = {"won": list_url({**closed, "status": "won"}), "lost": list_url({**closed, "status": "lost"})}
            charts = movement_charts(figures, links)
    return _page(request, "analysis/movement.html", form, figures=figures, links=links, charts=charts)


@reads_from_replica
@require_GET
@login_required
def calibration(request: HttpRequest) -> HttpResponse:
    """Each stage's Chances of Success % beside the win rate of the closed opportunities that reached it (default
    cycle: Marketing Setup's), as a table and a grouped bar chart. Its counts do not link to the list: "reached a
    stage" is history, not a field."""
    form = CalibrationForm(request.GET)
    figures = None
    if form.is_valid() and (code := _cycle(form)):
        try:
            figures = analysis.calibration(code, form.common(), user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if _wants(request, "csv"):
                return analysis_tables.csv_response("calibration", analysis_tables.calibration_table(figures))
    chart = calibration_chart(figures) if figures else None
    return _page(request, "analysis/calibration.html", form, figures=figures, chart=chart)


@dataclass(frozen=True)
class ForecastLine:
    """A forecast period with its heading and the list URLs of its open and its won opportunities."""

    label: str
    period: analysis.ForecastPeriod
    open_url: str
    won_url: str


def _forecast_lines(figures: analysis.Forecast, kind: PeriodKind, words: dict[str, Any]) -> list[ForecastLine]:
    lines = []
    for p in figures.periods:
        opened = {"status": "in_progress", "estimated_closing_date_from": p.start, "estimated_closing_date_to": p.end}
        won = {"status": "won", "date_closed_from": p.start, "date_closed_to": p.end}
        lines.append(
            ForecastLine(
                period_label(kind, Period(p.start, p.end)),
                p,
                list_url({**words, **opened}) if p.no_of_opportunities else "",
                list_url({**words, **won}) if p.won_count else "",
            )
        )
    return lines


@reads_from_replica
@require_GET
@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    """Open opportunities by Estimated Closing Date (weighted and unweighted) and Won ones by Date Closed, per
    period, as a table and a bar chart; both counts, and the bars, link to the list."""
    form = PeriodForm(request.GET)
    lines = None
    if form.is_valid():
        span = form.periods()
        try:
            figures = analysis.forecast(form.common(), **span, user=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if _wants(request, "csv"):
                return analysis_tables.csv_response("forecast", analysis_tables.forecast_table(figures))
            lines = _forecast_lines(figures, span["period"], _common_words(form.common()))
    chart = forecast_chart(lines) if lines else None
    return _page(request, "analysis/forecast.html", form, lines=lines, chart=chart)
