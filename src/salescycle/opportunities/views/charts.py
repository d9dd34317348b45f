"""The charts page and the dashboard (spec §5.8, issue #14 items 2 and 5).

Each chart travels to the browser as data, never as script: :func:`chart_data` is a plain dict that the template
puts into a ``<script type="application/json">`` block (``json_script``, not executed, so the Content Security
Policy stays ``script-src 'self'``), and ``static/salescycle/charts.js`` draws every such block with Chart.js and
sends a click on a bar to the bar's drill-down URL, which the data carries. Each chart has a table with the same
figures and links beside it (for keyboard and screen-reader users, who cannot operate a canvas).

One page for the four charts (``/analysis/charts/``): they share one period and together answer "where is my
pipeline"; the dashboard (the landing page, ``/``) has its own chart of the pipeline by stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.dates import periods
from salescycle.core.replicas import reads_from_replica
from salescycle.core.workdate import get_work_date
from salescycle.opportunities.selectors import charts, dashboard

DATE = LocalizedDateInput()  # in the interface language's format (issue #15)


Value = int | Decimal | None
Bar = Value | tuple[Value, Value]


def _json(value: Bar) -> Any:
    """A bar's value as the JSON carries it: an amount as its decimal string, a floating bar as its pair."""
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return str(value) if isinstance(value, Decimal) else value


def dataset(
    label: str, values: Sequence[Bar], links: Sequence[str], *, kinds: Sequence[str] | str | None = None
) -> dict[str, Any]:
    """One series of a chart: its legend ``label``, one value per bar (None: no bar; a ``(from, to)`` pair: a
    floating bar, as a waterfall draws) and one drill-down URL per bar ("": none). ``kinds`` names the bars' colours
    in ``charts.js``: one word for the series (``weighted``, ``won``) or one per bar (a waterfall's ``total``,
    ``increase``, ``decrease``, ``other``)."""
    data: dict[str, Any] = {"label": label, "data": [_json(v) for v in values], "links": list(links)}
    if kinds is not None:
        data["kinds"] = kinds if isinstance(kinds, str) else list(kinds)
    return data


