"""The opportunity setup: Marketing Setup, sales cycles and stages, close codes, activities, interactions
(spec api.md "Setup")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from ninja import Status

from salescycle.contacts import permissions
from salescycle.core.http import ApiRequest
from salescycle.core.keys import normalize_key
from salescycle.core.models import NumberSeries
from salescycle.core.pagination import paginate
from salescycle.core.records import not_found
from salescycle.core.schemas import Key, Page, expected_version, fetch, set_etag, with_errors
from salescycle.opportunities import services
from salescycle.opportunities.api._shared import LIMIT, router
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Interaction,
    MarketingSetup,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.opportunities.schemas import (
    CloseCodeIn,
    CloseCodeOut,
    CloseCodePatch,
    CloseTypeLiteral,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
    SalesCycleIn,
    SalesCycleOut,
    SalesCyclePatch,
    SetupDict,
    SetupOut,
    SetupPatch,
    StageIn,
    StageOut,
    StagePatch,
    close_code_out,
    interaction_out,
    sales_cycle_out,
    stage_out,
)
from salescycle.tasks.models import Activity
from salescycle.tasks.schemas import ActivityIn, ActivityOut, ActivityPatch, activity_out

# --- Marketing Setup -------------------------------------------------------------------------------------------


def _setup_out(response: HttpResponse | None = None) -> SetupDict:
    obj = MarketingSetup.get()
    if response is not None:
        set_etag(response, obj.version)
    return {
        "default_sales_cycle_code": obj.default_sales_cycle_id,
        "bus_rel_code_for_customers": obj.bus_rel_code_for_customers or None,
        "local_currency_code": settings.LOCAL_CURRENCY_CODE,
        "number_series": dict(NumberSeries.objects.order_by("code").values_list("code", "prefix")),
        "version": obj.version,
    }


@router.get("/setup", response=with_errors({200: SetupOut}), tags=["setup"])
def get_setup(request: ApiRequest, response: HttpResponse) -> Any:
    """Marketing Setup: default sales cycle, local currency (read-only, from settings), number-series prefixes."""
    return _setup_out(response)


@router.patch("/setup", response=with_errors({200: SetupOut}), tags=["setup"])
def patch_setup(request: ApiRequest, data: SetupPatch, response: HttpResponse) -> Any:
    """Change the default sales cycle and/or number-series prefixes (``{"opportunity": "OP"}``)."""
    changes = data.dict(exclude_unset=True)
    with transaction.atomic():  # the answer is the state this write left (issue #12 item 7)
        services.update_setup(
            by=request.auth,
            expected_version=expected_version(request),
            default_sales_cycle_code=changes.get("default_sales_cycle_code"),
            change_default_cycle="default_sales_cycle_code" in changes,
            number_series=changes.get("number_series"),
            bus_rel_code_for_customers=(
                (changes["bus_rel_code_for_customers"] or "") if "bus_rel_code_for_customers" in changes else None
            ),
        )
        return _setup_out(response)


# --- Sales cycles and stages -----------------------------------------------------------------------------------


@router.get("/sales-cycles", response=with_errors({200: Page[SalesCycleOut]}), tags=["sales cycles"])
def list_sales_cycles(
    request: ApiRequest, blocked: bool | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """Sales cycles by code."""
    qs = SalesCycle.objects.all()
    if blocked is not None:
        qs = qs.filter(blocked=blocked)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=sales_cycle_out)


@router.post("/sales-cycles", response=with_errors({201: SalesCycleOut}), tags=["sales cycles"])
def create_sales_cycle(request: ApiRequest, data: SalesCycleIn, response: HttpResponse) -> Any:
    """Create a sales cycle (stages are added under ``/stages``)."""
    obj = services.create_sales_cycle(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, sales_cycle_out(obj))


@router.get("/sales-cycles/{code}", response=with_errors({200: SalesCycleOut}), tags=["sales cycles"])
def get_sales_cycle(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One sales cycle."""
    obj = fetch(SalesCycle.objects.all(), code=normalize_key(code))
    set_etag(response, obj.version)
    return sales_cycle_out(obj)


@router.patch("/sales-cycles/{code}", response=with_errors({200: SalesCycleOut}), tags=["sales cycles"])
def patch_sales_cycle(request: ApiRequest, code: Key, data: SalesCyclePatch, response: HttpResponse) -> Any:
    """Change a sales cycle (block it to retire it)."""
    obj = services.update_sales_cycle(
        code,
        by=request.auth,
        expected_version=expected_version(request),
        **data.dict(exclude_unset=True, exclude_none=True),
    )
    set_etag(response, obj.version)
    return sales_cycle_out(obj)


