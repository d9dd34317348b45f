"""HTML views of opportunities (the full web app is issue #4; this is the signed-in start page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salescycle.core.workdate import get_work_date
from salescycle.opportunities.models import Opportunity


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the 50 most recently created opportunities (two queries whatever the size)."""
    opportunities = Opportunity.objects.select_related("contact", "salesperson").order_by("-creation_date", "-no")[:50]
    return render(
        request,
        "home.html",
        {
            "opportunities": opportunities,
            "summary": {"total": Opportunity.objects.count()},
            "work_date": get_work_date(request.user),
        },
    )
