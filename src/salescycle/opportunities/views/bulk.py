"""The Opportunity List's bulk actions (issue #15): reassign the salesperson, close as Lost (after a confirmation that
shows what will be closed), export the selection as CSV or Excel. A plain form POST from the list's bulk-action bar
(``opportunities/_bulk_bar.html``), so it works without JavaScript; each action is one call of a bulk service
(``services/bulk.py``), whose done and refused opportunities the result page lists."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from salescycle.core.errors import DomainError
from salescycle.core.views import add_domain_error, confirmation, request_work_date
from salescycle.opportunities import selectors, services
from salescycle.opportunities.forms import BulkActionForm
from salescycle.opportunities.selectors import list_views
from salescycle.opportunities.services.bulk import selection
from salescycle.opportunities.views.opportunities import csv_response, xlsx_response

logger = logging.getLogger(__name__)


def _list_url(query: str) -> str:
    # The list's own path with the list's query string: never a redirect to anywhere else. No query: "All
    # opportunities", as the list showed them (the list without a query string opens the user's default view).
    return f"{reverse('opportunities:list')}?{query or urlencode({'view': list_views.ALL_VIEW})}"


@require_POST
@login_required
def bulk_action(request: HttpRequest) -> HttpResponseBase:
    """Run the pressed bulk action on the selected opportunities: ``export_csv``/``export_xlsx`` answer the file
    (the list's columns, in the list's order, only what the user may see); ``reassign`` answers the result page;
    ``close`` first answers the confirmation (what will be closed, with which code and date), and closes on its
    confirmed POST. A refusal of the whole request (no selection, more than 1,000, an unknown or not assignable
    salesperson, a Viewer…) is shown on the result page, nothing done."""
    form = BulkActionForm(request.POST)
    result: services.BulkResult | None = None
    action = ""
    if form.is_valid():
        data = form.cleaned_data
        action = data["action"]
        try:
            keys = selection(data["no"])
            if action in (form.EXPORT_CSV, form.EXPORT_XLSX):
                rows = selectors.export_rows(
                    selectors.ListFilters(sort=data["sort"] or "no"), user=request.user, nos=keys
                )
                return csv_response(rows) if action == form.EXPORT_CSV else xlsx_response(rows)
            if action == form.REASSIGN:
                result = services.reassign_salesperson(
                    keys, data["salesperson_code"], by=request.user, update_open_tasks=data["update_open_tasks"]
                )
            elif not data["confirm"]:
                return _confirm_close(request, form, keys)
            else:
                result = services.close_as_lost(
                    keys,
                    data["close_opportunity_code"],
                    by=request.user,
                    date_closed=data["date_closed"],
                    cancel_old_tasks=data["cancel_old_tasks"],
                    work_date=request_work_date(request),
                )
        except DomainError as error:
            logger.info("bulk %s refused: %s", action, error.code)
            add_domain_error(form, error)
    context = {"form": form, "action": action, "result": result, "back_url": _list_url(form.data.get("query", ""))}
    return render(request, "opportunities/bulk_result.html", context)


def _confirm_close(request: HttpRequest, form: BulkActionForm, keys: list[str]) -> HttpResponse:
    """The confirmation of Close as Lost: the selected opportunities the user may see (the others will be refused
    as not found), the code and the closing date; Yes posts the same form again with ``confirm``."""
    data = form.cleaned_data
    shown = selectors.selected_opportunities(keys, user=request.user)
    code = dict(form.fields["close_opportunity_code"].choices).get(data["close_opportunity_code"])  # type: ignore[attr-defined]
    extra: dict[str, Any] = {
        "form": form,
        "keys": keys,
        "shown": shown,
        "unseen": len(keys) - len(shown),
        "code_label": code,
        "date_closed": data["date_closed"],
        "cancel_old_tasks": data["cancel_old_tasks"],
    }
    count = len(keys)
    return confirmation(
        request,
        title=_("Close as Lost"),
        question=ngettext(
            "Close %(count)d selected opportunity as Lost with close code “%(code)s”? This cannot be undone.",
            "Close %(count)d selected opportunities as Lost with close code “%(code)s”? This cannot be undone.",
            count,
        )
        % {"count": count, "code": code},
        yes=_("Yes, close as Lost"),
        cancel_url=_list_url(data["query"]),
        template="opportunities/bulk_confirm.html",
        extra=extra,
    )
