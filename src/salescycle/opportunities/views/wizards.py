"""The wizards: Create Opportunity (spec §4.2.2–§4.2.3), Update Opportunity (§4.5), Close Opportunity (§4.8) and the
Delete Closed Opportunities batch job (§4.11.2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from salescycle.contacts import permissions
from salescycle.core.date_input import date_input_text, parse_date_input
from salescycle.core.errors import DomainError
from salescycle.core.views import add_domain_error, is_htmx
from salescycle.core.workdate import get_work_date
from salescycle.jobs.models import Job
from salescycle.opportunities import selectors, services
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.engine import EntryState, UpdateRequest
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
            if isinstance(created, Job):
                # A large segment is created in the background (issue #16): its page shows the progress.
                return redirect("jobs:detail", job_id=created.pk)
            count = len(created)
            text = ngettext("%(count)s opportunity created.", "%(count)s opportunities created.", count)
            messages.success(request, text % {"count": count})
            if len(created) == 1:
                return redirect("opportunities:card", no=created[0].no)
            return redirect(reverse("opportunities:list") + "?" + urlencode({"segment": data["segment_no"]}))
    return render(request, "opportunities/create.html", {"form": form})


def _create(request: HttpRequest, data: dict[str, Any]) -> list[Opportunity] | Job:
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
        return services.create_opportunities_from_segment_or_start_job(data["segment_no"], **common)
    opportunity = services.create_opportunity(
        contact_no=data["contact_no"], campaign_no=data["campaign_no"], segment_no=data["segment_no"], **common
    )
    return [opportunity]


def plain_decimal(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros (10000.00000 → 10000), for form inputs."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _update_initial(no: str, options: Any, action: ActionType | None, target: int | None) -> dict[str, Any]:
    proposal = selectors.update_proposal(no, options, action, target) if action else None
    initial: dict[str, Any] = {"action_type": action.value if action else "", "date_of_change": options.date_of_change}
    if proposal is not None:
        initial.update(
            sales_cycle_stage=proposal.sales_cycle_stage,
            estimated_value=plain_decimal(proposal.estimated_value),
            chances_of_success_pct=plain_decimal(proposal.chances_of_success_pct),
            estimated_close_date=proposal.estimated_close_date,
        )
    return initial


def _target(params: Any, action: ActionType | None) -> int | None:
    return int_or_none(params.get("sales_cycle_stage")) if action in (ActionType.SKIP, ActionType.JUMP) else None


def touched_values(params: Any) -> dict[str, str]:
    """The values the user typed in the wizard: those of :data:`VALUE_FIELDS` whose submitted value differs from the
    one the page showed (its ``shown_<field>`` input). A re-render for another action or stage keeps them and
    proposes only the others (issue #15: Skip and Jump must not silently replace what the user typed)."""
    return {
        name: params[name]
        for name in VALUE_FIELDS
        if f"shown_{name}" in params and name in params and not same_value(params[name], params[f"shown_{name}"])
    }


@require_http_methods(GET_POST)
@login_required
def update_opportunity(request: HttpRequest, no: str) -> HttpResponse:
    """The Update Opportunity wizard: exactly the engine's actions, the stage list for Skip and Jump, the current
    values beside the proposed ones (re-rendered by htmx when the action or stage changes, keeping the values the
    user typed) and the engine's refusals next to the fields."""
    opportunity = opportunity_or_404(no, request.user)
    try:
        options = services.get_update_options(opportunity.no, by=request.user)
    except DomainError as error:
        return render(request, "opportunities/confirm.html", {"o": opportunity, "error": error.message})
    names = selectors.stage_names(opportunity.no)
    params = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        form = UpdateOpportunityForm(request.POST, options=options, stage_names=names)
        if form.is_valid():
            try:
                services.update_opportunity(opportunity.no, by=request.user, request=update_request(form))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Opportunity %(no)s updated.") % {"no": opportunity.no})
                return redirect("opportunities:card", no=opportunity.no)
        shown = {name: params.get(f"shown_{name}", "") for name in VALUE_FIELDS}
    else:
        probe = UpdateOpportunityForm(request.GET or None, options=options, stage_names=names)
        action = probe.selected_action()
        initial = _update_initial(opportunity.no, options, action, _target(request.GET, action))
        shown = {name: _as_input(initial.get(name)) for name in VALUE_FIELDS}
        for name, value in touched_values(request.GET).items():
            initial[name], shown[name] = value, request.GET[f"shown_{name}"]
        form = UpdateOpportunityForm(initial=initial, options=options, stage_names=names)
    action = form.selected_action()
    proposal = selectors.update_proposal(opportunity.no, options, action, _target(params, action)) if action else None
    current = selectors.entry_state(selectors.active_entry(opportunity))
    stage_chances = selectors.chances_taken_from_stage(action, proposal)
    rows = value_rows(form, current, stage_chances=stage_chances, shown=shown)
    context = {"o": opportunity, "form": form, "options": options, "rows": rows, "track": True}
    template = "opportunities/update.html#proposals" if is_htmx(request) and request.method == "GET" else None
    return render(request, template or "opportunities/update.html", context)


def update_request(form: UpdateOpportunityForm) -> UpdateRequest:
    """The service's request from a valid Update form (the stage only for Skip and Jump, spec §4.5.3)."""
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
    form = close_form(request, opportunity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_opportunity(opportunity.no, by=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opportunity %(no)s closed.") % {"no": opportunity.no})
            return redirect("opportunities:card", no=opportunity.no)
    template = "opportunities/close.html#outcome_fields" if is_htmx(request) and request.method == "GET" else None
    return render(request, template or "opportunities/close.html", {"o": opportunity, "form": form})


def close_form(request: HttpRequest, opportunity: Opportunity, *, outcome: str = "") -> CloseOpportunityForm:
    """The Close wizard's form for ``opportunity``, bound on POST: outcome ``outcome``, else ``?outcome=``, else Won,
    the proposed closing date, and for Won the proposed Sales (LCY) (:func:`selectors.close_defaults`: the linked
    quote's amount, not editable, or the estimated value); old tasks cancelled by default."""
    defaults = selectors.close_defaults(opportunity, get_work_date(request.user))
    initial: dict[str, Any] = {
        "outcome": "won",
        "date_closed": defaults.date_closed,
        "sales_value": plain_decimal(defaults.sales_value) if defaults.sales_value is not None else None,
        "cancel_old_tasks": True,
        **{k: v for k, v in request.GET.dict().items() if k in ("outcome", "close_opportunity_code")},
    }
    if outcome:
        initial["outcome"] = outcome
    return CloseOpportunityForm(request.POST or None, initial=initial, from_quote=defaults.from_quote)


# ---------------------------------------------------------------------------------------------------------------
# Delete Closed Opportunities batch job (spec §4.11.2)


@require_http_methods(GET_POST)
@login_required
def delete_closed(request: HttpRequest) -> HttpResponse:
    """Filters (key filters in BC syntax, issue #15 L9) → preview (dry-run counts and the first opportunities that
    would go) → explicit confirmation → result. A 403 page for anyone but Sales Managers and Administrators."""
    permissions.require_for_page(permissions.require_batch_delete, request.user)
    form = BatchDeleteForm(request.POST or None)
    preview = result = None
    first: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        confirmed = "delete" in request.POST and form.cleaned_data["confirm"]
        try:
            if confirmed:
                outcome = services.delete_closed_opportunities_or_start_job(by=request.user, **form.filters())
            else:
                outcome = services.delete_closed_opportunities(by=request.user, dry_run=True, **form.filters())
                first = services.closed_opportunities_preview(by=request.user, **form.filters())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if isinstance(outcome, Job):
                # A large batch runs in the background (issue #16): its status page shows the progress and result.
                return redirect("jobs:detail", job_id=outcome.pk)
            if confirmed:
                result = outcome
            else:
                preview = outcome
                if "delete" in request.POST:
                    form.add_error("confirm", _("Tick the confirmation to delete."))
    context = {"form": form, "preview": preview, "first": first, "result": result}
    return render(request, "opportunities/delete_closed.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Current and proposed values side by side (issue #15): the Update wizard and the board's Update dialog

VALUE_FIELDS = ("date_of_change", "estimated_value", "chances_of_success_pct", "estimated_close_date")


@dataclass(frozen=True)
class ValueRow:
    """One value of a move as the user sees it: the field (its input holds the proposed or typed value), the
    current value as text and as the input takes it ("Keep current"), the value the page proposed (so a later
    re-render can tell a typed value from a proposal) and, when the engine sets the value itself, why."""

    field: BoundField
    current_text: str
    current_input: str
    shown: str
    locked: str = ""
    locked_text: str = ""

    @property
    def changed(self) -> bool:
        """True when the new value differs from the current one."""
        return not same_value(str(self.field.value() or ""), self.current_input)


def _as_input(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return date_input_text(value)  # as the date input shows it (issue #15: the interface language's format)
    if isinstance(value, Decimal):
        return str(plain_decimal(value))
    return str(value)


def _as_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return formats.number_format(plain_decimal(value), force_grouping=True)


def same_value(a: str, b: str) -> bool:
    """Whether two input values are the same value (``"10"`` and ``"10.00"`` are; so are the dates ``2.12.2026``
    and ``2026-12-02`` in Finnish: a date may be typed in the language's format or in ISO)."""
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        pass
    date_a, date_b = parse_date_input(a), parse_date_input(b)
    if date_a is not None and date_b is not None:
        return date_a == date_b
    return a.strip() == b.strip()


def value_rows(
    form: UpdateOpportunityForm,
    current: EntryState | None,
    *,
    stage_chances: Decimal | None = None,
    shown: dict[str, str] | None = None,
) -> list[ValueRow]:
    """The rows of the values table for ``form``: current values from the active entry ``current``; ``shown`` the
    values the page proposed before (field name → input text; a field's own value when missing); Chances of
    Success % shown as ``stage_chances`` and not editable when the engine takes the target stage's whatever is typed
    (Skip and Jump onto a stage whose chances are not 0, spec §4.6 step 1.1); a typed value is kept, hidden."""
    shown = shown or {}
    currents = {
        "date_of_change": current.date_of_change if current else None,
        "estimated_value": current.estimated_value if current else None,
        "chances_of_success_pct": current.chances_of_success_pct if current else None,
        "estimated_close_date": current.estimated_close_date if current else None,
    }
    rows = []
    for name in VALUE_FIELDS:
        field = form[name]
        value = _as_input(field.value())
        locked = locked_text = ""
        if name == "chances_of_success_pct" and stage_chances is not None:
            locked = _("Skip and Jump always take the target stage's chances.")
            locked_text = _as_text(stage_chances)
        rows.append(
            ValueRow(
                field=field,
                current_text=_as_text(currents[name]),
                current_input=_as_input(currents[name]),
                shown=shown.get(name, value),
                locked=locked,
                locked_text=locked_text,
            )
        )
    return rows
