"""The pipeline board of a sales cycle: columns per stage, paged cards, and moves through ``update_opportunity`` and
``close_opportunity`` in a dialog that shows what will change (issue #15): a drop or the card's Move menu opens it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from salescycle.core.errors import DomainError
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error, is_htmx
from salescycle.opportunities import selectors, services
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.engine import UpdateOptions
from salescycle.opportunities.forms import UpdateOpportunityForm
from salescycle.opportunities.models import MarketingSetup, Opportunity, SalesCycle
from salescycle.opportunities.views.opportunities import GET_POST, int_or_none, opportunity_or_404
from salescycle.opportunities.views.wizards import close_form, plain_decimal, update_request, value_rows

OUTCOMES = [(CloseType.WON.value, CloseType.WON.label), (CloseType.LOST.value, CloseType.LOST.label)]
DIALOG = "board-dialog-body"  # the id of the dialog's body: htmx requests that target it get the dialog back


def _board_cycle(request: HttpRequest) -> SalesCycle:
    code = (request.GET.get("cycle") or request.POST.get("cycle") or "").strip().upper()
    if not code:
        code = MarketingSetup.get().default_sales_cycle_id or ""
    cycle = SalesCycle.objects.filter(code=code).first() or SalesCycle.objects.order_by("code").first()
    if cycle is None:
        raise Http404("no sales cycle")
    return cycle


def _salesperson(request: HttpRequest) -> str:
    return (request.GET.get("salesperson") or request.POST.get("salesperson") or "").strip().upper()


def _board_context(request: HttpRequest, cycle: SalesCycle, salesperson: str, **extra: Any) -> dict[str, Any]:
    return {
        "cycle": cycle,
        "cycles": SalesCycle.objects.order_by("code"),
        "salesperson": salesperson,
        "columns": selectors.board(cycle.code, salesperson=salesperson, user=request.user),
        "outcomes": OUTCOMES,
        **extra,
    }


def _in_dialog(request: HttpRequest) -> bool:
    return request.headers.get("HX-Target") == DIALOG


@reads_from_replica
@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The pipeline of a sales cycle: one column per stage with count, estimated and calculated current value of its
    open opportunities and the first cards, each with its owner and a Move menu; dropping a card on a column or on
    Won/Lost, or choosing a target in the menu, opens the Update or Close dialog (static/salescycle/board.js)."""
    cycle = _board_cycle(request)
    return render(request, "opportunities/board.html", _board_context(request, cycle, _salesperson(request)))


@reads_from_replica
@require_GET
@login_required
def board_column(request: HttpRequest, cycle: str, stage: int) -> HttpResponse:
    """The next page of a column's cards (htmx partial)."""
    salesperson = _salesperson(request)
    cards, next_cursor = selectors.board_cards(
        cycle.upper(), stage, salesperson=salesperson, cursor=request.GET.get("after"), user=request.user
    )
    context: dict[str, Any] = {
        "cards": cards,
        "next_cursor": next_cursor,
        "cycle_code": cycle.upper(),
        "stage_no": stage,
    }
    context.update(salesperson=salesperson, outcomes=OUTCOMES)
    return render(request, "opportunities/board.html#cards", context)


def _board_answer(request: HttpRequest, cycle: SalesCycle, salesperson: str, **extra: Any) -> HttpResponse:
    """The board after a POST: htmx swaps in the board alone; a form the browser submitted itself (no JavaScript,
    or a dialog's form sent before htmx had taken it over) gets the whole page, never a fragment without the
    layout."""
    template = "opportunities/board.html#board" if is_htmx(request) else "opportunities/board.html"
    return render(request, template, _board_context(request, cycle, salesperson, **extra))


def _moved(request: HttpRequest, cycle: SalesCycle, salesperson: str, message: str) -> HttpResponse:
    """The re-rendered board after a move or close from the dialog: htmx swaps it for the board and closes the
    dialog (``board-done`` event)."""
    response = _board_answer(request, cycle, salesperson, move_message=message)
    if _in_dialog(request):
        response["HX-Retarget"] = "#board"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Trigger"] = "board-done"
    return response


