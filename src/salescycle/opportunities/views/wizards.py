"""The wizards: Create Opportunity (spec §4.2.2–§4.2.3), Update Opportunity (§4.5), Close Opportunity (§4.8) and the
Delete Closed Opportunities batch job (§4.11.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from salescycle.contacts import permissions
from salescycle.core.errors import DomainError
from salescycle.core.views import add_domain_error, is_htmx
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import selectors, services
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.forms import (
    BatchDeleteForm,
    CloseOpportunityForm,
    CreateOpportunityForm,
    UpdateOpportunityForm,
)
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.views.opportunities import GET_POST, int_or_none, opportunity_or_404


@require_http_methods(GET_POST)
@login_required
def create_opportunity(request: HttpRequest) -> HttpResponse:
    """The Create Opportunity wizard, launched from the list, a contact, a salesperson, a campaign or a segment
    (``?contact=``, ``?salesperson=``, ``?campaign=``, ``?segment=``); from a segment one per contact. A 403 page
    for Viewers and users without a role."""
    permissions.require_for_page(permissions.require_write, request.user)
    initial = selectors.create_defaults(request.GET, get_work_date(request.user))
    form = CreateOpportunityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = _create(request, data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            count = len(created)
            text = ngettext("%(count)s opportunity created.", "%(count)s opportunities created.", count)
            messages.success(request, text % {"count": count})
            if len(created) == 1:
                return redirect("opportunities:card", no=created[0].no)
            return redirect(reverse("opportunities:list") + "?" + urlencode({"segment": data["segment_no"]}))
    return render(request, "opportunities/create.html", {"form": form})


def _create(request: HttpRequest, data: dict[str, Any]) -> list[Opportunity]:
    common = {
        "by": request.user,
        "description": data["description"],
        "salesperson_code": data["salesperson_code"] or None,
        "sales_cycle_code": data["sales_cycle_code"] or None,
        "priority": data["priority"],
        "creation_date": data["creation_date"],
        "activate_first_stage": data["activate_first_stage"],
        "estimates": services.Estimates(
            data["estimated_value"], data["chances_of_success_pct"], data["estimated_closing_date"]
        ),
    }
    if data["segment_no"] and data["for_all_segment_contacts"]:
        return services.create_opportunities_from_segment(data["segment_no"], **common)
    opportunity = services.create_opportunity(
        contact_no=data["contact_no"], campaign_no=data["campaign_no"], segment_no=data["segment_no"], **common
    )
    return [opportunity]


def _plain(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros (10000.00000 → 10000), for form inputs."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _update_initial(no: str, options: Any, action: ActionType | None, target: int | None) -> dict[str, Any]:
    proposal = selectors.update_proposal(no, options, action, target) if action else None
    initial: dict[str, Any] = {"action_type": action.value if action else "", "date_of_change": options.date_of_change}
    if proposal is not None:
        initial.update(
            sales_cycle_stage=proposal.sales_cycle_stage,
            estimated_value=_plain(proposal.estimated_value),
            chances_of_success_pct=_plain(proposal.chances_of_success_pct),
            estimated_close_date=proposal.estimated_close_date,
        )
    return initial


@require_http_methods(GET_POST)
@login_required
def update_opportunity(request: HttpRequest, no: str) -> HttpResponse:
    """The Update Opportunity wizard: exactly the engine's actions, the stage list for Skip and Jump, the proposed
    values (re-rendered by htmx when the action or stage changes) and the engine's refusals next to the fields."""
    opportunity = opportunity_or_404(no, request.user)
    try:
        options = services.get_update_options(opportunity.no, by=request.user)
    except DomainError as error:
        return render(request, "opportunities/confirm.html", {"o": opportunity, "error": error.message})
    names = selectors.stage_names(opportunity.no)
    if request.method == "POST":
        form = UpdateOpportunityForm(request.POST, options=options, stage_names=names)
        if form.is_valid():
            try:
                services.update_opportunity(opportunity.no, by=request.user, request=_update_request(form))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Opportunity %(no)s updated.") % {"no": opportunity.no})
                return redirect("opportunities:card", no=opportunity.no)
    else:
        probe = UpdateOpportunityForm(request.GET or None, options=options, stage_names=names)
        action = probe.selected_action()
        target = (
            int_or_none(request.GET.get("sales_cycle_stage")) if action in (ActionType.SKIP, ActionType.JUMP) else None
        )
        initial = _update_initial(opportunity.no, options, action, target)
        form = UpdateOpportunityForm(initial=initial, options=options, stage_names=names)
    context = {"o": opportunity, "form": form, "options": options}
    template = "opportunities/update.html#proposals" if is_htmx(request) and request.method == "GET" else None
    return render(request, template or "opportunities/update.html", context)


def _update_request(form: UpdateOpportunityForm) -> UpdateRequest:
    data = form.cleaned_data
    return UpdateRequest(
        action_type=data["action_type"],
        sales_cycle_stage=data["sales_cycle_stage"]
        if data["action_type"] in (ActionType.SKIP, ActionType.JUMP)
        else None,
        date_of_change=data["date_of_change"],
        estimated_value=data["estimated_value"],
        chances_of_success_pct=data["chances_of_success_pct"],
        estimated_close_date=data["estimated_close_date"],
        cancel_old_tasks=data["cancel_old_tasks"],
    )


@require_http_methods(GET_POST)
@login_required
def close_opportunity(request: HttpRequest, no: str) -> HttpResponse:
    """The Close Opportunity wizard: won or lost, a close code of that type (pre-filled when it is the only one),
    closing date, sales value, cancel old tasks (default on). Changing the outcome re-renders the codes (htmx)."""
    opportunity = opportunity_or_404(no, request.user)
    proposed = selectors.default_date_closed(opportunity, get_work_date(request.user))
    initial = {"outcome": "won", "date_closed": proposed}
    form = CloseOpportunityForm(
        request.POST or None, initial={**initial, "cancel_old_tasks": True, **request.GET.dict()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_opportunity(opportunity.no, by=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opportunity %(no)s closed.") % {"no": opportunity.no})
            return redirect("opportunities:card", no=opportunity.no)
    template = "opportunities/close.html#codes" if is_htmx(request) and request.method == "GET" else None
    return render(request, template or "opportunities/close.html", {"o": opportunity, "form": form})


# ---------------------------------------------------------------------------------------------------------------
# Delete Closed Opportunities batch job (spec §4.11.2)


@require_http_methods(GET_POST)
@login_required
def delete_closed(request: HttpRequest) -> HttpResponse:
    """Filters → preview (dry-run counts) → explicit confirmation → result. A 403 page for anyone but Sales
    Managers and Administrators."""
    permissions.require_for_page(permissions.require_batch_delete, request.user)
    form = BatchDeleteForm(request.POST or None)
    preview = result = None
    if request.method == "POST" and form.is_valid():
        confirmed = "delete" in request.POST and form.cleaned_data["confirm"]
        try:
            outcome = services.delete_closed_opportunities(by=request.user, dry_run=not confirmed, **form.filters())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if confirmed:
                result = outcome
            else:
                preview = outcome
                if "delete" in request.POST:
                    form.add_error("confirm", _("Tick the confirmation to delete."))
    return render(request, "opportunities/delete_closed.html", {"form": form, "preview": preview, "result": result})
