"""The charts of the ledger's analysis pages (issue #14 items 2 and 4): the movement between two dates as two
waterfalls (the number of open opportunities and their Estimated Value), the forecast by closing period and the
calibration of the stages' chances. Each is the plain data of :func:`.charts.chart_data`, drawn by
``static/salescycle/charts.js`` beside the page's table, which carries the same figures and links; a bar links where
its figure in the table does (the Won and Lost bars, the forecast's open and won bars) and nowhere else.

The movement waterfall adds up by construction: Open at start + Created − Won − Lost ± Other changes = Open at end.
The ledger's figures need not add up by themselves, so "Other changes" is the balance, worked out here and shown as
such (in the chart and in the table): entries carry their own sales cycle, salesperson, campaign and contact, so an
opportunity reassigned in the range moves into or out of what the filters cover; for the value also every
re-estimate of an open opportunity and the difference between a won opportunity's estimate and the value it was
won at (the Won figure is its Calcd. Current Value at closing, the sale: api.md "Analysis")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from django.utils.translation import gettext as _

from salescycle.opportunities import analysis
from salescycle.opportunities.views.charts import chart_data, dataset

if TYPE_CHECKING:
    from salescycle.opportunities.views.analysis import ForecastLine

N = TypeVar("N", int, Decimal)
Kind = Literal["total", "increase", "decrease", "other"]
MINUS = "\u2212"


@dataclass(frozen=True)
class Change(Generic[N]):
    """A step of a waterfall: ``amount`` added (negative: taken away), drawn as ``kind``, linking to ``url``."""

    label: str
    amount: N
    kind: Kind
    url: str = ""


@dataclass(frozen=True)
class Step(Generic[N]):
    """A bar of a waterfall: a floating bar from ``start`` to ``end`` (a total from 0 to its level)."""

    label: str
    kind: Kind
    start: N
    end: N
    url: str = ""


def waterfall(opening: Change[N], changes: Sequence[Change[N]], other: str, closing: Change[N]) -> list[Step[N]]:
    """The bars from ``opening`` through ``changes`` to ``closing``, with a bar labelled ``other`` before the closing
    one for whatever the changes leave unexplained (closing − opening − the changes; 0 when they add up), so that
    every bar starts where the one before it ends and the last reaches exactly the closing level."""
    steps = [Step(opening.label, "total", opening.amount * 0, opening.amount, opening.url)]
    level = opening.amount
    for change in changes:
        steps.append(Step(change.label, change.kind, level, level + change.amount, change.url))
        level = level + change.amount
    steps.append(Step(other, "other", level, closing.amount))
    steps.append(Step(closing.label, "total", closing.amount * 0, closing.amount, closing.url))
    return steps


def balance(steps: Sequence[Step[N]]) -> N:
    """The amount of a waterfall's "other changes" bar (the one before the closing total)."""
    return steps[-2].end - steps[-2].start


def _waterfall_data(steps: Sequence[Step[Any]], label: str, *, money: bool) -> dict[str, Any]:
    return chart_data(
        [s.label for s in steps],
        [dataset(label, [(s.start, s.end) for s in steps], [s.url for s in steps], kinds=[s.kind for s in steps])],
        money=money,
        waterfall=True,
    )


@dataclass(frozen=True)
class MovementCharts:
    """The movement page's two waterfalls (chart data) and their balancing "other changes" (for the table)."""

    count_data: dict[str, Any]
    value_data: dict[str, Any]
    other_count: int
    other_value: Decimal


def movement_charts(figures: analysis.Movement, links: dict[str, str]) -> MovementCharts:
    """The waterfalls of ``figures``: the number of open opportunities, and their Estimated Value (LCY), from Open
    at start through + Created, − Won, − Lost and ± Other changes to Open at end. The Won and Lost bars link to
    ``links["won"]`` / ``links["lost"]`` when they count anything, as the table's figures do."""
    won_url = links.get("won", "") if figures.won.no_of_opportunities else ""
    lost_url = links.get("lost", "") if figures.lost.no_of_opportunities else ""
    start, end = _("Open at start"), _("Open at end")
    created, won, lost = f"+ {_('Created')}", f"{MINUS} {_('Won')}", f"{MINUS} {_('Lost')}"
    other = f"\u00b1 {_('Other changes')}"
    counts = waterfall(
        Change(start, figures.open_at_start.no_of_opportunities, "total"),
        [
            Change(created, figures.created.no_of_opportunities, "increase"),
            Change(won, -figures.won.no_of_opportunities, "decrease", won_url),
            Change(lost, -figures.lost.no_of_opportunities, "decrease", lost_url),
        ],
        other,
        Change(end, figures.open_at_end.no_of_opportunities, "total"),
    )
    values = waterfall(
        Change(start, figures.open_at_start.estimated_value, "total"),
        [
            Change(created, figures.created.value, "increase"),
            Change(won, -figures.won.value, "decrease", won_url),
            Change(lost, -figures.lost.value, "decrease", lost_url),
        ],
        other,
        Change(end, figures.open_at_end.estimated_value, "total"),
    )
    return MovementCharts(
        _waterfall_data(counts, _("No. of Opportunities"), money=False),
        _waterfall_data(values, _("Estimated Value (LCY)"), money=True),
        balance(counts),
        balance(values),
    )


def forecast_chart(lines: Sequence[ForecastLine]) -> dict[str, Any]:
    """Per period, the open opportunities' Estimated Value (unweighted) and Calcd. Current Value (weighted) by
    Estimated Closing Date beside the value won (by Date Closed), LCY; the open bars link to the period's open
    opportunities and the won bar to its won ones, as the table's counts do."""
    return chart_data(
        [line.label for line in lines],
        [
            dataset(
                _("Estimated Value (LCY)"),
                [line.period.estimated_value for line in lines],
                [line.open_url for line in lines],
            ),
            dataset(
                _("Calcd. Current Value (LCY)"),
                [line.period.calculated_current_value for line in lines],
                [line.open_url for line in lines],
                kinds="weighted",
            ),
            dataset(
                _("Won value (LCY)"),
                [line.period.won_value for line in lines],
                [line.won_url for line in lines],
                kinds="won",
            ),
        ],
        money=True,
    )


def calibration_chart(figures: analysis.Calibration) -> dict[str, Any]:
    """Per stage, the setup's Chances of Success % beside the win rate achieved (no bar where nothing closed has
    reached the stage). No links: "reached a stage" is history, which the list cannot filter on (as the table)."""
    stages = figures.stages
    none = [""] * len(stages)
    return chart_data(
        [f"{s.stage} {s.description}" for s in stages],
        [
            dataset(_("Chances of Success %"), [s.chances_of_success_pct for s in stages], none),
            dataset(_("Win rate %"), [s.win_rate_pct for s in stages], none, kinds="won"),
        ],
        percent=True,
    )