def _move_form(request: HttpRequest, options: UpdateOptions, preview: selectors.MovePreview) -> UpdateOpportunityForm:
    names = selectors.stage_names(preview.opportunity.no)
    if request.method == "POST":
        data = request.POST.copy()
        data["action_type"] = preview.action.value
        data["sales_cycle_stage"] = str(preview.target)
        return UpdateOpportunityForm(data, options=options, stage_names=names)
    initial: dict[str, Any] = {"action_type": preview.action.value, "date_of_change": options.date_of_change}
    if preview.proposal is not None:
        initial.update(
            estimated_value=plain_decimal(preview.proposal.estimated_value),
            chances_of_success_pct=plain_decimal(preview.proposal.chances_of_success_pct),
            estimated_close_date=preview.proposal.estimated_close_date,
        )
    return UpdateOpportunityForm(initial=initial, options=options, stage_names=names)


@require_http_methods(GET_POST)
@login_required
def board_move(request: HttpRequest) -> HttpResponse:
    """Move a card to another stage. GET: the Update dialog for ``no`` → ``stage`` (the action the wizard offers for
    it, the current values beside the engine's proposals, or the engine's refusal). POST: ``update_opportunity``
    with the dialog's values (those not sent take the proposals, D15); the board comes back with the result, or the
    dialog with the refusal on its fields. A POST that does not come from the dialog answers the board with the
    result or the refusal. Without ``no``: back to the board."""
    cycle = _board_cycle(request)
    salesperson = _salesperson(request)
    params = request.POST if request.method == "POST" else request.GET
    no, target = params.get("no", ""), int_or_none(params.get("stage")) or 0
    if not no:
        return redirect("opportunities:board")
    opportunity = opportunity_or_404(no, request.user)
    context: dict[str, Any] = {"cycle": cycle, "salesperson": salesperson, "o": opportunity}
    try:
        options = services.get_update_options(opportunity.no, by=request.user)
    except DomainError as error:
        return _refused(request, cycle, salesperson, context, f"{opportunity.no}: {error.message}")
    preview = selectors.move_preview(opportunity, options, target)
    form = _move_form(request, options, preview)
    rows = value_rows(form, preview.current, stage_chances=preview.stage_chances)
    context.update(preview=preview, form=form, rows=rows)
    if request.method == "POST":
        if preview.refusal:
            return _refused(request, cycle, salesperson, context, f"{opportunity.no}: {preview.refusal}")
        if form.is_valid():
            try:
                services.update_opportunity(opportunity.no, by=request.user, request=update_request(form))
            except DomainError as error:
                if not _in_dialog(request):
                    return _refused(request, cycle, salesperson, context, f"{opportunity.no}: {error.message}")
                add_domain_error(form, error)
            else:
                message = _("%(no)s moved to stage %(stage)s.") % {"no": opportunity.no, "stage": target}
                return _moved(request, cycle, salesperson, message)
        if not _in_dialog(request):
            errors = form.errors.as_text() or " ".join(str(e) for e in form.non_field_errors())
            return _refused(request, cycle, salesperson, context, f"{opportunity.no}: {errors}")
    return render(request, "opportunities/board.html#move_dialog", context)


def _refused(
    request: HttpRequest, cycle: SalesCycle, salesperson: str, context: dict[str, Any], message: str
) -> HttpResponse:
    if _in_dialog(request) or request.method == "GET":
        return render(request, "opportunities/board.html#move_dialog", {**context, "refusal": message})
    return _board_answer(request, cycle, salesperson, move_error=message)


@require_http_methods(GET_POST)
@login_required
def board_close(request: HttpRequest) -> HttpResponse:
    """Close a card from the board's Won or Lost drop zone (or its Move menu). GET: the Close dialog with the
    outcome preset (``?outcome=won|lost``), the proposed closing date and, for Won, Sales (LCY) from the estimate or
    the linked quote. POST: ``close_opportunity``; the board comes back, or the dialog with the refusal."""
    cycle = _board_cycle(request)
    salesperson = _salesperson(request)
    params = request.POST if request.method == "POST" else request.GET
    if not params.get("no"):
        return redirect("opportunities:board")
    opportunity: Opportunity = opportunity_or_404(params["no"], request.user)
    outcome = CloseType.LOST if params.get("outcome") == CloseType.LOST else CloseType.WON
    form = close_form(request, opportunity, outcome=outcome)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_opportunity(opportunity.no, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _moved(request, cycle, salesperson, _("Opportunity %(no)s closed.") % {"no": opportunity.no})
    if request.method == "POST" and not is_htmx(request):
        errors = form.errors.as_text() or " ".join(str(e) for e in form.non_field_errors())
        return _board_answer(request, cycle, salesperson, move_error=f"{opportunity.no}: {errors}")
    context = {"cycle": cycle, "salesperson": salesperson, "o": opportunity, "form": form}
    return render(request, "opportunities/board.html#close_dialog", context)
