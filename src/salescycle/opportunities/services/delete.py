"""Deleting opportunities one by one and in a batch (spec §4.11.1–§4.11.2, D1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.bcfilter import filter_q
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.jobs.models import Job
from salescycle.jobs.runner import JobRun, percent, start_job
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import (
    Interaction,
    Opportunity,
    OpportunityChange,
    OpportunityComment,
    OpportunityEntry,
)
from salescycle.opportunities.services._common import (
    _lock,
)
from salescycle.tasks.models import Task

# ---------------------------------------------------------------------------------------------------------------
# Deleting (spec §4.11.1–§4.11.2, D1)


@transaction.atomic
def delete_opportunity(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete an opportunity with its comments and entries; its tasks stay, their link cleared (D1).
    Errors: ``opportunity.delete_in_progress`` while In Progress. Implements spec §4.11.1."""
    opportunity = _lock(no, expected_version, by=by)
    if opportunity.status == OpportunityStatus.IN_PROGRESS:
        raise DomainError("opportunity.delete_in_progress", _("You cannot delete this opportunity while it is active."))
    _delete([opportunity.no])


@dataclass(frozen=True)
class DeleteResult:
    """How many opportunities and entries a batch delete removed (or would remove, for a dry run)."""

    deleted_opportunities: int
    deleted_entries: int


def closed_opportunities(
    *,
    no: str | None = None,
    date_closed_from: dt.date | None = None,
    date_closed_to: dt.date | None = None,
    salesperson_code: str | None = None,
    campaign_no: str | None = None,
    contact_no: str | None = None,
    sales_cycle_code: str | None = None,
    no_filter: str | None = None,
    salesperson_code_filter: str | None = None,
    campaign_no_filter: str | None = None,
    contact_no_filter: str | None = None,
    sales_cycle_code_filter: str | None = None,
) -> Any:
    """The closed opportunities matching the Delete Opportunities batch job's filters (spec §4.11.2). The plain
    filters (``no``, ``salesperson_code``…) are exact keys; the ``*_filter`` ones are Business Central filter
    expressions on the same fields (``OP0000*``, ``A..B``, ``A|B``: :mod:`salescycle.core.bcfilter`, issue #15 L9),
    and both kinds may be combined (all must hold). Errors: 422 ``invalid_input`` naming the ``*_filter`` field for
    an expression the parser refuses (before anything is read or deleted)."""
    qs = Opportunity.objects.filter(closed=True)
    for name, lookup, expression in (
        ("no_filter", "no", no_filter),
        ("salesperson_code_filter", "salesperson__pk", salesperson_code_filter),
        ("campaign_no_filter", "campaign__pk", campaign_no_filter),
        ("contact_no_filter", "contact__pk", contact_no_filter),
        ("sales_cycle_code_filter", "sales_cycle__pk", sales_cycle_code_filter),
    ):
        if expression:
            qs = qs.filter(filter_q(lookup, expression, field=name))
    if no:
        qs = qs.filter(no=normalize_key(no))
    if date_closed_from:
        qs = qs.filter(date_closed__gte=date_closed_from)
    if date_closed_to:
        qs = qs.filter(date_closed__lte=date_closed_to)
    if salesperson_code:
        qs = qs.filter(salesperson_id=normalize_key(salesperson_code))
    if campaign_no:
        qs = qs.filter(campaign_id=normalize_key(campaign_no))
    if contact_no:
        qs = qs.filter(contact_id=normalize_key(contact_no))
    if sales_cycle_code:
        qs = qs.filter(sales_cycle_id=normalize_key(sales_cycle_code))
    return qs


