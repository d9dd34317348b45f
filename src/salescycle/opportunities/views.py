"""HTML views of opportunities: list and exports, card, wizards, batch delete, pipeline board, statistics (issue #4).

Each handler: decorators → selector → form → one service call → DomainError to form error → page or partial.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.contacts.services import normalize_key
from salescycle.core.errors import DomainError
from salescycle.core.records import create_record, lock, update_record
from salescycle.core.views import SetupPage, add_domain_error, is_htmx, register_setup
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import services, setup
from salescycle.opportunities import web_selectors as selectors
from salescycle.opportunities.engine import ActionType, UpdateRequest
from salescycle.opportunities.forms import (
    BatchDeleteForm,
    CloseCodeForm,
    CloseOpportunityForm,
    CommentForm,
    CreateOpportunityForm,
    ListFilterForm,
    OpportunityForm,
    SalesCycleForm,
    StageFormSet,
    StatisticsFilterForm,
    UpdateOpportunityForm,
)
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    MarketingSetup,
    Opportunity,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.tasks.forms import ActivityForm, ActivityStepFormSet
from salescycle.tasks.models import Activity

GET_POST = ["GET", "POST"]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page is the opportunity list."""
    return redirect("opportunities:list")


# ---------------------------------------------------------------------------------------------------------------
# List and exports (spec §5.2)


def _list_query(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("after", *drop):
        params.pop(name, None)
    return params.urlencode()


@require_GET
@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """All opportunities, or those of a salesperson, contact (company: all its persons), campaign or segment, with
    filters, search, sortable columns and keyset paging ("More" appends the next page)."""
    form = ListFilterForm(request.GET)
    filters = form.filters()
    page = selectors.opportunity_page(filters, request.GET.get("after"))
    context = {
        "form": form,
        "page": page,
        "sort": filters.sort,
        "query": _list_query(request),
        "sort_query": _list_query(request, "sort"),
    }
    if is_htmx(request) and request.GET.get("after"):
        return render(request, "opportunities/list.html#rows", context)
    return render(request, "opportunities/list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(label) for _name, label in selectors.EXPORT_COLUMNS])
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])


