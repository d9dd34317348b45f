"""The pipeline board of a sales cycle: columns per stage, paged cards, drag and drop through
``update_opportunity``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescycle.core.errors import DomainError
from salescycle.opportunities import selectors, services
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import MarketingSetup, SalesCycle
from salescycle.opportunities.views.opportunities import int_or_none


def _board_cycle(request: HttpRequest) -> SalesCycle:
    code = (request.GET.get("cycle") or request.POST.get("cycle") or "").strip().upper()
    if not code:
        code = MarketingSetup.get().default_sales_cycle_id or ""
    cycle = SalesCycle.objects.filter(code=code).first() or SalesCycle.objects.order_by("code").first()
    if cycle is None:
        raise Http404("no sales cycle")
    return cycle


def _board_context(request: HttpRequest, cycle: SalesCycle, salesperson: str, **extra: Any) -> dict[str, Any]:
    return {
        "cycle": cycle,
        "cycles": SalesCycle.objects.order_by("code"),
        "salesperson": salesperson,
        "columns": selectors.board(cycle.code, salesperson=salesperson, user=request.user),
        **extra,
    }


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The pipeline of a sales cycle: one column per stage with count, estimated and calculated current value of its
    open opportunities and the first cards; drag a card to another column to move it (static/salescycle/board.js)."""
    cycle = _board_cycle(request)
    salesperson = (request.GET.get("salesperson") or "").strip().upper()
    return render(request, "opportunities/board.html", _board_context(request, cycle, salesperson))


@require_GET
@login_required
def board_column(request: HttpRequest, cycle: str, stage: int) -> HttpResponse:
    """The next page of a column's cards (htmx partial)."""
    salesperson = (request.GET.get("salesperson") or "").strip().upper()
    cards, next_cursor = selectors.board_cards(
        cycle.upper(), stage, salesperson=salesperson, cursor=request.GET.get("after"), user=request.user
    )
    context = {"cards": cards, "next_cursor": next_cursor, "cycle_code": cycle.upper(), "stage_no": stage}
    return render(request, "opportunities/board.html#cards", {**context, "salesperson": salesperson})


def move_action(options: Any, target: int) -> ActionType:
    """The update action that moves to ``target``: Next or Previous for the adjacent stages, Skip forward and Jump
    back otherwise (the engine then refuses a stage its Skip or Jump list does not hold)."""
    lists = options.lists
    if target in lists.next:
        return ActionType.NEXT
    if target in lists.previous:
        return ActionType.PREVIOUS
    if target in lists.update:
        return ActionType.UPDATE
    current = lists.update[0] if lists.update else 0
    return ActionType.SKIP if target > current else ActionType.JUMP


@require_POST
@login_required
def board_move(request: HttpRequest) -> HttpResponse:
    """Move a dropped card to another stage through ``update_opportunity``; re-renders the board with the result
    or the engine's refusal."""
    cycle = _board_cycle(request)
    salesperson = (request.POST.get("salesperson") or "").strip().upper()
    no, target = request.POST.get("no", ""), int_or_none(request.POST.get("stage")) or 0
    try:
        options = services.get_update_options(no, by=request.user)
        action = move_action(options, target)
        services.update_opportunity(no, by=request.user, request=UpdateRequest(action, sales_cycle_stage=target))
    except DomainError as error:
        extra = {"move_error": f"{no}: {error.message}"}
    else:
        extra = {"move_message": _("%(no)s moved to stage %(stage)s.") % {"no": no, "stage": target}}
    context = _board_context(request, cycle, salesperson, **extra)
    return render(request, "opportunities/board.html#board", context)
