"""The Opportunity List's filters, defined once (conventions "Where a query goes"): the API list takes them as query
parameters (``GET /opportunities``, api.md "Opportunities") and the web list builds them from its form
(``forms.ListFilterForm``), so the same words give the same results on both faces.

Each word is one field of :class:`OpportunityFilters` with its database lookup beside it (ninja ``FilterSchema``):
a blank value (``None``, ``""``, only spaces) filters nothing, keys are looked up as stored (upper-case, NFC).
The words after ``q`` (the current stage, the Estimated Closing Date range, the close code, ``has_…``) let a figure
of the Opportunities matrix and of the analysis pages name exactly its opportunities (drill-down, spec §5.7)."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Q, QuerySet
from ninja import FilterLookup, FilterSchema

from salescycle.contacts.models import Contact, Salesperson
from salescycle.contacts.selectors import team_salesperson_codes
from salescycle.core.keys import normalize_key
from salescycle.core.schemas import DateQuery, KeyFilter, OneOf
from salescycle.core.search import contains_q
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import Opportunity

# An opportunity status as the API takes it (``schemas.StatusLiteral``, which this module cannot import: the schemas
# read the list's columns from the selectors, which use these filters).
Status = Annotated[str, OneOf(OpportunityStatus)]


def contact_filter(contact_no: str) -> Q:
    """The opportunities (or opportunity entries: both store the contact and its company) of contact
    ``contact_no``: a person's own, and for a company those of all its contacts (spec §5.2, api.md ``contact_no``).
    One condition for both kinds, without looking up the contact's type: a company is the company of each of its
    contacts and of itself (constraint ``contact_company_is_self_for_companies``) and a person is no one's company,
    so "the contact, or the contact's company, is ``contact_no``" is exactly the rule. Implements spec §5.2."""
    key = normalize_key(contact_no)
    return Q(contact_id=key) | Q(contact_company_id=key)


# At most this many contact or salesperson keys are looked up first and named in the query (so each database can
# answer ``contact_id IN (…)`` from its index and combine it with the other columns' indexes); a name matching more
# is common enough that the ordered list finds its page quickly by the key's order, so it stays a subquery.
NAME_KEYS = 1000


def _named_keys(queryset: QuerySet[Any], key: str) -> list[str] | QuerySet[Any]:
    keys = list(queryset.values_list(key, flat=True)[: NAME_KEYS + 1])
    return keys if len(keys) <= NAME_KEYS else queryset.values(key)


def search_filter(text: str) -> Q:
    """The opportunities whose number, description, contact name, company name or salesperson name contains
    ``text`` (case-insensitive as ``icontains``; surrounding spaces ignored; blank: all). Implements api.md "Lists"
    (``q`` on ``/opportunities``, "the same in the web list") and issue #15 (through the trigram indexes of
    :mod:`salescycle.core.search`: the contacts and salespeople whose name matches are looked up first, two small
    queries, then their keys narrow the opportunities through the foreign-key indexes). Texts under three
    characters cannot use trigrams and are searched by the same definition, by a scan. The result equals
    :func:`plain_search_filter` (held by ``tests/test_search.py``)."""
    words = text.strip()
    if not words:
        return Q()
    contacts = _named_keys(Contact.objects.filter(contains_q(Contact, ["name"], words)), "no")
    salespeople = _named_keys(Salesperson.objects.filter(name__icontains=words), "code")
    return (
        contains_q(Opportunity, ["no", "description"], words)
        | Q(contact_id__in=contacts)
        | Q(contact_company_id__in=contacts)
        | Q(salesperson_id__in=salespeople)
    )


def plain_search_filter(text: str) -> Q:
    """The definition of ``q`` (api.md): ``icontains`` on the number, description, contact name, company name and
    salesperson name, through the joins. Slow at scale (full scans): kept as the reference :func:`search_filter` is
    tested against."""
    words = text.strip()
    if not words:
        return Q()
    return (
        Q(no__icontains=words)
        | Q(description__icontains=words)
        | Q(contact__name__icontains=words)
        | Q(contact_company__name__icontains=words)
        | Q(salesperson__name__icontains=words)
    )


def team_filter(team_code: str) -> Q:
    """The opportunities whose salesperson is in team ``team_code`` (blank: all; an unknown team: none). Implements
    the drill-down of the dashboard's team figures (issue #14 item 5)."""
    key = normalize_key(team_code)
    return Q(salesperson_id__in=team_salesperson_codes(key)) if key else Q()


