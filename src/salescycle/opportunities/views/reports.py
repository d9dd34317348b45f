"""The four reports of spec §5.9 as printable pages (``/reports/<name>/``, a print stylesheet in ``app.css``) and as
PDF downloads (the same URL with ``?format=pdf``): the data of ``opportunities/reports.py``, its cells formatted once
in the reader's language (:func:`cell_text`) for the page and the PDF alike."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from salescycle.core.replicas import reads_from_replica
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import reports, services
from salescycle.opportunities.forms import ListFilterForm, ReportFilterForm
from salescycle.opportunities.report_pdf import (
    cell_text,
    matched_line,
    report_file_name,
    report_pdf,
    table_rows,
    table_totals,
)

# The filter fields each report's page offers and prints (names of ReportFilterForm): the list reports take every
# filter of the opportunity list (a link from the list carries them all); Sales Cycle - Analysis BC's and a date range.
LIST_FIELDS = [name for name in ListFilterForm.base_fields if name != "sort"]
CYCLE_FIELDS = ["cycle", "blocked", "closing_from", "closing_to"]


def _pdf(report: reports.Report) -> HttpResponse:
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_file_name(report)}"'
    return response


def _list_report(request: HttpRequest, name: str) -> HttpResponse:
    """A list report (``services.LIST_REPORTS[name]``) with the list's filters: its page, its PDF, or, for a PDF of
    more than ``settings.REPORT_PDF_SYNC_ROWS`` rows, the background job that draws it (issue #16): a GET shows
    what will happen with a button (a GET never writes); the POST starts the job and redirects to its page, which
    offers the file when it is drawn."""
    form = ReportFilterForm(request.GET)
    if request.method == "POST":
        job = services.start_report_pdf_job(name, form.filters(), captions=form.captions(LIST_FIELDS), by=request.user)
        return redirect("jobs:detail", job_id=job.pk)
    report = services.LIST_REPORTS[name](form.filters(), user=request.user)
    if request.GET.get("format") == "pdf" and services.pdf_is_long(report):
        params = request.GET.copy()
        params.pop("format")
        context = {
            "report": report,
            "rows": services.report_rows(report),
            "limit": settings.REPORT_PDF_SYNC_ROWS,
            "page_query": params.urlencode(),
        }
        return render(request, "reports/pdf_job.html", context)
    return _respond(request, report, form, LIST_FIELDS)


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
        totals = table_totals(table)
        tables.append(
            {
                "table": table,
                "rows": [list(zip(row, numeric, strict=True)) for row in table_rows(table)],
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
        "matched_line": matched_line(report),
    }
    return render(request, "reports/report.html", context)


@require_GET
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The reports (spec §5.9): links to Opportunity - List, Salesperson - Opportunities and Sales Cycle - Analysis;
    Opportunity - Details is printed from an opportunity's card ("Print Details")."""
    return render(request, "reports/index.html")


@reads_from_replica
@require_http_methods(["GET", "POST"])
@login_required
def opportunity_list_report(request: HttpRequest) -> HttpResponse:
    """Opportunity - List (report 5061) with the opportunity list's filters; a long PDF as a job
    (:func:`_list_report`)."""
    return _list_report(request, "opportunity_list")


@reads_from_replica
@require_http_methods(["GET", "POST"])
@login_required
def salesperson_opportunities_report(request: HttpRequest) -> HttpResponse:
    """Salesperson - Opportunities (report 5058) with the list's filters (Date Closed among them); a long PDF as a
    job (:func:`_list_report`)."""
    return _list_report(request, "salesperson_opportunities")


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