@transaction.atomic
def delete_closed_opportunities(*, by: Actor, dry_run: bool = False, **filters: Any) -> DeleteResult:
    """The Delete Opportunities batch job: delete the closed opportunities matching ``filters`` (see
    :func:`closed_opportunities`) with their comments and entries, in a few set-based statements per
    :data:`DELETE_CHUNK` opportunities. The result counts exactly what was deleted (the statements' row counts);
    ``dry_run`` only counts, without locking. Sales Managers and Administrators only (403 ``permission_denied``).
    Implements spec §4.11.2.

    One snapshot on every database: the matching rows are locked (``SELECT … FOR UPDATE``, in key order) and then
    deleted by those keys. Re-evaluating the filter in each statement would, under PostgreSQL's READ COMMITTED, see
    an opportunity closed by another transaction between two statements and delete it without its entries (a
    foreign-key error at commit, issue #12 item 8). An opportunity deleted by someone else while we waited for its
    lock is skipped and not counted; one closed after the lock is left for the next run. On SQLite the transaction
    (``BEGIN IMMEDIATE``) already excludes every other writer."""
    permissions.require_batch_delete(by)
    selected = closed_opportunities(**filters)
    if dry_run:
        return DeleteResult(
            deleted_opportunities=selected.count(),
            deleted_entries=OpportunityEntry.objects.filter(opportunity_id__in=selected.values("no")).count(),
        )
    nos = list(selected.select_for_update().order_by("no").values_list("no", flat=True))
    return _delete(nos)


# How many of the matching opportunities the preview lists (issue #15, L9: what will go, not only how many).
PREVIEW_ROWS = 20


def closed_opportunities_preview(*, by: Actor, limit: int = PREVIEW_ROWS, **filters: Any) -> list[dict[str, Any]]:
    """The first ``limit`` closed opportunities (in key order) that the batch delete with ``filters`` (as
    :func:`closed_opportunities`) would remove, as rows ``{no, description, contact_id, contact__name,
    salesperson_id, status, date_closed}`` for the preview beside :func:`delete_closed_opportunities`' dry-run
    counts. One query, on the primary key's order. Errors: 403 ``permission_denied`` as the delete;
    422 ``invalid_input`` for a refused filter expression. Implements issue #15 (L9)."""
    permissions.require_batch_delete(by)
    return list(
        closed_opportunities(**filters)
        .order_by("no")
        .values("no", "description", "contact_id", "contact__name", "salesperson_id", "status", "date_closed")[:limit]
    )


# Keys per statement: far below SQLite's limit of bound variables (32,766) and a modest statement for PostgreSQL.
DELETE_CHUNK = 10_000


def _delete(nos: list[str]) -> DeleteResult:
    """Delete the opportunities ``nos`` (already locked by the caller) with their comments, entries and change log,
    and unlink their tasks and interactions (D1), by primary key; the row counts of the deletes."""
    opportunities = entries = 0
    for start in range(0, len(nos), DELETE_CHUNK):
        chunk = nos[start : start + DELETE_CHUNK]
        Task.objects.filter(opportunity_no__in=chunk).update(opportunity_no="", opportunity_entry_no=0)
        Interaction.objects.filter(opportunity_id__in=chunk).update(opportunity=None)
        # Plain DELETEs: Django's collector would load every row first, and nothing else refers to these rows.
        OpportunityComment.objects.filter(opportunity_id__in=chunk)._raw_delete(OpportunityComment.objects.db)
        entries += OpportunityEntry.objects.filter(opportunity_id__in=chunk)._raw_delete(OpportunityEntry.objects.db)
        OpportunityChange.objects.filter(opportunity_no__in=chunk)._raw_delete(OpportunityChange.objects.db)
        opportunities += Opportunity.objects.filter(pk__in=chunk)._raw_delete(Opportunity.objects.db)
    return DeleteResult(deleted_opportunities=opportunities, deleted_entries=entries)


# ---------------------------------------------------------------------------------------------------------------
# The batch delete as a background job (issue #16)

