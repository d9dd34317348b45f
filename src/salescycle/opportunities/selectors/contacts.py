"""The contact card's reads (issue #15 "Contacts are a main page", BC's Contact Card with its Opportunities, Tasks and
Interaction Log Entries): the contact, for a company its persons, and the opportunities, tasks and interactions of
the contact — for a company those of all its persons too (spec §5.2, :func:`contact_filter`) — as ``user`` may see
them. The statistics are :func:`salescycle.opportunities.statistics.contact_statistics` (spec §5.4); the sales
documents come from the sales app (``opportunities/views/contacts.py``'s sections)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key
from salescycle.opportunities.filters import contact_filter
from salescycle.opportunities.models import Interaction, Opportunity
from salescycle.opportunities.selectors.activity import with_next_activity
from salescycle.opportunities.selectors.opportunities import visible
from salescycle.tasks.models import Task

CARD_ROWS = 100


@dataclass(frozen=True)
class ContactCard:
    """Everything the contact card lists. Each list holds at most :data:`CARD_ROWS` rows; ``more_*`` says that
    more exist (the card then links to the full list)."""

    contact: Contact
    persons: list[Contact]
    opportunities: list[Opportunity]
    more_opportunities: bool
    tasks: list[Task]
    more_tasks: bool
    interactions: list[Interaction]
    no_of_interactions: int
    can_write: bool


def contact_interactions(no: str, user: Actor) -> QuerySet[Interaction]:
    """The interaction log entries of contact ``no`` — a company's also those of its persons — that ``user`` may
    see (without an opportunity, or of an opportunity they may see). Implements D22 for the contact card."""
    key = normalize_key(no)
    qs = Interaction.objects.filter(Q(contact_id=key) | Q(contact__company_id=key))
    condition = permissions.linked_to_visible(user, "opportunity_id")
    return qs if condition is None else qs.filter(Q(opportunity__isnull=True) | condition)


def contact_tasks(no: str, user: Actor) -> QuerySet[Task]:
    """The tasks of contact ``no`` (a company's: those of all its persons; tasks store the contact's company) that
    ``user`` may see (without an opportunity, or of an opportunity they may see)."""
    key = normalize_key(no)
    qs = Task.objects.filter(Q(contact_id=key) | Q(contact_company_id=key))
    condition = permissions.linked_to_visible(user)
    return qs if condition is None else qs.filter(condition)


def _open_first() -> Case:
    """In Progress, then Not Started, then Won and Lost."""
    return Case(
        When(status="in_progress", then=Value(0)),
        When(status="not_started", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def contact_opportunities(no: str, user: Actor, work_date: dt.date, limit: int) -> list[Opportunity]:
    """The first ``limit`` opportunities of contact ``no`` (a company's: all its persons', :func:`contact_filter`)
    that ``user`` may see, open ones first (In Progress, Not Started, then Won and Lost), then by Estimated Closing
    Date and No., each with its next activity and flags as of ``work_date`` (:func:`with_next_activity`, computed
    for those rows only: the page is cut in a subquery). One query."""
    order = (_open_first(), "estimated_closing_date", "no")
    keys = visible(user).filter(contact_filter(no)).order_by(*order).values("pk")[:limit]
    rows = Opportunity.objects.filter(pk__in=keys).select_related("contact")
    return list(with_next_activity(rows, work_date).order_by(*order))


def contact_card(no: str, user: Actor, work_date: dt.date) -> ContactCard | None:
    """The card of contact ``no`` as ``user`` sees it, or None when there is no such contact (or ``user`` has no
    role: contacts are working data every role reads). Six queries whatever the number of rows."""
    if not permissions.access(user).may_read:
        return None
    key = normalize_key(no)
    contact = Contact.objects.select_related("company", "salesperson", "parent_company").filter(no=key).first()
    if contact is None:
        return None
    persons: list[Contact] = []
    if contact.is_company:
        persons = list(Contact.objects.filter(company_id=key).exclude(no=key).order_by("no")[:CARD_ROWS])
    opportunities = contact_opportunities(key, user, work_date, CARD_ROWS + 1)
    tasks = list(contact_tasks(key, user).order_by("closed", "date", "no")[: CARD_ROWS + 1])
    interactions = contact_interactions(key, user)
    counted = interactions.filter(canceled=False, postponed=False).count()
    latest = list(interactions.select_related("salesperson").order_by("-date", "-entry_no")[:CARD_ROWS])
    return ContactCard(
        contact=contact,
        persons=persons,
        opportunities=opportunities[:CARD_ROWS],
        more_opportunities=len(opportunities) > CARD_ROWS,
        tasks=tasks[:CARD_ROWS],
        more_tasks=len(tasks) > CARD_ROWS,
        interactions=latest,
        no_of_interactions=counted,
        can_write=permissions.may_write(user),
    )


def loggable_opportunities(no: str, user: Actor) -> list[tuple[str, str]]:
    """(No., "No. Description") of the open opportunities of contact ``no`` (a company's: its persons' too) that
    ``user`` may change: what an interaction logged from the contact card may be linked to (the service checks it
    again). One query, at most :data:`CARD_ROWS`."""
    who = permissions.access(user)
    if not who.may_write:
        return []
    qs = visible(user).filter(contact_filter(no), closed=False)
    if not who.changes_all:
        qs = qs.filter(salesperson_id=who.salesperson_code or None)
    rows = qs.order_by("no").values_list("no", "description")[:CARD_ROWS]
    return [(number, f"{number} {description}".strip()) for number, description in rows]
