"""Opportunities, their entries and actions (spec api.md "Opportunities")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import transaction
from django.http import HttpResponse
from ninja import Query, Schema, Status

from salescycle.core.http import ApiRequest
from salescycle.core.pagination import paginate
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import (
    DateIn,
    Key,
    Page,
    PageWithTotals,
    expected_version,
    json_response,
    with_errors,
)
from salescycle.jobs.models import Job
from salescycle.jobs.schemas import JobAcceptedOut, accepted
from salescycle.opportunities import engine, selectors, services, statistics
from salescycle.opportunities.api._shared import LIMIT, _opportunity, _written, router
from salescycle.opportunities.filters import OpportunityFilters
from salescycle.opportunities.schemas import (
    ActivateIn,
    BulkCloseIn,
    BulkReassignIn,
    BulkResultOut,
    CloseIn,
    CreatedOut,
    DeleteClosedIn,
    DeleteClosedOut,
    EntryOut,
    ExportIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OpportunityStatisticsOut,
    Ordering,
    SegmentOpportunitiesIn,
    UpdateIn,
    UpdateOptionsOut,
    entry_out,
    opportunity_row_out,
)
from salescycle.opportunities.selectors.opportunities import api_ordering, list_totals
from salescycle.tasks.api import tasks as task_selector
from salescycle.tasks.schemas import TaskOut, task_out

if TYPE_CHECKING:
    from salescycle.opportunities.models import OpportunityChange

# --- Opportunities ---------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/opportunities", response=with_errors({200: PageWithTotals[OpportunityOut]}), tags=["opportunities"])
def list_opportunities(
    request: ApiRequest,
    filters: Query[OpportunityFilters],
    ordering: Ordering = "no",
    limit: int = LIMIT,
    cursor: str | None = None,
    totals: bool = False,
) -> Any:
    """Opportunities with the list's filters (``contact_no`` of a company covers all its contacts) and orderings (each
    one index read: ``selectors.api_ordering``);
    with ``totals=true`` also the exact sums of estimated and calculated current value over the whole filtered list
    (api.md "Lists"), one more aggregate query."""
    visible = selectors.visible(request.auth)
    qs = filters.filter(visible)
    page = paginate(
        qs,
        page_queryset=filters.for_page().filter(visible),
        count=lambda: filters.count(visible),
        ordering=api_ordering(ordering),
        limit=limit,
        cursor=cursor,
        serialize=opportunity_row_out,
        rows=selectors.opportunity_values,
    )
    if totals:
        sums = list_totals(qs)  # the web list's count and sums too (issue #15)
        return json_response(
            PageWithTotals[OpportunityOut],
            {
                **page,
                "totals": {
                    "estimated_value": sums.estimated_value,
                    "calculated_current_value": sums.calculated_current_value,
                },
            },
        )
    return json_response(Page[OpportunityOut], page)


@router.post("/opportunities", response=with_errors({201: OpportunityOut}), tags=["opportunities"])
def create_opportunity(request: ApiRequest, data: OpportunityIn, response: HttpResponse) -> Any:
    """Create an opportunity (§4.2.2, D8), optionally activating its first stage with the given estimates."""
    values = data.dict()
    estimates = services.Estimates(
        values.pop("estimated_value"), values.pop("chances_of_success_pct"), values.pop("estimated_closing_date")
    )
    with transaction.atomic():
        obj = services.create_opportunity(by=request.auth, estimates=estimates, **values)
        return Status(201, _written(obj.no, response))


@router.post(
    "/opportunities/delete-closed",
    response=with_errors({200: DeleteClosedOut, 202: JobAcceptedOut}),
    tags=["opportunities"],
)
def delete_closed(request: ApiRequest, data: DeleteClosedIn, response: HttpResponse) -> Any:
    """The Delete Opportunities batch job over closed opportunities (§4.11.2); ``dry_run`` only counts. Up to
    10,000 matching opportunities (``SALESCYCLE_JOBS_SYNC_LIMIT``) are deleted in the request: 200 with the counts.
    More become a background job: 202 ``{"job": {...}}`` with ``Location: /api/v1/jobs/{id}``; poll it until
    ``state`` is ``succeeded`` (its ``result`` is the same counts) or ``failed`` (issue #16)."""
    values = data.dict()
    if values.pop("dry_run", False):
        result = services.delete_closed_opportunities(by=request.auth, dry_run=True, **values)
    else:
        outcome = services.delete_closed_opportunities_or_start_job(by=request.auth, **values)
        if isinstance(outcome, Job):
            return accepted(outcome, response)
        result = outcome
    return {"deleted_opportunities": result.deleted_opportunities, "deleted_entries": result.deleted_entries}


def _bulk_out(result: services.BulkResult) -> dict[str, Any]:
    refused = [{"no": r.no, "code": r.code, "message": r.message} for r in result.refused]
    return {"done": result.done, "refused": refused}


# Before /opportunities/{no}/close: the first matching route answers.
@router.post("/opportunities/bulk/reassign", response=with_errors({200: BulkResultOut}), tags=["opportunities"])
def bulk_reassign(request: ApiRequest, data: BulkReassignIn) -> Any:
    """Give a selection of up to 1,000 opportunities to one salesperson (issue #15), each through the PATCH's rules
    in its own transaction: 200 ``{"done": [no…], "refused": [{"no", "code", "message"}]}``, where a refused
    opportunity is one missing or invisible (``not_found``), not changeable (``permission_denied``) or closed
    (``opportunity.field_not_editable``). The whole request is refused for an unknown or blocked salesperson (422)
    or one the user may not hand opportunities to (403). Larger selections: a filter-based job."""
    return _bulk_out(services.reassign_salesperson(by=request.auth, **data.dict()))


@router.post("/opportunities/bulk/close", response=with_errors({200: BulkResultOut}), tags=["opportunities"])
def bulk_close(request: ApiRequest, data: BulkCloseIn) -> Any:
    """Close a selection of up to 1,000 opportunities as Lost with one Lost close code (issue #15, §4.8), each in
    its own transaction: 200 ``{"done", "refused"}`` as ``bulk/reassign`` (``opportunity.closed``,
    ``close.date_before_previous`` … per opportunity). The whole request is refused for a close code that is
    missing or not a Lost code (422 ``close.code_not_found``, ``close.code_type_mismatch``)."""
    return _bulk_out(services.close_as_lost(by=request.auth, **data.dict()))


@router.post("/opportunities/export", response=with_errors({202: JobAcceptedOut}), tags=["opportunities"])
def export_opportunities(request: ApiRequest, data: ExportIn, response: HttpResponse) -> Any:
    """The Opportunity List's export (spec §5.2) as a background job (issue #16): ``format`` ``csv`` or ``xlsx``,
    ``sort`` and the list's filters (the names of ``GET /opportunities``; ``contact_company_no`` aside). Answers 202
    ``{"job": {...}}`` with ``Location``; when the job has succeeded its ``result`` holds ``rows``, ``file_name`` and
    ``api_download_url`` (``GET /api/v1/jobs/{id}/file``), the same file as the web app's export."""
    values = data.dict()
    file_format, sort = values.pop("format"), values.pop("sort")
    filters = selectors.list_filters_of_words(values, sort=sort)
    return accepted(services.start_export_job(filters, file_format=file_format, by=request.auth), response)


@router.get("/opportunities/{no}", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def get_opportunity(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One opportunity (404 when the user may not see it)."""
    return _opportunity(no, response, user=request.auth)


@router.patch("/opportunities/{no}", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def patch_opportunity(request: ApiRequest, no: Key, data: OpportunityPatch, response: HttpResponse) -> Any:
    """Change fields (§4.3, §4.12); ``update_open_tasks`` propagates salesperson/contact/campaign to open tasks."""
    changes = data.dict(exclude_unset=True)
    update_open_tasks = bool(changes.pop("update_open_tasks", False))
    with transaction.atomic():
        obj = services.change_opportunity(
            no,
            by=request.auth,
            changes=changes,
            update_open_tasks=update_open_tasks,
            expected_version=expected_version(request),
        )
        return _written(obj.no, response)


@router.delete("/opportunities/{no}", response=with_errors({204: None}), tags=["opportunities"])
def delete_opportunity(request: ApiRequest, no: Key) -> Any:
    """Delete an opportunity that is not In Progress (D1; ``opportunity.delete_in_progress``)."""
    services.delete_opportunity(no, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


@router.get("/opportunities/{no}/entries", response=with_errors({200: Page[EntryOut]}), tags=["opportunities"])
def list_entries(request: ApiRequest, no: Key, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """The opportunity's entries, newest first."""
    selectors.visible_opportunity(no, request.auth)
    return paginate(selectors.entries(no), ordering=["-entry_no"], limit=limit, cursor=cursor, serialize=entry_out)


@router.get("/opportunities/{no}/tasks", response=with_errors({200: Page[TaskOut]}), tags=["opportunities"])
def list_opportunity_tasks(
    request: ApiRequest, no: Key, closed: bool | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """The opportunity's tasks by date."""
    key = selectors.visible_opportunity(no, request.auth).no
    qs = task_selector(request.auth).filter(opportunity_no=key)
    if closed is not None:
        qs = qs.filter(closed=closed)
    return paginate(qs, ordering=["date", "no"], limit=limit, cursor=cursor, serialize=task_out)


class ChangeOut(Schema):
    changed_at: dt.datetime
    user: str | None
    field: str
    old_value: str
    new_value: str


class ChangeDict(TypedDict):
    changed_at: dt.datetime
    user: str | None
    field: str
    old_value: str
    new_value: str


def change_out(obj: OpportunityChange) -> ChangeDict:
    return {
        "changed_at": obj.changed_at,
        "user": obj.user.get_username() if obj.user is not None else None,
        "field": obj.field,
        "old_value": obj.old_value,
        "new_value": obj.new_value,
    }


@router.get("/opportunities/{no}/changes", response=with_errors({200: Page[ChangeOut]}), tags=["opportunities"])
def list_changes(request: ApiRequest, no: Key, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """The opportunity's field changes (the audit trail, issue #8), newest first: who, when, old and new value."""
    selectors.visible_opportunity(no, request.auth)
    return paginate(selectors.changes(no), ordering=["-id"], limit=limit, cursor=cursor, serialize=change_out)


@reads_from_replica
@router.get(
    "/opportunities/{no}/statistics", response=with_errors({200: OpportunityStatisticsOut}), tags=["opportunities"]
)
def opportunity_statistics(request: ApiRequest, no: Key) -> Any:
    """§5.1 figures."""
    return statistics.opportunity_statistics(no, user=request.auth)


@router.post(
    "/opportunities/{no}/activate-first-stage", response=with_errors({200: OpportunityOut}), tags=["opportunities"]
)
def activate_first_stage(request: ApiRequest, no: Key, response: HttpResponse, data: ActivateIn | None = None) -> Any:
    """Activate the first stage (§4.4.2)."""
    with transaction.atomic():
        obj = services.activate_first_stage(
            no,
            by=request.auth,
            date_of_change=data.date_of_change if data else None,
            expected_version=expected_version(request),
        )
        return _written(obj.no, response)


@router.get("/opportunities/{no}/update-options", response=with_errors({200: UpdateOptionsOut}), tags=["opportunities"])
def update_options(request: ApiRequest, no: Key, date_of_change: DateIn | None = None) -> Any:
    """The Update wizard's opening state: available actions with their stage lists and the default proposal."""
    options = services.get_update_options(no, by=request.auth, date_of_change=date_of_change)
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
def update_opportunity(request: ApiRequest, no: Key, data: UpdateIn, response: HttpResponse) -> Any:
    """Move through the cycle (§4.5); omitted values take the proposals for the chosen stage (D15)."""
    with transaction.atomic():
        obj = services.update_opportunity(
            no,
            by=request.auth,
            request=engine.UpdateRequest(**data.dict()),
            expected_version=expected_version(request),
        )
        return _written(obj.no, response)


@router.post("/opportunities/{no}/close", response=with_errors({200: OpportunityOut}), tags=["opportunities"])
def close_opportunity(request: ApiRequest, no: Key, data: CloseIn, response: HttpResponse) -> Any:
    """Close as Won or Lost with a close code of that type (§4.8)."""
    with transaction.atomic():
        obj = services.close_opportunity(no, by=request.auth, expected_version=expected_version(request), **data.dict())
        return _written(obj.no, response)


@router.post(
    "/segments/{no}/create-opportunities",
    response=with_errors({200: CreatedOut, 202: JobAcceptedOut}),
    tags=["opportunities"],
)
def create_opportunities_from_segment(
    request: ApiRequest, no: Key, data: SegmentOpportunitiesIn, response: HttpResponse
) -> Any:
    """One opportunity per segment line (§4.2.3). A segment of more than 10,000 lines with a contact
    (``SALESCYCLE_JOBS_SYNC_LIMIT``) becomes a background job: 202 ``{"job": {...}}`` with ``Location``; its
    ``result`` is ``{"segment_no", "created_count", "first_no", "last_no"}`` (issue #16)."""
    values = data.dict()
    estimates = services.Estimates(
        values.pop("estimated_value"), values.pop("chances_of_success_pct"), values.pop("estimated_closing_date")
    )
    outcome = services.create_opportunities_from_segment_or_start_job(
        no, by=request.auth, estimates=estimates, **values
    )
    if isinstance(outcome, Job):
        return accepted(outcome, response)
    return {"created": [obj.no for obj in outcome]}
