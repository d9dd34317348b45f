"""The four reports of spec §5.9 as printable pages (``/reports/<name>/``, a print stylesheet in ``app.css``) and as
PDF downloads (the same URL with ``?format=pdf``): the data of ``opportunities/reports.py``, its cells formatted once
in the reader's language (:func:`cell_text`) for the page and the PDF alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salescycle.core.money import normalize
from salescycle.core.pdf import PdfDocument, PdfTable, tables_pdf
from salescycle.core.replicas import reads_from_replica
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import reports
from salescycle.opportunities.forms import ListFilterForm, ReportFilterForm

# The filter fields each report's page offers and prints (names of ReportFilterForm): the list reports take every
# filter of the opportunity list (a link from the list carries them all); Sales Cycle - Analysis BC's and a date range.
LIST_FIELDS = [name for name in ListFilterForm.base_fields if name != "sort"]
CYCLE_FIELDS = ["cycle", "blocked", "closing_from", "closing_to"]


def cell_text(value: Any, kind: str) -> str:
    """``value`` as the reader sees it in the active language: amounts with 2 decimals and grouping, percentages
    with up to 2 decimals, days with 1, dates in the short format, Yes/No; blank for None."""
    if value is None or value == "":
        return ""
    if kind == "bool":
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == "amount":
        return formats.number_format(value, 2, force_grouping=True)
    if kind == "pct":
        return formats.number_format(normalize(Decimal(value).quantize(Decimal("0.01"))))
    if kind == "days":
        return formats.number_format(value, 1, force_grouping=True)
    if kind == "int":
        return formats.number_format(value, 0, force_grouping=True)
    return str(value)


def _rows(table: reports.Table) -> list[list[str]]:
    return [[cell_text(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]


def _totals(table: reports.Table) -> list[str] | None:
    if table.totals is None:
        return None
    return [cell_text(v, c.kind) for v, c in zip(table.totals, table.columns, strict=True)]


def _matched_line(report: reports.Report) -> str:
    if report.matched is None:
        return ""
    return _("The first %(shown)s of %(matched)s opportunities; narrow the filters to print all.") % {
        "shown": formats.number_format(reports.REPORT_ROWS, 0, force_grouping=True),
        "matched": formats.number_format(report.matched, 0, force_grouping=True),
    }


def _pdf(report: reports.Report) -> HttpResponse:
    lines = [f"{label}: {value}" for label, value in report.filters]
    if report.matched is not None:
        lines.append(_matched_line(report))
    document = PdfDocument(
        title=str(report.title),
        lines=lines,
        fields=[(str(label), cell_text(value, kind)) for label, value, kind in report.fields],
        tables=[
            PdfTable(
                header=[str(c.label) for c in table.columns],
                rows=_rows(table),
                numeric=[c.is_number for c in table.columns],
                heading=str(table.heading),
                totals=_totals(table),
                empty=str(table.empty or _("Nothing to print.")),
            )
            for table in report.tables
        ],
        footer=_("Page %(page)s"),
    )
    response = HttpResponse(tables_pdf(document), content_type="application/pdf")
    name = slugify(str(report.title)) or "report"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def _respond(
    request: HttpRequest, report: reports.Report, form: ReportFilterForm | None = None, fields: list[str] | None = None
) -> HttpResponse:
    """The report as PDF (``?format=pdf``) or as its printable page."""
    if form is not None:
        report = dataclasses.replace(report, filters=form.captions(fields or []))
    if request.GET.get("format") == "pdf":
        return _pdf(report)
    params = request.GET.copy()
    params["format"] = "pdf"
    tables = []
    for table in report.tables:
        numeric = [c.is_number for c in table.columns]
        totals = _totals(table)
        tables.append(
            {
                "table": table,
                "rows": [list(zip(row, numeric, strict=True)) for row in _rows(table)],
                "totals": list(zip(totals, numeric, strict=True)) if totals else None,
                "empty": table.empty or _("Nothing to print."),
            }
        )
    context = {
        "report": report,
        "tables": tables,
        "fields": [(label, cell_text(value, kind)) for label, value, kind in report.fields],
        "form": form,
        "form_fields": fields or [],
        "pdf_query": params.urlencode(),
        "matched_line": _matched_line(report),
    }
    return render(request, "reports/report.html", context)


@require_GET
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The reports (spec §5.9): links to Opportunity - List, Salesperson - Opportunities and Sales Cycle - Analysis;
    Opportunity - Details is printed from an opportunity's card ("Print Details")."""
    return render(request, "reports/index.html")


@reads_from_replica
@require_GET
@login_required
def opportunity_list_report(request: HttpRequest) -> HttpResponse:
    """Opportunity - List (report 5061) with the opportunity list's filters."""
    form = ReportFilterForm(request.GET)
    report = reports.opportunity_list(form.filters(), user=request.user)
    return _respond(request, report, form, LIST_FIELDS)


@reads_from_replica
@require_GET
@login_required
def salesperson_opportunities_report(request: HttpRequest) -> HttpResponse:
    """Salesperson - Opportunities (report 5058) with the list's filters (Date Closed among them)."""
    form = ReportFilterForm(request.GET)
    report = reports.salesperson_opportunities(form.filters(), user=request.user)
    return _respond(request, report, form, LIST_FIELDS)


@reads_from_replica
@require_GET
@login_required
def sales_cycle_analysis_report(request: HttpRequest) -> HttpResponse:
    """Sales Cycle - Analysis (report 5062): sales cycle, Blocked, Estimated Close Date range."""
    form = ReportFilterForm(request.GET)
    blocked = {"yes": True, "no": False}.get(form.value("blocked") or "")
    report = reports.sales_cycle_analysis(
        code=form.value("cycle") or "",
        blocked=blocked,
        estimated_close_date_from=form.value("closing_from"),
        estimated_close_date_to=form.value("closing_to"),
        user=request.user,
    )
    return _respond(request, report, form, CYCLE_FIELDS)


@reads_from_replica
@require_GET
@login_required
def opportunity_details_report(request: HttpRequest, no: str) -> HttpResponse:
    """Opportunity - Details (report 5068, the card's "Print Details"); 404 when missing or invisible."""
    report = reports.opportunity_details(no, work_date=get_work_date(request.user), user=request.user)
    if report is None:
        raise Http404(no)
    return _respond(request, report)
