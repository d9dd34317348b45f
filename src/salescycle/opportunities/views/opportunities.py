"""HTML views of opportunities: the list and its exports, the card with comments, activate and delete (spec §4.4.2,
§4.11.1, §4.12, §5.2).

Each handler: decorators → selector → form → one service call → DomainError to form error → page or partial.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.contacts import permissions
from salescycle.core.actors import RequestUser
from salescycle.core.errors import DomainError, NotFound
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error, disable_fields, is_htmx, request_work_date
from salescycle.opportunities import selectors, services
from salescycle.opportunities.forms import (
    BulkActionForm,
    CommentForm,
    DefaultViewForm,
    ListColumnsForm,
    ListFilterForm,
    OpportunityForm,
    SaveViewForm,
)
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.selectors import display, list_views
from salescycle.opportunities.selectors.activity import follow_up
from salescycle.opportunities.selectors.opportunities import MAX_ROWS, PAGE_SIZE, list_totals
from salescycle.opportunities.services import list_views as view_services

GET_POST = ["GET", "POST"]
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------------
# List and exports (spec §5.2)


# What a list URL carries besides the filters: paging ("More": ``after``, ``shown``; a reload: ``rows``) and the
# lazy count-and-sums request (``totals``). Links that start the list over drop them.
_PAGING = ("after", "shown", "rows", "totals")


def _list_query(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in (*_PAGING, *drop):
        params.pop(name, None)
    return params.urlencode()


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.GET.get(name) or default)
    except ValueError:
        value = default
    return max(low, min(high, value))


@dataclass
class _ListState:
    """The list as the request asks for it: its filter form (with a built-in view's words filled in), filters, the
    built-in view, a notice when that view has nothing to show, and the query of its resolved filters (exports)."""

    form: ListFilterForm
    filters: selectors.ListFilters
    view: list_views.BuiltinView | None
    notice: str
    filter_query: str


def _list_state(request: HttpRequest, work_date: dt.date) -> _ListState:
    """The list's filters from the query string; ``?view=<built-in>`` fills in the view's words (``list_views``)
    where the query does not give them, and "My pipeline" of a user without salesperson lists nothing (saying why)
    rather than everything."""
    params = request.GET.copy()
    for name in _PAGING:
        params.pop(name, None)
    view = list_views.builtin_view(params.pop("view", [""])[-1])
    notice = ""
    words: dict[str, str] | None = {}
    if view is not None:
        words = list_views.builtin_words(view, request.user, work_date)
        if words is None:
            notice = _(
                "Your user is not linked to a salesperson, so “%(view)s” has nothing to show. An administrator can "
                "link your user to a salesperson in Setup."
            ) % {"view": view.label}
        for name, value in (words or {}).items():
            if not params.get(name):
                params[name] = value
    form = ListFilterForm(params)
    filters = form.filters()
    if words is None:
        filters = replace(filters, nothing=True)
    params.pop("cols", None)
    return _ListState(form, filters, view, notice, params.urlencode())


@reads_from_replica
@require_GET
@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """All opportunities, or those of a salesperson, contact (company: all its persons), campaign or segment, with
    filters, search, sortable columns and keyset paging ("More" appends the next page and pushes ``?rows=N``, so a
    reload shows the same rows: one keyset read of N rows, never an OFFSET). The user's columns (or ``?cols=``),
    views (built-in and saved) and, loaded after the rows (``?totals=1``, htmx), the count and sums of the filtered
    list (issue #15 "The list"; without script, ``?totals=1`` shows them in the page). Without a query string, a
    redirect to the user's default view (``list_views.list_settings``: "My pipeline" unless they chose another;
    everything, ``?view=all``, for a user without salesperson), so the URL always says what the list shows.

    The count and sums are ``selectors.list_totals``, the API's ``totals`` too: one aggregate over the whole filtered
    list, which at 1,000,000 rows takes longer than the page, hence after it."""
    if not request.GET:
        return HttpResponseRedirect(_list_url(list_views.list_settings(request.user).default_query))
    work_date = request_work_date(request)
    state = _list_state(request, work_date)
    totals = None
    if request.GET.get("totals"):
        totals = list_totals(selectors.filtered_opportunities(state.filters, user=request.user))
        if is_htmx(request):
            return render(request, "opportunities/list.html#totals", {"totals": totals})
    after = request.GET.get("after")
    size = PAGE_SIZE if after else _int_param(request, "rows", PAGE_SIZE, 1, MAX_ROWS)
    page = selectors.opportunity_page(state.filters, after, size, user=request.user, work_date=work_date)
    requested = request.GET.getlist("cols")
    chosen = list_views.list_settings(request.user)
    columns = display.list_columns(requested or chosen.columns)
    shown = (_int_param(request, "shown", 0, 0, MAX_ROWS) if after else 0) + len(page.rows)
    query = _list_query(request)
    context = {
        "page": page,
        "columns": columns,
        "sort": state.filters.sort,
        "query": query,
        "shown": shown,
        "more_rows": min(shown + PAGE_SIZE, MAX_ROWS),
    }
    if is_htmx(request) and after:
        return render(request, "opportunities/list.html#rows", context)
    params = request.GET.copy()
    params.setlist("cols", [column.key for column in columns])
    context |= {
        "form": state.form,
        "active_filters": state.form.active_count(),
        "view": state.view,
        "notice": state.notice,
        "builtin_views": list_views.BUILTIN_VIEWS,
        "saved_views": list_views.saved_views(request.user),
        "default_key": chosen.default_key,
        "default_saved_view_id": chosen.default_saved_view_id,
        "all_view": list_views.ALL_VIEW,
        "all_columns": display.LIST_COLUMNS,
        "column_keys": {column.key for column in columns},
        "sort_query": _list_query(request, "sort"),
        "columns_query": _list_query(request, "cols"),
        "url_columns": requested,
        "filter_query": state.filter_query,
        "save_query": list_views.view_query(dict(params.lists())),
        "totals": totals,
        "bulk_form": BulkActionForm(  # issue #15
            initial={"sort": state.filters.sort, "query": query}, may_change=permissions.may_write(request.user)
        ),
    }
    return render(request, "opportunities/list.html", context)


@require_POST
@login_required
def list_columns(request: HttpRequest) -> HttpResponse:
    """Remember the list columns the user chose (the column chooser) and go back to the list with its filters."""
    form = ListColumnsForm(request.POST)
    back = _back_to_list(request, drop="cols")
    if not form.is_valid():
        log.info("list_columns.refused", extra={"errors": form.errors.get_json_data()})
        messages.error(request, _("Unknown column."))
        return back
    try:
        view_services.save_list_columns(columns=form.cleaned_data["cols"], by=request.user)
    except DomainError as error:
        log.info("list_columns.refused", extra={"code": error.code})
        messages.error(request, error.message)
    return back


@require_POST
@login_required
def save_list_view(request: HttpRequest) -> HttpResponse:
    """Save the list's filters, sort and columns under a name (the user's own views)."""
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        log.info("save_list_view.refused", extra={"errors": form.errors.get_json_data()})
        messages.error(request, _("Give the view a name of 1 to %(max)s characters.") % {"max": 60})
        return _back_to_list(request)
    query = list_views.view_query(dict(QueryDict(form.cleaned_data["query"]).lists()))
    try:
        view = view_services.save_list_view(name=form.cleaned_data["name"], query=query, by=request.user)
    except DomainError as error:
        log.info("save_list_view.refused", extra={"code": error.code})
        messages.error(request, error.message)
        return _back_to_list(request)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(_list_url(view.query))


@require_POST
@login_required
def delete_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved views (another user's is not found)."""
    try:
        view_services.delete_list_view(pk, by=request.user)
    except NotFound as error:
        log.info("delete_list_view.refused", extra={"code": error.code})
        raise Http404(str(pk)) from None
    messages.success(request, _("View deleted."))
    return _back_to_list(request)


