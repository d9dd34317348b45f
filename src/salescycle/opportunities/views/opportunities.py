"""HTML views of opportunities: the list and its exports, the card with comments, activate and delete (spec §4.4.2,
§4.11.1, §4.12, §5.2).

Each handler: decorators → selector → form → one service call → DomainError to form error → page or partial.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.contacts import permissions
from salescycle.core.actors import RequestUser
from salescycle.core.errors import DomainError, NotFound
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error, disable_fields, is_htmx, request_work_date
from salescycle.opportunities import selectors, services
from salescycle.opportunities.forms import BulkActionForm, CommentForm, ListFilterForm, OpportunityForm
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.selectors.activity import follow_up

GET_POST = ["GET", "POST"]


# ---------------------------------------------------------------------------------------------------------------
# List and exports (spec §5.2)


def _list_query(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("after", *drop):
        params.pop(name, None)
    return params.urlencode()


@reads_from_replica
@require_GET
@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """All opportunities, or those of a salesperson, contact (company: all its persons), campaign or segment, with
    filters, search, sortable columns and keyset paging ("More" appends the next page)."""
    form = ListFilterForm(request.GET)
    filters = form.filters()
    work_date = request_work_date(request)
    page = selectors.opportunity_page(filters, request.GET.get("after"), user=request.user, work_date=work_date)
    context = {
        "form": form,
        "page": page,
        "sort": filters.sort,
        "query": _list_query(request),
        "sort_query": _list_query(request, "sort"),
    }
    if is_htmx(request) and request.GET.get("after"):
        return render(request, "opportunities/list.html#rows", context)
    context["bulk_form"] = BulkActionForm(  # issue #15
        initial={"sort": filters.sort, "query": context["query"]}, may_change=permissions.may_write(request.user)
    )
    return render(request, "opportunities/list.html", context)


def _large_export(request: HttpRequest, file_format: str) -> HttpResponse | None:
    """A large export (more than ``JOBS_SYNC_LIMIT`` rows) becomes a background job (issue #16): a GET shows what
    will happen with a button (a GET never writes), the POST starts the job and redirects to its page, which offers
    the file when it is written. None for an export small enough to answer now."""
    filters = ListFilterForm(request.GET).filters()
    if request.method != "POST":
        if not selectors.export_is_large(filters, user=request.user):
            return None
        context = {"file_format": file_format, "query": request.GET.urlencode(), "limit": settings.JOBS_SYNC_LIMIT}
        return render(request, "opportunities/export_job.html", context)
    job = services.start_export_job_if_large(filters, file_format=file_format, by=request.user)
    if job is None:
        return None
    return redirect("jobs:detail", job_id=job.pk)


@reads_from_replica
@require_http_methods(GET_POST)
@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as CSV (UTF-8 with BOM), streamed row by row; texts that a spreadsheet program would read
    as formulas get a leading ``'`` (:func:`services.exports.csv_lines`). More than ``JOBS_SYNC_LIMIT`` rows: a
    background job (:func:`_large_export`)."""
    large = _large_export(request, "csv")
    if large is not None:
        return large
    return csv_response(selectors.export_rows(ListFilterForm(request.GET).filters(), user=request.user))


def csv_response(rows: Iterator[tuple[Any, ...]]) -> StreamingHttpResponse:
    """``rows`` of :data:`selectors.EXPORT_COLUMNS` as the list's CSV download (the list's export and the export of a
    selection, issue #15), written by :func:`services.exports.csv_lines` as the export job writes its file."""
    response = StreamingHttpResponse(services.csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="opportunities.csv"'
    return response


@reads_from_replica
@require_http_methods(GET_POST)
@login_required
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as an Excel workbook in a temporary file (rows are never all in memory); every text is a
    string cell, never a formula. More than ``JOBS_SYNC_LIMIT`` rows: a background job (:func:`_large_export`)."""
    large = _large_export(request, "xlsx")
    if large is not None:
        return large
    return xlsx_response(selectors.export_rows(ListFilterForm(request.GET).filters(), user=request.user))


def xlsx_response(rows: Iterator[tuple[Any, ...]]) -> FileResponse:
    """``rows`` of :data:`selectors.EXPORT_COLUMNS` as the list's Excel download (the list's export and the export
    of a selection, issue #15), written by :func:`services.exports.write_xlsx` as the export job writes its file."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    services.write_xlsx(rows, output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename="opportunities.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------------------------------------------------------
# Card (spec §4.12, §5.1, §5.2 subform)


def card_or_404(no: str, user: RequestUser) -> selectors.Card:
    """The card of ``no`` as ``user`` sees it; 404 when missing or invisible."""
    card = selectors.card(no, user)
    if card is None:
        raise Http404(no)
    return card


def opportunity_or_404(no: str, user: RequestUser) -> Opportunity:
    """Opportunity ``no`` as ``user`` sees it, without the card's entries, comments and tasks (one query), for the
    wizards and actions, whose pages show only its No., description and stage; 404 when missing or invisible."""
    try:
        return selectors.visible_opportunity(no, user)
    except NotFound:
        raise Http404(no) from None


@require_http_methods(GET_POST)
@login_required
def opportunity_card(request: HttpRequest, no: str) -> HttpResponse:
    """The card: fields editable per status (§4.12) saved through ``change_opportunity``, entries newest first, the
    statistics fact box, comments and tasks, and the follow-up block (next activity, overdue and stale flags, the
    interaction log with Log interaction)."""
    card = card_or_404(no, request.user)
    form = OpportunityForm(request.POST or None, opportunity=card.opportunity)
    if not card.can_change:  # read-only for this user (issue #8): the fields disabled, no Save (the service refuses)
        disable_fields(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_opportunity(
                card.opportunity.no,
                by=request.user,
                changes=form.changes(),
                update_open_tasks=form.cleaned_data["update_open_tasks"],
                expected_version=int_or_none(request.POST.get("version")),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opportunity %(no)s saved.") % {"no": card.opportunity.no})
            return redirect("opportunities:card", no=card.opportunity.no)
    context = {"card": card, "o": card.opportunity, "form": form, "comment_form": CommentForm()}
    context["follow_up"] = follow_up(card.opportunity.no, request_work_date(request))  # issue #15
    return render(request, "opportunities/card.html", context)


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_POST
@login_required
def add_comment(request: HttpRequest, no: str) -> HttpResponse:
    """Add a comment line (htmx: re-renders the comments block)."""
    card = card_or_404(no, request.user)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(card.opportunity.no, by=request.user, comment=form.cleaned_data["comment"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            card = card_or_404(no, request.user)
            form = CommentForm()
    context = {"card": card, "o": card.opportunity, "comment_form": form}
    if is_htmx(request):
        return render(request, "opportunities/card.html#comments", context)
    return redirect("opportunities:card", no=card.opportunity.no)


def _confirmed(
    request: HttpRequest, no: str, action: str, run: Callable[[str], Any], done: str, then: Callable[[str], Any]
) -> HttpResponse:
    """A confirmation step (``opportunities/confirm.html``): GET asks; POST calls ``run(no)`` and, when the service
    accepts, says ``done`` (with ``%(no)s``) and answers ``then(no)`` (a redirect); a refusal is shown on the page."""
    opportunity = opportunity_or_404(no, request.user)
    error = None
    if request.method == "POST":
        try:
            run(opportunity.no)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, done % {"no": opportunity.no})
            return then(opportunity.no)
    context = {"o": opportunity, "error": error, "action": action}
    return render(request, "opportunities/confirm.html", context)


@require_http_methods(GET_POST)
@login_required
def activate_first_stage(request: HttpRequest, no: str) -> HttpResponse:
    """Activate First Stage with a confirmation step (spec §4.4.2)."""
    return _confirmed(
        request,
        no,
        "activate",
        lambda key: services.activate_first_stage(key, by=request.user),
        _("The first stage of %(no)s is active."),
        lambda key: redirect("opportunities:card", no=key),
    )


@require_http_methods(GET_POST)
@login_required
def delete_opportunity(request: HttpRequest, no: str) -> HttpResponse:
    """Delete with a confirmation step; refused while In Progress with the service's message (spec §4.11.1)."""
    return _confirmed(
        request,
        no,
        "delete",
        lambda key: services.delete_opportunity(key, by=request.user),
        _("Opportunity %(no)s deleted."),
        lambda key: redirect("opportunities:list"),
    )
