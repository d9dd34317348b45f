"""Filter forms of the analysis pages (spec §5.7, api.md "Analysis"; issue #14 items 1 and 4). They check shape only
and take the API's parameter names, so a page's query string reads like its endpoint's (``?rows=contact&show=…``);
a blank or missing value takes the API's default. The figures are :mod:`salescycle.opportunities.analysis`'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from salescycle.core.dates import MAX_COLUMNS
from salescycle.core.widgets import with_lookups
from salescycle.opportunities import analysis
from salescycle.opportunities.forms import DATE, cycle_choices

SHOW_AS_LINES = [("salesperson", _("Salesperson")), ("contact", _("Contact")), ("campaign", _("Campaign"))]
SHOW = [
    ("no_of_opportunities", _("No of Opportunities")),
    ("estimated_value", _("Estimated Value (LCY)")),
    ("calculated_current_value", _("Calc. Current Value (LCY)")),
    ("avg_estimated_value", _("Avg. Estimated Value (LCY)")),
    ("avg_calculated_current_value", _("Avg. Calc. Current Value (LCY)")),
]
STATUS = [("in_progress", _("In Progress")), ("won", _("Won")), ("lost", _("Lost"))]
VIEW_BY = [
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
]
ROUNDING = [("none", _("None")), ("1", "1"), ("1000", "1000"), ("1000000", "1000000")]


def _choice(label: Any, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False)


def _key(label: Any, length: int = 20) -> forms.CharField:
    return forms.CharField(label=label, max_length=length, required=False)


@with_lookups
class AnalysisFilterForm(forms.Form):
    """The common filters (api.md "Analysis"): sales cycle, salesperson, campaign, contact (a company covers its
    persons). Blank filters nothing."""

    sales_cycle_code = forms.ChoiceField(label=_("Sales Cycle Code"), required=False)
    salesperson_code = _key(_("Salesperson Code"))
    campaign_no = _key(_("Campaign No."))
    contact_no = _key(_("Contact No."))

    # The API's defaults, filled into the query before binding so that the form shows what the figures use.
    defaults: dict[str, str] = {}

    def __init__(self, query: QueryDict, **kwargs: Any) -> None:
        data = query.copy()
        for name, value in self.defaults.items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, **kwargs)
        self.fields["sales_cycle_code"].choices = cycle_choices()  # type: ignore[attr-defined]

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value of field ``name``, or ``default`` when blank (call after ``is_valid()``)."""
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def common(self) -> analysis.AnalysisFilter:
        """The analysis' common filter (call after ``is_valid()``)."""
        return analysis.AnalysisFilter(
            self.value("sales_cycle_code"),
            self.value("salesperson_code"),
            self.value("campaign_no"),
            self.value("contact_no"),
        )


class PeriodForm(AnalysisFilterForm):
    """The common filters and the periods: View by (``period``, default month), the start date (any date in the
    first period; blank: the WorkDate) and the number of columns (1–32, default 12)."""

    period = _choice(_("View by"), VIEW_BY)
    start = forms.DateField(label=_("Start date"), required=False, widget=DATE, help_text=_("Blank: the work date."))
    columns = forms.IntegerField(
        label=_("Columns"), required=False, min_value=1, max_value=MAX_COLUMNS, help_text=_("1 to 32; blank: 12.")
    )

    defaults = {"period": "month", "columns": "12"}

    def periods(self) -> dict[str, Any]:
        """``period``, ``start`` (None: the WorkDate) and ``columns`` for the analysis functions."""
        return {
            "period": self.value("period", "month"),
            "start": self.value("start"),
            "columns": self.value("columns", 12),
        }


class MatrixForm(PeriodForm):
    """The Opportunities matrix's options (spec §5.7): Show as Lines, Show, Status Filter, Rounding Factor, the
    close code and stage filters, and the periods."""

    rows = _choice(_("Show as Lines"), SHOW_AS_LINES)
    show = _choice(_("Show"), SHOW)
    status = _choice(_("Status Filter"), STATUS)
    rounding_factor = _choice(_("Rounding Factor"), ROUNDING)
    close_opportunity_code = _key(_("Close Opportunity Code"), 10)
    sales_cycle_stage = forms.IntegerField(label=_("Sales Cycle Stage"), required=False, min_value=0)

    field_order = ["rows", "show", "status", "period", "start", "columns", "rounding_factor"]
    defaults = {
        **PeriodForm.defaults,
        "rows": "salesperson",
        "show": "no_of_opportunities",
        "status": "in_progress",
        "rounding_factor": "none",
    }

    def options(self) -> analysis.MatrixOptions:
        """The matrix's options (blank values take the API's defaults; call after ``is_valid()``)."""
        return analysis.MatrixOptions(
            rows=self.value("rows", "salesperson"),
            show=self.value("show", "no_of_opportunities"),
            status=self.value("status", "in_progress"),
            rounding_factor=self.value("rounding_factor", "none"),
            close_opportunity_code=self.value("close_opportunity_code"),
            sales_cycle_stage=self.value("sales_cycle_stage"),
        )


class PipelineForm(AnalysisFilterForm):
    """The pipeline as of a date: the sales cycle (default: the Marketing Setup's) and the date (blank: the
    WorkDate)."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)

    field_order = ["sales_cycle_code", "as_of"]


class CalibrationForm(AnalysisFilterForm):
    """The calibration of a sales cycle's stages (default: the Marketing Setup's cycle)."""


class MovementForm(AnalysisFilterForm):
    """The movement between two dates (both inclusive; blank: the WorkDate's month up to the WorkDate)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    field_order = ["date_from", "date_to"]

    def dates(self, work_date: dt.date) -> tuple[dt.date, dt.date]:
        """(from, to): the given dates, blanks filled from ``work_date`` (the first of its month; itself)."""
        return self.value("date_from", work_date.replace(day=1)), self.value("date_to", work_date)
