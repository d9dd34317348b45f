"""Composed reads of opportunities for the API and screens (spec §5.1–§5.2, api.md "Opportunities")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from salescycle.contacts.models import Contact, ContactType
from salescycle.contacts.services import normalize_key
from salescycle.opportunities.models import Interaction, Opportunity, OpportunityEntry


def counted_interactions() -> Any:
    """A subquery counting an opportunity's interactions that are neither canceled nor postponed (spec §5.1)."""
    counts = (
        Interaction.objects.filter(opportunity_id=OuterRef("pk"), canceled=False, postponed=False)
        .order_by()
        .values("opportunity_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def opportunities() -> QuerySet[Opportunity]:
    """Opportunities with the names the API shows (contact, company, salesperson) and No. of Interactions, in one
    query whatever the number of rows."""
    return Opportunity.objects.select_related("contact", "contact_company", "salesperson").annotate(
        no_of_interactions=counted_interactions()
    )


def opportunity(no: str) -> Opportunity | None:
    """One opportunity as :func:`opportunities` loads it, or None."""
    return opportunities().filter(no=normalize_key(no)).first()


def contact_filter(contact_no: str, *, field: str = "contact") -> Q:
    """The opportunities (or entries) of a contact: a person's own, or for a company those of all its contacts."""
    key = normalize_key(contact_no)
    contact_type = Contact.objects.filter(no=key).values_list("type", flat=True).first()
    if contact_type == ContactType.COMPANY:
        return Q(**{f"{field}_company_id": key})
    return Q(**{f"{field}_id": key})


def filter_opportunities(
    queryset: QuerySet[Opportunity],
    *,
    status: str | None = None,
    closed: bool | None = None,
    salesperson_code: str | None = None,
    contact_no: str | None = None,
    contact_company_no: str | None = None,
    sales_cycle_code: str | None = None,
    campaign_no: str | None = None,
    segment_no: str | None = None,
    creation_date_from: dt.date | None = None,
    creation_date_to: dt.date | None = None,
    date_closed_from: dt.date | None = None,
    date_closed_to: dt.date | None = None,
    q: str | None = None,
) -> QuerySet[Opportunity]:
    """The Opportunity List's filters (spec §5.2, api.md)."""
    if status:
        queryset = queryset.filter(status=status)
    if closed is not None:
        queryset = queryset.filter(closed=closed)
    if salesperson_code:
        queryset = queryset.filter(salesperson_id=normalize_key(salesperson_code))
    if contact_no:
        queryset = queryset.filter(contact_filter(contact_no))
    if contact_company_no:
        queryset = queryset.filter(contact_company_id=normalize_key(contact_company_no))
    if sales_cycle_code:
        queryset = queryset.filter(sales_cycle_id=normalize_key(sales_cycle_code))
    if campaign_no:
        queryset = queryset.filter(campaign_id=normalize_key(campaign_no))
    if segment_no:
        queryset = queryset.filter(segment_id=normalize_key(segment_no))
    if creation_date_from:
        queryset = queryset.filter(creation_date__gte=creation_date_from)
    if creation_date_to:
        queryset = queryset.filter(creation_date__lte=creation_date_to)
    if date_closed_from:
        queryset = queryset.filter(date_closed__gte=date_closed_from)
    if date_closed_to:
        queryset = queryset.filter(date_closed__lte=date_closed_to)
    if q:
        queryset = queryset.filter(Q(no__icontains=q) | Q(description__icontains=q))
    return queryset


def entries(no: str) -> QuerySet[OpportunityEntry]:
    """The opportunity's entries (the card's "Sales Cycle Stages" subform, spec §5.2)."""
    return OpportunityEntry.objects.filter(opportunity_id=normalize_key(no))