@require_POST
@login_required
def default_list_view(request: HttpRequest) -> HttpResponse:
    """Make a built-in view or one of the user's saved views the view the list opens, and go back to the list with
    its filters (another user's saved view is not found)."""
    form = DefaultViewForm(request.POST)
    if not form.is_valid():
        log.info("default_list_view.refused", extra={"errors": form.errors.get_json_data()})
        messages.error(request, _("Unknown view."))
        return _back_to_list(request)
    data = form.cleaned_data
    try:
        name = view_services.set_default_list_view(view=data["view"], saved_view_id=data["saved"], by=request.user)
    except NotFound as error:
        log.info("default_list_view.refused", extra={"code": error.code})
        raise Http404(str(data["saved"])) from None
    except DomainError as error:
        log.info("default_list_view.refused", extra={"code": error.code})
        messages.error(request, error.message)
        return _back_to_list(request)
    messages.success(request, _("“%(name)s” is now your default view.") % {"name": name})
    return _back_to_list(request)


def _list_url(query: str) -> str:
    """The list's URL with ``query``; an empty query is "All opportunities" (``?view=all``), not the list without a
    query string, which opens the user's default view."""
    return f"{reverse('opportunities:list')}?{query or urlencode({'view': list_views.ALL_VIEW})}"


def _back_to_list(request: HttpRequest, drop: str = "") -> HttpResponse:
    """A redirect to the list with the view parameters of the form's ``next`` (a query string; nothing else of it
    is kept, so it cannot lead elsewhere). No parameters left: "All opportunities", as the list showed them."""
    params = dict(QueryDict(request.POST.get("next", "").lstrip("?")).lists())
    params.pop(drop, None)
    return HttpResponseRedirect(_list_url(list_views.view_query(params)))


def _large_export(request: HttpRequest, file_format: str) -> HttpResponse | None:
    """A large export (more than ``JOBS_SYNC_LIMIT`` rows) becomes a background job (issue #16): a GET shows what
    will happen with a button (a GET never writes), the POST starts the job and redirects to its page, which offers
    the file when it is written. None for an export small enough to answer now."""
    filters = _list_state(request, request_work_date(request)).filters
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
    filters = _list_state(request, request_work_date(request)).filters
    return csv_response(selectors.export_rows(filters, user=request.user))


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
    filters = _list_state(request, request_work_date(request)).filters
    return xlsx_response(selectors.export_rows(filters, user=request.user))


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