@router.delete("/sales-cycles/{code}", response=with_errors({204: None}), tags=["sales cycles"])
def delete_sales_cycle(request: ApiRequest, code: Key) -> Any:
    """Delete a cycle (422 ``sales_cycle.has_open_opportunities``; 409 ``conflict.in_use``)."""
    services.delete_sales_cycle(code, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


def _stages(code: str) -> QuerySet[SalesCycleStage]:
    key = normalize_key(code)
    if not SalesCycle.objects.filter(code=key).exists():
        raise not_found(SalesCycle, key)
    return SalesCycleStage.objects.filter(sales_cycle_id=key)


@router.get("/sales-cycles/{code}/stages", response=with_errors({200: Page[StageOut]}), tags=["sales cycles"])
def list_stages(request: ApiRequest, code: Key, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """The cycle's stages in order."""
    return paginate(_stages(code), ordering=["stage"], limit=limit, cursor=cursor, serialize=stage_out)


@router.post("/sales-cycles/{code}/stages", response=with_errors({201: StageOut}), tags=["sales cycles"])
def create_stage(request: ApiRequest, code: Key, data: StageIn, response: HttpResponse) -> Any:
    """Add a stage (``date_formula`` in BC syntax, e.g. ``+1W``; ``date_formula.invalid``)."""
    obj = services.create_sales_cycle_stage(code, by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, stage_out(obj))


@router.get("/sales-cycles/{code}/stages/{stage}", response=with_errors({200: StageOut}), tags=["sales cycles"])
def get_stage(request: ApiRequest, code: Key, stage: int, response: HttpResponse) -> Any:
    """One stage."""
    obj = fetch(_stages(code), stage=stage)
    set_etag(response, obj.version)
    return stage_out(obj)


@router.patch("/sales-cycles/{code}/stages/{stage}", response=with_errors({200: StageOut}), tags=["sales cycles"])
def patch_stage(request: ApiRequest, code: Key, stage: int, data: StagePatch, response: HttpResponse) -> Any:
    """Change a stage (not its number)."""
    changes = data.dict(exclude_unset=True)
    for name in ("description", "completed_pct", "chances_of_success_pct", "quote_required", "allow_skip"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = services.update_sales_cycle_stage(
        code,
        stage,
        by=request.auth,
        expected_version=expected_version(request),
        **changes,
    )
    set_etag(response, obj.version)
    return stage_out(obj)


@router.delete("/sales-cycles/{code}/stages/{stage}", response=with_errors({204: None}), tags=["sales cycles"])
def delete_stage(request: ApiRequest, code: Key, stage: int) -> Any:
    """Delete a stage (422 ``stage.has_active_entries``; 409 ``conflict.in_use``)."""
    services.delete_sales_cycle_stage(code, stage, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Close opportunity codes -----------------------------------------------------------------------------------


@router.get(
    "/close-opportunity-codes", response=with_errors({200: Page[CloseCodeOut]}), tags=["close opportunity codes"]
)
def list_close_codes(
    request: ApiRequest, type: CloseTypeLiteral | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """Close opportunity codes by code."""
    qs = CloseOpportunityCode.objects.all()
    if type:
        qs = qs.filter(type=type)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=close_code_out)


@router.post("/close-opportunity-codes", response=with_errors({201: CloseCodeOut}), tags=["close opportunity codes"])
def create_close_code(request: ApiRequest, data: CloseCodeIn, response: HttpResponse) -> Any:
    """Create a close opportunity code."""
    obj = services.create_close_code(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, close_code_out(obj))


@router.get(
    "/close-opportunity-codes/{code}", response=with_errors({200: CloseCodeOut}), tags=["close opportunity codes"]
)
def get_close_code(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One close opportunity code."""
    obj = fetch(CloseOpportunityCode.objects.all(), code=normalize_key(code))
    set_etag(response, obj.version)
    return close_code_out(obj)


@router.patch(
    "/close-opportunity-codes/{code}", response=with_errors({200: CloseCodeOut}), tags=["close opportunity codes"]
)
def patch_close_code(request: ApiRequest, code: Key, data: CloseCodePatch, response: HttpResponse) -> Any:
    """Change a close opportunity code."""
    obj = services.update_close_code(
        code,
        by=request.auth,
        expected_version=expected_version(request),
        **data.dict(exclude_unset=True, exclude_none=True),
    )
    set_etag(response, obj.version)
    return close_code_out(obj)


@router.delete("/close-opportunity-codes/{code}", response=with_errors({204: None}), tags=["close opportunity codes"])
def delete_close_code(request: ApiRequest, code: Key) -> Any:
    """Delete a close opportunity code (409 ``conflict.in_use`` once used)."""
    services.delete_close_opportunity_code(code, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Activities ------------------------------------------------------------------------------------------------


def _activities() -> QuerySet[Activity]:
    return Activity.objects.prefetch_related("steps")


@router.get("/activities", response=with_errors({200: Page[ActivityOut]}), tags=["activities"])
def list_activities(request: ApiRequest, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """Activities with their steps."""
    return paginate(_activities(), ordering=["code"], limit=limit, cursor=cursor, serialize=activity_out)


@router.post("/activities", response=with_errors({201: ActivityOut}), tags=["activities"])
def create_activity(request: ApiRequest, data: ActivityIn, response: HttpResponse) -> Any:
    """Create an activity with its steps."""
    values = data.dict()
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.save_activity(
            values["code"], by=request.auth, description=values["description"], steps=values["steps"], create=True
        )
        obj = fetch(_activities(), code=obj.code)
    set_etag(response, obj.version)
    return Status(201, activity_out(obj))


@router.get("/activities/{code}", response=with_errors({200: ActivityOut}), tags=["activities"])
def get_activity(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One activity with its steps."""
    obj = fetch(_activities(), code=normalize_key(code))
    set_etag(response, obj.version)
    return activity_out(obj)


@router.patch("/activities/{code}", response=with_errors({200: ActivityOut}), tags=["activities"])
def patch_activity(request: ApiRequest, code: Key, data: ActivityPatch, response: HttpResponse) -> Any:
    """Change an activity; ``steps`` replaces the whole set."""
    values = data.dict(exclude_unset=True)
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.save_activity(
            code,
            by=request.auth,
            description=values.get("description"),
            steps=values.get("steps"),
            expected_version=expected_version(request),
        )
        obj = fetch(_activities(), code=obj.code)
    set_etag(response, obj.version)
    return activity_out(obj)


@router.delete("/activities/{code}", response=with_errors({204: None}), tags=["activities"])
def delete_activity(request: ApiRequest, code: Key) -> Any:
    """Delete an activity (409 ``conflict.in_use`` while a stage uses it)."""
    services.delete_activity(code, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Interactions ----------------------------------------------------------------------------------------------


def _interactions(request: ApiRequest) -> QuerySet[Interaction]:
    """The interactions the user may see: without an opportunity, or of an opportunity they may see."""
    nos = permissions.visible_opportunity_nos(request.auth)
    qs = Interaction.objects.all()
    return qs if nos is None else qs.filter(Q(opportunity__isnull=True) | Q(opportunity_id__in=nos))


@router.get("/interactions", response=with_errors({200: Page[InteractionOut]}), tags=["interactions"])
def list_interactions(
    request: ApiRequest,
    opportunity_no: str | None = None,
    contact_no: str | None = None,
    salesperson_code: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Interaction log entries by entry number (those of opportunities the user may not see are left out)."""
    qs = _interactions(request)
    if opportunity_no:
        qs = qs.filter(opportunity_id=normalize_key(opportunity_no))
    if contact_no:
        qs = qs.filter(Q(contact_id=normalize_key(contact_no)))
    if salesperson_code:
        qs = qs.filter(salesperson_id=normalize_key(salesperson_code))
    return paginate(qs, ordering=["entry_no"], limit=limit, cursor=cursor, serialize=interaction_out)


@router.post("/interactions", response=with_errors({201: InteractionOut}), tags=["interactions"])
def create_interaction(request: ApiRequest, data: InteractionIn, response: HttpResponse) -> Any:
    """Log an interaction (D22); ``date`` = WorkDate when omitted."""
    obj = services.create_interaction(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, interaction_out(obj))


@router.get("/interactions/{entry_no}", response=with_errors({200: InteractionOut}), tags=["interactions"])
def get_interaction(request: ApiRequest, entry_no: int, response: HttpResponse) -> Any:
    """One interaction log entry."""
    obj = fetch(_interactions(request), entry_no=entry_no)
    set_etag(response, obj.version)
    return interaction_out(obj)


@router.patch("/interactions/{entry_no}", response=with_errors({200: InteractionOut}), tags=["interactions"])
def patch_interaction(request: ApiRequest, entry_no: int, data: InteractionPatch, response: HttpResponse) -> Any:
    """Change an interaction log entry."""
    changes = data.dict(exclude_unset=True)
    for name in ("date", "contact_no", "description", "canceled", "postponed"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = services.update_interaction(entry_no, by=request.auth, expected_version=expected_version(request), **changes)
    set_etag(response, obj.version)
    return interaction_out(obj)