DELETE_CLOSED_JOB = "opportunities.delete_closed"
# Keys per job step (one transaction each), as in the synchronous delete. Measured on the 100k bench dataset
# (45,333 opportunities): steps of 2,000 took 1.6x the hand-written statements, steps of 10,000 1.0-1.3x. On SQLite a
# step holds the one write lock, so other users' writes may wait for one step (about 2-3 s there).
JOB_CHUNK = 10_000
_DATE_FILTERS = ("date_closed_from", "date_closed_to")


def delete_closed_opportunities_or_start_job(*, by: Actor, **filters: Any) -> DeleteResult | Job:
    """The Delete Opportunities batch job as the web app and the API run it: up to ``JOBS_SYNC_LIMIT`` (10,000)
    matching closed opportunities are deleted now (:func:`delete_closed_opportunities`, its result); more become a
    background job (:func:`delete_closed_opportunities_job`), returned queued. ``filters`` as
    :func:`closed_opportunities`. Errors: 403 ``permission_denied`` (Sales Managers and Administrators only), checked
    before counting. Implements spec §4.11.2 and issue #16."""
    permissions.require_batch_delete(by)
    if closed_opportunities(**filters).count() <= settings.JOBS_SYNC_LIMIT:
        return delete_closed_opportunities(by=by, **filters)
    return start_job(DELETE_CLOSED_JOB, by=by, parameters=_given(filters))


def start_deleting_closed_opportunities(*, by: Actor, **filters: Any) -> Job:
    """Queue the Delete Opportunities batch job for the background worker, whatever its size (the command's
    ``--background``). ``filters`` as :func:`closed_opportunities`. Errors: 403 ``permission_denied``; 422
    ``invalid_input`` for a refused filter expression. Implements issue #16."""
    permissions.require_batch_delete(by)
    closed_opportunities(**filters)  # a refused filter expression is refused now, not when the job runs
    return start_job(DELETE_CLOSED_JOB, by=by, parameters=_given(filters))


def _given(filters: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if value not in (None, "")}


def delete_closed_opportunities_job(run: JobRun, *, by: Actor, **parameters: Any) -> dict[str, int]:
    """The job function of the batch delete: the closed opportunities matching ``parameters`` (the filters of
    :func:`closed_opportunities`, dates as ISO text) in steps of :data:`JOB_CHUNK` keys in key order, each step one
    transaction that locks its keys (``SELECT … FOR UPDATE``), deletes them like :func:`delete_closed_opportunities`
    and adds the row counts to the job's checkpoint with the last key done. A run after a crash starts after that
    key with the committed counts, so nothing is deleted twice and the totals are exact. An opportunity that comes
    to match after the job passed its key is left for the next run. Result ``{"deleted_opportunities": N,
    "deleted_entries": M}``, the synchronous answer. Errors: 403 ``permission_denied`` when ``by`` may no longer
    batch delete. Implements spec §4.11.2 and issue #16."""
    permissions.require_batch_delete(by)
    filters: dict[str, Any] = {
        name: dt.date.fromisoformat(value) if name in _DATE_FILTERS and value else value
        for name, value in parameters.items()
    }
    if "total" not in run.checkpoint:
        with run.step() as checkpoint:
            total = closed_opportunities(**filters).count()
            checkpoint.update(total=total, after="", deleted_opportunities=0, deleted_entries=0)
    while True:
        with run.step() as checkpoint:
            selected = closed_opportunities(**filters).filter(no__gt=checkpoint["after"])
            nos = list(selected.select_for_update().order_by("no").values_list("no", flat=True)[:JOB_CHUNK])
            if not nos:
                break
            done = _delete(nos)
            checkpoint["deleted_opportunities"] += done.deleted_opportunities
            checkpoint["deleted_entries"] += done.deleted_entries
            checkpoint["after"] = nos[-1]
            run.progress = percent(checkpoint["deleted_opportunities"], checkpoint["total"])
    return {
        "deleted_opportunities": run.checkpoint["deleted_opportunities"],
        "deleted_entries": run.checkpoint["deleted_entries"],
    }