class OpportunityFilters(FilterSchema):
    """The Opportunity List's filters (api.md "Opportunities", spec §5.2). Every given filter narrows the list; a
    blank code, number or search text is ignored. `contact_no` of a company covers all its contacts; `q` searches
    the number, description, contact name, company name and salesperson name (case-insensitive); `_from`/`_to`
    dates are inclusive. The current stage, Estimated Closing Date and close code are those of the active entry (the
    opportunity's copy of it, ``ledger.FIGURES``; the close code read from the entry itself); ``has_salesperson``,
    ``has_contact``, ``has_campaign`` keep the opportunities with (true) or without (false) one; ``team_code`` those
    of the team's salespeople."""

    status: Annotated[Status | None, FilterLookup("status")] = None
    closed: Annotated[bool | None, FilterLookup("closed")] = None
    salesperson_code: Annotated[KeyFilter, FilterLookup("salesperson_id")] = None
    contact_no: str | None = None
    contact_company_no: Annotated[KeyFilter, FilterLookup("contact_company_id")] = None
    sales_cycle_code: Annotated[KeyFilter, FilterLookup("sales_cycle_id")] = None
    campaign_no: Annotated[KeyFilter, FilterLookup("campaign_id")] = None
    segment_no: Annotated[KeyFilter, FilterLookup("segment_id")] = None
    creation_date_from: Annotated[DateQuery | None, FilterLookup("creation_date__gte")] = None
    creation_date_to: Annotated[DateQuery | None, FilterLookup("creation_date__lte")] = None
    date_closed_from: Annotated[DateQuery | None, FilterLookup("date_closed__gte")] = None
    date_closed_to: Annotated[DateQuery | None, FilterLookup("date_closed__lte")] = None
    q: str | None = None
    current_sales_cycle_stage: Annotated[int | None, FilterLookup("current_sales_cycle_stage")] = None
    estimated_closing_date_from: Annotated[DateQuery | None, FilterLookup("estimated_closing_date__gte")] = None
    estimated_closing_date_to: Annotated[DateQuery | None, FilterLookup("estimated_closing_date__lte")] = None
    close_opportunity_code: KeyFilter = None
    has_salesperson: bool | None = None
    has_contact: bool | None = None
    has_campaign: bool | None = None
    team_code: str | None = None

    def filter_contact_no(self, value: str | None) -> Q:
        """:func:`contact_filter` for a given contact, else nothing."""
        key = normalize_key(value)
        return contact_filter(key) if key else Q()

    def filter_q(self, value: str | None) -> Q:
        """:func:`search_filter`."""
        return search_filter(value or "")

    def filter_close_opportunity_code(self, value: str | None) -> Q:
        """The opportunities whose active entry (a closing one: Won or Lost) carries close code ``value``. A join
        on the one active entry of each opportunity (a partial unique index), so no row is doubled."""
        key = normalize_key(value)
        return Q(entries__active=True, entries__close_opportunity_code_id=key) if key else Q()

    def filter_has_salesperson(self, value: bool | None) -> Q:
        """With (true) or without (false) a salesperson; None: all."""
        return Q() if value is None else Q(salesperson__isnull=not value)

    def filter_has_contact(self, value: bool | None) -> Q:
        """With (true) or without (false) a contact; None: all."""
        return Q() if value is None else Q(contact__isnull=not value)

    def filter_has_campaign(self, value: bool | None) -> Q:
        """With (true) or without (false) a campaign; None: all."""
        return Q() if value is None else Q(campaign__isnull=not value)

    def filter_team_code(self, value: str | None) -> Q:
        """:func:`team_filter`."""
        return team_filter(value or "")
