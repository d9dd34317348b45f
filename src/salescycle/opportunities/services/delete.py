"""Deleting opportunities one by one and in a batch (spec §4.11.1–§4.11.2, D1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
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
) -> Any:
    """The closed opportunities matching the Delete Opportunities batch job's filters (spec §4.11.2)."""
    qs = Opportunity.objects.filter(closed=True)
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
