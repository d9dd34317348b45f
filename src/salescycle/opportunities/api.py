"""API of opportunities, their entries and actions, statistics, and the opportunity setup (sales cycles, stages,
close codes, activities, Marketing Setup, interactions): spec api.md "Opportunities", "Statistics", "Setup"."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from salescycle.contacts.services import normalize_key
from salescycle.core.models import NumberSeries
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from salescycle.core.records import not_found
from salescycle.core.schemas import DateIn, Key, Page, expected_version, fetch, set_etag, with_errors
from salescycle.opportunities import engine, selectors, services, setup, setup_services, statistics
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Interaction,
    MarketingSetup,
    Opportunity,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.opportunities.schemas import (
    ActivateIn,
    CloseCodeIn,
    CloseCodeOut,
    CloseCodePatch,
    CloseIn,
    CreatedOut,
    CycleStatisticsOut,
    DeleteClosedIn,
    DeleteClosedOut,
    EntryOut,
    FiguresOut,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OpportunityStatisticsOut,
    Ordering,
    SalesCycleIn,
    SalesCycleOut,
    SalesCyclePatch,
    SalespersonStatisticsOut,
    SegmentOpportunitiesIn,
    SetupOut,
    SetupPatch,
    StageIn,
    StageOut,
    StagePatch,
    StatusLiteral,
    UpdateIn,
    UpdateOptionsOut,
    close_code_out,
    entry_out,
    interaction_out,
    opportunity_out,
    sales_cycle_out,
    stage_out,
)
from salescycle.tasks.api import tasks as task_selector
from salescycle.tasks.models import Activity
from salescycle.tasks.schemas import ActivityIn, ActivityOut, ActivityPatch, TaskOut, activity_out, task_out

router = Router()
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _by(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _opportunity(no: str, response: HttpResponse | None = None) -> dict[str, Any]:
    obj = selectors.opportunity(no)
    if obj is None:
        raise not_found(Opportunity, normalize_key(no))
    if response is not None:
        set_etag(response, obj.version)
    return opportunity_out(obj)


# --- Opportunities ---------------------------------------------------------------------------------------------


class OpportunityFilters(Schema):
    status: StatusLiteral | None = None
    closed: bool | None = None
    salesperson_code: str | None = None
    contact_no: str | None = None
    contact_company_no: str | None = None
    sales_cycle_code: str | None = None
    campaign_no: str | None = None
    segment_no: str | None = None
    creation_date_from: dt.date | None = None
    creation_date_to: dt.date | None = None
    date_closed_from: dt.date | None = None
    date_closed_to: dt.date | None = None
    q: str | None = None


@router.get("/opportunities", response=with_errors({200: Page[OpportunityOut]}), tags=["opportunities"])
def list_opportunities(
    request: HttpRequest,
    filters: Query[OpportunityFilters],
    ordering: Ordering = "no",
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Opportunities with the list's filters (``contact_no`` of a company covers all its contacts) and orderings."""
    qs = selectors.filter_opportunities(selectors.opportunities(), **filters.dict())
    return paginate(qs, ordering=[ordering], limit=limit, cursor=cursor, serialize=opportunity_out)


@router.post("/opportunities", response=with_errors({201: OpportunityOut}), tags=["opportunities"])
def create_opportunity(request: HttpRequest, data: OpportunityIn, response: HttpResponse) -> Any:
    """Create an opportunity (§4.2.2, D8), optionally activating its first stage with the given estimates."""
    values = data.dict()
    estimates = services.Estimates(
        values.pop("estimated_value"), values.pop("chances_of_success_pct"), values.pop("estimated_closing_date")
    )
    obj = services.create_opportunity(by=_by(request), estimates=estimates, **values)
    return Status(201, _opportunity(obj.no, response))


@router.post("/opportunities/delete-closed", response=with_errors({200: DeleteClosedOut}), tags=["opportunities"])
def delete_closed(request: HttpRequest, data: DeleteClosedIn) -> Any:
    """The Delete Opportunities batch job over closed opportunities (§4.11.2); ``dry_run`` only counts."""
    values = data.dict()
    result = services.delete_closed_opportunities(by=_by(request), **values)
    return {"deleted_opportunities": result.deleted_opportunities, "deleted_entries": result.deleted_entries}