@require_GET
@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (UTF-8 with BOM), streamed row by row."""
    filters = ListFilterForm(request.GET).filters()
    response = StreamingHttpResponse(_csv_lines(selectors.export_rows(filters)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="opportunities.csv"'
    return response


@require_GET
@login_required
def export_xlsx(request: HttpRequest) -> FileResponse:
    """The filtered list as an Excel workbook, written row by row by openpyxl's write-only mode into a temporary
    file (rows are never all in memory)."""
    from openpyxl import Workbook

    filters = ListFilterForm(request.GET).filters()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Opportunities")[:31])
    sheet.append([str(label) for _name, label in selectors.EXPORT_COLUMNS])
    for row in selectors.export_rows(filters):
        sheet.append(list(row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename="opportunities.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------------------------------------------------------
# Card (spec §4.12, §5.1, §5.2 subform)


def _card_or_404(no: str) -> selectors.Card:
    card = selectors.card(no)
    if card is None:
        raise Http404(no)
    return card


@require_http_methods(GET_POST)
@login_required
def opportunity_card(request: HttpRequest, no: str) -> HttpResponse:
    """The card: fields editable per status (§4.12) saved through ``change_opportunity``, entries newest first, the
    statistics fact box, comments and tasks."""
    card = _card_or_404(no)
    form = OpportunityForm(request.POST or None, opportunity=card.opportunity)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_opportunity(
                card.opportunity.no,
                by=request.user,
                changes=form.changes(),
                update_open_tasks=form.cleaned_data["update_open_tasks"],
                expected_version=_int(request.POST.get("version")),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opportunity %(no)s saved.") % {"no": card.opportunity.no})
            return redirect("opportunities:card", no=card.opportunity.no)
    context = {"card": card, "o": card.opportunity, "form": form, "comment_form": CommentForm()}
    return render(request, "opportunities/card.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_POST
@login_required
def add_comment(request: HttpRequest, no: str) -> HttpResponse:
    """Add a comment line (htmx: re-renders the comments block)."""
    card = _card_or_404(no)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(card.opportunity.no, by=request.user, comment=form.cleaned_data["comment"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            card = _card_or_404(no)
            form = CommentForm()
    context = {"card": card, "o": card.opportunity, "comment_form": form}
    if is_htmx(request):
        return render(request, "opportunities/card.html#comments", context)
    return redirect("opportunities:card", no=card.opportunity.no)


@require_http_methods(GET_POST)
@login_required
def activate_first_stage(request: HttpRequest, no: str) -> HttpResponse:
    """Activate First Stage with a confirmation step (spec §4.4.2)."""
    card = _card_or_404(no)
    error = None
    if request.method == "POST":
        try:
            services.activate_first_stage(card.opportunity.no, by=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The first stage of %(no)s is active.") % {"no": card.opportunity.no})
            return redirect("opportunities:card", no=card.opportunity.no)
    context = {"o": card.opportunity, "error": error, "action": "activate"}
    return render(request, "opportunities/confirm.html", context)


@require_http_methods(GET_POST)
@login_required
def delete_opportunity(request: HttpRequest, no: str) -> HttpResponse:
    """Delete with a confirmation step; refused while In Progress with the service's message (spec §4.11.1)."""
    card = _card_or_404(no)
    error = None
    if request.method == "POST":
        try:
            services.delete_opportunity(card.opportunity.no, by=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Opportunity %(no)s deleted.") % {"no": card.opportunity.no})
            return redirect("opportunities:list")
    context = {"o": card.opportunity, "error": error, "action": "delete"}
    return render(request, "opportunities/confirm.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Wizards: create (§4.2.2–§4.2.3), update (§4.5), close (§4.8)


@require_http_methods(GET_POST)
@login_required
def create_opportunity(request: HttpRequest) -> HttpResponse:
    """The Create Opportunity wizard, launched from the list, a contact, a salesperson, a campaign or a segment
    (``?contact=``, ``?salesperson=``, ``?campaign=``, ``?segment=``); from a segment one per contact."""
    initial = selectors.create_defaults(request.GET, get_work_date(request.user))
    form = CreateOpportunityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = _create(request, data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(count)s opportunity(ies) created.") % {"count": len(created)})
            if len(created) == 1:
                return redirect("opportunities:card", no=created[0].no)
            return redirect(reverse("opportunities:list") + f"?segment={data['segment_no']}")
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
    card = _card_or_404(no)
    try:
        options = services.get_update_options(card.opportunity.no, by=request.user)
    except DomainError as error:
        return render(request, "opportunities/confirm.html", {"o": card.opportunity, "error": error.message})
    names = selectors.stage_names(card.opportunity.no)
    if request.method == "POST":
        form = UpdateOpportunityForm(request.POST, options=options, stage_names=names)
        if form.is_valid():
            try:
                services.update_opportunity(card.opportunity.no, by=request.user, request=_update_request(form))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Opportunity %(no)s updated.") % {"no": card.opportunity.no})
                return redirect("opportunities:card", no=card.opportunity.no)
    else:
        probe = UpdateOpportunityForm(request.GET or None, options=options, stage_names=names)
        action = probe.selected_action()
        target = _int(request.GET.get("sales_cycle_stage")) if action in (ActionType.SKIP, ActionType.JUMP) else None
        initial = _update_initial(card.opportunity.no, options, action, target)
        form = UpdateOpportunityForm(initial=initial, options=options, stage_names=names)
    context = {"o": card.opportunity, "form": form, "options": options}
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
    card = _card_or_404(no)
    work_date = get_work_date(request.user)
    initial = {"outcome": "won", "date_closed": max(filter(None, [card.last_date_of_change, work_date]))}
    form = CloseOpportunityForm(
        request.POST or None, initial={**initial, "cancel_old_tasks": True, **request.GET.dict()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_opportunity(card.opportunity.no, by=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opportunity %(no)s closed.") % {"no": card.opportunity.no})
            return redirect("opportunities:card", no=card.opportunity.no)
    template = "opportunities/close.html#codes" if is_htmx(request) and request.method == "GET" else None
    return render(request, template or "opportunities/close.html", {"o": card.opportunity, "form": form})


# ---------------------------------------------------------------------------------------------------------------
# Delete Closed Opportunities batch job (spec §4.11.2)


@require_http_methods(GET_POST)
@login_required
def delete_closed(request: HttpRequest) -> HttpResponse:
    """Filters → preview (dry-run counts) → explicit confirmation → result."""
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


# ---------------------------------------------------------------------------------------------------------------
# Pipeline board


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
        "columns": selectors.board(cycle.code, salesperson=salesperson),
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
        cycle.upper(), stage, salesperson=salesperson, cursor=request.GET.get("after")
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
    no, target = request.POST.get("no", ""), _int(request.POST.get("stage")) or 0
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


# ---------------------------------------------------------------------------------------------------------------
# Statistics (spec §5.3–§5.6)


def _stat_filters(request: HttpRequest) -> tuple[StatisticsFilterForm, dict[str, Any]]:
    form = StatisticsFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return form, {"date_from": data.get("date_from"), "date_to": data.get("date_to")}


@require_GET
@login_required
def cycle_statistics(request: HttpRequest) -> HttpResponse:
    """Sales Cycle statistics: open opportunities per cycle, with an estimated-close-date filter (§5.3)."""
    form, dates = _stat_filters(request)
    rows = selectors.cycle_statistics(**dates)
    return render(request, "statistics/cycles.html", {"form": form, "rows": rows, "query": request.GET.urlencode()})


@require_GET
@login_required
def stage_statistics(request: HttpRequest, code: str) -> HttpResponse:
    """Sales Cycle Stage statistics of one cycle (§5.3)."""
    cycle = SalesCycle.objects.filter(code=code.upper()).first()
    if cycle is None:
        raise Http404(code)
    form, dates = _stat_filters(request)
    rows = selectors.stage_statistics(cycle.code, **dates)
    return render(request, "statistics/stages.html", {"form": form, "rows": rows, "cycle": cycle})


@require_GET
@login_required
def people_statistics(request: HttpRequest, kind: str) -> HttpResponse:
    """Salesperson (§5.5), campaign (§5.6) and contact (§5.4) statistics over active entries."""
    form, dates = _stat_filters(request)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    context: dict[str, Any] = {"form": form, "kind": kind}
    if kind == "salespeople":
        context["rows"] = selectors.salesperson_statistics(**dates, status=status)
    elif kind == "campaigns":
        context["rows"] = selectors.campaign_statistics(**dates, status=status)
    elif kind == "contacts":
        from salescycle.contacts.models import Contact

        contact_no = (form.cleaned_data.get("contact") or "").strip().upper() if form.is_valid() else ""
        contact = Contact.objects.filter(no=contact_no).first() if contact_no else None
        context["contact"] = contact
        context["figures"] = selectors.contact_statistics(contact, **dates, status=status) if contact else None
    else:
        raise Http404(kind)
    return render(request, "statistics/people.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Setup pages: sales cycles with stages, close codes, activities with steps (services of opportunities/setup.py)


@transaction.atomic
def _save_cycle(by: Any, obj: SalesCycle | None, data: dict[str, Any], lines: list[dict[str, Any]] | None) -> Any:
    if obj is None:
        cycle = create_record(SalesCycle, {**data, "code": normalize_key(data["code"])})
    else:
        data.pop("code", None)
        cycle = update_record(lock(SalesCycle, obj.pk), data)
    wanted = {row["stage"]: _stage_values(row) for row in lines or []}
    existing = {s.stage: s for s in SalesCycleStage.objects.filter(sales_cycle_id=cycle.code)}
    for number in sorted(set(existing) - set(wanted)):
        setup.delete_sales_cycle_stage(cycle.code, number, by=by)
    for number, values in sorted(wanted.items()):
        if number not in existing:
            setup.create_sales_cycle_stage(cycle.code, by=by, stage=number, **values)
        elif any(getattr(existing[number], k) != v for k, v in values.items()):
            setup.update_sales_cycle_stage(cycle.code, number, by=by, **values)
    return cycle


def _stage_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": row["description"],
        "completed_pct": row["completed_pct"] or Decimal(0),
        "chances_of_success_pct": row["chances_of_success_pct"] or Decimal(0),
        "activity_id": row["activity"] or None,
        "quote_required": row["quote_required"],
        "allow_skip": row["allow_skip"],
        "date_formula": row["date_formula"],
    }


def _stage_lines(cycle: SalesCycle) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in s.items() if k != "activity_id"}, "activity": s["activity_id"] or ""}
        for s in cycle.stages.order_by("stage").values(
            "stage",
            "description",
            "completed_pct",
            "chances_of_success_pct",
            "activity_id",
            "quote_required",
            "allow_skip",
            "date_formula",
        )
    ]


@transaction.atomic
def _save_close_code(by: Any, obj: CloseOpportunityCode | None, data: dict[str, Any], lines: Any) -> Any:
    if obj is None:
        return create_record(CloseOpportunityCode, {**data, "code": normalize_key(data["code"])})
    data.pop("code", None)
    return update_record(lock(CloseOpportunityCode, obj.pk), data)


def _save_activity(by: Any, obj: Activity | None, data: dict[str, Any], lines: Any) -> Activity:
    code = obj.code if obj is not None else data["code"]
    return setup.save_activity(code, by=by, description=data["description"], steps=lines or [], create=obj is None)


register_setup(
    SetupPage(
        slug="sales-cycles",
        title=_lazy("Sales cycles"),
        model=SalesCycle,
        form=SalesCycleForm,
        columns=("code", "description", "probability_calculation", "blocked"),
        save=_save_cycle,
        delete=lambda by, obj: setup.delete_sales_cycle(obj.code, by=by),
        formset=StageFormSet,
        lines=_stage_lines,
        extra_links=lambda row: [
            (_lazy("Pipeline"), f"{reverse('opportunities:board')}?cycle={row.pk}"),
            (_lazy("Statistics"), reverse("opportunities:stage_statistics", args=[row.pk])),
            (_lazy("Opportunities"), f"{reverse('opportunities:list')}?cycle={row.pk}"),
        ],
    )
)
register_setup(
    SetupPage(
        slug="close-codes",
        title=_lazy("Close opportunity codes"),
        model=CloseOpportunityCode,
        form=CloseCodeForm,
        columns=("code", "description", "type"),
        save=_save_close_code,
        delete=lambda by, obj: setup.delete_close_opportunity_code(obj.code, by=by),
    )
)
register_setup(
    SetupPage(
        slug="activities",
        title=_lazy("Activities"),
        model=Activity,
        form=ActivityForm,
        columns=("code", "description"),
        save=_save_activity,
        delete=lambda by, obj: setup.delete_activity(obj.code, by=by),
        formset=ActivityStepFormSet,
        lines=lambda obj: list(
            obj.steps.order_by("step_no").values("step_no", "type", "description", "priority", "date_formula")
        ),
    )
)
