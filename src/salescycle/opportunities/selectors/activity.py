"""Follow-up reads of opportunities (issue #15 "Contacts are a main page"): the next activity and the overdue and
stale flags (annotations computed by the database, so a list page costs no extra query), and an opportunity's
interaction log for its card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, DateField, Exists, ExpressionWrapper, Min, OuterRef, Q, QuerySet, Subquery

from salescycle.core.keys import normalize_key
from salescycle.opportunities.models import Interaction, Opportunity
from salescycle.tasks.models import Task

CARD_INTERACTIONS = 20


def _open_tasks() -> QuerySet[Task]:
    """The open tasks (``closed`` false: neither completed nor canceled) of the outer opportunity (index
    ``task_opportunity_open``)."""
    return Task.objects.filter(opportunity_no=OuterRef("no"), closed=False).order_by()


def next_activity_date() -> Subquery:
    """The date of the earliest open task linked to the outer opportunity, NULL when it has none (a correlated
    ``MIN`` subquery)."""
    earliest = _open_tasks().values("opportunity_no").annotate(earliest=Min("date")).values("earliest")
    return Subquery(earliest, output_field=DateField())


def with_next_activity(queryset: QuerySet[Opportunity], work_date: dt.date) -> QuerySet[Opportunity]:
    """``queryset`` with three annotations, all computed in its own query (no query per row):

    - ``next_activity_date``: :func:`next_activity_date` (None: no open task);
    - ``is_overdue``: an open task is dated before ``work_date`` (the next activity is late; an ``EXISTS``);
    - ``is_stale``: the opportunity is open (not closed) and its Estimated Closing Date is before ``work_date``.

    ``is_stale`` is None (not False) when there is no Estimated Closing Date (SQL three-valued logic): it reads as
    "not flagged". ``work_date`` is the viewer's WorkDate (spec §0.2). The subqueries run for every row the query
    returns, and for every row it sorts when the order has no index: on a list, annotate only the page's rows
    (:meth:`~salescycle.core.pagination.Keyset.page`'s ``rows_of``)."""
    return queryset.annotate(
        next_activity_date=next_activity_date(),
        is_overdue=Exists(_open_tasks().filter(date__lt=work_date)),
        is_stale=ExpressionWrapper(Q(closed=False, estimated_closing_date__lt=work_date), output_field=BooleanField()),
    )


@dataclass(frozen=True)
class FollowUp:
    """An opportunity card's follow-up block: next activity and flags (:func:`with_next_activity`) and its latest
    interaction log entries (newest first, at most :data:`CARD_INTERACTIONS`)."""

    next_activity_date: dt.date | None
    is_overdue: bool
    is_stale: bool
    interactions: list[Interaction]


def follow_up(no: str, work_date: dt.date) -> FollowUp:
    """The follow-up of opportunity ``no`` (check its visibility first: the card does): two queries whatever the
    number of tasks and interactions. An unknown number gives an empty block."""
    key = normalize_key(no)
    row: dict[str, Any] = (
        with_next_activity(Opportunity.objects.filter(no=key), work_date)
        .values("next_activity_date", "is_overdue", "is_stale")  # type: ignore[misc]  # annotations
        .first()
    ) or {}
    interactions = list(
        Interaction.objects.filter(opportunity_id=key)
        .select_related("salesperson")
        .order_by("-date", "-entry_no")[:CARD_INTERACTIONS]
    )
    return FollowUp(
        next_activity_date=row.get("next_activity_date"),
        is_overdue=bool(row.get("is_overdue")),
        is_stale=bool(row.get("is_stale")),
        interactions=interactions,
    )