@router.get("/opportunities/{no}", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def get_opportunity(request: HttpRequest, no: Key, response: HttpResponse) -> Any:
    """One opportunity."""
    return _opportunity(no, response)


@router.patch("/opportunities/{no}", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def patch_opportunity(request: HttpRequest, no: Key, data: OpportunityPatch, response: HttpResponse) -> Any:
    """Change fields (§4.3, §4.12); ``update_open_tasks`` propagates salesperson/contact/campaign to open tasks."""
    changes = data.dict(exclude_unset=True)
    update_open_tasks = bool(changes.pop("update_open_tasks", False))
    obj = services.change_opportunity(
        no,
        by=_by(request),
        changes=changes,
        update_open_tasks=update_open_tasks,
        expected_version=expected_version(request),
    )
    return _opportunity(obj.no, response)


@router.delete("/opportunities/{no}", response=with_errors({204: None}), tags=["opportunities"])
def delete_opportunity(request: HttpRequest, no: Key) -> Any:
    """Delete an opportunity that is not In Progress (D1; ``opportunity.delete_in_progress``)."""
    services.delete_opportunity(no, by=_by(request), expected_version=expected_version(request))
    return Status(204, None)


@router.get("/opportunities/{no}/entries", response=with_errors({200: Page[EntryOut]}), tags=["opportunities"])
def list_entries(request: HttpRequest, no: Key, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """The opportunity's entries, newest first."""
    if not Opportunity.objects.filter(no=normalize_key(no)).exists():
        raise not_found(Opportunity, normalize_key(no))
    return paginate(selectors.entries(no), ordering=["-entry_no"], limit=limit, cursor=cursor, serialize=entry_out)


@router.get("/opportunities/{no}/tasks", response=with_errors({200: Page[TaskOut]}), tags=["opportunities"])
def list_opportunity_tasks(
    request: HttpRequest, no: Key, closed: bool | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """The opportunity's tasks by date."""
    key = normalize_key(no)
    if not Opportunity.objects.filter(no=key).exists():
        raise not_found(Opportunity, key)
    qs = task_selector().filter(opportunity_no=key)
    if closed is not None:
        qs = qs.filter(closed=closed)
    return paginate(qs, ordering=["date", "no"], limit=limit, cursor=cursor, serialize=task_out)


@router.get(
    "/opportunities/{no}/statistics", response=with_errors({200: OpportunityStatisticsOut}), tags=["opportunities"]
)
def opportunity_statistics(request: HttpRequest, no: Key) -> Any:
    """§5.1 figures."""
    return statistics.opportunity_statistics(no)


@router.post(
    "/opportunities/{no}/activate-first-stage", response=with_errors({200: OpportunityOut}), tags=["opportunities"]
)
def activate_first_stage(request: HttpRequest, no: Key, response: HttpResponse, data: ActivateIn | None = None) -> Any:
    """Activate the first stage (§4.4.2)."""
    obj = services.activate_first_stage(
        no,
        by=_by(request),
        date_of_change=data.date_of_change if data else None,
        expected_version=expected_version(request),
    )
    return _opportunity(obj.no, response)


@router.get("/opportunities/{no}/update-options", response=with_errors({200: UpdateOptionsOut}), tags=["opportunities"])
def update_options(request: HttpRequest, no: Key, date_of_change: DateIn | None = None) -> Any:
    """The Update wizard's opening state: available actions with their stage lists and the default proposal."""
    options = services.get_update_options(no, by=_by(request), date_of_change=date_of_change)
    proposed = options.proposed
    return {
        "date_of_change": options.date_of_change,
        "default_action_type": options.default_action_type.value if options.default_action_type else None,
        "actions": {action.value: list(options.lists.for_action(action)) for action in options.lists.available},
        "proposed": None
        if proposed is None
        else {
            "sales_cycle_stage": proposed.sales_cycle_stage,
            "estimated_value": proposed.estimated_value,
            "chances_of_success_pct": proposed.chances_of_success_pct,
            "estimated_close_date": proposed.estimated_close_date,
        },
    }


@router.post("/opportunities/{no}/update", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def update_opportunity(request: HttpRequest, no: Key, data: UpdateIn, response: HttpResponse) -> Any:
    """Move through the cycle (§4.5); omitted values take the proposals for the chosen stage (D15)."""
    obj = services.update_opportunity(
        no,
        by=_by(request),
        request=engine.UpdateRequest(**data.dict()),
        expected_version=expected_version(request),
    )
    return _opportunity(obj.no, response)


@router.post("/opportunities/{no}/close", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def close_opportunity(request: HttpRequest, no: Key, data: CloseIn, response: HttpResponse) -> Any:
    """Close as Won or Lost with a close code of that type (§4.8)."""
    obj = services.close_opportunity(no, by=_by(request), expected_version=expected_version(request), **data.dict())
    return _opportunity(obj.no, response)


@router.post("/segments/{no}/create-opportunities", response=with_errors({200: CreatedOut}), tags=["opportunities"])
def create_opportunities_from_segment(request: HttpRequest, no: Key, data: SegmentOpportunitiesIn) -> Any:
    """One opportunity per segment line (§4.2.3)."""
    values = data.dict()
    estimates = services.Estimates(
        values.pop("estimated_value"), values.pop("chances_of_success_pct"), values.pop("estimated_closing_date")
    )
    created = services.create_opportunities_from_segment(no, by=_by(request), estimates=estimates, **values)
    return {"created": [obj.no for obj in created]}


# --- Statistics ------------------------------------------------------------------------------------------------

ActionTakenFilter = Literal["in_progress", "won", "lost", "first", "next", "previous", "updated", "jumped"]


class DateRange(Schema):
    estimated_close_date_from: dt.date | None = None
    estimated_close_date_to: dt.date | None = None


class ActionDateRange(DateRange):
    action_taken: ActionTakenFilter | None = None


class SalespersonStatisticsFilter(ActionDateRange):
    sales_cycle_code: str | None = None
    sales_cycle_stage: int | None = None


@router.get("/sales-cycles/{code}/statistics", response=with_errors({200: CycleStatisticsOut}), tags=["statistics"])
def sales_cycle_statistics(request: HttpRequest, code: Key, filters: Query[DateRange]) -> Any:
    """Open opportunities of the cycle, in total and per stage (§5.3, D16)."""
    return statistics.cycle_statistics(code, statistics.StatisticsFilter(**filters.dict()))


@router.get(
    "/salespeople/{code}/statistics", response=with_errors({200: SalespersonStatisticsOut}), tags=["statistics"]
)
def salesperson_statistics(request: HttpRequest, code: Key, filters: Query[SalespersonStatisticsFilter]) -> Any:
    """The salesperson's active entries (§5.5, D16)."""
    return statistics.salesperson_statistics(code, statistics.StatisticsFilter(**filters.dict()))


@router.get("/contacts/{no}/statistics", response=with_errors({200: FiguresOut}), tags=["statistics"])
def contact_statistics(request: HttpRequest, no: Key, filters: Query[ActionDateRange]) -> Any:
    """The contact's active entries; a company's cover all its contacts (§5.4, D16)."""
    return statistics.contact_statistics(no, statistics.StatisticsFilter(**filters.dict()))


@router.get("/campaigns/{no}/statistics", response=with_errors({200: FiguresOut}), tags=["statistics"])
def campaign_statistics(request: HttpRequest, no: Key, filters: Query[ActionDateRange]) -> Any:
    """The campaign's active entries (§5.6, D16)."""
    return statistics.campaign_statistics(no, statistics.StatisticsFilter(**filters.dict()))


# --- Marketing Setup -------------------------------------------------------------------------------------------


def _setup_out(response: HttpResponse | None = None) -> dict[str, Any]:
    obj = MarketingSetup.get()
    if response is not None:
        set_etag(response, obj.version)
    return {
        "default_sales_cycle_code": obj.default_sales_cycle_id,
        "local_currency_code": settings.LOCAL_CURRENCY_CODE,
        "number_series": dict(NumberSeries.objects.order_by("code").values_list("code", "prefix")),
        "version": obj.version,
    }


@router.get("/setup", response=with_errors({200: SetupOut}), tags=["setup"])
def get_setup(request: HttpRequest, response: HttpResponse) -> Any:
    """Marketing Setup: default sales cycle, local currency (read-only, from settings), number-series prefixes."""
    return _setup_out(response)


@router.patch("/setup", response=with_errors({200: SetupOut}), tags=["setup"])
def patch_setup(request: HttpRequest, data: SetupPatch, response: HttpResponse) -> Any:
    """Change the default sales cycle and/or number-series prefixes (``{"opportunity": "OP"}``)."""
    changes = data.dict(exclude_unset=True)
    setup_services.update_setup(
        by=_by(request),
        expected_version=expected_version(request),
        default_sales_cycle_code=changes.get("default_sales_cycle_code"),
        change_default_cycle="default_sales_cycle_code" in changes,
        number_series=changes.get("number_series"),
    )
    return _setup_out(response)


# --- Sales cycles and stages -----------------------------------------------------------------------------------


@router.get("/sales-cycles", response=with_errors({200: Page[SalesCycleOut]}), tags=["sales cycles"])
def list_sales_cycles(
    request: HttpRequest, blocked: bool | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """Sales cycles by code."""
    qs = SalesCycle.objects.all()
    if blocked is not None:
        qs = qs.filter(blocked=blocked)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=sales_cycle_out)


@router.post("/sales-cycles", response=with_errors({201: SalesCycleOut}), tags=["sales cycles"])
def create_sales_cycle(request: HttpRequest, data: SalesCycleIn, response: HttpResponse) -> Any:
    """Create a sales cycle (stages are added under ``/stages``)."""
    obj = setup_services.create_sales_cycle(by=_by(request), **data.dict())
    set_etag(response, obj.version)
    return Status(201, sales_cycle_out(obj))


@router.get("/sales-cycles/{code}", response=with_errors({200: SalesCycleOut}), tags=["sales cycles"])
def get_sales_cycle(request: HttpRequest, code: Key, response: HttpResponse) -> Any:
    """One sales cycle."""
    obj = fetch(SalesCycle.objects.all(), code=normalize_key(code))
    set_etag(response, obj.version)
    return sales_cycle_out(obj)


@router.patch("/sales-cycles/{code}", response=with_errors({200: SalesCycleOut}), tags=["sales cycles"])
def patch_sales_cycle(request: HttpRequest, code: Key, data: SalesCyclePatch, response: HttpResponse) -> Any:
    """Change a sales cycle (block it to retire it)."""
    obj = setup_services.update_sales_cycle(
        code,
        by=_by(request),
        expected_version=expected_version(request),
        **data.dict(exclude_unset=True, exclude_none=True),
    )
    set_etag(response, obj.version)
    return sales_cycle_out(obj)


@router.delete("/sales-cycles/{code}", response=with_errors({204: None}), tags=["sales cycles"])
def delete_sales_cycle(request: HttpRequest, code: Key) -> Any:
    """Delete a cycle (422 ``sales_cycle.has_open_opportunities``; 409 ``conflict.in_use``)."""
    setup.delete_sales_cycle(code, by=_by(request), expected_version=expected_version(request))
    return Status(204, None)


def _stages(code: str) -> QuerySet[SalesCycleStage]:
    key = normalize_key(code)
    if not SalesCycle.objects.filter(code=key).exists():
        raise not_found(SalesCycle, key)
    return SalesCycleStage.objects.filter(sales_cycle_id=key)


@router.get("/sales-cycles/{code}/stages", response=with_errors({200: Page[StageOut]}), tags=["sales cycles"])
def list_stages(request: HttpRequest, code: Key, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """The cycle's stages in order."""
    return paginate(_stages(code), ordering=["stage"], limit=limit, cursor=cursor, serialize=stage_out)


@router.post("/sales-cycles/{code}/stages", response=with_errors({201: StageOut}), tags=["sales cycles"])
def create_stage(request: HttpRequest, code: Key, data: StageIn, response: HttpResponse) -> Any:
    """Add a stage (``date_formula`` in BC syntax, e.g. ``+1W``; ``date_formula.invalid``)."""
    obj = setup.create_sales_cycle_stage(code, by=_by(request), **setup_services.stage_references(data.dict()))
    set_etag(response, obj.version)
    return Status(201, stage_out(obj))


@router.get("/sales-cycles/{code}/stages/{stage}", response=with_errors({200: StageOut}), tags=["sales cycles"])
def get_stage(request: HttpRequest, code: Key, stage: int, response: HttpResponse) -> Any:
    """One stage."""
    obj = fetch(_stages(code), stage=stage)
    set_etag(response, obj.version)
    return stage_out(obj)


@router.patch("/sales-cycles/{code}/stages/{stage}", response=with_errors({200: StageOut}), tags=["sales cycles"])
def patch_stage(request: HttpRequest, code: Key, stage: int, data: StagePatch, response: HttpResponse) -> Any:
    """Change a stage (not its number)."""
    changes = data.dict(exclude_unset=True)
    for name in ("description", "completed_pct", "chances_of_success_pct", "quote_required", "allow_skip"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = setup.update_sales_cycle_stage(
        code,
        stage,
        by=_by(request),
        expected_version=expected_version(request),
        **setup_services.stage_references(changes),
    )
    set_etag(response, obj.version)
    return stage_out(obj)


@router.delete("/sales-cycles/{code}/stages/{stage}", response=with_errors({204: None}), tags=["sales cycles"])
def delete_stage(request: HttpRequest, code: Key, stage: int) -> Any:
    """Delete a stage (422 ``stage.has_active_entries``; 409 ``conflict.in_use``)."""
    setup.delete_sales_cycle_stage(code, stage, by=_by(request), expected_version=expected_version(request))
    return Status(204, None)


# --- Close opportunity codes -----------------------------------------------------------------------------------


@router.get(
    "/close-opportunity-codes", response=with_errors({200: Page[CloseCodeOut]}), tags=["close opportunity codes"]
)
def list_close_codes(
    request: HttpRequest, type: Literal["won", "lost"] | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """Close opportunity codes by code."""
    qs = CloseOpportunityCode.objects.all()
    if type:
        qs = qs.filter(type=type)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=close_code_out)


@router.post("/close-opportunity-codes", response=with_errors({201: CloseCodeOut}), tags=["close opportunity codes"])
def create_close_code(request: HttpRequest, data: CloseCodeIn, response: HttpResponse) -> Any:
    """Create a close opportunity code."""
    obj = setup_services.create_close_code(by=_by(request), **data.dict())
    set_etag(response, obj.version)
    return Status(201, close_code_out(obj))


@router.get(
    "/close-opportunity-codes/{code}", response=with_errors({200: CloseCodeOut}), tags=["close opportunity codes"]
)
def get_close_code(request: HttpRequest, code: Key, response: HttpResponse) -> Any:
    """One close opportunity code."""
    obj = fetch(CloseOpportunityCode.objects.all(), code=normalize_key(code))
    set_etag(response, obj.version)
    return close_code_out(obj)


@router.patch(
    "/close-opportunity-codes/{code}", response=with_errors({200: CloseCodeOut}), tags=["close opportunity codes"]
)
def patch_close_code(request: HttpRequest, code: Key, data: CloseCodePatch, response: HttpResponse) -> Any:
    """Change a close opportunity code."""
    obj = setup_services.update_close_code(
        code,
        by=_by(request),
        expected_version=expected_version(request),
        **data.dict(exclude_unset=True, exclude_none=True),
    )
    set_etag(response, obj.version)
    return close_code_out(obj)


@router.delete("/close-opportunity-codes/{code}", response=with_errors({204: None}), tags=["close opportunity codes"])
def delete_close_code(request: HttpRequest, code: Key) -> Any:
    """Delete a close opportunity code (409 ``conflict.in_use`` once used)."""
    setup.delete_close_opportunity_code(code, by=_by(request), expected_version=expected_version(request))
    return Status(204, None)


# --- Activities ------------------------------------------------------------------------------------------------


def _activities() -> QuerySet[Activity]:
    return Activity.objects.prefetch_related("steps")


@router.get("/activities", response=with_errors({200: Page[ActivityOut]}), tags=["activities"])
def list_activities(request: HttpRequest, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """Activities with their steps."""
    return paginate(_activities(), ordering=["code"], limit=limit, cursor=cursor, serialize=activity_out)


@router.post("/activities", response=with_errors({201: ActivityOut}), tags=["activities"])
def create_activity(request: HttpRequest, data: ActivityIn, response: HttpResponse) -> Any:
    """Create an activity with its steps."""
    values = data.dict()
    obj = setup.save_activity(
        values["code"], by=_by(request), description=values["description"], steps=values["steps"], create=True
    )
    obj = fetch(_activities(), code=obj.code)
    set_etag(response, obj.version)
    return Status(201, activity_out(obj))


@router.get("/activities/{code}", response=with_errors({200: ActivityOut}), tags=["activities"])
def get_activity(request: HttpRequest, code: Key, response: HttpResponse) -> Any:
    """One activity with its steps."""
    obj = fetch(_activities(), code=normalize_key(code))
    set_etag(response, obj.version)
    return activity_out(obj)


@router.patch("/activities/{code}", response=with_errors({200: ActivityOut}), tags=["activities"])
def patch_activity(request: HttpRequest, code: Key, data: ActivityPatch, response: HttpResponse) -> Any:
    """Change an activity; ``steps`` replaces the whole set."""
    values = data.dict(exclude_unset=True)
    obj = setup.save_activity(
        code,
        by=_by(request),
        description=values.get("description"),
        steps=values.get("steps"),
        expected_version=expected_version(request),
    )
    obj = fetch(_activities(), code=obj.code)
    set_etag(response, obj.version)
    return activity_out(obj)


@router.delete("/activities/{code}", response=with_errors({204: None}), tags=["activities"])
def delete_activity(request: HttpRequest, code: Key) -> Any:
    """Delete an activity (409 ``conflict.in_use`` while a stage uses it)."""
    setup.delete_activity(code, by=_by(request), expected_version=expected_version(request))
    return Status(204, None)


# --- Interactions ----------------------------------------------------------------------------------------------


@router.get("/interactions", response=with_errors({200: Page[InteractionOut]}), tags=["interactions"])
def list_interactions(
    request: HttpRequest,
    opportunity_no: str | None = None,
    contact_no: str | None = None,
    salesperson_code: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Interaction log entries by entry number."""
    qs = Interaction.objects.all()
    if opportunity_no:
        qs = qs.filter(opportunity_id=normalize_key(opportunity_no))
    if contact_no:
        qs = qs.filter(Q(contact_id=normalize_key(contact_no)))
    if salesperson_code:
        qs = qs.filter(salesperson_id=normalize_key(salesperson_code))
    return paginate(qs, ordering=["entry_no"], limit=limit, cursor=cursor, serialize=interaction_out)


@router.post("/interactions", response=with_errors({201: InteractionOut}), tags=["interactions"])
def create_interaction(request: HttpRequest, data: InteractionIn, response: HttpResponse) -> Any:
    """Log an interaction (D22); ``date`` = WorkDate when omitted."""
    obj = setup_services.create_interaction(by=_by(request), **data.dict())
    set_etag(response, obj.version)
    return Status(201, interaction_out(obj))


@router.get("/interactions/{entry_no}", response=with_errors({200: InteractionOut}), tags=["interactions"])
def get_interaction(request: HttpRequest, entry_no: int, response: HttpResponse) -> Any:
    """One interaction log entry."""
    obj = fetch(Interaction.objects.all(), entry_no=entry_no)
    set_etag(response, obj.version)
    return interaction_out(obj)


@router.patch("/interactions/{entry_no}", response=with_errors({200: InteractionOut}), tags=["interactions"])
def patch_interaction(request: HttpRequest, entry_no: int, data: InteractionPatch, response: HttpResponse) -> Any:
    """Change an interaction log entry."""
    changes = data.dict(exclude_unset=True)
    for name in ("date", "contact_no", "description", "canceled", "postponed"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = setup_services.update_interaction(
        entry_no, by=_by(request), expected_version=expected_version(request), **changes
    )
    set_etag(response, obj.version)
    return interaction_out(obj)