def chart_data(
    labels: Sequence[str],
    datasets: list[dict[str, Any]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    money: bool = False,
    percent: bool = False,
    waterfall: bool = False,
) -> dict[str, Any]:
    """The JSON that ``charts.js`` draws as a bar chart: ``labels`` (one per bar group), ``datasets`` (from
    :func:`dataset`; amounts as decimal strings, LCY), bars ``horizontal`` or upright, ``stacked`` or side by side,
    the value axis in ``money`` (two decimals), ``percent`` or counts; a ``waterfall`` is one series of floating
    bars (no legend; a tooltip gives a step's signed change)."""
    return {
        "labels": list(labels),
        "datasets": datasets,
        "horizontal": horizontal,
        "stacked": stacked,
        "money": money,
        "percent": percent,
        "waterfall": waterfall,
    }


class ChartsForm(forms.Form):
    """The charts page's choices: the period (default: the WorkDate's month) and the funnel's sales cycle."""

    start = forms.DateField(label=gettext_lazy("Period start"), required=False, widget=DATE)
    end = forms.DateField(label=gettext_lazy("Period end"), required=False, widget=DATE)
    cycle = forms.ChoiceField(label=gettext_lazy("Sales Cycle"), required=False)

    def period(self, work_date: dt.date) -> tuple[dt.date, dt.date]:
        """The chosen period, the WorkDate's month when none (or an invalid one) is given; a reversed one is put
        the right way round."""
        month = periods("month", work_date, 1)[0]
        data = self.cleaned_data if self.is_valid() else {}
        start, end = data.get("start") or month.start, data.get("end") or month.end
        return (start, end) if start <= end else (end, start)


@reads_from_replica
@require_GET
@login_required
def charts_page(request: HttpRequest) -> HttpResponse:
    """The four charts of what the user may see (spec §5.8): the Opportunity chart for the chosen period,
    Relationship Performance, the stage funnel of the chosen cycle and the open pipeline by closing month from the
    period's month."""
    cycles = charts.sales_cycles()
    form = ChartsForm(request.GET)
    form.fields["cycle"].choices = cycles  # type: ignore[attr-defined]
    start, end = form.period(get_work_date(request.user))
    chosen = form.cleaned_data.get("cycle") if form.is_valid() else None
    cycle = chosen or charts.default_cycle_code([code for code, _d in cycles])
    if not request.GET:
        form = ChartsForm(initial={"start": start, "end": end, "cycle": cycle})
        form.fields["cycle"].choices = cycles  # type: ignore[attr-defined]
    user = request.user
    status_chart = charts.opportunity_chart(start, end, user=user)
    top = charts.relationship_performance(user=user)
    funnel = charts.stage_funnel(cycle, user=user) if cycle else None
    months = charts.closing_months(start, user=user)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "status_chart": status_chart,
        "status_data": chart_data(
            [f"{r.salesperson_code} {r.name}" for r in status_chart.rows],
            [
                dataset(
                    _("In Progress"),
                    [r.in_progress.count for r in status_chart.rows],
                    [r.in_progress.url for r in status_chart.rows],
                ),
                dataset(_("Won"), [r.won.count for r in status_chart.rows], [r.won.url for r in status_chart.rows]),
                dataset(_("Lost"), [r.lost.count for r in status_chart.rows], [r.lost.url for r in status_chart.rows]),
            ],
        ),
        "top": top,
        "top_data": chart_data(
            [f"{t.no} {t.description}" for t in top],
            [
                dataset(_("Estimated Value (LCY)"), [t.estimated_value for t in top], [t.url for t in top]),
                dataset(
                    _("Calcd. Current Value (LCY)"), [t.calculated_current_value for t in top], [t.url for t in top]
                ),
            ],
            horizontal=True,
            money=True,
        ),
        "funnel": funnel,
        "funnel_data": funnel_data(funnel.stages) if funnel else None,
        "months": months,
        "months_data": chart_data(
            [formats.date_format(m.period.start, "YEAR_MONTH_FORMAT") for m in months],
            [
                dataset(
                    _("Estimated Value (LCY)"),
                    [m.figures.estimated_value for m in months],
                    [m.figures.url for m in months],
                ),
                dataset(
                    _("Calcd. Current Value (LCY)"),
                    [m.figures.calculated_current_value for m in months],
                    [m.figures.url for m in months],
                ),
            ],
            money=True,
        ),
    }
    return render(request, "charts/index.html", context)


def funnel_data(stages: Sequence[Any]) -> dict[str, Any]:
    """The chart of a funnel's stages (``charts.FunnelStage`` or ``dashboard.DashboardStage``: ``stage``,
    ``description``, ``figures``): horizontal bars of the open opportunities' count per stage."""
    return chart_data(
        [f"{s.stage} {s.description}" for s in stages],
        [
            dataset(
                _("No. of Opportunities"),
                [s.figures.no_of_opportunities for s in stages],
                [s.figures.url for s in stages],
            )
        ],
        horizontal=True,
    )


@reads_from_replica
@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard, the landing page (issue #14 item 5): the user's open pipeline by stage (with a chart),
    this and next month's forecast, the stale opportunities and the tasks due; for a Sales Manager one of his teams
    (``?team=``) with a per-salesperson breakdown."""
    board = dashboard.dashboard(get_work_date(request.user), user=request.user, team=request.GET.get("team"))
    stage_chart = chart_data(
        [f"{s.sales_cycle_code} {s.stage} {s.description}" for s in board.stages],
        [
            dataset(
                _("Estimated Value (LCY)"),
                [s.figures.estimated_value for s in board.stages],
                [s.figures.url for s in board.stages],
            ),
            dataset(
                _("Calcd. Current Value (LCY)"),
                [s.figures.calculated_current_value for s in board.stages],
                [s.figures.url for s in board.stages],
            ),
        ],
        money=True,
    )
    return render(
        request,
        "charts/dashboard.html",
        {
            "board": board,
            "stage_chart": stage_chart,
            "forecasts": [(board.this_month, "summary-this-month"), (board.next_month, "summary-next-month")],
        },
    )
