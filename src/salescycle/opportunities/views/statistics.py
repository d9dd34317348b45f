"""Statistics pages (spec §5.3–§5.6): the figures of ``opportunities/statistics.py``, the same the API answers with."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salescycle.contacts.models import Contact
from salescycle.core.keys import normalize_key
from salescycle.core.replicas import reads_from_replica
from salescycle.opportunities import statistics
from salescycle.opportunities.forms import StatisticsFilterForm
from salescycle.opportunities.models import SalesCycle


def _filters(request: HttpRequest) -> tuple[StatisticsFilterForm, statistics.StatisticsFilter]:
    form = StatisticsFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    filters = statistics.StatisticsFilter(
        estimated_close_date_from=data.get("date_from"),
        estimated_close_date_to=data.get("date_to"),
        action_taken=data.get("status") or None,
    )
    return form, filters


@reads_from_replica
@require_GET
@login_required
def cycle_statistics(request: HttpRequest) -> HttpResponse:
    """Sales Cycle statistics: open opportunities per cycle, with an estimated-close-date filter (§5.3)."""
    form, filters = _filters(request)
    rows = statistics.sales_cycles_statistics(filters, user=request.user)
    return render(request, "statistics/cycles.html", {"form": form, "rows": rows, "query": request.GET.urlencode()})


@reads_from_replica
@require_GET
@login_required
def stage_statistics(request: HttpRequest, code: str) -> HttpResponse:
    """Sales Cycle Stage statistics of one cycle: open opportunities per stage and the average days open (§5.3)."""
    cycle = SalesCycle.objects.filter(code=normalize_key(code)).first()
    if cycle is None:
        raise Http404(code)
    form, filters = _filters(request)
    figures = statistics.cycle_statistics(cycle.code, filters, user=request.user)
    return render(request, "statistics/stages.html", {"form": form, "rows": figures.stages, "cycle": cycle})


@reads_from_replica
@require_GET
@login_required
def people_statistics(request: HttpRequest, kind: str) -> HttpResponse:
    """Salesperson (§5.5), campaign (§5.6) and contact (§5.4) statistics over active entries."""
    form, filters = _filters(request)
    context: dict[str, Any] = {"form": form, "kind": kind}
    if kind == "salespeople":
        context["rows"] = statistics.salespeople_statistics(filters, user=request.user)
    elif kind == "campaigns":
        context["rows"] = statistics.campaigns_statistics(filters, user=request.user)
    elif kind == "contacts":
        contact_no = normalize_key(form.cleaned_data.get("contact")) if form.is_valid() else ""
        contact = Contact.objects.filter(no=contact_no).first() if contact_no else None
        context["contact"] = contact
        context["figures"] = statistics.contact_statistics(contact.no, filters, user=request.user) if contact else None
    else:
        raise Http404(kind)
    return render(request, "statistics/people.html", context)
